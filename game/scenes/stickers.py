"""The sticker book: what a child has collected, and what is still to find."""

from __future__ import annotations

import pygame

from engine.session.rewards import AVATAR_ITEMS, STICKERS, Progress
from game.avatars import draw_avatar
from game.canvas import design_unit
from game.context import GameContext
from game.menu_scene import MenuScene
from game.text import draw_text
from game.widgets import STAR_OFF, STAR_ON, Button, draw_star


class StickerBookScene(MenuScene):
    def __init__(self, context: GameContext, progress: Progress) -> None:
        super().__init__(context)
        self.progress = progress

    def title(self) -> str:
        return self.text("stickers.title")

    def layout(self, width: int, height: int) -> list[Button]:
        unit = design_unit((width, height))
        back = pygame.Rect(0, 0, int(240 * unit), int(60 * unit))
        back.midbottom = (width // 2, height - int(24 * unit))
        return [Button("back", self.text("menu.back"), back)]

    def activate(self, key: str) -> None:
        self.goto("level_map")

    def draw_more(self, surface: pygame.Surface) -> None:
        width, height = surface.get_size()
        unit = design_unit((width, height))
        look = self.context.look
        columns, size = 4, int(150 * unit)
        left = (width - columns * size) // 2
        for index, sticker in enumerate(STICKERS):
            row, column = divmod(index, columns)
            center = (left + column * size + size // 2, int(170 * unit) + row * int(170 * unit))
            earned = sticker.sticker_id in self.progress.stickers
            draw_star(surface, center, 50 * unit, STAR_ON if earned else STAR_OFF)
            label = self.text(f"sticker.{sticker.sticker_id}") if earned else "?"
            colour = look.text_colour if earned else look.dim_text_colour
            draw_text(
                surface, label, int(24 * unit), colour, center=(center[0], center[1] + 70 * unit)
            )
        profile = self.context.profile
        if profile is not None:
            draw_avatar(
                surface,
                profile.avatar,
                (int(width * 0.5), int(height * 0.68)),
                int(46 * unit),
                self.progress.avatar_items,
            )
        needed = [stars for stars, item in AVATAR_ITEMS if item not in self.progress.avatar_items]
        if needed:
            hint = self.text("stickers.next_item", stars=needed[0] - self.progress.total_stars)
            draw_text(
                surface,
                hint,
                int(26 * unit),
                look.dim_text_colour,
                center=(width / 2, height * 0.8),
            )
