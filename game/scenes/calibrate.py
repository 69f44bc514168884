"""Latency calibration: tap along with clicks (input) or with flashes (screen).

The taps are judged on the audio clock with no offset applied; engine/session/calibration.py turns
them into the machine's offset, or refuses them with a reason. Nothing here is recorded as
a clinical session.
"""

from __future__ import annotations

import pygame

from engine.audio.synth import click_sounds
from engine.input.pump import Tap, UiEvent
from engine.levels.model import Level, Task, Windows
from engine.session.calibration import (
    CalibrationResult,
    input_offset_from_taps,
    load_calibration,
    save_calibration,
    visual_offset_from_taps,
    with_offset,
)
from engine.session.play import PlaySession
from engine.session.play_view import PHASE_COUNT_IN, PHASE_PLAYING
from game.canvas import design_unit
from game.context import GameContext
from game.scene import Goto, Scene
from game.text import draw_text
from game.widgets import Button, Menu

CALIBRATION_BEATS = 48  # the first 8 taps are dropped: 40 remain
CALIBRATION_TEMPO_BPM = 100.0
INPUT = "input"
VISUAL = "visual"
BUTTON_FILL = (60, 90, 150)  # as the menus' buttons (game/menu_scene.py)
BUTTON_FOCUS = (255, 205, 40)


def calibration_level(kind: str) -> Level:
    return Level(
        format=1,
        id=f"calibration-{kind}",
        title="Calibration",
        theme="space",
        tempo_bpm=CALIBRATION_TEMPO_BPM,
        count_in_beats=4,
        windows=Windows(sro_ms=15.0, good_ms=100.0, ok_ms=290.0),  # pair anything near a beat
        tasks=(Task("Calibration", ("any",), CALIBRATION_BEATS, None),),
    )


class _NotRecorded:
    """Calibration taps are measurements of the machine, not of a child: nothing is kept."""

    def task(self, task_start) -> None: ...
    def beats(self, beats) -> None: ...
    def tap(self, tap) -> None: ...
    def adaptation_step(self, step) -> None: ...


