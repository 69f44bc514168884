"""Redraw only what changed: a window flip of the whole screen costs the X server several ms,
during which it stamps no input. A scene marks what it draws; the next frame first paints the
background back over those places, and only the union of both frames goes to the screen.
"""

from __future__ import annotations

import pygame


class DirtyRegions:
    def __init__(self) -> None:
        self._previous: list[pygame.Rect] = []
        self._current: list[pygame.Rect] = []
        self._full = True

    def invalidate(self) -> None:
        """The next frame repaints and presents the whole window (resize, scene change)."""
        self._full = True

    def begin(self, surface: pygame.Surface, background: pygame.Surface) -> None:
        """Paint the background over the whole window, or over what the last frame drew."""
        if self._full:
            surface.blit(background, (0, 0))
        else:
            for rect in self._previous:
                surface.blit(background, rect, rect)
        self._current = []

    def mark(self, rect: pygame.Rect) -> None:
        self._current.append(rect.inflate(2, 2))  # anti-aliased edges reach one pixel out

    def finish(self) -> list[pygame.Rect] | None:
        """Rects to present, or None for the whole window."""
        changed = None if self._full else self._previous + self._current
        self._previous = self._current
        self._full = False
        return changed
