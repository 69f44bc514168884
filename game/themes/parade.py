"""The parade: drum badges march down the street to the big bass drum, and the drummer
behind it strikes on each beat.

A tap throws confetti from the drum, more and higher the closer it was, in the judgement's
colour; an "off" tap gives one soft ring on the drumhead.
"""

from __future__ import annotations

import math

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
    beat_strength,
    centred_rect,
    mix,
)

RIM: Colour = (206, 56, 84)
GOLD: Colour = (250, 196, 64)
HEAD: Colour = (248, 240, 222)
UNIFORM: Colour = (44, 70, 160)
FACE: Colour = (238, 186, 146)
STICK: Colour = (214, 170, 110)
MALLET: Colour = (250, 246, 236)
OUTLINE: Colour = (40, 26, 48)
ROAD: Colour = (70, 60, 90)
PENNANTS: tuple[Colour, ...] = ((255, 122, 140), (255, 214, 96), (110, 210, 170), (120, 170, 255))
CONFETTI = {"sro": 14, "good": 10, "ok": 7, "off": 0, "extra": 0}
MALLET_LIFT = 1.0  # radians the mallets swing up between beats
DRUMMER_BOTTOM = 0.2  # of the target radius below its centre: the drum hides the body


def _drummer(width: int, height: int) -> pygame.Surface:
    """The drummer: tall band hat, face, shoulders and arms reaching to the drum's sides."""

    def paint(big: pygame.Surface, scale: float) -> None:
        w, h = big.get_size()

        def at(fx: float, fy: float) -> tuple[float, float]:
            return (fx * w, fy * h)

        outline = 0.012 * w
        for grow, uniform, face in ((outline, OUTLINE, OUTLINE), (0.0, UNIFORM, FACE)):
            for side in (-1, 1):
                start, end = at(0.5 + side * 0.19, 0.52), at(0.5 + side * 0.46, 0.84)
                pygame.draw.line(big, uniform, start, end, round(0.085 * w + 2 * grow))
                pygame.draw.circle(big, uniform, start, 0.045 * w + grow)
                pygame.draw.circle(big, face, end, 0.045 * w + grow)  # hand
            torso = centred_rect(at(0.5, 0.78), 0.5 * w + 2 * grow, 0.54 * h + 2 * grow)
            pygame.draw.rect(big, uniform, torso, border_radius=round(0.12 * w))
            pygame.draw.circle(big, face, at(0.5, 0.32), 0.138 * w + grow)
            hat = centred_rect(at(0.5, 0.14), 0.23 * w + 2 * grow, 0.16 * h + 2 * grow)
            pygame.draw.rect(big, uniform, hat, border_radius=round(0.03 * w))
        pygame.draw.ellipse(big, RIM, centred_rect(at(0.5, 0.04), 0.07 * w, 0.07 * h))  # plume
        pygame.draw.rect(big, GOLD, centred_rect(at(0.5, 0.18), 0.23 * w, 0.022 * h))
        pygame.draw.rect(big, OUTLINE, centred_rect(at(0.5, 0.225), 0.27 * w, 0.02 * h))  # peak
        for side in (-1, 1):
            pygame.draw.circle(big, OUTLINE, at(0.5 + side * 0.05, 0.31), 0.014 * w)
            pygame.draw.circle(big, (250, 150, 150), at(0.5 + side * 0.085, 0.35), 0.02 * w)
        smile = centred_rect(at(0.5, 0.36), 0.1 * w, 0.05 * h)
        pygame.draw.arc(big, OUTLINE, smile, math.pi + 0.3, 2 * math.pi - 0.3, round(0.012 * w))
        for side in (-1, 1):  # gold shoulder boards
            board = centred_rect(at(0.5 + side * 0.19, 0.5), 0.1 * w, 0.03 * h)
            pygame.draw.ellipse(big, GOLD, board)

    return smooth_sprite((width, height), paint, OUTLINE)


def _drum(radius: int) -> pygame.Surface:
    """The bass drum seen from the front: red rim, gold studs, a star on the drumhead."""
    side = 2 * radius + 8

    def paint(big: pygame.Surface, scale: float) -> None:
        center = (big.get_width() / 2, big.get_height() / 2)
        reach = radius * scale
        pygame.draw.circle(big, OUTLINE, center, reach + 3 * scale)
        pygame.draw.circle(big, RIM, center, reach)
        pygame.draw.circle(big, OUTLINE, center, reach * 0.81)
        pygame.draw.circle(big, HEAD, center, reach * 0.79)
        for index in range(10):
            angle = index * math.pi / 5
            stud = (
                center[0] + math.cos(angle) * reach * 0.9,
                center[1] + math.sin(angle) * reach * 0.9,
            )
            pygame.draw.circle(big, GOLD, stud, reach * 0.06)
        pygame.draw.polygon(big, (250, 206, 110), shape_points("star", center, reach * 0.38))

    return smooth_sprite((side, side), paint, OUTLINE)


