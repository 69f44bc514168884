"""The level map: levels grouped by theme, with the stars earned and the ones still locked."""

from __future__ import annotations

import pygame

from engine.levels.model import Level
from engine.levels.progression import map_levels
from engine.levels.text import level_in_language
from engine.session.rewards import Progress, profile_progress, unlocked_level_ids
from game.avatars import draw_avatar
from game.canvas import design_unit
from game.context import GameContext
from game.menu_scene import MenuScene
from game.text import draw_text
from game.widgets import STAR_OFF, STAR_ON, Button, draw_star


class LevelMapScene(MenuScene):
    def __init__(self, context: GameContext) -> None:
        super().__init__(context)
        self.levels_by_theme = map_levels(context.library.levels_by_theme)
        self.progress = Progress({}, (), ())  # nothing earned, until on_enter reads the store
        self.unlocked = unlocked_level_ids(self.levels_by_theme, self.progress.stars_by_level)

    def on_enter(self) -> None:
        store = self.context.open_store()
        try:
            code = self.context.profile.code if self.context.profile else ""
            self.progress = profile_progress(store, code, self.levels_by_theme)
        finally:
            store.close()
        self.unlocked = unlocked_level_ids(self.levels_by_theme, self.progress.stars_by_level)

    def title(self) -> str:
        name = self.context.profile.display_name if self.context.profile else ""
        return self.text("map.title", name=name)

    def layout(self, width: int, height: int) -> list[Button]:
        unit = design_unit((width, height))
        themes = [theme for theme, levels in self.levels_by_theme.items() if levels]
        column_w = int(min(380 * unit, (width - 80 * unit) / max(1, len(themes))))
        gap = int(20 * unit)
        left = (width - len(themes) * column_w) // 2
        top, bottom = int(160 * unit), height - int(30 * unit)
        buttons = []
        for column, theme in enumerate(themes):
            levels = self.levels_by_theme[theme]
            button_h = min(int(64 * unit), (bottom - top) // len(levels) - gap // 2)
            for row, level in enumerate(levels):
                rect = pygame.Rect(
                    left + column * column_w + gap // 2,
                    top + row * (button_h + gap // 2),
                    column_w - gap,
                    button_h,
                )
                buttons.append(
                    Button(
                        f"level:{level.id}",
                        "",
                        rect,
                        enabled=level.id in self.unlocked,
                        draw_extra=self._level_drawer(level),
                    )
                )
        stickers = pygame.Rect(0, 0, int(200 * unit), int(48 * unit))
        stickers.topright = (width - int(30 * unit), int(62 * unit))
        label = self.text("map.stickers_button", stickers=len(self.progress.stickers))
        buttons.append(Button("stickers", label, stickers))
        back = pygame.Rect(int(24 * unit), int(34 * unit), int(150 * unit), int(52 * unit))
        buttons.append(Button("back", self.text("menu.back"), back))
        return buttons

    def _level_drawer(self, level: Level):
        def draw(surface: pygame.Surface, rect: pygame.Rect) -> None:
            unit = design_unit(surface.get_size())
            locked = level.id not in self.unlocked
            colour = (150, 150, 160) if locked else (255, 255, 255)
            size = int(min(26 * unit * self.context.look.text_scale, rect.height * 0.45))
            draw_text(
                surface,
                level_in_language(level, self.context.settings.language).title,
                size,
                colour,
                topleft=(rect.left + 14 * unit, rect.top + 6 * unit),
            )
            stars = self.progress.stars_by_level.get(level.id, 0)
            radius = rect.height * 0.16
            for index in range(3):
                center = (
                    rect.right - (3 - index) * radius * 2.4 - 6 * unit,
                    rect.bottom - radius * 1.4,
                )
                draw_star(surface, center, radius, STAR_ON if index < stars else STAR_OFF)
            if locked:
                lock = pygame.Rect(0, 0, radius * 1.6, radius * 1.3)
                lock.midbottom = (rect.left + 24 * unit, rect.bottom - 6 * unit)
                pygame.draw.rect(surface, colour, lock, border_radius=3)
                pygame.draw.arc(surface, colour, lock.move(0, -lock.height * 0.7), 0, 3.15, 3)

        return draw

    def activate(self, key: str) -> None:
        if key == "stickers":
            self.goto("stickers", progress=self.progress)
        elif key == "back":
            self.goto("profiles")
        elif key.startswith("level:"):
            level_id = key.split(":", 1)[1]
            level = next(level for level in self.context.library.levels if level.id == level_id)
            self.goto("play", level=level, progress_before=self.progress)

    def draw_more(self, surface: pygame.Surface) -> None:
        unit = self.unit
        design = design_unit(surface.get_size())
        profile = self.context.profile
        if profile is not None:
            draw_avatar(
                surface,
                profile.avatar,
                (int(230 * design), int(60 * design)),
                int(34 * unit),
                self.progress.avatar_items,
            )
        # The stars earned beside the child's face: the stickers have their own button.
        star_center = (int(230 * design + 64 * unit), int(60 * design))  # right of the face
        draw_star(surface, star_center, 20 * unit, STAR_ON)
        draw_text(
            surface,
            str(self.progress.total_stars),
            int(34 * unit),
            self.context.look.text_colour,
            midleft=(star_center[0] + 26 * unit, star_center[1]),
        )
        for theme in (t for t, levels in self.levels_by_theme.items() if levels):
            buttons = [b for b in self.menu.buttons if self._theme_of(b) == theme]
            if buttons:
                x = buttons[0].rect.centerx
                draw_text(
                    surface,
                    self.text(f"theme.{theme}"),
                    int(30 * unit),
                    (255, 255, 255),
                    center=(x, buttons[0].rect.top - 22 * unit),
                )

    def _theme_of(self, button: Button) -> str | None:
        if not button.key.startswith("level:"):
            return None
        level_id = button.key.split(":", 1)[1]
        return next(level.theme for level in self.context.library.levels if level.id == level_id)
