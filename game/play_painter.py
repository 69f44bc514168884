"""The play painter: draws what `PlaySession.view()` decided. It computes no score or window.

The play scene (game/scenes/play.py) runs the session and takes the input; this draws it.
A frame has two layers. The still layer is the theme's background with the header, the
instruction (and at the end the results table) painted in; it is made again only when one of
them changes, and then the whole window is presented once. Over it, each frame, the theme
draws the stage and the painter draws the feedback HUD (judgement, ms, streak, praise, limb to
use); every piece is marked so that only the changed rects are presented (game/dirty.py).

Every visible string comes from the message catalogue (game/i18n.py).
"""

from __future__ import annotations

import pygame

from engine.levels.limbs import LIMBS
from engine.scoring.judgement import JUDGEMENT_LABELS, Judgement
from engine.session.play import PlaySession
from engine.session.play_view import (
    PHASE_BETWEEN,
    PHASE_COUNT_IN,
    PHASE_DONE,
    PHASE_PLAYING,
    PlayView,
)
from engine.session.praise import praise_kind
from game.canvas import Canvas, design_unit
from game.dirty import DirtyRegions
from game.i18n import Messages
from game.icons import limb_icon, shape_sprite
from game.look import Colour, Look
from game.text import font
from game.themes.base import StageGeometry, Theme
from game.themes.registry import get_theme
from game.widgets import ms_cell, percent_cell

FEEDBACK_SHOW_S = 0.9
STREAK_SHOWN_FROM = 2  # a streak of one is not worth a counter
GOLD: Colour = (255, 214, 90)
SHADOW: Colour = (10, 16, 30)
PANEL: tuple[int, int, int, int] = (10, 14, 30, 170)

PRAISE_MILESTONES: tuple[int, ...] = (5, 10, 15, 20)  # "play.praise.<n>"; the last repeats
RESULTS_HEADINGS: tuple[str, ...] = ("task", "average", "sro", "hits", "early", "late", "missed")


def praise_line(text: Messages, streak: int) -> str:
    """The praise for a streak milestone: its own line, or the last one's past the list."""
    milestone = max((m for m in PRAISE_MILESTONES if m <= streak), default=PRAISE_MILESTONES[0])
    return text(f"play.praise.{milestone}", streak=streak)


def signed_ms_text(text: Messages, asynchrony_ms: float) -> str:
    side = (
        text("play.early") if asynchrony_ms < 0 else text("play.late") if asynchrony_ms > 0 else ""
    )
    return text("play.signed_ms", ms=asynchrony_ms, side=side).strip()


def judgement_word(text: Messages, judgement: str) -> str:
    """Nothing is said about an extra tap."""
    return "" if judgement == "extra" else text(f"judgement.{judgement}")


