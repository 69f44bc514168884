"""Space: little planets glide along a starry path to the launch pad, and the rocket fires its
engine on each beat.

A tap throws sparkles from the pad, more and farther the closer it was, in the judgement's
colour; an "off" tap lets out a small, slow puff.
"""

from __future__ import annotations

import math
import random

import pygame

from engine.session.play_view import Feedback, PlayView
from game.canvas import Canvas
from game.icons import shape_points, smooth_sprite
from game.look import Colour, Look
from game.themes.base import StageGeometry
from game.themes.stage import (
    REACTION_S,
    REACTION_SIZE,
    StageTheme,
    beat_pulse,
    beat_strength,
    centred_rect,
    mix,
)

HULL: Colour = (238, 240, 250)
NOSE: Colour = (255, 122, 112)
FINS: Colour = (64, 196, 214)
PORTHOLE: Colour = (96, 178, 255)
ROCKET_OUTLINE: Colour = (34, 36, 72)
FLAME_OUTER: Colour = (255, 150, 62)
FLAME_INNER: Colour = (255, 232, 130)
PATH: Colour = (38, 36, 96)
LIFT = 0.16  # of the target radius: how far the rocket rises when it fires
SPARKS = {"sro": 12, "good": 9, "ok": 6, "off": 0, "extra": 0}


def _rocket(width: int, height: int) -> pygame.Surface:
    """A friendly rocket, nose up, fins at the bottom, filling a width × height box."""

    def paint(big: pygame.Surface, scale: float) -> None:
        w, h = big.get_size()
        outline = 0.05 * w
        for grow, hull, nose, fins in ((outline, *(ROCKET_OUTLINE,) * 3), (0.0, HULL, NOSE, FINS)):
            fin_left = [
                (0.28 * w, 0.55 * h),
                (0.02 * w - grow, 0.92 * h + grow),
                (0.3 * w, 0.86 * h),
            ]
            pygame.draw.polygon(big, fins, fin_left)
            pygame.draw.polygon(big, fins, [(w - x, y) for x, y in fin_left])
            body = centred_rect((0.5 * w, 0.6 * h), 0.52 * w + 2 * grow, 0.66 * h + 2 * grow)
            pygame.draw.rect(big, hull, body, border_radius=round(0.2 * w))
            cone = centred_rect((0.5 * w, 0.36 * h), 0.52 * w + 2 * grow, 0.66 * h + 2 * grow)
            pygame.draw.ellipse(big, nose, cone.clip(pygame.Rect(0, 0, w, 0.36 * h)))
            pygame.draw.ellipse(
                big, hull, centred_rect((0.5 * w, 0.48 * h), 0.52 * w + 2 * grow, 0.5 * h)
            )
        pygame.draw.ellipse(
            big,
            NOSE,
            centred_rect((0.5 * w, 0.2 * h), 0.44 * w, 0.34 * h).clip(
                pygame.Rect(0, 0, w, 0.3 * h)
            ),
        )
        stripe = centred_rect((0.5 * w, 0.86 * h), 0.52 * w, 0.05 * h)
        pygame.draw.rect(big, FINS, stripe)
        porthole = (0.5 * w, 0.5 * h)
        pygame.draw.circle(big, ROCKET_OUTLINE, porthole, 0.17 * w)
        pygame.draw.circle(big, PORTHOLE, porthole, 0.13 * w)
        pygame.draw.circle(big, (220, 240, 255), (0.46 * w, 0.47 * h), 0.04 * w)

    return smooth_sprite((width, height), paint, ROCKET_OUTLINE)


