"""The pond: lily pads float down a stream to the frog's pad, and the frog lands on each beat.

A tap sends ripples over the water (and, when it was close, droplets), in the judgement's
colour; an "off" tap makes one small, soft ripple. Right after a hit the frog smiles with its
eyes closed.
"""

from __future__ import annotations

import math

import pygame

from engine.scoring.judgement import Judgement
from engine.session.play_view import Feedback, PlayView
from game.canvas import Canvas
from game.icons import smooth_sprite
from game.look import Colour, Look
from game.themes.base import StageGeometry
from game.themes.stage import (
    REACTION_S,
    REACTION_SIZE,
    StageTheme,
    beat_strength,
    centred_rect,
    mix,
    recent_reactions,
)

FROG_GREEN: Colour = (98, 196, 96)
FROG_DARK: Colour = (66, 160, 72)
FROG_BELLY: Colour = (206, 238, 164)
FROG_OUTLINE: Colour = (26, 78, 48)
PAD_GREEN: Colour = (58, 158, 116)  # bluer than the frog, so the frog stands out on it
PAD_RIM: Colour = (26, 96, 80)
WATER_LIGHT: Colour = (52, 142, 148)
HOP_HEIGHT = 0.75  # of the target radius
TAKE_OFF_AT = 0.45  # beat fraction at which the frog leaves its pad; it lands on the beat
FROG_POSES = ("sit", "crouch", "leap", "happy")
HAPPY_S = 0.35  # the frog smiles this long after a hit
DROPLETS = {"sro": 8, "good": 6, "ok": 4, "off": 0, "extra": 0}
RIPPLES = {"sro": 3, "good": 2, "ok": 2, "off": 1, "extra": 1}


def _frog(width: int, height: int, pose: str) -> pygame.Surface:
    """The frog in a width × height box, sitting on the box's bottom edge.

    pose: sit, crouch (before take-off and on landing), leap, or happy (eyes closed, smiling).
    """

    def paint(big: pygame.Surface, scale: float) -> None:
        w, h = big.get_size()
        squash = {"crouch": 0.84, "leap": 1.0}.get(pose, 0.92)
        top = h * (1.0 - squash)

        def at(fx: float, fy: float) -> tuple[float, float]:
            return (fx * w, top + fy * (h - top))

        def ellipse(
            colour: Colour, fx: float, fy: float, fw: float, fh: float, grow: float
        ) -> None:
            cx, cy = at(fx, fy)
            rect = centred_rect((cx, cy), fw * w + 2 * grow, fh * (h - top) + 2 * grow)
            pygame.draw.ellipse(big, colour, rect)

        outline = 0.025 * w
        legs_low = pose == "leap"
        for grow, body, legs in ((outline, FROG_OUTLINE, FROG_OUTLINE), (0, FROG_GREEN, FROG_DARK)):
            for side in (0.2, 0.8):
                if legs_low:
                    ellipse(legs, side, 0.9, 0.2, 0.26, grow)
                else:
                    ellipse(legs, side, 0.78, 0.36, 0.36, grow)
            ellipse(body, 0.5, 0.62, 0.66, 0.7, grow)
            for side in (0.32, 0.68):
                ellipse(body, side, 0.22, 0.28, 0.32, grow)
        ellipse(FROG_BELLY, 0.5, 0.74, 0.36, 0.4, 0)
        for side in (0.34, 0.66):
            ellipse(FROG_DARK, side, 0.97, 0.16, 0.08, 0)  # front feet
            ellipse((255, 160, 170), side - 0.06 if side < 0.5 else side + 0.06, 0.5, 0.1, 0.06, 0)
        eye_radius = 0.095 * w
        for side in (0.32, 0.68):
            center = at(side, 0.22)
            if pose == "happy":
                arc = centred_rect(center, 1.6 * eye_radius, 1.3 * eye_radius)
                pygame.draw.arc(big, FROG_OUTLINE, arc, 0.2, math.pi - 0.2, round(0.03 * w))
                continue
            pygame.draw.circle(big, (255, 255, 255), center, eye_radius)
            pygame.draw.circle(
                big, (28, 36, 44), (center[0], center[1] + 0.2 * eye_radius), 0.55 * eye_radius
            )
            pygame.draw.circle(
                big, (255, 255, 255), (center[0] + 0.2 * eye_radius, center[1]), 0.18 * eye_radius
            )
        smile = centred_rect(at(0.5, 0.38), 0.34 * w, 0.16 * (h - top))
        pygame.draw.arc(
            big, FROG_OUTLINE, smile, math.pi + 0.35, 2 * math.pi - 0.35, round(0.025 * w)
        )

    return smooth_sprite((width, height), paint, FROG_OUTLINE)


