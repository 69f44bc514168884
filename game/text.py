"""Crisp text at any window size: fonts are made at the pixel size asked for, and cached."""

from __future__ import annotations

import pygame

_fonts: dict[int, pygame.font.Font] = {}


def font(size_px: int) -> pygame.font.Font:
    size_px = max(8, int(size_px))
    if size_px not in _fonts:
        if not pygame.font.get_init():
            pygame.font.init()
        _fonts[size_px] = pygame.font.Font(None, size_px)
    return _fonts[size_px]


def draw_text(
    surface: pygame.Surface,
    text: str,
    size_px: int,
    colour: tuple[int, int, int],
    center: tuple[float, float] | None = None,
    topleft: tuple[float, float] | None = None,
    topright: tuple[float, float] | None = None,
) -> pygame.Rect:
    image = font(size_px).render(text, True, colour)
    rect = image.get_rect()
    if center is not None:
        rect.center = (int(center[0]), int(center[1]))
    elif topleft is not None:
        rect.topleft = (int(topleft[0]), int(topleft[1]))
    elif topright is not None:
        rect.topright = (int(topright[0]), int(topright[1]))
    surface.blit(image, rect)
    return rect
