"""Playing one level: the recorded session starts on entering and ends on leaving.

The engine's `PlaySession` decides everything (beats, judgements, adaptation, results); the
painter (game/play_painter.py) draws what it decided. This scene starts and ends the
recorded session, takes the input (taps, pause, leaving), feeds the autoplayer's taps, and
draws the pause shade over a still frame.

In the game a finished level goes on to the results scene and a level left from the pause
goes back to where the level was started from (the level map, or the therapist's screens).
Alone (`run.py play`, the headless demo, benchmarks) the scene is the whole program: it ends
when the level does.

A level never starts silently by accident: with no sound output (and no therapist's choice
of "silent" in the settings) the scene hands over to the stop screen at once, recording
nothing. When a level ends or is left, menus ignore tap presses for `TAP_QUIET_S`, so that a
child clapping on does not press the next screen's buttons.

With ``watch`` the level file is read again whenever it is saved: the session so far ends
(kept, marked incomplete) and the new version starts; a file with errors shows them, the same
lines as `run.py levels validate`, wrapped to the window, until the next save.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pygame

from engine.audio.synth import click_sounds
from engine.input.pump import Tap, UiEvent
from engine.levels.load import LevelError, load_level
from engine.levels.model import Level
from engine.levels.watch import LevelFileWatcher
from engine.session.adaptation import (
    Staircase,
    build_ladder,
    is_adaptive,
    level_rung,
    remember_position,
    staircase_for_child,
    start_tempo_for_child,
)
from engine.session.plan_progress import PlanPlace
from engine.session.play import PlaySession
from engine.session.rewards import Progress
from engine.store.opening import open_store
from engine.store.records import AUDIO_SILENT, SESSION_COMPLETE, SESSION_INCOMPLETE, SessionRecord
from game.canvas import design_unit
from game.context import GameContext
from game.menu_scene import BUTTON, FOCUS
from game.palette import DIM_TEXT, TEXT
from game.play_painter import PlayPainter
from game.scene import Goto, Scene
from game.sound import session_audio_device
from game.text import draw_text, wrap_lines
from game.widgets import Button, Menu

# Gamepad Start (SDL numbering, Xbox layout) pauses; in the pause the d-pad, A and B choose.
PAUSE_BUTTON = 7
TAP_QUIET_S = 1.5  # after a level, menus ignore tap presses this long


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class PlayScene(Scene):
    def __init__(
        self,
        context: GameContext,
        level: Level | Path,
        progress_before: Progress | None = None,
        alone: bool = False,
        watch: bool = False,
        exit_when_done: bool = True,
        results_hold_s: float = 1.5,
        back_to: Goto | None = None,
        plan_place: PlanPlace | None = None,
    ) -> None:
        """``level``: a level, or its file (read on entering, and on each save with ``watch``).

        ``progress_before``: the child's stars and stickers before, to tell what is new.
        ``alone``: the scene is the whole program (see the module's docstring).
        ``exit_when_done``: the level ends ``results_hold_s`` after its last beat; otherwise
        its results table waits for Enter.
        ``back_to``: where leaving the level (and its results) goes; the level map if None.
        ``plan_place``: the plan, run and stop the session is played under (the kiosk's).
        """
        super().__init__(context)
        self.back_to = back_to or Goto("level_map")
        self.level = level
        self.progress_before = progress_before
        self.alone = alone
        self.watch = watch
        self.exit_when_done = exit_when_done
        self.results_hold_ns = int(results_hold_s * 1e9)
        self.plan_place = plan_place
        self.session: PlaySession | None = None  # None while the level file has errors
        self.last_session: PlaySession | None = None
        self.session_ids: list[int] = []
        self.problems: tuple[str, ...] = ()
        self._watcher: LevelFileWatcher | None = None
        self._painter: PlayPainter | None = None
        self._profile_code: str | None = None
        self._finished_at_ns: int | None = None
        self._results_seen = False
        self._paused_backdrop: pygame.Surface | None = None
        self._pause_menu = Menu()
        self._now_ns = 0  # the latest host time seen, for the quiet time after the level

    # --- the recorded session -----------------------------------------------------------------
    def on_enter(self) -> None:
        context = self.context
        if session_audio_device(context.settings, context.sound.status) is None:
            # No sound and no therapist's choice of silence: the stop screen, nothing recorded.
            print(f"Sound: {context.sound.status.reason}; the level does not start")
            if self.alone and self.exit_when_done:
                self.done = True  # run from a script: nobody is there to read a screen
                return
            self.goto("no_sound", retry=self._again(), back_to=None if self.alone else self.back_to)
            return
        if self.watch:
            assert isinstance(self.level, Path), "only a level file can be watched"
            self._watcher = LevelFileWatcher(self.level)
        self._start()

    def _again(self) -> Goto:
        """This level, asked for anew (the stop screen's "try again", the results' "again")."""
        return Goto(
            "play",
            level=self.level,
            progress_before=self.progress_before,
            alone=self.alone,
            watch=self.watch,
            exit_when_done=self.exit_when_done,
            results_hold_s=self.results_hold_ns / 1e9,
            back_to=self.back_to,
        )

    def on_exit(self) -> None:
        self._end_session()

    def _load(self) -> Level | None:
        if isinstance(self.level, Level):
            return self.level
        try:
            return load_level(self.level)
        except LevelError as error:
            self.problems = tuple(str(problem) for problem in error.problems)
            for line in self.problems:
                print(line)
            return None

    def _start(self) -> None:
        level = self._load()
        if level is None:
            return
        self.problems = ()
        context = self.context
        rig = context.rig
        if context.profile is None:
            raise RuntimeError("a level is played for a profile: set GameContext.profile first")
        profile_code = context.profile.code
        audio_device = session_audio_device(context.settings, context.sound.status)
        silent = audio_device == AUDIO_SILENT
        place = self.plan_place
        session_id = context.recorder.start_session(
            SessionRecord(
                profile_code=profile_code,
                level_id=level.id,
                level_title=level.title,
                level_path=str(level.source_path or ""),
                station=context.station_name,
                sample_rate_hz=rig.settings.sample_rate_hz,
                input_offset_ms=context.input_offset_ms,
                output_latency_ms=rig.settings.output_latency_ns / 1e6,
                started_at_utc=utc_now_iso(),
                calibration=context.calibration,
                audio_device=audio_device,
                autoplayed=context.autoplay is not None or context.simulated_player,
                plan_id=None if place is None else place.plan_id,
                plan_visit=None if place is None else place.run_number,
                plan_stop=None if place is None else place.stop_index,
            )
        )
        if silent:
            # The therapist chose to play without sound: no clicks, no guide tones.
            rig.track.set_sounds(click_sounds(rig.settings.sample_rate_hz, 0.0))
        self.session_ids.append(session_id)
        # Without a data folder of its own the scene keeps no places on adaptive levels.
        self._profile_code = profile_code if context.data_dir is not None else None
        self.session = self.last_session = PlaySession(
            level,
            session_id,
            rig.ring,
            rig.clock_map,
            rig.track,
            context.recorder,
            context.input_offset_ms,
            0.0 if silent else context.settings.guide_volume,
            *self._adaptive_start(level),
            language=context.settings.language,
        )
        self._painter = PlayPainter(
            self.session,
            context.surface,
            press_enter_hint=not self.exit_when_done,
            visual_offset_ms=context.visual_offset_ms,
            look=context.look,
            messages=context.messages,
            results_table=self.alone,
        )
        self._finished_at_ns = None
        self._results_seen = False

    def _adaptive_start(self, level: Level) -> tuple[Staircase | None, float | None]:
        """Adaptive levels start where this child left them, rung and tempo (assessments
        never adapt)."""
        if not is_adaptive(level):
            return None, None
        if self._profile_code is None:
            ladder = build_ladder(level)
            return Staircase(len(ladder), level.adaptive.target, level_rung(level, ladder)), None
        store = open_store(self.context.data_dir)
        try:
            return (
                staircase_for_child(store, self._profile_code, level),
                start_tempo_for_child(store, self._profile_code, level),
            )
        finally:
            store.close()

    def _end_session(self) -> None:
        session = self.session
        if session is None:
            return
        if session.staircase is not None and self._profile_code is not None:
            store = open_store(self.context.data_dir)
            try:
                remember_position(
                    store,
                    self._profile_code,
                    session.level.id,
                    session.staircase,
                    tempo_bpm=session.tempo_bpm,
                )
            finally:
                store.close()
        # Played to its end with taps: a level that ran to its end untouched was not played.
        complete = session.finished and session.recorded_taps > 0
        status = SESSION_COMPLETE if complete else SESSION_INCOMPLETE
        self.context.recorder.end_session(session.session_id, utc_now_iso(), status)
        rig = self.context.rig
        rig.silence_queued_clicks()
        volume = self.context.settings.metronome_volume
        rig.track.set_sounds(click_sounds(rig.settings.sample_rate_hz, volume))
        self.session = self._painter = None

    # --- where to go --------------------------------------------------------------------------
    def _quiet_taps(self) -> None:
        self.context.taps_quiet_until_ns = self._now_ns + int(TAP_QUIET_S * 1e9)

    def _leave(self) -> None:
        """Back out of the level; its session is kept, marked incomplete."""
        self._quiet_taps()
        if self.alone:
            self.done = True
        else:
            self.next = self.back_to

    def _level_over(self) -> None:
        self._quiet_taps()
        if self.alone:
            self.done = True
        else:
            assert self.session is not None
            self.goto(
                "results",
                level=self.session.level,
                session=self.session,
                progress_before=self.progress_before,
                back_to=self.back_to,
                again=self._again(),
            )

    # --- scene hooks --------------------------------------------------------------------------
    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None:
        self._now_ns = now_ns
        session = self.session
        if session is None:
            if any(_is_key(event, "escape") for event in ui_events):
                self._leave()
            return
        if session.paused:
            self._on_pause_input(ui_events, now_ns)
            session.on_taps(taps)  # recorded, not scored while paused
            return
        for event in ui_events:
            if _is_key(event, "escape") or _is_key(event, "p") or _is_button(event, PAUSE_BUTTON):
                if session.finished:
                    self._results_seen = True
                else:
                    session.pause(now_ns)
                    self._pause_menu.focus = 0  # "go on" first: leaving is the second choice
            elif _is_key(event, "return") and session.finished:
                self._results_seen = True
            elif event.kind == "resize" and self._painter is not None:
                self._painter.invalidate()
        session.on_taps(taps)

    def _on_pause_input(self, ui_events: list[UiEvent], now_ns: int) -> None:
        """Keys: Enter, Space or P go on, Esc leaves, Q ends the program. Mouse, touch and
        gamepad: the two buttons (d-pad and A, or B to leave); a press beside them goes on."""
        assert self.session is not None
        for event in ui_events:
            if _is_key(event, "q"):
                self.done = True  # leave the program
                return
            if any(_is_key(event, key) for key in ("space", "p")) or _is_button(
                event, PAUSE_BUTTON
            ):
                self._resume(now_ns)
                return
            chosen = self._pause_menu.handle(event, now_ns)
            if chosen in ("leave", "back"):
                self._leave()
                return
            if chosen == "go_on" or (event.kind == "pointer" and chosen is None):
                self._resume(now_ns)
                return

    def _resume(self, now_ns: int) -> None:
        assert self.session is not None and self._painter is not None
        self.session.resume(now_ns)
        # The shade covered the whole window: the next frame repaints all of it, or the
        # painter, which repaints only what it drew, would leave the shade's words behind.
        self._painter.invalidate()

    def on_update(self, now_ns: int) -> None:
        self._now_ns = now_ns
        if self._watcher is not None and self._watcher.changed(now_ns):
            self._end_session()
            self._start()
        session = self.session
        if session is None:
            return
        self._autoplay(now_ns)  # taps that came due during a long frame go in before misses
        session.update(now_ns)
        if session.finished and self._finished_at_ns is None:
            self._finished_at_ns = now_ns
        if (
            self.exit_when_done
            and self._finished_at_ns is not None
            and now_ns - self._finished_at_ns >= self.results_hold_ns
        ):
            self._results_seen = True
        # A watched level stays on its results until the next save.
        if self._results_seen and self._watcher is None:
            self._level_over()

    def on_idle(self, now_ns: int) -> None:
        self._autoplay(now_ns)

    def _autoplay(self, now_ns: int) -> None:
        if self.session is None or self.context.autoplay is None:
            return
        due = self.context.autoplay.due_taps(self.session, self.context.rig.clock_map, now_ns)
        if due:
            self.session.on_taps(due)

    def on_draw(self, now_ns: int) -> list[pygame.Rect] | None:
        surface = self.context.surface
        if self.session is None or self._painter is None:
            self._draw_problems(surface)
            return None
        if not self.session.paused:
            self._paused_backdrop = None
            return self._painter.draw(now_ns)
        if self._paused_backdrop is None:
            # The painter draws only what changes; under the shade it must be one still frame.
            self._painter.draw(now_ns)
            self._paused_backdrop = surface.copy()
        surface.blit(self._paused_backdrop, (0, 0))
        self._draw_pause(surface)
        return None

    def _draw_pause(self, surface: pygame.Surface) -> None:
        width, height = surface.get_size()
        unit = design_unit((width, height))
        text_unit = unit * self.context.look.text_scale
        shade = pygame.Surface((width, height), pygame.SRCALPHA)
        shade.fill((10, 10, 25, 215))  # dark enough that the still frame's words recede
        surface.blit(shade, (0, 0))
        text = self.context.messages
        draw_text(
            surface, text("pause.title"), int(90 * unit), TEXT, center=(width / 2, height * 0.3)
        )
        self._layout_pause_menu(width, height, unit)
        self._pause_menu.draw(surface, int(34 * text_unit), BUTTON, TEXT, FOCUS)
        lines = (text("pause.go_on"), text("pause.leave"))
        for index, line in enumerate(lines):
            center = (width / 2, height * (0.72 + 0.06 * index))
            draw_text(surface, line, int(28 * text_unit), DIM_TEXT, center=center)

    def _layout_pause_menu(self, width: int, height: int, unit: float) -> None:
        text = self.context.messages
        go_on = pygame.Rect(0, 0, int(300 * unit), int(80 * unit))
        go_on.center = (int(width / 2 - 170 * unit), int(height * 0.53))
        leave = go_on.move(int(340 * unit), 0)
        focus = self._pause_menu.focus
        self._pause_menu.buttons = [
            Button("go_on", text("pause.button_go_on"), go_on),
            Button("leave", text("pause.button_leave"), leave),
        ]
        self._pause_menu.focus = min(focus, 1)

    def _draw_problems(self, surface: pygame.Surface) -> None:
        width = surface.get_width()
        unit = design_unit(surface.get_size())
        surface.fill((30, 30, 40))
        text = self.context.messages
        draw_text(
            surface, text("problems.title"), int(44 * unit), TEXT, topleft=(30 * unit, 24 * unit)
        )
        hint = text("problems.hint")
        draw_text(surface, hint, int(26 * unit), DIM_TEXT, topleft=(30 * unit, 76 * unit))
        line_y = 130 * unit
        size_px = int(22 * unit)
        # Each problem wraps inside the window, so its "(got ...)" end is never cut off.
        for problem in self.problems[:20]:
            for line in wrap_lines(problem, size_px, int(width - 60 * unit)):
                if line_y > surface.get_height() - 30 * unit:
                    return
                draw_text(surface, line, size_px, (255, 215, 150), topleft=(30 * unit, line_y))
                line_y += 26 * unit
            line_y += 6 * unit


def _is_key(event: UiEvent, key: str) -> bool:
    return event.kind == "key" and event.key == key


def _is_button(event: UiEvent, button: int) -> bool:
    return event.kind == "button" and event.key == str(button)
