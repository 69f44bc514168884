"""Results of a level: stars, the clinic numbers per task, and the tap-by-tap chart."""

from __future__ import annotations

import pygame

from engine.levels.model import Level, Windows
from engine.session.play import PlaySession
from engine.session.rewards import Progress, profile_progress, stars_for_hit_rate
from game.canvas import Canvas, design_unit
from game.context import GameContext
from game.menu_scene import MenuScene
from game.tap_chart import draw_tap_chart
from game.text import draw_text
from game.widgets import STAR_OFF, STAR_ON, Button, draw_star, ms_cell, percent_cell


class ResultsScene(MenuScene):
    def __init__(
        self,
        context: GameContext,
        level: Level,
        session: PlaySession,
        progress_before: Progress | None = None,
    ) -> None:
        super().__init__(context)
        self.level = level
        self.session = session
        self.overall = session.overall()
        self.stars = stars_for_hit_rate(self.overall.hit_rate)
        self.summaries = session.view(0).results
        taps = [session.task_taps(index) for index in range(len(self.summaries))]
        self.asynchrony_ms = [a for task in taps for a in task.asynchrony_ms]
        self.judgements = [j for task in taps for j in task.judgements]
        # Each tap's own windows (adaptive levels change them); an unpaired tap has none and
        # is drawn over the windows of the tap before it.
        self.windows: list[Windows] = []
        for windows in (w for task in taps for w in task.windows):
            self.windows.append(windows or (self.windows[-1] if self.windows else level.windows))
        self.progress_before = progress_before
        self.new_stickers: tuple[str, ...] = ()

    def on_enter(self) -> None:
        context = self.context
        if context.profile is None:
            return
        context.recorder.flush()  # this session's taps must be in the store to count
        store = context.open_store()
        try:
            after = profile_progress(store, context.profile.code, context.library.levels_by_theme)
        finally:
            store.close()
        before = self.progress_before
        earlier = set(before.stickers) if before is not None else set(after.stickers)
        self.new_stickers = tuple(s for s in after.stickers if s not in earlier)

    def title(self) -> str:
        return self.text("results.title", level=self.level.title)

    def layout(self, width: int, height: int) -> list[Button]:
        unit = design_unit((width, height))
        rect = pygame.Rect(0, 0, int(280 * unit), int(64 * unit))
        rect.bottomright = (width - int(30 * unit), height - int(24 * unit))
        return [Button("continue", self.text("results.continue"), rect)]

    def activate(self, key: str) -> None:
        self.goto("level_map")

    def draw_more(self, surface: pygame.Surface) -> None:
        width, height = surface.get_size()
        unit = design_unit((width, height))
        look = self.context.look
        for index in range(3):
            colour = STAR_ON if index < self.stars else STAR_OFF
            draw_star(surface, (width / 2 + (index - 1) * 90 * unit, 140 * unit), 38 * unit, colour)
        headings = (
            "results.task",
            "results.average",
            "results.sro",
            "results.hits",
            "results.early_late",
            "results.burst",
        )
        columns = (0.14, 0.36, 0.5, 0.62, 0.76, 0.9)
        size = int(24 * unit * look.text_scale)
        row_y = 215 * unit
        for key, column in zip(headings, columns, strict=True):
            draw_text(
                surface, self.text(key), size, look.dim_text_colour, center=(width * column, row_y)
            )
        for index, summary in enumerate(self.summaries[:5]):
            row_y += 34 * unit
            paired = max(1, summary.paired_taps)
            cells = (
                self.level.tasks[index].name,
                ms_cell(summary.task_average_ms),
                percent_cell(summary.sro_percent),
                f"{summary.hits}/{summary.targets}",
                _split(summary.early_taps, summary.late_taps, paired),
                str(summary.longest_burst),
            )
            for cell, column in zip(cells, columns, strict=True):
                draw_text(surface, cell, size, look.text_colour, center=(width * column, row_y))
        chart = pygame.Rect(
            int(60 * unit),
            int(row_y + 30 * unit),
            int(width - 120 * unit),
            int(height - row_y - 130 * unit),
        )
        if chart.height > 60 * unit:
            canvas = Canvas(surface, lambda rect: rect, look)
            windows = self.windows or self.level.windows
            draw_tap_chart(canvas, chart, self.asynchrony_ms, self.judgements, windows)
        if self.new_stickers:
            names = ", ".join(self.text(f"sticker.{sticker}") for sticker in self.new_stickers)
            draw_text(
                surface,
                self.text("results.new_sticker", names=names),
                int(30 * unit),
                STAR_ON,
                topleft=(30 * unit, height - 70 * unit),
            )


def _split(early: int, late: int, paired: int) -> str:
    return f"{100 * early / paired:.0f}% / {100 * late / paired:.0f}%"
