"""The headphone check: a tone in the left ear, then the right, then both, each shown on the
screen while it plays, so that a therapist hears at once whether the headphones are on the
right way round and both sides work (guide sounds tell early from late by the ear)."""

from __future__ import annotations

import pygame

from engine.audio.synth import EAR_CHECK_SIDES, ear_check_sound
from game.canvas import design_unit
from game.context import GameContext
from game.menu_scene import MenuScene
from game.text import draw_text
from game.widgets import STAR_ON, Button

LEAD_S = 0.5  # before the first tone
STEP_S = 1.2  # from one tone to the next
EAR_THIS_SIDE: tuple[int, int, int] = (120, 170, 230)  # the ear that should hear this tone
EAR_OTHER: tuple[int, int, int] = (150, 140, 130)
HEAD: tuple[int, int, int] = (235, 225, 210)
HAIR: tuple[int, int, int] = (110, 80, 60)


class SoundCheckScene(MenuScene):
    def __init__(self, context: GameContext, back_to: str = "settings") -> None:
        super().__init__(context)
        self.back_to = back_to
        self.starts: tuple[int, ...] = ()  # audio frame at which each side's tone starts
        self.playing: str | None = None  # the side sounding now, for the picture

    def on_enter(self) -> None:
        self._play()

    def on_exit(self) -> None:
        self.context.rig.silence_queued_clicks()

    def _play(self) -> None:
        rig = self.context.rig
        rate = rig.settings.sample_rate_hz
        first = max(rig.ring.written_until, rig.ring.frames_handed) + int(LEAD_S * rate)
        volume = self.context.settings.metronome_volume
        starts = []
        for index, side in enumerate(EAR_CHECK_SIDES):
            start = first + int(index * STEP_S * rate)
            rig.track.add_one_shot(start, ear_check_sound(rate, side, volume))
            starts.append(start)
        self.starts = tuple(starts)

    def layout(self, width: int, height: int) -> list[Button]:
        unit = design_unit((width, height))
        again = pygame.Rect(0, 0, int(300 * unit), int(64 * unit))
        again.midbottom = (int(width / 2 + 170 * unit), height - int(30 * unit))
        back = again.move(-int(340 * unit), 0)
        return [
            Button("again", self.text("sound_check.again"), again),
            Button("back", self.text("menu.back"), back),
        ]

    def activate(self, key: str) -> None:
        if key == "again":
            self._play()
        elif key == "back":
            self.goto("settings", back_to=self.back_to)

    def on_update(self, now_ns: int) -> None:
        super().on_update(now_ns)
        rig = self.context.rig
        frame = rig.clock_map.host_ns_to_frame(now_ns)
        length = int(STEP_S * 0.8 * rig.settings.sample_rate_hz)
        self.playing = next(
            (
                side
                for side, start in zip(EAR_CHECK_SIDES, self.starts, strict=True)
                if start <= frame < start + length
            ),
            None,
        )

    def title(self) -> str:
        return self.text("sound_check.title")

    def draw_more(self, surface: pygame.Surface) -> None:
        width, height = surface.get_size()
        unit = design_unit((width, height))
        look = self.context.look
        status = self.context.sound.status
        line = (
            self.text("sound_check.output", device=status.device)
            if status.audible
            else self.text("sound_check.none", reason=status.reason)
        )
        draw_text(
            surface, line, int(26 * self.unit), look.dim_text_colour, center=(width / 2, 140 * unit)
        )
        for index, side in enumerate(EAR_CHECK_SIDES):
            center = (int(width / 2 + (index - 1) * 330 * unit), int(330 * unit))
            lit = side == self.playing
            _ears(surface, side, center, unit, STAR_ON if lit else EAR_THIS_SIDE)
            draw_text(
                surface,
                self.text(f"sound_check.{side}"),
                int(36 * self.unit),
                STAR_ON if lit else look.text_colour,
                center=(center[0], center[1] + 140 * unit),
            )
        draw_text(
            surface,
            self.text("sound_check.how"),
            int(26 * self.unit),
            look.text_colour,
            center=(width / 2, height - 150 * unit),
        )


def _ears(
    surface: pygame.Surface,
    side: str,
    center: tuple[int, int],
    unit: float,
    colour: tuple[int, int, int],
) -> None:
    """A head seen from behind (so its left ear is on the left), with the ear or ears that
    should hear this tone in ``colour``."""
    x, y = center
    radius = int(70 * unit)
    for ear_side, dx in (("left", -1), ("right", 1)):
        on = side in (ear_side, "both")
        ear = (x + dx * (radius + int(6 * unit)), y + int(6 * unit))
        pygame.draw.circle(surface, colour if on else EAR_OTHER, ear, int(24 * unit))
    neck = pygame.Rect(0, 0, int(56 * unit), int(40 * unit))
    neck.midtop = (x, y + radius - int(14 * unit))
    pygame.draw.rect(surface, HEAD, neck, border_radius=int(10 * unit))
    pygame.draw.circle(surface, HAIR, center, radius)  # the back of the head: all hair
