"""What menu scenes share: a background, a title line, a menu of big buttons, long lists shown
a page at a time (game/paging.py), and an on-screen keyboard a scene can open over them for a
name or a note."""

from __future__ import annotations

import pygame

from engine.input.pump import Tap, UiEvent
from game.canvas import design_unit
from game.context import GameContext
from game.paging import Pages, edge_row, parse_page_key
from game.scene import Scene
from game.text import draw_text
from game.widgets import Button, Menu, OnScreenKeyboard, edit_text

BACKGROUND = (24, 40, 70)
BUTTON = (60, 90, 150)
FOCUS = (255, 205, 40)
KEYBOARD_CONTROLS = ("shift", "space", "delete", "done")
PAGE_KEYS = {"page down": 1, "page up": -1}  # keyboard keys that turn a list's page


class MenuScene(Scene):
    """Subclasses fill `self.menu.buttons` in `layout()` and answer `activate(key)`."""

    hold_taps = False  # a choice needs a held press when the press is also a tap (results)

    def __init__(self, context: GameContext) -> None:
        super().__init__(context)
        self.menu = Menu(hold_taps=self.hold_taps)
        self._laid_out_for: tuple[int, int] | None = None
        self.keyboard: OnScreenKeyboard | None = None  # open over the menu while typing
        self._keyboard_field = ""
        self._keyboard_limit: int | None = None
        self.pagers: list[Pages] = []
        self._wanted_focus: str | None = None

    # --- for subclasses ---------------------------------------------------------------------
    def title(self) -> str:
        return ""

    def layout(self, width: int, height: int) -> list[Button]:
        return []

    def activate(self, key: str) -> None:
        """A button was chosen ("back" for Esc / gamepad B)."""

    def draw_more(self, surface: pygame.Surface) -> None:
        """Anything else on the screen, drawn after the buttons."""

    def text(self, key: str, **values: object) -> str:
        return self.context.messages(key, **values)

    @property
    def unit(self) -> float:
        """One design pixel (game/canvas.py), times the child's text scale."""
        return design_unit(self.context.surface.get_size()) * self.context.look.text_scale

    def relayout(self) -> None:
        """Lay the buttons out again; the focus stays on the button with the same key (a
        page turned, a button came or went), else at the same place."""
        surface = self.context.surface
        focus, before = self.menu.focus, self.menu.buttons
        wanted = self._wanted_focus or (before[focus].key if focus < len(before) else None)
        self._wanted_focus = None
        for pages in self.pagers:
            pages.clear()
        self.menu.buttons = self.layout(*surface.get_size())
        keys = [button.key for button in self.menu.buttons]
        if wanted in keys:
            focus = keys.index(wanted)
        self.menu.focus = _enabled_near(self.menu.buttons, min(focus, len(self.menu.buttons) - 1))
        self._laid_out_for = surface.get_size()
        if self.keyboard is not None:
            self.keyboard.layout(self._keyboard_area())

    def focus_on(self, key: str) -> None:
        """The next layout puts the focus on the button ``key`` (when it has one)."""
        self._wanted_focus = key

    # --- long lists, a page at a time ---------------------------------------------------------
    def paging(self, name: str) -> Pages:
        """A list of this scene shown a page at a time; its controls and arrows just work."""
        pages = Pages(name)
        self.pagers.append(pages)
        return pages

    def page_controls(
        self,
        pages: Pages,
        area: pygame.Rect,
        earlier: str = "",
        later: str = "",
        stacked: bool = False,
    ) -> list[Button]:
        """The Earlier/Later buttons and the page line of ``pages`` in ``area``."""
        line = self.text("paging.page", page=pages.page + 1, pages=pages.pages)
        return pages.controls(
            area,
            earlier or self.text("paging.earlier"),
            later or self.text("paging.later"),
            line,
            stacked,
        )

    def _turn_page(self, pages: Pages, step: int, arrow_x: int | None = None) -> bool:
        """Turn ``pages`` by ``step``. A focus on its rows moves to the new page's rows: the
        edge row nearest ``arrow_x`` after an arrow, else the first row."""
        buttons = self.menu.buttons
        on_row = bool(buttons) and pages.holds(buttons[self.menu.focus].key)
        if not pages.turn(step):
            return False
        self.relayout()
        if on_row:
            x = buttons[0].rect.left if arrow_x is None else arrow_x
            row = edge_row(self.menu.buttons, pages, 1 if arrow_x is None else step, x)
            if row is not None:
                self.menu.focus = row
        return True

    def _page_event(self, event: UiEvent) -> bool:
        """Whether ``event`` turned a page: Page Up/Down, or an arrow up or down that would
        take the focus off the rows of a list with a page that way."""
        buttons = self.menu.buttons
        if not buttons or not self.pagers:
            return False
        focused = buttons[self.menu.focus]
        holding = [pages for pages in self.pagers if pages.holds(focused.key)]
        if event.kind == "key" and event.key in PAGE_KEYS:
            shown = holding or [pages for pages in self.pagers if pages.line]
            return bool(shown) and self._turn_page(shown[0], PAGE_KEYS[event.key])
        if event.action not in ("up", "down") or not holding:
            return False
        target = self.menu.neighbour(event.action)
        if target is not None and holding[0].holds(buttons[target].key):
            return False  # still within the page's rows
        step = 1 if event.action == "down" else -1
        return self._turn_page(holding[0], step, focused.rect.centerx)

    def _activate_page_key(self, key: str) -> bool:
        parsed = parse_page_key(key)
        if parsed is None:
            return False
        name, step = parsed
        for pages in self.pagers:
            if pages.name == name:
                self._turn_page(pages, step)
        return True

    # --- the on-screen keyboard -------------------------------------------------------------
    def open_keyboard(self, field: str, max_length: int | None = None) -> None:
        """Type into the scene's text attribute ``field`` with the on-screen keyboard, until
        its "done" key (or Esc, or B) closes it."""
        labels = {control: self.text(f"keyboard.{control}") for control in KEYBOARD_CONTROLS}
        self.keyboard = OnScreenKeyboard(labels)
        self._keyboard_field, self._keyboard_limit = field, max_length
        self.keyboard.layout(self._keyboard_area())

    def _keyboard_area(self) -> pygame.Rect:
        width, height = self.context.surface.get_size()
        unit = design_unit((width, height))
        area = pygame.Rect(0, 0, int(min(width - 40 * unit, 1100 * unit)), int(height * 0.56))
        area.midbottom = (width // 2, height - int(16 * unit))
        return area

    def _on_keyboard_input(self, ui_events: list[UiEvent], now_ns: int) -> None:
        assert self.keyboard is not None
        quiet = self.context.taps_quiet_until_ns
        for event in ui_events:
            typed = self.keyboard.handle(event, now_ns, quiet)
            if typed is None:
                continue
            if typed == "done":
                self.keyboard = None
                return
            before = getattr(self, self._keyboard_field)
            setattr(self, self._keyboard_field, edit_text(before, typed, self._keyboard_limit))

    # --- scene hooks ------------------------------------------------------------------------
    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None:
        if self._laid_out_for != self.context.surface.get_size():
            self.relayout()
        if self.keyboard is not None:
            self._on_keyboard_input(ui_events, now_ns)
            return
        quiet_until_ns = self.context.taps_quiet_until_ns
        for event in ui_events:
            if not (event.tap and now_ns < quiet_until_ns) and self._page_event(event):
                continue
            chosen = self.menu.handle(event, now_ns, quiet_until_ns)
            if chosen is not None:
                self.choose(chosen)
                return

    def on_update(self, now_ns: int) -> None:
        chosen = self.menu.update(now_ns)
        if chosen is not None:
            self.choose(chosen)

    def choose(self, key: str) -> None:
        """A button was chosen: a page turned, else the scene acts on it."""
        if not self._activate_page_key(key):
            self.activate(key)

    def on_draw(self, now_ns: int) -> list[pygame.Rect] | None:
        if self._laid_out_for != self.context.surface.get_size():
            self.relayout()
        surface = self.context.surface
        look = self.context.look
        surface.fill((0, 0, 0) if look.high_contrast else BACKGROUND)
        width = surface.get_width()
        if self.title():
            draw_text(
                surface,
                self.title(),
                int(56 * self.unit),
                look.text_colour,
                center=(width / 2, 60 * self.unit),
            )
        self.menu.draw(surface, int(30 * self.unit), BUTTON, look.text_colour, FOCUS, now_ns)
        for pages in self.pagers:
            pages.draw_line(surface, int(24 * self.unit), look.dim_text_colour)
        self.draw_more(surface)
        if self.keyboard is not None:
            self.keyboard.draw(surface, int(30 * self.unit), BUTTON, look.text_colour, FOCUS)
        return None


def _enabled_near(buttons: list, index: int) -> int:
    """``index``, or the nearest enabled button before it, else after it: the last page
    reached, "Next page" greys out and the focus must not stay on it."""
    if index < 0 or buttons[index].enabled:
        return max(index, 0)
    for candidate in [*range(index - 1, -1, -1), *range(index + 1, len(buttons))]:
        if buttons[candidate].enabled:
            return candidate
    return index
