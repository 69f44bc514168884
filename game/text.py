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
    midleft: tuple[float, float] | None = None,
) -> pygame.Rect:
    image = font(size_px).render(text, True, colour)
    rect = image.get_rect()
    if center is not None:
        rect.center = (int(center[0]), int(center[1]))
    elif topleft is not None:
        rect.topleft = (int(topleft[0]), int(topleft[1]))
    elif topright is not None:
        rect.topright = (int(topright[0]), int(topright[1]))
    elif midleft is not None:
        rect.midleft = (int(midleft[0]), int(midleft[1]))
    surface.blit(image, rect)
    return rect


def wrap_lines(text: str, size_px: int, max_width_px: int) -> list[str]:
    """``text`` on lines no wider than ``max_width_px``: at spaces, and inside a word that is
    wider than a line on its own (a long file path)."""
    face = font(size_px)
    lines: list[str] = []
    for word in text.split():
        if lines and face.size(f"{lines[-1]} {word}")[0] <= max_width_px:
            lines[-1] = f"{lines[-1]} {word}"
            continue
        while face.size(word)[0] > max_width_px and len(word) > 1:
            cut = len(word) - 1
            while cut > 1 and face.size(word[:cut])[0] > max_width_px:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        lines.append(word)
    return lines
