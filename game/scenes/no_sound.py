"""The stop screen when no sound reaches the child: a friendly picture and words for the
child, one line for the therapist with the reason and what to do, and nothing recorded.

A level never plays silently by accident (game/sound.py); only a therapist's choice of
"silent" in the settings plays without sound.
"""

from __future__ import annotations

import pygame

from game.canvas import design_unit
from game.context import GameContext
from game.menu_scene import MenuScene
from game.scene import Goto
from game.sound import chosen_device, session_audio_device
from game.text import draw_text, wrap_lines
from game.widgets import STAR_ON, Button

SPEAKER: tuple[int, int, int] = (120, 170, 230)
SPEAKER_DARK: tuple[int, int, int] = (60, 90, 150)


class NoSoundScene(MenuScene):
    def __init__(self, context: GameContext, retry: Goto, back_to: Goto | None = None) -> None:
        """``retry``: what to start once there is sound; ``back_to``: where Back goes (None:
        the program ends, as for `run.py play`)."""
        super().__init__(context)
        self.retry = retry
        self.back_to = back_to

    def layout(self, width: int, height: int) -> list[Button]:
        unit = design_unit((width, height))
        again = pygame.Rect(0, 0, int(300 * unit), int(72 * unit))
        again.midbottom = (int(width / 2 + 170 * unit), height - int(30 * unit))
        back = again.move(-int(340 * unit), 0)
        return [
            Button("again", self.text("no_sound.try_again"), again),
            Button("back", self.text("menu.back"), back),
        ]

    def activate(self, key: str) -> None:
        if key == "back":
            if self.back_to is None:
                self.done = True
            else:
                self.next = self.back_to
        elif key == "again":
            # A speaker may have been plugged in since: open the chosen output again.
            settings = self.context.settings
            status = self.context.sound.use(chosen_device(settings))
            if session_audio_device(settings, status) is not None:
                self.next = self.retry

    def therapist_line(self) -> str:
        """Why there is no sound and what to do, for the therapist."""
        # SDL's reasons end with a full stop of their own; the sentence has its own after them.
        reason = self.context.sound.status.reason.rstrip(". ")
        return self.text("no_sound.therapist", reason=reason)

    def draw_more(self, surface: pygame.Surface) -> None:
        width, height = surface.get_size()
        unit = design_unit((width, height))
        look = self.context.look
        _sleeping_speaker(surface, (int(width / 2), int(190 * unit)), unit)
        draw_text(
            surface,
            self.text("no_sound.child"),
            int(54 * self.unit),
            STAR_ON,
            center=(width / 2, 340 * unit),
        )
        draw_text(
            surface,
            self.text("no_sound.ask"),
            int(36 * self.unit),
            look.text_colour,
            center=(width / 2, 395 * unit),
        )
        line = self.therapist_line()
        size_px = int(24 * self.unit)
        line_y = 460 * unit
        for part in wrap_lines(line, size_px, int(width - 120 * unit)):
            draw_text(surface, part, size_px, look.dim_text_colour, center=(width / 2, line_y))
            line_y += size_px * 1.1


def _sleeping_speaker(surface: pygame.Surface, center: tuple[int, int], unit: float) -> None:
    """A loudspeaker asleep: its box, its cone, closed eyes and three z's."""
    x, y = center
    box = pygame.Rect(0, 0, int(150 * unit), int(170 * unit))
    box.center = (x - int(30 * unit), y)
    pygame.draw.rect(surface, SPEAKER, box, border_radius=int(24 * unit))
    pygame.draw.circle(
        surface, SPEAKER_DARK, (box.centerx, box.centery + int(30 * unit)), int(42 * unit)
    )
    pygame.draw.circle(
        surface, SPEAKER, (box.centerx, box.centery + int(30 * unit)), int(16 * unit)
    )
    for side in (-1, 1):
        eye = (box.centerx + side * int(30 * unit), box.top + int(42 * unit))
        arc = pygame.Rect(0, 0, int(34 * unit), int(20 * unit))
        arc.center = eye
        pygame.draw.arc(surface, SPEAKER_DARK, arc, 3.3, 6.1, max(2, int(5 * unit)))
    for index, size in enumerate((26, 34, 44)):
        draw_text(
            surface,
            "z",
            int(size * unit),
            (230, 230, 250),
            center=(box.right + (20 + index * 28) * unit, box.top + (40 - index * 26) * unit),
        )
