"""What every theme's stage shares: where cues sit on the lane, how strongly the beat shows,
which taps still react, the approach ring and pulse of the target, the judgement shape that
pops up after a tap, and the caches of pre-rendered art.

A theme subclasses `StageTheme` and paints its scenery, its cue token, its character and its
reaction; all of them read the view, none decides anything.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass

import pygame

from engine.levels.limbs import LIMBS
from engine.session.play_view import PHASE_COUNT_IN, PHASE_PLAYING, Feedback, PlayView
from game.canvas import Canvas, design_unit
from game.icons import limb_icon, shape_sprite
from game.look import Colour, Look
from game.themes.base import StageGeometry

LANE_LOOKAHEAD_S = 2.0  # a cue enters the lane this long before its beat
FADE_GONE_S = 0.55  # with visual_cue "fade" a cue has vanished this long before its beat...
FADE_FULL_S = 1.4  # ...and starts to fade from this far out
LANDED_S = 0.15  # a cue stays on the target's rim this long after its beat, fading
APPROACH_S = 0.7  # the approach ring closes onto the target over this last stretch
REACTION_S = 0.8  # how long a tap's reaction plays
REACTIONS_SHOWN = 3  # at fast tempos, older reactions still finishing are drawn too
# How big a reaction is, by judgement: right on is the biggest, off the smallest and softest.
REACTION_SIZE: dict[str, float] = {"sro": 1.0, "good": 0.8, "ok": 0.62, "off": 0.42, "extra": 0.3}
BEAT_STRENGTH: dict[str, float] = {"full": 1.0, "fade": 0.5, "none": 0.0}
SILENT_METRONOME_STRENGTH = 0.3  # continuation: the stage keeps the beat only faintly
CUE_BOB_PX = 3.0  # design px a cue rocks up and down as it travels (not in reduced motion)
CUE_RADIUS = 0.42  # of the target radius
PULSE_GROWTH = 0.14  # the target grows this much (of its radius) on the beat
REDUCED_PULSE_GROWTH = 0.04


@dataclass(frozen=True)
class CueSpot:
    x: int
    y: int
    alpha: int  # 0-255
    limb: str
    seconds_until: float


def beat_strength(view: PlayView) -> float:
    """How strongly the stage moves with the metronome: 0 when the level shows no cue."""
    if view.phase not in (PHASE_COUNT_IN, PHASE_PLAYING):
        return 0.0
    strength = BEAT_STRENGTH[view.visual_cue]
    return strength * SILENT_METRONOME_STRENGTH if view.metronome_silent else strength


def beat_pulse(view: PlayView) -> float:
    """1 on the beat, dying away quickly after it (0 when the level shows no cue)."""
    return beat_strength(view) * (1.0 - view.beat_fraction) ** 3


def cue_radius_px(geometry: StageGeometry) -> int:
    return max(8, round(geometry.target_radius_px * CUE_RADIUS))


def cue_spots(view: PlayView, geometry: StageGeometry, look: Look, unit: float) -> list[CueSpot]:
    """Where each upcoming target's cue is drawn: on the lane, arriving at the target's rim
    on its beat and fading there just after it (the limb guide still names it then); none with
    visual_cue "none"; fading out before arrival with "fade"."""
    if view.visual_cue == "none":
        return []
    target_x, target_y = geometry.target_center
    # A cue meets the target's rim on its beat, leaving the character in the middle in view.
    arrive_x = target_x + geometry.target_radius_px
    travel_px = geometry.lane_end_x - cue_radius_px(geometry) - arrive_x
    spots = []
    for seconds_until, limb in view.upcoming_s:
        if not -LANDED_S < seconds_until <= LANE_LOOKAHEAD_S:
            continue
        alpha = 255 if seconds_until >= 0 else round(255 * (1.0 + seconds_until / LANDED_S))
        if view.visual_cue == "fade":
            visible = (seconds_until - FADE_GONE_S) / (FADE_FULL_S - FADE_GONE_S)
            alpha = round(255 * min(1.0, max(0.0, visible)))
            if alpha == 0:
                continue
        x = arrive_x + travel_px * max(0.0, seconds_until) / LANE_LOOKAHEAD_S
        bob = 0.0 if look.reduced_motion else CUE_BOB_PX * unit * math.sin(x / (40.0 * unit))
        spots.append(CueSpot(round(x), round(target_y + bob), alpha, limb, seconds_until))
    return spots


def approach_scale(view: PlayView) -> float | None:
    """Radius of the approach ring as a multiple of the target's: it closes onto the target
    as the next target's beat comes; None when no ring is shown."""
    coming = [seconds for seconds, _ in view.upcoming_s if seconds > 0.0]
    if view.visual_cue != "full" or not coming or coming[0] > APPROACH_S:
        return None
    seconds_until = coming[0]
    return 1.0 + 0.55 * seconds_until / APPROACH_S


