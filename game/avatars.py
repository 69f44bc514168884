"""Avatars drawn in code: friendly animal and robot faces, with items a child unlocks."""

from __future__ import annotations

import pygame

AVATARS: dict[str, tuple[int, int, int]] = {
    "frog": (90, 190, 90),
    "cat": (240, 170, 80),
    "owl": (160, 120, 90),
    "robot": (150, 170, 200),
    "fox": (235, 120, 60),
    "bear": (150, 105, 75),
}
DEFAULT_AVATAR = "frog"


def draw_avatar(
    surface: pygame.Surface,
    avatar: str | None,
    center: tuple[int, int],
    radius_px: int,
    items: tuple[str, ...] = (),
) -> pygame.Rect:
    """Draw a face; returns the rect drawn over."""
    name = avatar if avatar in AVATARS else DEFAULT_AVATAR
    colour = AVATARS[name]
    x, y = center
    r = radius_px
    if "cape" in items:
        pygame.draw.polygon(
            surface, (200, 40, 70), [(x - r, y + r // 2), (x + r, y + r // 2), (x, y + r * 2)]
        )
    _draw_ears(surface, name, colour, x, y, r)
    pygame.draw.circle(surface, colour, center, r)
    eye_dx, eye_y = r * 0.38, y - r * 0.12
    for side in (-1, 1):
        eye = (int(x + side * eye_dx), int(eye_y))
        eye_radius = int(r * (0.24 if name in ("owl", "frog") else 0.16))
        pygame.draw.circle(surface, (255, 255, 255), eye, eye_radius)
        pygame.draw.circle(surface, (30, 30, 40), eye, max(2, eye_radius // 2))
    if name == "robot":
        pygame.draw.rect(surface, (60, 70, 90), (x - r * 0.4, y + r * 0.35, r * 0.8, r * 0.15))
    elif name == "owl":
        beak = [(x - r * 0.14, y + r * 0.1), (x + r * 0.14, y + r * 0.1), (x, y + r * 0.42)]
        pygame.draw.polygon(surface, (245, 170, 50), beak)
    else:
        smile = pygame.Rect(0, 0, int(r * 0.8), int(r * 0.5))
        smile.center = (x, int(y + r * 0.3))
        pygame.draw.arc(surface, (40, 30, 30), smile, 3.5, 5.9, max(2, r // 12))
    if "crown" in items:
        top = y - r
        points = [
            (x - r * 0.5, top),
            (x - r * 0.5, top - r * 0.4),
            (x - r * 0.25, top - r * 0.2),
            (x, top - r * 0.5),
            (x + r * 0.25, top - r * 0.2),
            (x + r * 0.5, top - r * 0.4),
            (x + r * 0.5, top),
        ]
        pygame.draw.polygon(surface, (255, 205, 40), points)
    elif "cap" in items:
        pygame.draw.ellipse(surface, (50, 110, 220), (x - r * 0.8, y - r * 1.15, r * 1.6, r * 0.7))
    return pygame.Rect(x - r * 1.3, y - r * 1.7, r * 2.6, r * 3.8)


def _draw_ears(surface: pygame.Surface, name: str, colour, x: int, y: int, r: int) -> None:
    if name in ("cat", "fox"):
        for side in (-1, 1):
            tip = (x + side * r * 0.75, y - r * 1.15)
            pygame.draw.polygon(
                surface,
                colour,
                [(x + side * r * 0.2, y - r * 0.8), tip, (x + side * r, y - r * 0.2)],
            )
    elif name == "bear":
        for side in (-1, 1):
            pygame.draw.circle(
                surface, colour, (int(x + side * r * 0.75), int(y - r * 0.75)), r // 3
            )
    elif name == "robot":
        pygame.draw.line(surface, (200, 200, 210), (x, y - r), (x, y - r * 1.35), 3)
        pygame.draw.circle(surface, (255, 90, 90), (x, int(y - r * 1.4)), max(3, r // 8))
    elif name == "owl":
        for side in (-1, 1):
            tuft = [
                (x + side * r * 0.35, y - r * 0.85),
                (x + side * r * 0.85, y - r * 1.2),
                (x + side * r * 0.8, y - r * 0.5),
            ]
            pygame.draw.polygon(surface, colour, tuft)
    elif name == "frog":
        for side in (-1, 1):
            pygame.draw.circle(
                surface, colour, (int(x + side * r * 0.45), int(y - r * 0.8)), r // 3
            )
