"""The kiosk's director: the game's director (game/director.py) with the ways out taken away and
a way in for the therapist.

- The window's close request (WM_DELETE_WINDOW, Alt+F4 where the window manager turns it into
  one), SDL's quit event, F11 and a scene that asks to end the program lead nowhere: only the
  therapist's "Quit the station", behind the PIN, ends the kiosk.
- Ctrl+Alt+Shift+T, or holding the top-left corner for 3 s, opens the PIN pad.
- Every move between scenes goes through `route`: the therapist's screens only while the PIN
  gate is open (else the PIN pad), the game's own profile picker and title replaced by the
  kiosk's, the level map by the child's plan path while a plan runs. Leaving the therapist's
  screens for a child's closes the gate.
- Idle: a level pauses after ``idle_pause_s``; after ``idle_attract_s`` the session is saved
  (incomplete, as leaving a level always does) and the attract screen shows. The open gate
  closes after ``therapist_lock_s`` without input.
- What a therapist changes behind the PIN is written to the audit log: settings, profiles,
  calibration and reports saved by the game's own screens are seen by comparing before and
  after; the kiosk's own screens write their entries themselves.
"""

from __future__ import annotations

import dataclasses

from engine.input.pump import Tap, UiEvent
from engine.session.idle import ATTRACT, PAUSE, IdleWatch
from engine.store.records import ProfileRecord
from game.canvas import design_unit
from game.context import GameContext
from game.director import Director
from game.kiosk.gestures import (
    CORNER_DESIGN_PX,
    CornerHold,
    HidingCursor,
    Pointer,
    is_therapist_keys,
)
from game.kiosk.state import CALL_THERAPIST, KioskState
from game.scene import Goto, Scene

PIN_PAD = "kiosk_pin"
ATTRACT_SCENE = "kiosk_attract"
CALL_SCENE = "kiosk_call"
# Scenes only a therapist may see: shown only while the PIN gate is open.
THERAPIST_ONLY = frozenset(
    {
        "kiosk_menu",
        "kiosk_plans",
        "kiosk_plan_edit",
        "kiosk_reports",
        "therapist_profiles",
        "therapist_sessions",
        "therapist_session",
        "settings",
        "reports_folder",
        "sound_check",
        "calibrate",
        "devices",
        "midi_learn",
        "new_profile",
    }
)
# Scenes both see: the sound stop screen shows for a child whose level cannot start, and for
# a therapist calibrating without sound. Entering one leaves the gate as it is.
SHARED_SCENES = frozenset({"no_sound"})
# Scenes where nobody touching anything is expected, so idleness changes nothing.
CALM_SCENES = frozenset({ATTRACT_SCENE, CALL_SCENE, "kiosk_break"})


@dataclasses.dataclass(frozen=True)
class _Snapshot:
    """What the therapist's screens may change, as it was when the gate opened."""

    settings: object
    profiles: tuple[ProfileRecord, ...]
    reports: frozenset[str]