class ParadeTheme(StageTheme):
    name = "parade"
    sky = (
        (0.0, (38, 26, 82)),
        (0.42, (108, 56, 112)),
        (0.43, (84, 58, 96)),
        (1.0, (58, 38, 70)),
    )
    ring_colour = (255, 236, 180)

    # --- still art ------------------------------------------------------------------------
    def paint_scenery(self, surface: pygame.Surface, geometry: StageGeometry, unit: float) -> None:
        width, height = surface.get_size()
        skyline = 0.43 * height
        houses = (0.09, 0.07, 0.11, 0.08, 0.1, 0.06, 0.12, 0.09, 0.1, 0.08, 0.1)
        heights = (0.11, 0.16, 0.09, 0.14, 0.1, 0.17, 0.12, 0.09, 0.15, 0.11, 0.13)
        x = 0.0
        for index, (house_width, house_height) in enumerate(zip(houses, heights, strict=True)):
            rect = pygame.Rect(
                round(x),
                round(skyline - house_height * height),
                round(house_width * width) + 1,
                round(house_height * height) + 1,
            )
            pygame.draw.rect(surface, (70, 44, 94) if index % 2 else (80, 50, 102), rect)
            pitch = 30 * unit
            for row in range(int((rect.height - 8 * unit) / pitch)):
                for column in range(int((rect.width - 8 * unit) / pitch)):
                    window = pygame.Rect(0, 0, round(8 * unit), round(10 * unit))
                    window.topleft = (
                        round(rect.left + 10 * unit + pitch * column),
                        round(rect.top + 10 * unit + pitch * row),
                    )
                    lit = (index + row * 3 + column) % 3 != 0
                    pygame.draw.rect(surface, (196, 146, 120) if lit else (92, 62, 110), window)
            x += house_width * width
        # Pennants strung between poles along the far side of the street.
        string_y = geometry.target_center[1] - 0.95 * geometry.target_radius_px
        pole_gap = 0.2 * width
        for pole in range(6):
            pole_x = pole * pole_gap
            pygame.draw.line(
                surface,
                (150, 120, 150),
                (pole_x, string_y - 12 * unit),
                (pole_x, geometry.target_center[1]),
                max(2, round(4 * unit)),
            )
        flag = 22 * unit
        for index in range(int(width / flag) + 1):
            fx = (index + 0.5) * flag
            sag = 14 * unit * math.sin(math.pi * (fx % pole_gap) / pole_gap)
            top = string_y + sag
            pygame.draw.polygon(
                surface,
                PENNANTS[index % 4],
                [(fx - flag * 0.42, top), (fx + flag * 0.42, top), (fx, top + flag * 0.9)],
            )
        for fx, fy, colour in (
            (0.045, 0.76, (255, 140, 160)),
            (0.955, 0.74, (140, 200, 255)),
            (0.91, 0.82, (255, 214, 110)),
        ):
            balloon = (fx * width, fy * height)
            pygame.draw.line(
                surface,
                (220, 210, 230),
                balloon,
                (balloon[0], balloon[1] + 0.14 * height),
                max(1, round(2 * unit)),
            )
            pygame.draw.ellipse(surface, colour, centred_rect(balloon, 44 * unit, 54 * unit))
            shine = centred_rect(
                (balloon[0] - 8 * unit, balloon[1] - 10 * unit), 10 * unit, 14 * unit
            )
            pygame.draw.ellipse(surface, mix(colour, (255, 255, 255), 0.5), shine)

    def paint_lane(
        self, surface: pygame.Surface, geometry: StageGeometry, unit: float, look: Look
    ) -> None:
        target_y = geometry.target_center[1]
        half_height = round(geometry.target_radius_px * 0.6)
        if look.high_contrast:
            pygame.draw.line(
                surface,
                (255, 255, 255),
                (geometry.lane_start_x, target_y),
                (geometry.lane_end_x, target_y),
                max(2, round(3 * unit)),
            )
            return
        road = pygame.Rect(0, target_y - half_height, surface.get_width(), 2 * half_height)
        pygame.draw.rect(surface, ROAD, road)
        kerb = max(2, round(4 * unit))
        pygame.draw.line(surface, (140, 110, 134), road.topleft, road.topright, kerb)
        pygame.draw.line(surface, (140, 110, 134), road.bottomleft, road.bottomright, kerb)
        dash = 40 * unit
        x = geometry.lane_start_x
        while x < geometry.lane_end_x:
            stripe = centred_rect(
                (x + dash / 2, target_y + half_height * 0.72), dash * 0.55, 4 * unit
            )
            pygame.draw.rect(surface, (200, 170, 90), stripe)
            x += dash

    def paint_target(
        self, surface: pygame.Surface, geometry: StageGeometry, unit: float, look: Look
    ) -> None:
        outline = (255, 255, 255) if look.high_contrast else self.ring_colour
        reach = geometry.target_radius_px + max(3, round(5 * unit))
        pygame.draw.circle(surface, outline, geometry.target_center, reach, max(2, round(3 * unit)))

    def paint_cue_disc(
        self, token: pygame.Surface, center: tuple[int, int], radius: int, look: Look
    ) -> None:
        rim = (255, 255, 255) if look.high_contrast else RIM
        pygame.draw.circle(token, OUTLINE, center, radius)
        pygame.draw.circle(token, rim, center, radius - max(1, radius // 14))
        pygame.draw.circle(token, (70, 52, 120), center, round(radius * 0.78))

    # --- sprites ---------------------------------------------------------------------------
    def _drummer(self, geometry: StageGeometry, look: Look) -> pygame.Surface:
        radius = geometry.target_radius_px
        size = (round(2.6 * radius), round(2.2 * radius))
        return self.sprite(("drummer",), geometry, look, lambda: _drummer(*size))

    def _drum(self, geometry: StageGeometry, look: Look) -> pygame.Surface:
        return self.sprite(("drum",), geometry, look, lambda: _drum(geometry.target_radius_px))

    def prepare_character(self, geometry: StageGeometry, look: Look) -> None:
        self._drummer(geometry, look)
        self._drum(geometry, look)

    # --- the frame --------------------------------------------------------------------------
    def draw_character(self, canvas: Canvas, view: PlayView, geometry: StageGeometry) -> None:
        surface, look = canvas.surface, canvas.look
        radius = geometry.target_radius_px
        target_x, target_y = geometry.target_center
        strength = beat_strength(view)
        swing = math.sin(math.pi * view.beat_fraction)  # 0 on the beat, highest between beats
        bob = 0.0 if look.reduced_motion else 0.05 * radius * strength * swing
        drummer = self._drummer(geometry, look)
        bottom = round(target_y + DRUMMER_BOTTOM * radius - bob)
        canvas.mark(surface.blit(drummer, drummer.get_rect(midbottom=(target_x, bottom))))
        drum = self._drum(geometry, look)
        canvas.mark(surface.blit(drum, drum.get_rect(center=geometry.target_center)))
        lift = MALLET_LIFT * strength * swing * (0.15 if look.reduced_motion else 1.0)
        stick_width = max(3, round(0.06 * radius))
        for side in (-1, 1):
            hand = (target_x + side * 1.2 * radius, target_y - 0.15 * radius - bob)
            strike = (target_x + side * 0.62 * radius, target_y - 0.45 * radius)
            length = math.dist(hand, strike)
            # On the beat the mallet head is on the drumhead; the lift swings it up and out.
            angle = math.atan2(strike[1] - hand[1], strike[0] - hand[0]) + side * lift
            head = (hand[0] + math.cos(angle) * length, hand[1] + math.sin(angle) * length)
            canvas.mark(pygame.draw.line(surface, OUTLINE, hand, head, stick_width + 2))
            canvas.mark(pygame.draw.line(surface, STICK, hand, head, stick_width))
            canvas.mark(pygame.draw.circle(surface, OUTLINE, head, 0.14 * radius))
            canvas.mark(pygame.draw.circle(surface, MALLET, head, 0.14 * radius - 2))

    def draw_reaction(
        self, canvas: Canvas, geometry: StageGeometry, item: Feedback, age_s: float
    ) -> None:
        surface, unit, look = canvas.surface, canvas.unit, canvas.look
        radius = geometry.target_radius_px
        size = REACTION_SIZE[item.judgement]
        colour = look.judgement_colour(item.judgement)
        progress = age_s / REACTION_S
        center = geometry.target_center
        line = max(2, round(4 * unit))
        count = CONFETTI[item.judgement]
        if look.reduced_motion or count == 0:
            # One ring on the drumhead: calm, and for an "off" tap gentle rather than a failure.
            if progress < 0.6:
                reach = round(radius * (0.8 if look.reduced_motion else 0.55 + 0.25 * progress))
                canvas.mark(pygame.draw.circle(surface, colour, center, reach, line))
            return
        paper = (colour, mix(colour, (255, 255, 255), 0.45))
        offset = item.audio_frame % 13
        for index in range(count):
            angle = math.radians(20 + 140 * ((index * 7 + offset) % count) / max(1, count - 1))
            speed = radius * 3.2 * size * (0.75 + 0.25 * (index % 3))
            x = center[0] + math.cos(angle) * speed * age_s
            y = center[1] - 0.8 * radius - math.sin(angle) * speed * age_s + 6.0 * radius * age_s**2
            flutter = math.sin(index + age_s * 14.0)
            piece = centred_rect(
                (x, y), (5 + 6 * size) * unit * abs(flutter) + 2 * unit, (4 + 4 * size) * unit
            )
            canvas.mark(pygame.draw.rect(surface, paper[index % 2], piece))