class HudLayout:
    """Where the HUD sits in a window of this size (design pixels of 1280×720 times unit)."""

    def __init__(self, size: tuple[int, int], look: Look) -> None:
        width, height = size
        self.width, self.height = width, height
        self.unit = design_unit(size)
        self.text_unit = self.unit * look.text_scale
        self.margin = round(24 * self.unit)
        self.feedback_x = round(width * 0.64)
        self.praise_y = round(height * 0.175)
        self.word_y = round(height * 0.28)
        self.detail_y = round(height * 0.365)
        self.guide_y = round(height * 0.8)
        self.instruction_y = round(height - 38 * self.unit)

    def feedback_shape_center(self, word_width: int) -> tuple[int, int]:
        """The judgement shape stands left of its word."""
        return (self.feedback_x - word_width // 2 - round(36 * self.unit), self.word_y)


class TextImages:
    """Rendered text with a soft shadow, kept: a frame blits text, it does not render it."""

    def __init__(self, limit: int = 400) -> None:
        self._images: dict[tuple[str, int, Colour], pygame.Surface] = {}
        self._limit = limit

    def get(self, text: str, size_px: int, colour: Colour) -> pygame.Surface:
        key = (text, max(8, int(size_px)), colour)
        image = self._images.pop(key, None)  # put back last: the oldest unused go first
        if image is None:
            if len(self._images) >= self._limit:
                del self._images[next(iter(self._images))]
            face = font(key[1])
            body = face.render(text, True, colour)
            offset = max(1, key[1] // 22)
            image = pygame.Surface(
                (body.get_width() + offset, body.get_height() + offset), pygame.SRCALPHA
            )
            image.blit(face.render(text, True, SHADOW), (offset, offset))
            image.blit(body, (0, 0))
        self._images[key] = image
        return image


def merge_overlapping(rects: list[pygame.Rect]) -> list[pygame.Rect]:
    """Overlapping rects joined into their bounding rect: the drawings around the target
    overlap a lot, and fewer, larger rects cost less to repaint and to present."""
    merged: list[pygame.Rect] = []
    for rect in rects:
        joined = rect.copy()
        hits = joined.collidelistall(merged)
        while hits:
            for index in reversed(hits):
                joined.union_ip(merged.pop(index))
            hits = joined.collidelistall(merged)
        merged.append(joined)
    return merged


def _wrap(text: str, size_px: int, max_width_px: int) -> list[str]:
    """Words on lines no wider than max_width_px."""
    face = font(size_px)
    lines: list[str] = []
    for word in text.split():
        if lines and face.size(f"{lines[-1]} {word}")[0] <= max_width_px:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


class PlayPainter:
    """Draws one session's frames on ``surface``; ``press_enter_hint``: the results table says
    to press Enter (when the level waits for it rather than moving on by itself);
    ``results_table``: the end shows the numbers per task (a level played alone, for the
    therapist), or only the praise (the game's results screen follows with the child's)."""

    def __init__(
        self,
        session: PlaySession,
        surface: pygame.Surface,
        press_enter_hint: bool = True,
        visual_offset_ms: float = 0.0,
        look: Look | None = None,
        theme: Theme | None = None,
        messages: Messages | None = None,
        results_table: bool = True,
    ) -> None:
        self.session = session
        self.results_table = results_table
        self.surface = surface
        self.press_enter_hint = press_enter_hint
        self.visual_offset_ms = visual_offset_ms
        self.look = look or Look()
        self.theme = theme or get_theme(session.level.theme)
        self.text = messages or Messages()
        self._dirty = DirtyRegions()
        self._text = TextImages()
        self._layer: pygame.Surface | None = None
        self._layer_key: tuple | None = None
        self._marks: list[pygame.Rect] = []
        self._prepared_size: tuple[int, int] | None = None

    def invalidate(self) -> None:
        """The next frame repaints the whole window (it was resized)."""
        self._dirty.invalidate()

    def draw(self, now_ns: int) -> list[pygame.Rect] | None:
        """Draw the frame; returns the changed rects (None: the whole window changed)."""
        view = self.session.view(now_ns, self.visual_offset_ms)
        surface = self.surface
        layout = HudLayout(surface.get_size(), self.look)
        self._dirty.begin(surface, self._still_layer(view, layout))
        self._marks = []
        if view.phase != PHASE_DONE:
            canvas = Canvas(surface, self._mark, self.look)
            self.theme.draw_stage(canvas, view, StageGeometry.for_size(surface.get_size()))
            self._draw_hud(view, layout)
        for rect in merge_overlapping(self._marks):
            self._dirty.mark(rect)
        changed = self._dirty.finish()
        # Last frame's places and this frame's overlap: each rect presented costs a call.
        return None if changed is None else merge_overlapping(changed)

    def _mark(self, rect: pygame.Rect) -> pygame.Rect:
        self._marks.append(rect)
        return rect

    def _blit_text(
        self, text: str, size_px: float, colour: Colour, **anchor: tuple[float, float]
    ) -> pygame.Rect:
        image = self._text.get(text, round(size_px), colour)
        ((name, point),) = anchor.items()
        rect = image.get_rect(**{name: (round(point[0]), round(point[1]))})
        return self._mark(self.surface.blit(image, rect))

    # --- the still layer ----------------------------------------------------------------------
    def _still_layer(self, view: PlayView, layout: HudLayout) -> pygame.Surface:
        """Background, header and instruction (or the results): made again only on change."""
        size = self.surface.get_size()
        background = self.theme.background(size, self.look)
        task_line = self.text(
            "play.task_line", number=view.task_index + 1, count=view.task_count, name=view.task_name
        )
        done = view.phase == PHASE_DONE
        key = (background, view.level_title, task_line, view.instruction, done, view.results)
        if self._layer is None or key != self._layer_key:
            layer = background.copy()
            if done:
                self._paint_results(layer, view, layout)
            else:
                self._paint_header(layer, view, task_line, layout)
            self._layer, self._layer_key = layer, key
            self._dirty.invalidate()
            if size != self._prepared_size:
                self._prepare_hud(layout)
                self._prepared_size = size
        return self._layer

    def _prepare_hud(self, layout: HudLayout) -> None:
        """Render the HUD's fixed words and icons now (a full repaint is under way anyway),
        so that no frame during play waits for text to be rendered."""
        text_unit, look = layout.text_unit, self.look
        for judgement in JUDGEMENT_LABELS[: Judgement.EXTRA + 1]:  # all a tap can be shown as
            colour = look.judgement_colour(judgement)
            self._text.get(judgement_word(self.text, judgement), round(64 * text_unit), colour)
            shape_sprite(look.judgement_shape(judgement), round(22 * text_unit), colour)
        for limb in LIMBS:
            limb_icon(limb, round(78 * text_unit), look)
            self._text.get(self.text(f"limb.{limb}"), round(36 * text_unit), look.text_colour)
        shape_sprite("star", round(16 * text_unit), GOLD)  # beside the streak
        for milestone in PRAISE_MILESTONES:
            self._text.get(praise_line(self.text, milestone), round(44 * text_unit), GOLD)
        for beats_left in range(1, 9):
            self._text.get(str(beats_left), round(150 * text_unit), GOLD)
        self._text.get(self.text("play.listen"), round(34 * text_unit), look.dim_text_colour)
        self._text.get(self.text("play.get_ready"), round(64 * text_unit), GOLD)
        self._text.get(self.text("play.on_your_own"), round(44 * text_unit), look.text_colour)

    def _paint_text(
        self, layer: pygame.Surface, text: str, size_px: float, colour: Colour, **anchor
    ) -> pygame.Rect:
        image = self._text.get(text, round(size_px), colour)
        ((name, point),) = anchor.items()
        return layer.blit(image, image.get_rect(**{name: (round(point[0]), round(point[1]))}))

    def _paint_header(
        self, layer: pygame.Surface, view: PlayView, task_line: str, layout: HudLayout
    ) -> None:
        text_unit, look = layout.text_unit, self.look
        margin = layout.margin
        title = self._paint_text(
            layer,
            view.level_title,
            40 * text_unit,
            look.text_colour,
            topleft=(margin, 16 * layout.unit),
        )
        self._paint_text(
            layer,
            task_line,
            28 * text_unit,
            look.dim_text_colour,
            topleft=(margin, title.bottom + 8 * layout.unit),
        )
        if not view.instruction:
            return
        size_px = round(30 * text_unit)
        lines = _wrap(view.instruction, size_px, round(layout.width * 0.9))
        line_height = font(size_px).get_linesize()
        for index, line in enumerate(lines):
            y = layout.instruction_y - (len(lines) - 1 - index) * line_height
            self._paint_text(layer, line, size_px, look.text_colour, center=(layout.width / 2, y))

    def _paint_results(self, layer: pygame.Surface, view: PlayView, layout: HudLayout) -> None:
        width, height = layout.width, layout.height
        unit, text_unit, look = layout.unit, layout.text_unit, self.look
        panel = pygame.Surface((round(width * 0.9), round(height * 0.8)), pygame.SRCALPHA)
        panel.fill(PANEL)
        layer.blit(panel, panel.get_rect(center=(width / 2, height * 0.52)))
        hits = sum(summary.hits for summary in view.results)
        targets = sum(summary.targets for summary in view.results)
        praise = self.text(f"praise.{praise_kind(hits, targets)}")
        title = self.text("play.results_title", title=view.level_title, praise=praise)
        self._paint_text(layer, title, 56 * text_unit, GOLD, center=(width / 2, 80 * unit))
        if not self.results_table:
            return
        columns = (0.14, 0.38, 0.52, 0.62, 0.72, 0.81, 0.9)
        row_y = 170 * unit
        for heading, column in zip(RESULTS_HEADINGS, columns, strict=True):
            self._paint_text(
                layer,
                self.text(f"play.heading.{heading}"),
                26 * text_unit,
                look.dim_text_colour,
                center=(width * column, row_y),
            )
        for index, summary in enumerate(view.results):
            row_y += 44 * unit
            cells = (
                self.session.level.tasks[index].name,
                ms_cell(summary.task_average_ms, missing="-"),
                percent_cell(summary.sro_percent, missing="-"),
                f"{summary.hits}/{summary.targets}",
                str(summary.early_taps),
                str(summary.late_taps),
                str(summary.missed_targets),
            )
            for cell, column in zip(cells, columns, strict=True):
                self._paint_text(
                    layer, cell, 28 * text_unit, look.text_colour, center=(width * column, row_y)
                )
        if self.press_enter_hint:
            self._paint_text(
                layer,
                self.text("play.press_enter"),
                28 * text_unit,
                look.dim_text_colour,
                center=(width / 2, height - 50 * unit),
            )

    # --- the HUD, each frame --------------------------------------------------------------------
    def _draw_hud(self, view: PlayView, layout: HudLayout) -> None:
        self._draw_counters(view, layout)
        self._draw_limb_guide(view, layout)
        if view.phase == PHASE_COUNT_IN:
            self._draw_count_in(view, layout)
        elif view.phase == PHASE_BETWEEN:
            self._draw_between(view, layout)
        else:
            self._draw_feedback(view, layout)
        self._draw_praise(view, layout)

    def _draw_counters(self, view: PlayView, layout: HudLayout) -> None:
        """The streak, and for therapists (show_ms) the task's running numbers."""
        text_unit, right = layout.text_unit, layout.width - layout.margin
        if view.streak >= STREAK_SHOWN_FROM and view.phase == PHASE_PLAYING:
            text = self.text("play.streak", streak=view.streak)
            rect = self._blit_text(text, 40 * text_unit, GOLD, topright=(right, 16 * layout.unit))
            star = shape_sprite("star", round(16 * text_unit), GOLD)
            self._mark(
                self.surface.blit(
                    star, star.get_rect(midright=(rect.left - 8 * layout.unit, rect.centery))
                )
            )
        if self.look.show_ms and view.paired_taps:
            stats = self.text(
                "play.stats", average_ms=view.task_average_ms, sro_percent=view.sro_percent
            )
            self._blit_text(
                stats, 24 * text_unit, self.look.dim_text_colour, topright=(right, 60 * layout.unit)
            )

    def _draw_limb_guide(self, view: PlayView, layout: HudLayout) -> None:
        """Which limb to use next: its icon and its name, under the target."""
        if view.next_limb is None:
            return
        geometry = StageGeometry.for_size((layout.width, layout.height))
        icon = limb_icon(view.next_limb, round(78 * layout.text_unit), self.look)
        label = self._text.get(
            self.text(f"limb.{view.next_limb}"), round(36 * layout.text_unit), self.look.text_colour
        )
        gap = round(12 * layout.unit)
        group_width = icon.get_width() + gap + label.get_width()
        left = geometry.target_center[0] - group_width // 2
        self._mark(self.surface.blit(icon, icon.get_rect(midleft=(left, layout.guide_y))))
        label_left = left + icon.get_width() + gap
        self._mark(self.surface.blit(label, label.get_rect(midleft=(label_left, layout.guide_y))))

    def _draw_count_in(self, view: PlayView, layout: HudLayout) -> None:
        if view.count_in_beats_left <= 0:
            return
        self._blit_text(
            self.text("play.listen"),
            34 * layout.text_unit,
            self.look.dim_text_colour,
            center=(layout.feedback_x, layout.praise_y),
        )
        self._blit_text(
            str(view.count_in_beats_left),
            150 * layout.text_unit,
            GOLD,
            center=(layout.feedback_x, layout.detail_y - 20 * layout.unit),
        )

    def _draw_between(self, view: PlayView, layout: HudLayout) -> None:
        self._blit_text(
            self.text("play.get_ready"),
            64 * layout.text_unit,
            GOLD,
            center=(layout.feedback_x, layout.word_y),
        )
        self._blit_text(
            self.text("play.next_task", name=view.task_name),
            34 * layout.text_unit,
            self.look.text_colour,
            center=(layout.feedback_x, layout.detail_y),
        )

    def _draw_feedback(self, view: PlayView, layout: HudLayout) -> None:
        """The newest tap: its shape and word in its colour, and the signed ms (show_ms)."""
        if not view.feedback:
            return
        latest, age_s = view.feedback[-1]
        word = judgement_word(self.text, latest.judgement)
        if age_s > FEEDBACK_SHOW_S or not word:
            return
        colour = self.look.judgement_colour(latest.judgement)
        rect = self._blit_text(
            word, 64 * layout.text_unit, colour, center=(layout.feedback_x, layout.word_y)
        )
        shape = shape_sprite(
            self.look.judgement_shape(latest.judgement), round(22 * layout.text_unit), colour
        )
        center = layout.feedback_shape_center(rect.width)
        self._mark(self.surface.blit(shape, shape.get_rect(center=center)))
        if self.look.show_ms:
            self._blit_text(
                signed_ms_text(self.text, latest.asynchrony_ms),
                36 * layout.text_unit,
                colour,
                center=(layout.feedback_x, layout.detail_y),
            )

    def _draw_praise(self, view: PlayView, layout: HudLayout) -> None:
        if view.praise_streak is not None:
            line, colour = praise_line(self.text, view.praise_streak), GOLD
        elif view.metronome_silent and view.phase == PHASE_PLAYING:
            line, colour = self.text("play.on_your_own"), self.look.text_colour
        else:
            return
        self._blit_text(
            line, 44 * layout.text_unit, colour, center=(layout.feedback_x, layout.praise_y)
        )