class SpaceTheme(StageTheme):
    name = "space"
    sky = ((0.0, (8, 10, 34)), (0.6, (26, 22, 72)), (1.0, (50, 30, 98)))
    ring_colour = (140, 214, 255)

    # --- still art ------------------------------------------------------------------------
    def paint_scenery(self, surface: pygame.Surface, geometry: StageGeometry, unit: float) -> None:
        width, height = surface.get_size()
        stars = random.Random(7)  # the same sky every time
        for _ in range(int(180 * width * height / (1280 * 720))):
            x, y = stars.random() * width, stars.random() * height
            shade = stars.randint(120, 255)
            pygame.draw.circle(
                surface,
                (shade, shade, min(255, shade + 30)),
                (x, y),
                unit * stars.choice((0.8, 1.0, 1.4, 2.0)),
            )
        # Nebulae: rings of rising opacity towards the middle, a soft glow without edges.
        glow = pygame.Surface(surface.get_size(), pygame.SRCALPHA)
        for fx, fy, fr, colour in (
            (0.82, 0.2, 0.32, (120, 70, 200)),
            (0.5, 0.9, 0.36, (60, 120, 220)),
        ):
            for step in range(16):
                reach = fr * height * (1.0 - step / 16)
                pygame.draw.circle(glow, (*colour, 3 + 3 * step), (fx * width, fy * height), reach)
        surface.blit(glow, (0, 0))
        planet = (0.9 * width, 0.86 * height)
        planet_radius = 0.1 * height
        ring = centred_rect(planet, 3.1 * planet_radius, 0.7 * planet_radius)
        ring_width = max(2, round(5 * unit))
        pygame.draw.ellipse(surface, (150, 136, 200), ring, ring_width)  # behind the planet
        pygame.draw.circle(surface, (236, 156, 112), planet, planet_radius)
        for band in (-0.35, 0.1, 0.5):
            stripe = centred_rect(
                (planet[0], planet[1] + band * planet_radius),
                1.9 * planet_radius,
                0.16 * planet_radius,
            )
            pygame.draw.ellipse(surface, (214, 124, 96), stripe)
        pygame.draw.arc(surface, (206, 186, 255), ring, math.pi, 2 * math.pi, ring_width)
        pygame.draw.circle(surface, (200, 206, 226), (0.06 * width, 0.9 * height), 0.05 * height)
        for crater in ((0.05, 0.89, 0.012), (0.075, 0.91, 0.008)):
            pygame.draw.circle(
                surface,
                (168, 174, 200),
                (crater[0] * width, crater[1] * height),
                crater[2] * height,
            )

    def paint_lane(
        self, surface: pygame.Surface, geometry: StageGeometry, unit: float, look: Look
    ) -> None:
        target_x, target_y = geometry.target_center
        half_height = round(geometry.target_radius_px * 0.55)
        if look.high_contrast:
            pygame.draw.line(
                surface,
                (255, 255, 255),
                (geometry.lane_start_x, target_y),
                (geometry.lane_end_x, target_y),
                max(2, round(3 * unit)),
            )
            return
        lane = pygame.Rect(
            target_x, target_y - half_height, geometry.lane_end_x - target_x + 10, 2 * half_height
        )
        pygame.draw.rect(surface, PATH, lane, border_radius=half_height)
        pygame.draw.rect(
            surface, (74, 78, 160), lane, max(1, round(2 * unit)), border_radius=half_height
        )
        step = 44 * unit
        x = geometry.lane_start_x + step / 2
        while x < geometry.lane_end_x - 10 * unit:
            pygame.draw.circle(surface, (120, 140, 230), (x, target_y), 2.5 * unit)
            x += step

    def paint_target(
        self, surface: pygame.Surface, geometry: StageGeometry, unit: float, look: Look
    ) -> None:
        center = geometry.target_center
        radius = geometry.target_radius_px
        if not look.high_contrast:
            pygame.draw.circle(surface, (22, 26, 70), center, radius)
            pad = centred_rect((center[0], center[1] + 0.62 * radius), 1.1 * radius, 0.22 * radius)
            pygame.draw.rect(surface, (110, 118, 160), pad, border_radius=round(0.08 * radius))
            pygame.draw.rect(
                surface,
                (70, 76, 120),
                pad,
                max(1, round(2 * unit)),
                border_radius=round(0.08 * radius),
            )
        outline = (255, 255, 255) if look.high_contrast else self.ring_colour
        pygame.draw.circle(surface, outline, center, radius, max(2, round(4 * unit)))

    def paint_cue_disc(
        self, token: pygame.Surface, center: tuple[int, int], radius: int, look: Look
    ) -> None:
        if look.high_contrast:
            pygame.draw.circle(token, (255, 255, 255), center, radius)
            pygame.draw.circle(token, (40, 40, 90), center, radius - max(2, radius // 8))
            return
        pygame.draw.circle(token, (120, 110, 230, 90), center, radius + 1)
        pygame.draw.circle(token, (96, 84, 200), center, round(radius * 0.86))
        pygame.draw.circle(
            token,
            (122, 112, 226),
            (center[0] - radius * 0.15, center[1] - radius * 0.15),
            round(radius * 0.6),
        )

    # --- sprites ---------------------------------------------------------------------------
    def _rocket(self, geometry: StageGeometry, look: Look) -> pygame.Surface:
        radius = geometry.target_radius_px
        size = (round(0.7 * radius), round(1.5 * radius))
        return self.sprite(("rocket",), geometry, look, lambda: _rocket(*size))

    def prepare_character(self, geometry: StageGeometry, look: Look) -> None:
        self._rocket(geometry, look)

    # --- the frame --------------------------------------------------------------------------
    def draw_character(self, canvas: Canvas, view: PlayView, geometry: StageGeometry) -> None:
        surface, look = canvas.surface, canvas.look
        radius = geometry.target_radius_px
        target_x, target_y = geometry.target_center
        fire = beat_pulse(view)
        calm = look.reduced_motion
        lift = 0.0 if calm else LIFT * radius * fire
        rocket = self._rocket(geometry, look)
        rect = rocket.get_rect(midbottom=(target_x, round(target_y + 0.52 * radius - lift)))
        # The engine always glows a little; on the beat it fires (only a little in reduced motion).
        idle = 0.14 if beat_strength(view) == 0 else 0.2
        burst = (0.1 if calm else 0.75) * fire
        length = radius * (idle + burst)
        # It flickers with the beat's progress, so only while the stage shows the beat.
        flicker = 0.0 if calm else 0.04 * radius * fire * math.sin(view.beat_fraction * 40.0)
        nozzle_y = rect.bottom - 0.1 * radius
        half = 0.15 * radius
        outer = [
            (target_x - half, nozzle_y),
            (target_x + half, nozzle_y),
            (target_x, nozzle_y + length + flicker),
        ]
        inner = [
            (target_x - half * 0.55, nozzle_y),
            (target_x + half * 0.55, nozzle_y),
            (target_x, nozzle_y + 0.6 * length),
        ]
        canvas.mark(pygame.draw.polygon(surface, FLAME_OUTER, outer))
        canvas.mark(pygame.draw.polygon(surface, FLAME_INNER, inner))
        canvas.mark(surface.blit(rocket, rect))

    def draw_reaction(
        self, canvas: Canvas, geometry: StageGeometry, item: Feedback, age_s: float
    ) -> None:
        surface, unit, look = canvas.surface, canvas.unit, canvas.look
        radius = geometry.target_radius_px
        size = REACTION_SIZE[item.judgement]
        colour = look.judgement_colour(item.judgement)
        progress = age_s / REACTION_S
        center = geometry.target_center
        if look.reduced_motion:
            if progress < 0.6:
                canvas.mark(
                    pygame.draw.circle(
                        surface, colour, center, round(radius * 1.1), max(2, round(4 * unit))
                    )
                )
            return
        count = SPARKS[item.judgement]
        if count == 0:  # a soft puff that drifts up and thins out: gentle, not a failure
            puff = mix(colour, (255, 255, 255), 0.3)
            for index in range(5):
                angle = math.pi * (0.15 + 0.175 * index)
                reach = radius * (0.9 + 0.5 * progress)
                spot = (
                    center[0] + math.cos(angle) * reach,
                    center[1] - math.sin(angle) * reach * 0.6,
                )
                canvas.mark(
                    pygame.draw.circle(
                        surface,
                        puff,
                        spot,
                        radius * 0.1 * size * (1.2 - progress) + unit,
                        max(1, round(2 * unit)),
                    )
                )
            return
        offset = (item.audio_frame % 11) * 0.05
        for index in range(count):
            angle = 2 * math.pi * index / count + offset
            reach = radius * (1.0 + 1.4 * size * (1 - (1 - progress) ** 2))
            spot = (center[0] + math.cos(angle) * reach, center[1] + math.sin(angle) * reach)
            spark = (3 + 6 * size) * unit * (1.0 - 0.6 * progress)
            canvas.mark(pygame.draw.polygon(surface, colour, shape_points("star", spot, spark)))
