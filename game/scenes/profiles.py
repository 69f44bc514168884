"""Who is playing: pick a profile by its avatar, or make a new one.

Profiles in use only: an archived one keeps its data (therapist screens, reports) but is no
longer offered to a child. Two cards may show the same name; their avatars differ
(game/scenes/new_profile.py), and the choice is kept by code."""

from __future__ import annotations

import pygame

from engine.store.profile_choice import picker_order
from engine.store.records import ProfileRecord
from game.avatars import draw_avatar
from game.canvas import design_unit
from game.context import GameContext
from game.menu_scene import MenuScene
from game.paging import rows_between
from game.widgets import Button

COLUMNS = 4


class ProfilesScene(MenuScene):
    def __init__(self, context: GameContext) -> None:
        super().__init__(context)
        self.profiles: list[ProfileRecord] = []
        self.pages = self.paging("profiles")  # as many rows of cards as the window holds

    def on_enter(self) -> None:
        store = self.context.open_store()
        try:
            self.profiles = store.list_profiles(include_archived=False)
        finally:
            store.close()
        self.profiles = picker_order(self.profiles)

    def title(self) -> str:
        return self.text("profiles.title")

    def layout(self, width: int, height: int) -> list[Button]:
        unit = design_unit((width, height))
        columns = COLUMNS
        gap = int(24 * unit)
        # Sized by the window's height, but narrow windows (4:3) also bound the width.
        card_w = min(int(230 * unit), (width - (columns + 1) * gap) // columns)
        card_h = int(190 * unit)
        left = (width - columns * card_w - (columns - 1) * gap) // 2
        top = int(120 * unit)
        bar_top = height - gap - int(60 * unit)
        rows = rows_between(top, bar_top - gap, card_h, card_h + gap)
        cards = [*self.profiles, None]  # the last card makes a new profile
        buttons = []
        for slot, index in enumerate(self.pages.fit(len(cards), rows * columns)):
            profile = cards[index]
            row, column = divmod(slot, columns)
            rect = pygame.Rect(
                left + column * (card_w + gap), top + row * (card_h + gap), card_w, card_h
            )
            if profile is None:
                button = Button("new", self.text("profiles.new"), rect, draw_extra=self._plus)
            else:
                button = Button(
                    f"profile:{profile.code}",
                    profile.display_name,
                    rect,
                    draw_extra=self._avatar_drawer(profile),
                )
            buttons.append(self.pages.row(button, index))
        settings_rect = pygame.Rect(0, 0, int(260 * unit), int(60 * unit))
        settings_rect.bottomright = (width - gap, height - gap)
        buttons.append(Button("settings", self.text("menu.settings"), settings_rect))
        therapist_rect = settings_rect.move(-(settings_rect.width + gap), 0)
        buttons.append(Button("therapist", self.text("menu.therapist"), therapist_rect))
        # Back to the title, where the game can be left: a way out for a mouse or a finger.
        back_rect = pygame.Rect(0, 0, int(200 * unit), int(60 * unit))
        back_rect.bottomleft = (gap, height - gap)
        buttons.append(Button("back", self.text("menu.back"), back_rect))
        area = pygame.Rect(back_rect.right + gap, bar_top, 0, back_rect.height)
        area.width = therapist_rect.left - gap - area.left
        return [*buttons, *self.page_controls(self.pages, area)]

    def _avatar_drawer(self, profile: ProfileRecord):
        def draw(surface: pygame.Surface, rect: pygame.Rect) -> None:
            radius = rect.height // 4
            draw_avatar(
                surface,
                profile.avatar,
                (rect.centerx, rect.top + radius + rect.height // 8),
                radius,
            )

        return draw

    def _plus(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        size = rect.height // 5
        center = (rect.centerx, rect.top + rect.height // 2 - size // 2)
        pygame.draw.line(
            surface,
            (255, 255, 255),
            (center[0] - size, center[1]),
            (center[0] + size, center[1]),
            8,
        )
        pygame.draw.line(
            surface,
            (255, 255, 255),
            (center[0], center[1] - size),
            (center[0], center[1] + size),
            8,
        )

    def activate(self, key: str) -> None:
        if key == "new":
            self.goto("new_profile")
        elif key == "therapist":
            self.goto("therapist_profiles")
        elif key == "settings":
            self.goto("settings", back_to="profiles")
        elif key.startswith("profile:"):
            code = key.split(":", 1)[1]
            self.context.profile = next(p for p in self.profiles if p.code == code)
            self.goto("level_map")
        elif key == "back":
            self.goto("title")  # never the whole game at once: the title offers to leave
