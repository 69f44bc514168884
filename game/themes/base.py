"""What every theme shares: the stage's place in the window, and what a theme must do.

Each drawing call's rect goes to `Canvas.mark` (game/canvas.py) so that only changed parts of
the window are presented (see game/dirty.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import pygame

from engine.session.play_view import PlayView
from game.canvas import Canvas
from game.look import Look

THEME_NAMES: tuple[str, ...] = ("pond", "space", "parade")  # the level format's themes


@dataclass(frozen=True)
class StageGeometry:
    """Where the stage sits in a window of this size (shared by all themes)."""

    target_center: tuple[int, int]
    target_radius_px: int
    lane_start_x: int
    lane_end_x: int

    @classmethod
    def for_size(cls, size: tuple[int, int]) -> StageGeometry:
        width, height = size
        target_x, target_y = int(width * 0.28), int(height * 0.55)
        radius = int(min(height * 0.12, width * 0.0675))
        return cls((target_x, target_y), radius, target_x + int(radius * 1.2), width - 20)


class Theme(Protocol):
    name: str

    def background(self, size: tuple[int, int], look: Look) -> pygame.Surface:
        """The still picture behind everything, at this window size (the same object until
        the size or the look changes)."""
        ...

    def draw_stage(self, canvas: Canvas, view: PlayView, geometry: StageGeometry) -> None:
        """Lane with approaching cues, the pulsing target, the theme's character, reactions."""
        ...
