"""The theme a level names, one instance each (so its pre-rendered art is shared)."""

from __future__ import annotations

from functools import cache

from game.themes.base import THEME_NAMES, Theme
from game.themes.parade import ParadeTheme
from game.themes.pond import PondTheme
from game.themes.space import SpaceTheme

THEMES: dict[str, type] = {"pond": PondTheme, "space": SpaceTheme, "parade": ParadeTheme}


@cache
def get_theme(name: str) -> Theme:
    if name not in THEMES:
        raise KeyError(f"no theme named {name!r}; the themes are {', '.join(THEME_NAMES)}")
    return THEMES[name]()
