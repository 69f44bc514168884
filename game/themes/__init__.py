"""Themes draw the play stage: the beat coming, the target, and reactions to taps.

A theme only draws what `PlayView` says; it decides nothing. Everything is drawn in code
(no third-party art). Each drawing call's rect goes to `Canvas.mark` so that only changed
parts of the window are presented (see game/dirty.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Protocol

import pygame

from engine.session.play import PlayView
from game.look import Look

THEME_NAMES: tuple[str, ...] = ("pond", "space", "parade")  # the level format's themes


@dataclass
class Canvas:
    surface: pygame.Surface
    mark: Callable[[pygame.Rect], pygame.Rect]
    look: Look

    @property
    def unit(self) -> float:
        """One design pixel of a 1280×720 window; multiply every size by it (text also by
        text_scale). The smaller of the two ratios, so that a narrow window still fits."""
        width, height = self.surface.get_size()
        return min(height / 720, width / 1280)


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


@cache
def get_theme(name: str) -> Theme:
    """The theme a level names (one instance each, so its pre-rendered art is shared)."""
    # Imported here: the theme modules import Canvas and StageGeometry from this package.
    from game.themes.parade import ParadeTheme
    from game.themes.pond import PondTheme
    from game.themes.space import SpaceTheme

    themes: dict[str, type] = {"pond": PondTheme, "space": SpaceTheme, "parade": ParadeTheme}
    if name not in themes:
        raise KeyError(f"no theme named {name!r}; the themes are {', '.join(THEME_NAMES)}")
    return themes[name]()