class KioskDirector(Director):
    def __init__(
        self, context: GameContext, kiosk: KioskState, pointer: Pointer, now_ns: int
    ) -> None:
        self.kiosk = kiosk
        self.pointer = pointer
        config = kiosk.config
        self.idle = IdleWatch(config.idle_pause_s, config.idle_attract_s, now_ns)
        self.corner = CornerHold()
        self.cursor = HidingCursor(pointer, config.cursor_hide_s)
        self.scene_name = ""
        self._snapshot: _Snapshot | None = None
        first = CALL_SCENE if kiosk.mode == CALL_THERAPIST else ATTRACT_SCENE
        super().__init__(context, Goto(first))

    # --- moving between scenes ----------------------------------------------------------------
    def start_screen(self) -> Goto:
        """Where the next child starts (the call screen, in that mode)."""
        if self.kiosk.mode == CALL_THERAPIST:
            return Goto(CALL_SCENE)
        return Goto(ATTRACT_SCENE)

    def child_home(self) -> Goto:
        """Where a scene that asks to end the program leads instead: back to the child's
        path or map while a child is playing, else the start."""
        if self.kiosk.mode != CALL_THERAPIST and self.context.profile is not None:
            return Goto("level_map")
        return self.start_screen()

    def route(self, goto: Goto) -> Goto:
        """The scene the kiosk shows for ``goto``, with the kiosk's state for its own scenes."""
        name = goto.name
        gate_open = self.kiosk.gate.is_open
        if self.kiosk.mode == CALL_THERAPIST and name not in (CALL_SCENE, PIN_PAD, "kiosk_menu"):
            goto = Goto(CALL_SCENE)
        elif name == "title":
            goto = Goto(ATTRACT_SCENE)
        elif name == "profiles":
            goto = Goto("kiosk_menu" if gate_open else "kiosk_players")
        elif name == "level_map" and self._plan_running():
            goto = Goto("kiosk_plan")
        elif name == "settings":
            # The kiosk's window is always full screen: no button to change that.
            goto = Goto("settings", **{**goto.params, "fixed_window": True})
        if goto.name in THERAPIST_ONLY and not gate_open:
            goto = Goto(PIN_PAD)
        if goto.name.startswith("kiosk_"):
            goto = Goto(goto.name, **{**goto.params, "kiosk": self.kiosk})
        return goto

    def therapist_here(self) -> bool:
        """Whether the therapist's screens show (a shared one, with the gate open)."""
        name = self.scene_name
        return name in THERAPIST_ONLY or (name in SHARED_SCENES and self.kiosk.gate.is_open)

    def _plan_running(self) -> bool:
        profile = self.context.profile
        return profile is not None and profile.code == self.kiosk.plan_profile_code

    def _enter(self, goto: Goto) -> Scene:
        goto = self.route(goto)
        if self.kiosk.gate.is_open and goto.name not in THERAPIST_ONLY | SHARED_SCENES | {PIN_PAD}:
            self._close_gate("back to the child")
        if goto.name in THERAPIST_ONLY and self._snapshot is None:
            self._snapshot = self._take_snapshot()
        if goto.name == ATTRACT_SCENE:
            self.context.profile = None
            self.kiosk.plan_profile_code = None
        self.scene_name = goto.name
        return super()._enter(goto)

    def show(self, goto: Goto) -> None:
        self.close()
        self._audit_what_changed(self.scene)
        self.scene = self._enter(goto)

    def _close_gate(self, why: str) -> None:
        self.kiosk.gate.close()
        self._snapshot = None
        self.kiosk.audit("locked", why)

    # --- input --------------------------------------------------------------------------------
    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None:
        if taps or ui_events:
            self.idle.input_seen(now_ns)
            self.kiosk.gate.activity(now_ns)
        modifiers = self.pointer.modifiers() if ui_events else 0
        passed = []
        therapist = False
        for event in ui_events:
            if event.kind == "quit":
                continue  # the window's close button, Alt+F4, SDL's quit: the kiosk stays
            if event.kind == "key" and event.key == "f11":
                continue  # the window stays full screen
            if is_therapist_keys(event, modifiers):
                therapist = True
                continue
            passed.append(event)
        if therapist and self.scene_name != PIN_PAD and not self.therapist_here():
            self.show(Goto(PIN_PAD))
            return
        self.scene.on_input(taps, passed, now_ns)

    # --- each frame ---------------------------------------------------------------------------
    def on_update(self, now_ns: int) -> None:
        if self.done:
            return
        if self.rig is not None:  # the call-your-therapist screen runs without audio
            self.rig.clock_map.refit()
            self.rig.ring.fill_ahead(self.rig.track.render)
        self.cursor.update(now_ns)
        if self.cursor.visible:
            self.idle.input_seen(now_ns)
        if self._watch(now_ns):
            return
        self.scene.on_update(now_ns)
        if self.scene.done and self.kiosk.ending is not None:
            self.close()
            self._audit_what_changed(self.scene)
            self.done = True
        elif self.scene.done:
            self.show(self.child_home())  # no scene ends the kiosk but the therapist's quit
        elif self.scene.next is not None:
            self.show(self.scene.next)

    def _watch(self, now_ns: int) -> bool:
        """The corner, the idle times and the gate; whether this frame moved to a scene."""
        held, pos = self.pointer.held()
        corner_px = CORNER_DESIGN_PX * design_unit(self.context.surface.get_size())
        corner_held = self.corner.update(held, pos, corner_px, now_ns)
        if corner_held and self.scene_name != PIN_PAD and not self.therapist_here():
            self.show(Goto(PIN_PAD))
            return True
        if self.kiosk.gate.close_if_idle(now_ns):
            self._snapshot = None
            self.kiosk.audit("locked", "idle")
            self.show(self.start_screen())
            return True
        if self.scene_name in CALM_SCENES or self.therapist_here():
            return False
        state = self.idle.state(now_ns)
        if state == ATTRACT:
            self.show(self.start_screen())
            return True
        if state == PAUSE:
            session = getattr(self.scene, "session", None)
            if session is not None and not session.paused and not session.finished:
                session.pause(now_ns)
        return False

    def on_idle(self, now_ns: int) -> None:
        if self.rig is not None:
            self.rig.ring.fill_ahead(self.rig.track.render)
        self.scene.on_idle(now_ns)

    # --- the audit of the game's own therapist screens -----------------------------------------
    def _take_snapshot(self) -> _Snapshot:
        store = self.context.open_store()
        try:
            profiles = tuple(store.list_profiles())
        finally:
            store.close()
        return _Snapshot(self.context.settings, profiles, self._report_files())

    def _report_files(self) -> frozenset[str]:
        folder = self.context.reports_folder()
        if not folder.is_dir():
            return frozenset()
        return frozenset(path.name for path in folder.iterdir() if not path.name.startswith("."))

    def _audit_what_changed(self, left: Scene) -> None:
        if self.scene_name == "calibrate":
            result = getattr(left, "result", None)
            if result is not None and result.accepted:
                kind = getattr(left, "kind", "")
                self.kiosk.audit("settings", f"calibration ({kind}) saved")
        before = self._snapshot
        if before is None or self.scene_name not in THERAPIST_ONLY:
            return
        after = self._take_snapshot()
        self._snapshot = after
        if self.scene_name.startswith("kiosk_"):
            return  # the kiosk's own screens write their audit entries themselves
        if after.settings != before.settings:
            changed = [
                field.name
                for field in dataclasses.fields(after.settings)
                if getattr(after.settings, field.name) != getattr(before.settings, field.name)
            ]
            self.kiosk.audit("settings", ", ".join(changed))
        for profile in _profile_changes(before.profiles, after.profiles):
            self.kiosk.audit("profiles", profile)
        for name in sorted(after.reports - before.reports):
            self.kiosk.audit("report_saved", name)


def _profile_changes(
    before: tuple[ProfileRecord, ...], after: tuple[ProfileRecord, ...]
) -> list[str]:
    """'added P-...' / 'changed P-...' lines (codes only: the log names no child)."""

    def details(profile: ProfileRecord) -> tuple:
        return (profile.display_name, profile.birth_year, profile.avatar)

    old = {profile.code: details(profile) for profile in before}
    lines = []
    for profile in after:
        if profile.code not in old:
            lines.append(f"added {profile.code}")
        elif old[profile.code] != details(profile):
            lines.append(f"changed {profile.code}")
    return lines