class CalibrationScene(Scene):
    def __init__(self, context: GameContext, kind: str, back: Goto | None = None) -> None:
        """``kind``: INPUT or VISUAL; ``back``: where to go when done (None: the program ends,
        as `run.py calibrate`)."""
        super().__init__(context)
        self.kind = kind
        self.back = back
        self.result: CalibrationResult | None = None
        self.session: PlaySession | None = None
        # Buttons for a mouse or a finger: Back while measuring; Done, or Back and Again, after.
        self.menu = Menu()

    def on_enter(self) -> None:
        if self.kind == INPUT and not self.context.sound.status.audible:
            # Tapping along with clicks nobody hears would measure nothing.
            retry = Goto("calibrate", kind=self.kind, back=self.back)
            self.goto("no_sound", retry=retry, back_to=self.back)
            return
        self._start_session()

    def on_exit(self) -> None:
        if self.session is None:
            return
        self._restore_clicks()
        self.context.rig.silence_queued_clicks()

    def _restore_clicks(self) -> None:
        """The visual calibration silenced the clicks; they sound again for what follows."""
        rig = self.context.rig
        rig.track.set_sounds(
            click_sounds(rig.settings.sample_rate_hz, self.context.settings.metronome_volume)
        )

    def _start_session(self) -> None:
        rig = self.context.rig
        rig.silence_queued_clicks()
        volume = 0.0 if self.kind == VISUAL else self.context.settings.metronome_volume
        rig.track.set_sounds(click_sounds(rig.settings.sample_rate_hz, volume))
        self.session = PlaySession(
            calibration_level(self.kind), 0, rig.ring, rig.clock_map, rig.track, _NotRecorded()
        )
        self.result = None

    def _finish(self) -> None:
        self._restore_clicks()
        asynchrony_ms = self.session.task_taps(0).asynchrony_ms
        path = self.context.calibration_path
        calibration, _problems = load_calibration(path)
        if self.kind == INPUT:
            self.result = input_offset_from_taps(asynchrony_ms)
        else:
            self.result = visual_offset_from_taps(asynchrony_ms, calibration.input_offset_ms)
        if self.result.accepted:
            save_calibration(with_offset(calibration, self.kind, self.result.offset_ms), path)
            if self.kind == INPUT:
                self.context.input_offset_ms = self.result.offset_ms
            else:
                self.context.visual_offset_ms = self.result.offset_ms

    def _leave(self) -> None:
        if self.back is None:
            self.done = True
        else:
            self.next = self.back

    def _buttons(self) -> list[Button]:
        width, height = self.context.surface.get_size()
        unit = design_unit((width, height))
        text = self.context.messages
        if self.result is None:
            keys = [("back", text("menu.back"))]
        elif self.result.accepted:
            keys = [("done", text("results.continue"))]
        else:
            keys = [("again", text("no_sound.try_again")), ("back", text("menu.back"))]
        buttons = []
        right = width - int(30 * unit)
        for key, label in reversed(keys):
            rect = pygame.Rect(0, 0, int(240 * unit), int(60 * unit))
            rect.bottomright = (right, height - int(24 * unit))
            buttons.insert(0, Button(key, label, rect))
            right = rect.left - int(20 * unit)
        return buttons

    def _on_button(self, event: UiEvent, now_ns: int) -> None:
        """A click or a touch on one of the buttons; the taps it also makes are measured as
        any tap is, and leaving or starting again drops them."""
        self.menu.buttons = self._buttons()
        chosen = self.menu.handle(event, now_ns)
        if chosen == "back" or chosen == "done":
            self._leave()
        elif chosen == "again":
            self._start_session()

    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None:
        if self.session is None:
            return  # going to the stop screen
        self.session.on_taps(taps)
        for event in ui_events:
            if event.kind == "pointer":
                self._on_button(event, now_ns)
                continue
            # Esc, or the pad's Back: never a press that is also a tap being measured.
            if event.action == "back" and not event.tap:
                self._leave()
            elif self.result is not None and event.action == "confirm" and not event.tap:
                if self.result.accepted:
                    self._leave()
                else:
                    self._start_session()

    def on_update(self, now_ns: int) -> None:
        if self.session is None:
            return
        self.session.update(now_ns)
        if self.session.finished and self.result is None:
            self._finish()

    def on_draw(self, now_ns: int) -> list[pygame.Rect] | None:
        surface = self.context.surface
        width, height = surface.get_size()
        unit = design_unit((width, height))
        text = self.context.messages
        if self.session is None:
            surface.fill((20, 24, 40))
            return None
        view = self.session.view(now_ns)
        flash = self.kind == VISUAL and view.phase in (PHASE_PLAYING, PHASE_COUNT_IN)
        lit = flash and view.beat_fraction < 0.12
        surface.fill((250, 250, 250) if lit else (20, 24, 40))
        colour = (20, 20, 30) if lit else (255, 255, 255)
        draw_text(
            surface,
            text(f"calibrate.{self.kind}.title"),
            int(48 * unit),
            colour,
            center=(width / 2, 80 * unit),
        )
        if self.result is None:
            draw_text(
                surface,
                text(f"calibrate.{self.kind}.how"),
                int(30 * unit),
                colour,
                center=(width / 2, height * 0.3),
            )
            taps = view.paired_taps
            draw_text(
                surface,
                text("calibrate.taps", taps=taps, needed=CALIBRATION_BEATS),
                int(40 * unit),
                colour,
                center=(width / 2, height * 0.6),
            )
        elif self.result.accepted:
            line = text(
                "calibrate.done",
                offset=f"{self.result.offset_ms:+.1f}",
                sd=f"{self.result.sd_ms:.1f}",
            )
            draw_text(
                surface, line, int(34 * unit), (150, 230, 150), center=(width / 2, height * 0.45)
            )
            draw_text(
                surface,
                text("calibrate.continue"),
                int(28 * unit),
                colour,
                center=(width / 2, height * 0.6),
            )
        else:
            draw_text(
                surface,
                self.result.problem or "",
                int(30 * unit),
                (255, 215, 150),
                center=(width / 2, height * 0.45),
            )
            draw_text(
                surface,
                text("calibrate.again"),
                int(28 * unit),
                colour,
                center=(width / 2, height * 0.6),
            )
        self.menu.buttons = self._buttons()
        self.menu.focus = len(self.menu.buttons)  # no focus ring: keys have their own words
        self.menu.draw(surface, int(30 * unit), BUTTON_FILL, (255, 255, 255), BUTTON_FOCUS)
        return None
