"""Drawing in design pixels: the one size unit, and the canvas that themes and charts draw on.

Every scene is laid out for a 1280×720 window and scaled by `design_unit`; the smaller of
the two ratios, so that a window of another shape (4:3, a portrait tablet) still holds it all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pygame

from game.look import Look

DESIGN_SIZE = (1280, 720)


def design_unit(size: tuple[int, int]) -> float:
    """Screen pixels per design pixel in a window of ``size`` (width, height)."""
    width, height = size
    return min(height / DESIGN_SIZE[1], width / DESIGN_SIZE[0])


@dataclass
class Canvas:
    """A surface to draw on; each drawing's rect goes to ``mark``, so that only the changed
    parts of the window are presented (game/dirty.py)."""

    surface: pygame.Surface
    mark: Callable[[pygame.Rect], pygame.Rect]
    look: Look

    @property
    def unit(self) -> float:
        """One design pixel; multiply every size by it (text also by ``look.text_scale``)."""
        return design_unit(self.surface.get_size())
