"""Icons drawn in code: the limb to tap with, and the shape of each judgement.

Limb icons show the child's own limbs as the child sees them, looking down: the back of the
hands (right thumb on the left) and the tops of the feet (right big toe on the left). A left
limb is the mirror image of the right one and carries a left badge, a right one a right badge
(blue and orange: apart under every common colour-vision deficiency), each with its letter in
the child's language (`Look.side_letters`: L/R, I/D); a `both_*` limb shows
the pair. The part to tap with is coloured: the toes for a toe tap, the heel for a heel tap.

Shapes are drawn at three times their size and smoothed down, which anti-aliases them; badge
letters are rendered afterwards at their final pixel size so they stay crisp.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache

import pygame

from game.look import Colour, Look
from game.text import font

SKIN: Colour = (250, 240, 226)
OUTLINE: Colour = (36, 40, 66)
TAP_PART: Colour = (255, 112, 150)  # the toes or the heel that should touch the floor
BADGE_COLOURS: dict[str, Colour] = {"left": (40, 120, 230), "right": (235, 125, 20)}
SUPERSAMPLE = 3
DEFAULT_LOOK = Look()

Painter = Callable[[pygame.Surface, float], None]


# --- judgement shapes ---------------------------------------------------------------------------
def shape_points(
    shape: str, center: tuple[float, float], radius: float
) -> list[tuple[float, float]]:
    """Outline of a polygon shape (star, diamond, triangle) around ``center``."""
    x, y = center
    if shape == "star":
        points = []
        for index in range(10):
            reach = radius if index % 2 == 0 else radius * 0.45
            angle = -math.pi / 2 + index * math.pi / 5
            points.append((x + reach * math.cos(angle), y + reach * math.sin(angle)))
        return points
    if shape == "diamond":
        return [(x, y - radius), (x + radius * 0.8, y), (x, y + radius), (x - radius * 0.8, y)]
    if shape == "triangle":
        # Drawn a little lower than the centre so that it looks centred with the others.
        return [
            (x, y - radius * 0.85),
            (x + radius * 0.95, y + radius * 0.7),
            (x - radius * 0.95, y + radius * 0.7),
        ]
    raise ValueError(f"{shape!r} is not a polygon shape")


def draw_shape(
    surface: pygame.Surface,
    shape: str,
    center: tuple[float, float],
    radius: float,
    colour: Colour,
    outline: Colour | None = OUTLINE,
) -> pygame.Rect:
    """One judgement shape (circle, dot, star, diamond, triangle), filled, with an outline."""
    outline_px = max(1, round(radius * 0.12))
    if shape in ("circle", "dot"):
        reach = radius if shape == "circle" else radius * 0.45
        rect = pygame.draw.circle(surface, colour, center, reach)
        if outline is not None:
            pygame.draw.circle(surface, outline, center, reach, outline_px)
        return rect
    points = shape_points(shape, center, radius)
    rect = pygame.draw.polygon(surface, colour, points)
    if outline is not None:
        pygame.draw.polygon(surface, outline, points, outline_px)
    return rect


@lru_cache(maxsize=96)
def shape_sprite(
    shape: str, radius_px: int, colour: Colour, outline: Colour | None = OUTLINE
) -> pygame.Surface:
    """A judgement shape as an anti-aliased sprite, 2 * radius_px + 2 pixels square."""
    side = 2 * radius_px + 2

    def paint(big: pygame.Surface, scale: float) -> None:
        center = (big.get_width() / 2, big.get_height() / 2)
        draw_shape(big, shape, center, radius_px * scale, colour, outline)

    return smooth_sprite((side, side), paint, OUTLINE if outline is None else outline)


def smooth_sprite(size: tuple[int, int], paint: Painter, edge: Colour) -> pygame.Surface:
    """Paint at SUPERSAMPLE times the size, then smooth down: anti-aliased edges.

    ``edge`` is the colour transparent pixels carry, so that smoothing does not darken or
    tint the edges with black.
    """
    width, height = size
    big = pygame.Surface((width * SUPERSAMPLE, height * SUPERSAMPLE), pygame.SRCALPHA)
    big.fill((*edge, 0))
    paint(big, SUPERSAMPLE)
    sprite = pygame.transform.smoothscale(big, (width, height))
    return sprite.convert_alpha() if pygame.display.get_surface() is not None else sprite


# --- limb icons --------------------------------------------------------------------------------
def _capsule(
    surface: pygame.Surface,
    colour: Colour,
    start: tuple[float, float],
    end: tuple[float, float],
    width: float,
) -> None:
    pygame.draw.line(surface, colour, start, end, max(1, round(width)))
    pygame.draw.circle(surface, colour, start, width / 2)
    pygame.draw.circle(surface, colour, end, width / 2)


def _paint_right_hand(
    surface: pygame.Surface, box: pygame.Rect, grow: float, colour: Colour
) -> None:
    """The back of a right hand, fingers up, thumb on the left. ``grow`` widens every part
    (painting once grown in the outline colour, then plain, gives the outline)."""
    s, left, top = box.width, box.left, box.top

    def at(fx: float, fy: float) -> tuple[float, float]:
        return (left + fx * s, top + fy * s)

    palm = pygame.Rect(0, 0, 0.5 * s + 2 * grow, 0.5 * s + 2 * grow)
    palm.center = (round(left + 0.55 * s), round(top + 0.64 * s))
    pygame.draw.rect(surface, colour, palm, border_radius=round(0.16 * s + grow))
    finger_width = 0.115 * s + 2 * grow
    for fx, tip_fy in ((0.37, 0.16), (0.49, 0.1), (0.61, 0.13), (0.72, 0.22)):
        _capsule(surface, colour, at(fx, tip_fy), at(fx, 0.55), finger_width)
    _capsule(surface, colour, at(0.36, 0.78), at(0.15, 0.5), 0.13 * s + 2 * grow)


def _paint_right_foot(
    surface: pygame.Surface, box: pygame.Rect, grow: float, colour: Colour, part: str
) -> None:
    """The top of a right foot, toes up, big toe on the left; ``part`` gets the tap colour."""
    s, left, top = box.width, box.left, box.top

    def ellipse(fx: float, fy: float, fw: float, fh: float, fill: Colour) -> None:
        rect = pygame.Rect(0, 0, fw * s + 2 * grow, fh * s + 2 * grow)
        rect.center = (round(left + fx * s), round(top + fy * s))
        pygame.draw.ellipse(surface, fill, rect)

    heel_colour = TAP_PART if part == "heel" and grow == 0 else colour
    toe_colour = TAP_PART if part == "toe" and grow == 0 else colour
    ellipse(0.5, 0.42, 0.48, 0.4, colour)  # ball of the foot
    # The sides run straight from the ball to the heel, the inner (left) side more upright.
    pygame.draw.polygon(
        surface,
        colour,
        [
            (left + 0.27 * s - grow, top + 0.44 * s),
            (left + 0.74 * s + grow, top + 0.42 * s),
            (left + 0.69 * s + grow, top + 0.8 * s),
            (left + 0.37 * s - grow, top + 0.8 * s),
        ],
    )
    ellipse(0.53, 0.8, 0.33, 0.3, heel_colour)
    for fx, fy, diameter in (
        (0.33, 0.19, 0.19),
        (0.48, 0.13, 0.13),
        (0.6, 0.15, 0.11),
        (0.7, 0.2, 0.1),
        (0.78, 0.27, 0.09),
    ):
        ellipse(fx, fy, diameter, diameter * 1.15, toe_colour)


def _paint_tap(surface: pygame.Surface, box: pygame.Rect, grow: float, colour: Colour) -> None:
    """Any limb: a burst, as of a tap."""
    center = box.center
    s = box.width
    pygame.draw.circle(surface, colour, center, 0.2 * s + grow)
    for index in range(8):
        angle = index * math.pi / 4
        start = (center[0] + 0.3 * s * math.cos(angle), center[1] + 0.3 * s * math.sin(angle))
        end = (center[0] + 0.42 * s * math.cos(angle), center[1] + 0.42 * s * math.sin(angle))
        _capsule(surface, colour, start, end, 0.07 * s + 2 * grow)


def _limb_picture(part: str, size_px: int, outline: Colour) -> pygame.Surface:
    """A right limb (or the tap burst for "any"), outlined, anti-aliased, size_px square."""

    def paint(big: pygame.Surface, scale: float) -> None:
        box = big.get_rect().inflate(-0.1 * big.get_width(), -0.1 * big.get_height())
        outline_px = max(2.0, 0.035 * box.width)
        for grow, colour in ((outline_px, outline), (0.0, SKIN)):
            if part == "hand":
                _paint_right_hand(big, box, grow, colour)
            elif part in ("toe", "heel"):
                _paint_right_foot(big, box, grow, colour, part)
            else:
                _paint_tap(big, box, grow, colour)

    return smooth_sprite((size_px, size_px), paint, outline)


def _badge(
    surface: pygame.Surface, side: str, center: tuple[int, int], radius: int, look: Look
) -> None:
    pygame.draw.circle(surface, OUTLINE, center, radius + max(1, radius // 6))
    pygame.draw.circle(surface, BADGE_COLOURS[side], center, radius)
    text = look.side_letters[0] if side == "left" else look.side_letters[1]
    letter = font(round(radius * 2.3)).render(text, True, (255, 255, 255))
    surface.blit(letter, letter.get_rect(center=center))


@lru_cache(maxsize=64)
def limb_icon(limb: str, size_px: int, look: Look = DEFAULT_LOOK) -> pygame.Surface:
    """The icon of a limb name of the level format (engine.levels.limbs.LIMBS), size_px square."""
    size_px = max(12, int(size_px))
    outline = (0, 0, 0) if look.high_contrast else OUTLINE
    side, _, part = limb.partition("_")
    part = part.removesuffix("s")  # both_hands -> hand
    icon = pygame.Surface((size_px, size_px), pygame.SRCALPHA)
    if limb == "any":
        icon.blit(_limb_picture("any", size_px, outline), (0, 0))
        return icon
    badge_radius = max(5, round(size_px * 0.15))
    if side == "both":
        half = round(size_px * 0.62)
        right = _limb_picture(part, half, outline)
        left = pygame.transform.flip(right, True, False)
        middle_y = (size_px - half) // 2
        icon.blit(left, (round(size_px * 0.02), middle_y))
        icon.blit(right, (size_px - half - round(size_px * 0.02), middle_y))
        badge_y = size_px - badge_radius - 2
        _badge(icon, "left", (badge_radius + 2, badge_y), badge_radius, look)
        _badge(icon, "right", (size_px - badge_radius - 2, badge_y), badge_radius, look)
        return icon
    picture = _limb_picture(part, size_px, outline)
    if side == "left":
        picture = pygame.transform.flip(picture, True, False)
    icon.blit(picture, (0, 0))
    badge_x = badge_radius + 2 if side == "left" else size_px - badge_radius - 2
    _badge(icon, side, (badge_x, size_px - badge_radius - 2), badge_radius, look)
    return icon