class PondTheme(StageTheme):
    name = "pond"
    sky = (
        (0.0, (22, 70, 104)),
        (0.3, (62, 134, 148)),
        (0.31, (38, 118, 126)),
        (1.0, (14, 64, 86)),
    )
    ring_colour = (226, 248, 236)

    # --- still art ------------------------------------------------------------------------
    def paint_scenery(self, surface: pygame.Surface, geometry: StageGeometry, unit: float) -> None:
        width, height = surface.get_size()
        horizon = 0.305 * height
        for center_x, hill_width, hill_height in (
            (0.18, 0.5, 0.12),
            (0.62, 0.6, 0.1),
            (1.0, 0.4, 0.14),
        ):
            rect = centred_rect(
                (center_x * width, horizon), hill_width * width, 2 * hill_height * height
            )
            pygame.draw.ellipse(surface, (34, 94, 82), rect)
        pygame.draw.rect(surface, (38, 118, 126), (0, horizon, width, height - horizon))
        for row in range(6):  # light streaks on the water
            y = horizon + (0.08 + 0.12 * row) * height
            for index in range(5):
                x = ((index * 0.23 + row * 0.37) % 1.0) * width
                streak = centred_rect((x, y), 60 * unit, 3 * unit)
                pygame.draw.ellipse(surface, (48, 132, 140), streak)
        for fx, fy, size in (
            (0.05, 0.72, 1.0),
            (0.9, 0.88, 1.3),
            (0.55, 0.94, 0.8),
            (0.97, 0.36, 0.7),
        ):
            self._paint_pad(surface, (fx * width, fy * height), 46 * unit * size, (44, 122, 100))
        for fx in (0.012, 0.03, 0.985):  # reeds at the edges
            base = (fx * width, height)
            tip = (fx * width + 10 * unit, height * 0.74)
            pygame.draw.line(surface, (30, 92, 58), base, tip, max(2, round(4 * unit)))
            pygame.draw.ellipse(surface, (120, 84, 52), centred_rect(tip, 10 * unit, 34 * unit))

    @staticmethod
    def _paint_pad(
        surface: pygame.Surface, center: tuple[float, float], half_width: float, colour: Colour
    ) -> None:
        rect = centred_rect(center, 2 * half_width, 0.9 * half_width)
        pygame.draw.ellipse(surface, mix(colour, (0, 0, 0), 0.3), rect.inflate(4, 4))
        pygame.draw.ellipse(surface, colour, rect)
        vein = mix(colour, (255, 255, 255), 0.18)
        for angle in (0.8, 1.6, 2.4, 3.2, 4.0, 4.8, 5.6):  # radians, leaving out the notch
            end = (
                center[0] + 0.8 * half_width * math.cos(angle),
                center[1] + 0.36 * half_width * math.sin(angle),
            )
            pygame.draw.line(surface, vein, center, end, max(1, round(half_width / 30)))
        notch = [
            center,
            (center[0] + half_width * 1.05, center[1] - 0.12 * half_width),
            (center[0] + half_width * 1.05, center[1] + 0.2 * half_width),
        ]
        pygame.draw.polygon(surface, (38, 118, 126), notch)

    def paint_lane(
        self, surface: pygame.Surface, geometry: StageGeometry, unit: float, look: Look
    ) -> None:
        target_x, target_y = geometry.target_center
        half_height = round(geometry.target_radius_px * 0.58)
        lane = pygame.Rect(
            target_x, target_y - half_height, geometry.lane_end_x - target_x, 2 * half_height
        )
        if look.high_contrast:
            pygame.draw.line(
                surface,
                (255, 255, 255),
                (geometry.lane_start_x, target_y),
                (geometry.lane_end_x, target_y),
                max(2, round(3 * unit)),
            )
            return
        # A stream across the pond, its edges shading softly into the still water.
        for share, colour in ((1.3, (32, 112, 122)), (1.1, (42, 126, 136)), (0.9, WATER_LIGHT)):
            band = pygame.Rect(0, 0, surface.get_width(), round(2 * half_height * share))
            band.centery = target_y
            pygame.draw.rect(surface, colour, band)
        for index in range(int((lane.width) / (70 * unit))):
            x = lane.left + (index + 0.5) * 70 * unit
            wave = centred_rect(
                (x, target_y + (index % 2 - 0.5) * half_height * 0.9), 26 * unit, 3 * unit
            )
            pygame.draw.ellipse(surface, (86, 176, 176), wave)

    def paint_target(
        self, surface: pygame.Surface, geometry: StageGeometry, unit: float, look: Look
    ) -> None:
        center = geometry.target_center
        radius = geometry.target_radius_px
        if not look.high_contrast:
            pygame.draw.circle(surface, (34, 110, 120), center, radius)
        pad_center = (center[0], center[1] + 0.3 * radius)
        self._paint_pad(surface, pad_center, 0.78 * radius, PAD_GREEN)
        outline = (255, 255, 255) if look.high_contrast else self.ring_colour
        pygame.draw.circle(surface, outline, center, radius, max(2, round(4 * unit)))

    def paint_cue_disc(
        self, token: pygame.Surface, center: tuple[int, int], radius: int, look: Look
    ) -> None:
        rim = (255, 255, 255) if look.high_contrast else PAD_RIM
        pygame.draw.circle(token, rim, center, radius)
        pygame.draw.circle(token, PAD_GREEN, center, radius - max(2, radius // 10))
        notch = [
            center,
            (center[0] + radius, center[1] - radius * 0.3),
            (center[0] + radius, center[1] + 0.1 * radius),
        ]
        pygame.draw.polygon(token, (0, 0, 0, 0), notch)

    # --- sprites ---------------------------------------------------------------------------
    def _frog(self, pose: str, geometry: StageGeometry, look: Look) -> pygame.Surface:
        radius = geometry.target_radius_px
        size = (round(1.3 * radius), round(1.1 * radius))
        return self.sprite(("frog", pose), geometry, look, lambda: _frog(*size, pose))

    def prepare_character(self, geometry: StageGeometry, look: Look) -> None:
        for pose in FROG_POSES:
            self._frog(pose, geometry, look)

    # --- the frame --------------------------------------------------------------------------
    def draw_character(self, canvas: Canvas, view: PlayView, geometry: StageGeometry) -> None:
        look = canvas.look
        radius = geometry.target_radius_px
        strength = beat_strength(view)
        fraction = view.beat_fraction
        lift = 0.0
        pose = "sit"
        if strength > 0 and not look.reduced_motion and fraction >= TAKE_OFF_AT:
            lift = (
                HOP_HEIGHT
                * radius
                * strength
                * math.sin(math.pi * (fraction - TAKE_OFF_AT) / (1 - TAKE_OFF_AT))
            )
            pose = "leap" if lift > 0.2 * HOP_HEIGHT * radius * strength else "crouch"
        elif strength > 0 and (fraction < 0.1 or TAKE_OFF_AT - 0.12 <= fraction < TAKE_OFF_AT):
            pose = "crouch"  # landing, and getting ready to jump
        reactions = recent_reactions(view)
        if (
            reactions
            and reactions[-1][1] < HAPPY_S
            and Judgement.of_label(reactions[-1][0].judgement).is_hit
        ):
            pose = "happy" if lift == 0 else pose
        frog = self._frog(pose, geometry, look)
        target_x, target_y = geometry.target_center
        rect = frog.get_rect(midbottom=(target_x, round(target_y + 0.42 * radius - lift)))
        canvas.mark(canvas.surface.blit(frog, rect))

    def draw_reaction(
        self, canvas: Canvas, geometry: StageGeometry, item: Feedback, age_s: float
    ) -> None:
        surface, unit, look = canvas.surface, canvas.unit, canvas.look
        radius = geometry.target_radius_px
        size = REACTION_SIZE[item.judgement]
        colour = look.judgement_colour(item.judgement)
        progress = age_s / REACTION_S
        center = (geometry.target_center[0], geometry.target_center[1] + 0.3 * radius)
        line = max(2, round((2 if item.judgement == "off" else 4) * unit))
        if look.reduced_motion:
            if progress < 0.6:
                ring = centred_rect(center, 2.3 * radius, 0.9 * radius)
                canvas.mark(pygame.draw.ellipse(surface, colour, ring, line))
            return
        for index in range(RIPPLES[item.judgement]):
            spread = progress - 0.18 * index
            if spread <= 0:
                continue
            reach = radius * (0.9 + 1.3 * size * spread)
            ring = centred_rect(center, 2 * reach, 0.8 * reach)
            canvas.mark(pygame.draw.ellipse(surface, colour, ring, line))
        count = DROPLETS[item.judgement]
        droplet = mix(colour, (255, 255, 255), 0.35)
        for index in range(count):
            angle = (
                math.radians(25 + 130 * index / max(1, count - 1)) + (item.audio_frame % 7) * 0.03
            )
            speed = radius * 2.6 * size * (0.8 + 0.2 * (index % 3))
            x = center[0] + math.cos(angle) * speed * age_s
            y = center[1] - 0.2 * radius - math.sin(angle) * speed * age_s + 5.0 * radius * age_s**2
            canvas.mark(
                pygame.draw.circle(surface, droplet, (x, y), (2 + 4 * size * (1 - progress)) * unit)
            )
