"""Long lists one page at a time: the therapist's and the kiosk's profiles, sessions, goals,
billing codes, therapists, plans and levels.

A scene keeps one `Pages` per list (`MenuScene.paging(name)`). When it lays out, `fit` says
which items show (as many rows as the window has room for: `rows_between`), `row` marks each
button that shows an item, and `controls` gives the Earlier and Later buttons (disabled at
the ends, absent when everything fits) with the "page 2 of 6" line between them. The menu
scene (game/menu_scene.py) does the rest for every list alike: those buttons and Page Up /
Page Down turn the page, and an arrow key or d-pad press that would leave the page's rows
turns the page instead, with the focus on the row at that edge of the new page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pygame

from game.widgets import Button, Colour, draw_fitted_text

PAGE_KEY = "page"  # a page button's key: "page:{list name}:{step}"


def rows_between(top_px: int, bottom_px: int, row_height_px: int, pitch_px: int) -> int:
    """How many rows ``row_height_px`` high, one every ``pitch_px``, fit from ``top_px`` down
    to ``bottom_px`` (at least one: a list never vanishes in a small window)."""
    if pitch_px <= 0:
        return 1
    return max(1, (bottom_px - top_px - row_height_px) // pitch_px + 1)


def page_key(name: str, step: int) -> str:
    return f"{PAGE_KEY}:{name}:{step}"


def parse_page_key(key: str) -> tuple[str, int] | None:
    """(list name, step) of a page button's key; None for any other key."""
    kind, _, rest = key.partition(":")
    name, _, step = rest.rpartition(":")
    if kind != PAGE_KEY or not name or step not in ("-1", "1"):
        return None
    return name, int(step)


@dataclass
class Pages:
    """Which page of a list ``count`` items long shows, ``per_page`` at a time."""

    name: str  # in its buttons' keys; one name per list of a scene
    page: int = 0
    per_page: int = 1
    count: int = 0
    line: str = ""  # "page 2 of 6", while its controls are laid out
    line_rect: pygame.Rect | None = None
    _rows: dict[str, int] = field(default_factory=dict)  # a shown row's button key -> item
    _wanted: int | None = None  # an item to show once the page size is known

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.per_page))

    @property
    def first(self) -> int:
        return self.page * self.per_page

    def fit(self, count: int, per_page: int) -> range:
        """The items shown (indices into the list) with ``per_page`` rows and ``count``
        items: the page stays where it was, within the list, unless `show` asked for one."""
        self.count, self.per_page = count, max(1, per_page)
        if self._wanted is not None:
            self.page = min(max(0, self._wanted), max(0, count - 1)) // self.per_page
            self._wanted = None
        self.page = min(max(0, self.page), self.pages - 1)
        return range(self.first, min(count, self.first + self.per_page))

    def show(self, item: int) -> None:
        """The next layout shows the page holding ``item``."""
        self._wanted = item

    def turn(self, step: int) -> bool:
        """One page on (1) or back (-1); whether there was one."""
        page = min(max(0, self.page + step), self.pages - 1)
        if page == self.page:
            return False
        self.page = page
        return True

    def clear(self) -> None:
        """Before a layout: no row or line is shown until the layout places them again."""
        self._rows = {}
        self.line, self.line_rect = "", None

    def row(self, button: Button, item: int) -> Button:
        """``button`` shows the list's ``item``; the focus moving off the page's rows turns
        the page."""
        self._rows[button.key] = item
        return button

    def holds(self, key: str) -> bool:
        """Whether the button ``key`` is one of this page's rows."""
        return key in self._rows

    def controls(
        self, area: pygame.Rect, earlier: str, later: str, line: str, stacked: bool = False
    ) -> list[Button]:
        """Earlier and Later at the two ends of ``area`` (side by side, or ``stacked`` one
        above the other), the page line between them; none when the list fits on one page."""
        if self.pages <= 1:
            return []
        if stacked:
            button_h = area.height * 3 // 10
            back = pygame.Rect(area.left, area.top, area.width, button_h)
            on = pygame.Rect(area.left, area.bottom - button_h, area.width, button_h)
            self.line_rect = pygame.Rect(area.left, back.bottom, area.width, on.top - back.bottom)
        else:
            # The line needs room for "page 12 of 20"; the buttons' words get the rest.
            gap = max(4, area.height // 5)
            line_w = min(area.width // 4, area.height * 3)
            button_w = (area.width - line_w - 2 * gap) // 2
            back = pygame.Rect(area.left, area.top, button_w, area.height)
            on = pygame.Rect(area.right - button_w, area.top, button_w, area.height)
            line_w = on.left - back.right - 2 * gap
            self.line_rect = pygame.Rect(back.right + gap, area.top, line_w, area.height)
        self.line = line
        return [
            Button(page_key(self.name, -1), earlier, back, self.page > 0),
            Button(page_key(self.name, 1), later, on, self.page < self.pages - 1),
        ]

    def draw_line(self, surface: pygame.Surface, size_px: int, colour: Colour) -> None:
        if self.line_rect is not None and self.line:
            rect = self.line_rect
            draw_fitted_text(surface, self.line, size_px, colour, rect.center, rect.width)


def edge_row(buttons: list[Button], pages: Pages, step: int, x_px: int) -> int | None:
    """The row button to focus after the page turned under an arrow: on the page's top row
    going on (``step`` 1), its bottom row going back, the one nearest ``x_px`` across."""
    rows = [index for index, button in enumerate(buttons) if pages.holds(button.key)]
    if not rows:
        return None
    ys = [buttons[index].rect.centery for index in rows]
    edge = min(ys) if step > 0 else max(ys)
    at_edge = [index for index, y in zip(rows, ys, strict=True) if y == edge]
    return min(at_edge, key=lambda index: abs(buttons[index].rect.centerx - x_px))