def recent_reactions(view: PlayView) -> list[tuple[Feedback, float]]:
    """Taps whose reaction is still playing, oldest first, with their age in s."""
    recent = [(item, age_s) for item, age_s in view.feedback if 0.0 <= age_s <= REACTION_S]
    return recent[-REACTIONS_SHOWN:]


def mix(colour: Colour, other: Colour, share: float) -> Colour:
    """``colour`` moved ``share`` of the way to ``other``."""
    return tuple(round(a + (b - a) * share) for a, b in zip(colour, other, strict=True))  # type: ignore[return-value]


def vertical_gradient(
    size: tuple[int, int], stops: tuple[tuple[float, Colour], ...]
) -> pygame.Surface:
    """A window-sized picture shading through (height fraction, colour) stops."""
    height = size[1]
    column = pygame.Surface((1, height))
    for row in range(height):
        fraction = row / max(1, height - 1)
        for (start, low), (end, high) in itertools.pairwise(stops):
            if start <= fraction <= end:
                column.set_at((0, row), mix(low, high, (fraction - start) / (end - start)))
                break
    return pygame.transform.scale(column, size)


def centred_rect(center: tuple[float, float], width: float, height: float) -> pygame.Rect:
    rect = pygame.Rect(0, 0, round(width), round(height))
    rect.center = (round(center[0]), round(center[1]))
    return rect


