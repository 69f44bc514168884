"""The play scene: draws what `PlaySession.view()` decided. It computes no score or window."""

from __future__ import annotations

import math

import pygame

from engine.input_pump import Tap, UiEvent
from engine.play_session import PHASE_BETWEEN, PHASE_COUNT_IN, PHASE_DONE, PlaySession, PlayView
from game.dirty import DirtyRegions
from game.palette import (
    DIM_TEXT,
    JUDGEMENT_COLOURS,
    JUDGEMENT_WORDS,
    TARGET,
    TEXT,
    THEME_BACKGROUNDS,
)
from game.text import draw_text

LANE_LOOKAHEAD_S = 2.0  # how far ahead cues appear on the lane
FEEDBACK_SHOW_S = 0.9
LIMB_LABELS = {
    "both_hands": "Both hands",
    "right_hand": "Right hand",
    "left_hand": "Left hand",
    "both_toes": "Both toes",
    "right_toe": "Right toe",
    "left_toe": "Left toe",
    "both_heels": "Both heels",
    "right_heel": "Right heel",
    "left_heel": "Left heel",
    "any": "Any",
}


class PlayScene:
    def __init__(
        self,
        session: PlaySession,
        surface: pygame.Surface,
        exit_when_done: bool = False,
        results_hold_s: float = 4.0,
        visual_offset_ms: float = 0.0,
    ) -> None:
        self.session = session
        self.surface = surface
        self.exit_when_done = exit_when_done
        self.results_hold_ns = int(results_hold_s * 1e9)
        self.visual_offset_ms = visual_offset_ms
        self.done = False
        self.quit_requested = False
        self._finished_at_ns: int | None = None
        self._background: pygame.Surface | None = None
        self._dirty = DirtyRegions()
        self._last_phase = ""

    # --- hooks ------------------------------------------------------------------------------
    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None:
        self.session.on_taps(taps)
        for event in ui_events:
            if event.kind == "quit" or (event.kind == "key" and event.key == "escape"):
                self.quit_requested = True
                self.done = True
            elif event.kind == "key" and event.key == "return" and self.session.finished:
                self.done = True
            elif event.kind == "resize":
                self._dirty.invalidate()

    def on_update(self, now_ns: int) -> None:
        self.session.update(now_ns)
        if self.session.finished and self._finished_at_ns is None:
            self._finished_at_ns = now_ns
        if (
            self.exit_when_done
            and self._finished_at_ns is not None
            and now_ns - self._finished_at_ns >= self.results_hold_ns
        ):
            self.done = True

    def on_draw(self, now_ns: int) -> list[pygame.Rect] | None:
        """Draw the frame; returns the changed rects (None: the whole window changed)."""
        view = self.session.view(now_ns, self.visual_offset_ms)
        surface = self.surface
        if view.phase != self._last_phase or surface.get_size() != self._background_size():
            self._dirty.invalidate()
            self._last_phase = view.phase
        self._dirty.begin(surface, self._background_for(surface))
        if view.phase == PHASE_DONE:
            self._draw_results(surface, view)
        else:
            self._draw_header(surface, view)
            self._draw_lane(surface, view)
            self._draw_target(surface, view)
            self._draw_feedback(surface, view)
            if view.phase == PHASE_BETWEEN:
                self._draw_between(surface, view)
        return self._dirty.finish()

    def _mark(self, rect: pygame.Rect) -> pygame.Rect:
        self._dirty.mark(rect)
        return rect

    # --- drawing ----------------------------------------------------------------------------
    def _background_size(self) -> tuple[int, int] | None:
        return None if self._background is None else self._background.get_size()

    def _background_for(self, surface: pygame.Surface) -> pygame.Surface:
        size = surface.get_size()
        if self._background is None or self._background.get_size() != size:
            top, bottom = THEME_BACKGROUNDS.get(self.session.level.theme, THEME_BACKGROUNDS["pond"])
            gradient = pygame.Surface((1, 2))
            gradient.set_at((0, 0), top)
            gradient.set_at((0, 1), bottom)
            background = pygame.transform.smoothscale(gradient, size)
            # In the window's pixel format, blits of it are plain copies.
            has_window = pygame.display.get_surface() is not None
            self._background = background.convert() if has_window else background
        return self._background

    def _geometry(self, surface: pygame.Surface) -> tuple[int, int, int, int]:
        width, height = surface.get_size()
        return width, height, int(width * 0.28), int(height * 0.55)

    def _draw_header(self, surface: pygame.Surface, view: PlayView) -> None:
        width, height, _, _ = self._geometry(surface)
        unit = height / 720
        self._mark(
            draw_text(
                surface, view.level_title, int(40 * unit), TEXT, topleft=(24 * unit, 18 * unit)
            )
        )
        task_line = f"Task {view.task_index + 1} of {view.task_count}: {view.task_name}"
        self._mark(
            draw_text(surface, task_line, int(30 * unit), DIM_TEXT, topleft=(24 * unit, 60 * unit))
        )
        if view.paired_taps:
            stats = f"Task Average {view.task_average_ms:.0f} ms   SRO {view.sro_percent:.0f}%"
            self._mark(
                draw_text(
                    surface, stats, int(30 * unit), TEXT, topright=(width - 24 * unit, 18 * unit)
                )
            )
        if view.instruction:
            self._mark(
                draw_text(
                    surface,
                    view.instruction,
                    int(30 * unit),
                    DIM_TEXT,
                    center=(width / 2, height - 40 * unit),
                )
            )

    def _draw_lane(self, surface: pygame.Surface, view: PlayView) -> None:
        if view.visual_cue == "none":
            return
        width, height, target_x, target_y = self._geometry(surface)
        lane_length = width - target_x - 40
        radius = int(height * 0.035)
        lane_start_x = target_x + int(height * 0.12 * 1.2)
        self._mark(
            pygame.draw.line(surface, DIM_TEXT, (lane_start_x, target_y), (width - 20, target_y), 3)
        )
        for seconds_until, limb in view.upcoming_s:
            if seconds_until > LANE_LOOKAHEAD_S:
                continue
            if view.visual_cue == "fade" and seconds_until < LANE_LOOKAHEAD_S / 2:
                continue  # fading cues vanish before they arrive; the child keeps the beat
            x = target_x + lane_length * max(seconds_until, 0.0) / LANE_LOOKAHEAD_S
            self._mark(pygame.draw.circle(surface, TARGET, (int(x), target_y), radius))
            self._mark(
                draw_text(
                    surface,
                    _limb_initials(limb),
                    int(radius * 1.1),
                    (40, 40, 60),
                    center=(x, target_y),
                )
            )

    def _draw_target(self, surface: pygame.Surface, view: PlayView) -> None:
        _, height, target_x, target_y = self._geometry(surface)
        base_radius = height * 0.12
        pulse = (1.0 - view.beat_fraction) ** 3 if view.visual_cue == "full" else 0.0
        if view.metronome_silent:
            pulse *= 0.3
        radius = int(base_radius * (1.0 + 0.18 * pulse))
        self._mark(
            pygame.draw.circle(
                surface, TARGET, (target_x, target_y), radius, width=max(4, radius // 10)
            )
        )
        if view.phase == PHASE_COUNT_IN:
            self._mark(
                draw_text(
                    surface,
                    str(view.count_in_beats_left),
                    int(base_radius * 1.3),
                    TEXT,
                    center=(target_x, target_y),
                )
            )
        elif view.next_limb:
            self._mark(
                draw_text(
                    surface,
                    LIMB_LABELS[view.next_limb],
                    int(height * 0.07),
                    TEXT,
                    center=(target_x, target_y + base_radius * 1.6),
                )
            )

    def _draw_feedback(self, surface: pygame.Surface, view: PlayView) -> None:
        if not view.feedback:
            return
        width, height, target_x, target_y = self._geometry(surface)
        latest, age_s = view.feedback[-1]
        if age_s > FEEDBACK_SHOW_S:
            return
        colour = JUDGEMENT_COLOURS[latest.judgement]
        grow = min(age_s / FEEDBACK_SHOW_S, 1.0)
        ring_radius = int(height * 0.12 * (1.0 + 0.8 * grow))
        self._mark(pygame.draw.circle(surface, colour, (target_x, target_y), ring_radius, width=6))
        word = JUDGEMENT_WORDS[latest.judgement]
        center_x = target_x + width * 0.3
        if word:
            self._mark(
                draw_text(
                    surface, word, int(height * 0.09), colour, center=(center_x, height * 0.25)
                )
            )
        if latest.judgement != "extra":
            side = (
                "early" if latest.asynchrony_ms < 0 else "late" if latest.asynchrony_ms > 0 else ""
            )
            detail = f"{latest.asynchrony_ms:+.0f} ms {side}".strip()
            self._mark(
                draw_text(
                    surface, detail, int(height * 0.055), colour, center=(center_x, height * 0.34)
                )
            )

    def _draw_between(self, surface: pygame.Surface, view: PlayView) -> None:
        width, height, _, _ = self._geometry(surface)
        self._mark(
            draw_text(
                surface,
                "Get ready!",
                int(height * 0.09),
                TEXT,
                center=(width * 0.65, height * 0.78),
            )
        )

    def _draw_results(self, surface: pygame.Surface, view: PlayView) -> None:
        width, height = surface.get_size()
        unit = height / 720
        self._mark(
            draw_text(
                surface,
                f"{view.level_title}: well done!",
                int(60 * unit),
                TEXT,
                center=(width / 2, 80 * unit),
            )
        )
        headings = ("Task", "Task Average", "SRO %", "Hits", "Early", "Late", "Missed")
        columns = [0.12, 0.38, 0.52, 0.62, 0.72, 0.81, 0.9]
        row_y = 170 * unit
        for heading, column in zip(headings, columns, strict=True):
            self._mark(
                draw_text(
                    surface, heading, int(28 * unit), DIM_TEXT, center=(width * column, row_y)
                )
            )
        for index, summary in enumerate(view.results):
            row_y += 44 * unit
            name = self.session.level.tasks[index].name
            cells = (
                name,
                _ms(summary.task_average_ms),
                _percent(summary.sro_percent),
                f"{summary.hits}/{summary.targets}",
                str(summary.early_taps),
                str(summary.late_taps),
                str(summary.missed_targets),
            )
            for cell, column in zip(cells, columns, strict=True):
                self._mark(
                    draw_text(surface, cell, int(30 * unit), TEXT, center=(width * column, row_y))
                )
        hint = "Press Enter to finish" if not self.exit_when_done else ""
        if hint:
            self._mark(
                draw_text(
                    surface, hint, int(28 * unit), DIM_TEXT, center=(width / 2, height - 50 * unit)
                )
            )


def _limb_initials(limb: str) -> str:
    side, _, part = limb.partition("_")
    return (side[0] + part[0]).upper() if part else side[0].upper()


def _ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.0f} ms"


def _percent(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:.0f}%"
