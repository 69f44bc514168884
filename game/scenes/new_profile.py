"""A new profile: a display name and an avatar, nothing else about the child.

Every profile made here is new, whatever its name: two children may both be Mia. They tell
their profiles apart by the avatar, so an avatar that a profile of the same name already has
cannot be chosen (unless every avatar is taken by one).
"""

from __future__ import annotations

import pygame

from engine.input.pump import Tap, UiEvent
from engine.store.records import ProfileRecord
from game.avatars import AVATARS, DEFAULT_AVATAR, draw_avatar
from game.canvas import design_unit
from game.context import GameContext
from game.menu_scene import MenuScene
from game.text import draw_text
from game.widgets import Button, take_typing

NAME_BOX_SIZE = (520, 70)  # design pixels

MAX_NAME_LENGTH = 20


class NewProfileScene(MenuScene):
    def __init__(self, context: GameContext) -> None:
        super().__init__(context)
        self.avatar = next(iter(AVATARS))
        self.name = ""
        self.in_use: list[ProfileRecord] = []  # read on entering; names here may repeat

    def on_enter(self) -> None:
        pygame.key.start_text_input()
        store = self.context.open_store()
        try:
            self.in_use = store.list_profiles(include_archived=False)
        finally:
            store.close()
        self._avoid_taken_avatar()

    def name_with(self, avatar: str) -> str:
        """The name the profile gets: what was typed, else the avatar's own name."""
        return self.name.strip() or self.text(f"avatar.{avatar}")

    def taken_avatars(self) -> set[str]:
        """Avatars that a profile in use with the same name already has."""
        taken = {
            avatar
            for avatar in AVATARS
            if any(
                profile.display_name.casefold() == self.name_with(avatar).casefold()
                and (profile.avatar or DEFAULT_AVATAR) == avatar
                for profile in self.in_use
            )
        }
        return set() if taken == set(AVATARS) else taken

    def _avoid_taken_avatar(self) -> None:
        taken = self.taken_avatars()
        if self.avatar in taken:
            self.avatar = next(avatar for avatar in AVATARS if avatar not in taken)

    def on_exit(self) -> None:
        pygame.key.stop_text_input()

    def title(self) -> str:
        return self.text("profiles.new_title")

    def layout(self, width: int, height: int) -> list[Button]:
        unit = design_unit((width, height))
        gap = int(20 * unit)
        size = min(int(150 * unit), (width - (len(AVATARS) + 1) * gap) // len(AVATARS))
        left = (width - len(AVATARS) * size - (len(AVATARS) - 1) * gap) // 2
        buttons = []
        for index, avatar in enumerate(AVATARS):
            rect = pygame.Rect(left + index * (size + gap), int(300 * unit), size, size)
            buttons.append(
                Button(
                    f"avatar:{avatar}",
                    self.text(f"avatar.{avatar}"),
                    rect,
                    enabled=avatar not in self.taken_avatars(),
                    draw_extra=self._avatar_drawer(avatar),
                )
            )
        done = pygame.Rect(0, 0, int(300 * unit), int(70 * unit))
        done.center = (width // 2, int(560 * unit))
        buttons.append(Button("done", self.text("profiles.done"), done))
        back = pygame.Rect(int(24 * unit), int(34 * unit), int(150 * unit), int(52 * unit))
        buttons.append(Button("back", self.text("menu.back"), back))
        # The name box is a button too: choosing it opens the on-screen keyboard.
        box = pygame.Rect(0, 0, int(NAME_BOX_SIZE[0] * unit), int(NAME_BOX_SIZE[1] * unit))
        box.center = (width // 2, int(180 * unit))
        buttons.append(Button("name", "", box, draw_extra=self._draw_name))
        return buttons

    def _draw_name(self, surface: pygame.Surface, box: pygame.Rect) -> None:
        pygame.draw.rect(surface, (255, 255, 255), box, border_radius=12)
        shown = self.name or self.text("profiles.type_name")
        colour = (20, 20, 30) if self.name else (120, 120, 130)
        draw_text(surface, shown, int(40 * self.unit), colour, center=box.center)

    def _avatar_drawer(self, avatar: str):
        def draw(surface: pygame.Surface, rect: pygame.Rect) -> None:
            draw_avatar(
                surface, avatar, (rect.centerx, rect.centery - rect.height // 10), rect.height // 4
            )
            if avatar == self.avatar:
                pygame.draw.rect(
                    surface, (255, 255, 255), rect, width=3, border_radius=rect.height // 5
                )

        return draw

    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None:
        typed, others = take_typing(self.name, ui_events)
        typed = typed[:MAX_NAME_LENGTH]
        if typed != self.name:
            self.name = typed
            self._avoid_taken_avatar()
            self.relayout()  # which avatars may be chosen depends on the name
        super().on_input(taps, others, now_ns)

    def activate(self, key: str) -> None:
        if key.startswith("avatar:"):
            avatar = key.split(":", 1)[1]
            if avatar not in self.taken_avatars():
                self.avatar = avatar
        elif key == "name":
            self.open_keyboard("name", MAX_NAME_LENGTH)
        elif key == "done":
            store = self.context.open_store()
            try:
                code = store.create_profile(self.name_with(self.avatar), avatar=self.avatar)
                profile = store.profile(code)
            finally:
                store.close()
            # "Let's go!" goes where it says: to this child's map.
            self.context.profile = profile
            self.goto("level_map")
        elif key == "back":
            self.goto("profiles")

    def draw_more(self, surface: pygame.Surface) -> None:
        width = surface.get_width()
        unit = self.unit
        look = self.context.look
        if self.name.strip() and self.taken_avatars():
            hint = self.text("profiles.same_name", name=self.name_with(self.avatar))
        else:
            hint = self.text("profiles.privacy")
        draw_text(
            surface,
            hint,
            int(22 * unit),
            look.dim_text_colour,
            # Placed in design pixels: large text grows the words, not the gap to the avatars.
            center=(width // 2, int(240 * design_unit(surface.get_size()))),
        )