class StageTheme:
    """A theme's stage, drawn in layers: background (cached per size), cues, target, character,
    reactions. Subclasses fill in the painting."""

    name = ""
    sky: tuple[tuple[float, Colour], ...] = ()  # gradient stops of the background
    ring_colour: Colour = (240, 245, 255)  # the target's outline and pulse

    def __init__(self) -> None:
        self._background: pygame.Surface | None = None
        self._background_key: tuple | None = None
        self._sprites: dict[tuple, pygame.Surface] = {}
        self._sprites_for: tuple[StageGeometry, Look] | None = None

    # --- cached art -------------------------------------------------------------------------
    def background(self, size: tuple[int, int], look: Look) -> pygame.Surface:
        key = (size, look.high_contrast)
        if self._background is None or key != self._background_key:
            geometry = StageGeometry.for_size(size)
            unit = design_unit(size)
            stops = self.sky
            if look.high_contrast:
                # Calm and dark behind white outlines: the scenery gives way to the task.
                stops = tuple((at, mix(colour, (0, 0, 0), 0.7)) for at, colour in stops)
            picture = vertical_gradient(size, stops)
            if not look.high_contrast:
                self.paint_scenery(picture, geometry, unit)
            self.paint_lane(picture, geometry, unit, look)
            self.paint_target(picture, geometry, unit, look)
            self.prepare(geometry, look)
            # In the window's pixel format, blits of it are plain copies.
            has_window = pygame.display.get_surface() is not None
            self._background = picture.convert() if has_window else picture
            self._background_key = key
        return self._background

    def sprite(
        self, key: tuple, geometry: StageGeometry, look: Look, make: Callable[[], pygame.Surface]
    ) -> pygame.Surface:
        """A pre-rendered piece of art, made once per window size and look."""
        if (geometry, look) != self._sprites_for:
            self._sprites.clear()
            self._sprites_for = (geometry, look)
        if key not in self._sprites:
            self._sprites[key] = make()
        return self._sprites[key]

    def prepare(self, geometry: StageGeometry, look: Look) -> None:
        """Make every sprite now (with the background), so no frame during play has to."""
        for limb in LIMBS:
            self.cue_token(limb, geometry, look)
        for judgement in REACTION_SIZE:
            self.judgement_sprite(judgement, geometry, look)
        self.prepare_character(geometry, look)

    def cue_token(self, limb: str, geometry: StageGeometry, look: Look) -> pygame.Surface:
        """The theme's token for one cue: its disc with the limb icon on it."""

        def make() -> pygame.Surface:
            radius = cue_radius_px(geometry)
            token = pygame.Surface((2 * radius + 4, 2 * radius + 4), pygame.SRCALPHA)
            center = token.get_rect().center
            self.paint_cue_disc(token, center, radius, look)
            icon = limb_icon(limb, round(radius * 1.5), look)
            token.blit(icon, icon.get_rect(center=center))
            return token

        return self.sprite(("cue", limb), geometry, look, make)

    def judgement_sprite(
        self, judgement: str, geometry: StageGeometry, look: Look
    ) -> pygame.Surface:
        """The judgement's shape in its colour, sized by the judgement (a copy of its own, as
        its alpha is set while it fades)."""
        size = REACTION_SIZE[judgement]
        shape_radius = max(6, round(geometry.target_radius_px * (0.18 + 0.2 * size)))
        return self.sprite(
            ("pop", judgement),
            geometry,
            look,
            lambda: shape_sprite(
                look.judgement_shape(judgement),
                shape_radius,
                look.judgement_colour(judgement),
                (0, 0, 0) if look.high_contrast else (36, 40, 66),
            ).copy(),
        )

    # --- the frame ------------------------------------------------------------------------
    def draw_stage(self, canvas: Canvas, view: PlayView, geometry: StageGeometry) -> None:
        self.draw_cues(canvas, view, geometry)
        self.draw_target_motion(canvas, view, geometry)
        self.draw_character(canvas, view, geometry)
        reactions = recent_reactions(view)
        for item, age_s in reactions:
            self.draw_reaction(canvas, geometry, item, age_s)
        if reactions:  # only the newest tap's shape: older ones would pile up beside it
            self.draw_judgement_pop(canvas, geometry, *reactions[-1])

    def draw_cues(self, canvas: Canvas, view: PlayView, geometry: StageGeometry) -> None:
        look = canvas.look
        # Farthest first, so the nearest cue is drawn on top where they crowd.
        for spot in reversed(cue_spots(view, geometry, look, canvas.unit)):
            token = self.cue_token(spot.limb, geometry, look)
            token.set_alpha(spot.alpha)
            canvas.mark(canvas.surface.blit(token, token.get_rect(center=(spot.x, spot.y))))

    def draw_target_motion(self, canvas: Canvas, view: PlayView, geometry: StageGeometry) -> None:
        """The approach ring closing in on the next target and the pulse on each beat."""
        surface, unit, look = canvas.surface, canvas.unit, canvas.look
        center, radius = geometry.target_center, geometry.target_radius_px
        width = max(2, round(3 * unit))
        colour = (255, 255, 255) if look.high_contrast else self.ring_colour
        approach = approach_scale(view)
        if approach is not None:
            if look.reduced_motion:
                approach = 1.0 + (approach - 1.0) * 0.3  # only a small closing movement
            reach = round(radius * approach)
            canvas.mark(pygame.draw.circle(surface, colour, center, reach, width))
        pulse = beat_pulse(view)
        if pulse > 0.02:
            growth = REDUCED_PULSE_GROWTH if look.reduced_motion else PULSE_GROWTH
            reach = round(radius * (1.0 + growth * pulse))
            thickness = max(2, round((3 + 5 * pulse) * unit))
            canvas.mark(pygame.draw.circle(surface, colour, center, reach, thickness))

    def draw_judgement_pop(
        self, canvas: Canvas, geometry: StageGeometry, item: Feedback, age_s: float
    ) -> None:
        """The judgement's shape and colour beside the target, so that the shape, not only the
        colour, tells a colour-blind child how the tap went."""
        look = canvas.look
        target_x, target_y = geometry.target_center
        radius = geometry.target_radius_px
        sprite = self.judgement_sprite(item.judgement, geometry, look)
        progress = age_s / REACTION_S
        rise = 0.0 if look.reduced_motion else 0.35 * radius * progress
        sprite.set_alpha(round(255 * min(1.0, 3.0 * (1.0 - progress))))
        center = (target_x + round(radius * 1.15), target_y - round(radius * 1.05 + rise))
        canvas.mark(canvas.surface.blit(sprite, sprite.get_rect(center=center)))

    # --- painted by each theme --------------------------------------------------------------
    def paint_scenery(self, surface: pygame.Surface, geometry: StageGeometry, unit: float) -> None:
        """Still decoration (left out in high contrast)."""

    def paint_lane(
        self, surface: pygame.Surface, geometry: StageGeometry, unit: float, look: Look
    ) -> None:
        """The track the cues travel along."""

    def paint_target(
        self, surface: pygame.Surface, geometry: StageGeometry, unit: float, look: Look
    ) -> None:
        """The still part of the target."""

    def paint_cue_disc(
        self, token: pygame.Surface, center: tuple[int, int], radius: int, look: Look
    ) -> None:
        """The disc a cue's limb icon sits on."""

    def prepare_character(self, geometry: StageGeometry, look: Look) -> None:
        """Make the character's sprites (every pose)."""

    def draw_character(self, canvas: Canvas, view: PlayView, geometry: StageGeometry) -> None:
        """The theme's character, moving with the beat."""

    def draw_reaction(
        self, canvas: Canvas, geometry: StageGeometry, item: Feedback, age_s: float
    ) -> None:
        """The theme's answer to one tap, sized and coloured by its judgement."""
