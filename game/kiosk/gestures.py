"""How a therapist opens the PIN pad (Ctrl+Alt+Shift+T, or holding the top-left corner for
3 s with a mouse or a finger), and the mouse pointer that shows only while the mouse moves.

The director asks a `Pointer` about the mouse and the modifier keys; the real one reads SDL,
a test hands in its own.
"""

from __future__ import annotations

from typing import Protocol

import pygame

from engine.input.pump import UiEvent

NS_PER_S = 1_000_000_000
CORNER_HOLD_S = 3.0
CORNER_DESIGN_PX = 90  # the corner's square, in design pixels (game/canvas.py)
THERAPIST_KEY = "t"
THERAPIST_MODS = (pygame.KMOD_CTRL, pygame.KMOD_ALT, pygame.KMOD_SHIFT)


class Pointer(Protocol):
    def moved(self) -> bool:
        """Whether the mouse moved since the last call."""
        ...

    def held(self) -> tuple[bool, tuple[int, int]]:
        """Whether the first button (or a finger) is down, and where the pointer is."""
        ...

    def modifiers(self) -> int:
        """The modifier keys held now (pygame's KMOD_* bits)."""
        ...

    def show(self, visible: bool) -> None: ...


class SdlPointer:
    """The mouse, keys and cursor of the SDL window (touch counts as the first button)."""

    def moved(self) -> bool:
        return pygame.mouse.get_rel() != (0, 0)

    def held(self) -> tuple[bool, tuple[int, int]]:
        return bool(pygame.mouse.get_pressed()[0]), pygame.mouse.get_pos()

    def modifiers(self) -> int:
        return pygame.key.get_mods()

    def show(self, visible: bool) -> None:
        show_pointer(visible)


def show_pointer(visible: bool) -> None:
    """Show or hide the mouse pointer, keeping real pointer positions.

    pygame turns a hidden pointer in a grabbed window into relative ("virtual") mouse mode,
    where clicks and touches report where a virtual pointer wandered to, not where the finger
    or the mouse is: a child's tap on an avatar would miss it. The kiosk hides the pointer but
    wants absolute positions, so relative mode is turned off again.
    """
    pygame.mouse.set_visible(visible)
    pygame.mouse.set_relative_mode(False)


def is_therapist_keys(event: UiEvent, modifiers: int) -> bool:
    """Ctrl+Alt+Shift+T (either Ctrl, Alt or Shift)."""
    return (
        event.kind == "key"
        and event.key == THERAPIST_KEY
        and all(modifiers & mod for mod in THERAPIST_MODS)
    )


class CornerHold:
    """Fires once when the pointer is held in the top-left corner for CORNER_HOLD_S; it must
    be let go before it can fire again."""

    def __init__(self, hold_s: float = CORNER_HOLD_S) -> None:
        self.hold_ns = int(hold_s * NS_PER_S)
        self._since_ns: int | None = None
        self._fired = False

    def update(self, held: bool, pos: tuple[int, int], corner_px: float, now_ns: int) -> bool:
        in_corner = held and pos[0] < corner_px and pos[1] < corner_px
        if not in_corner:
            self._since_ns = None
            self._fired = False
            return False
        if self._since_ns is None:
            self._since_ns = now_ns
        if not self._fired and now_ns - self._since_ns >= self.hold_ns:
            self._fired = True
            return True
        return False


class HidingCursor:
    """Shows the pointer while the mouse moves, hides it ``hide_s`` after it stops."""

    def __init__(self, pointer: Pointer, hide_s: float) -> None:
        self.pointer = pointer
        self.hide_ns = int(hide_s * NS_PER_S)
        self.visible = False
        self._moved_ns = 0
        pointer.show(False)

    def update(self, now_ns: int) -> None:
        if self.pointer.moved():
            self._moved_ns = now_ns
            if not self.visible:
                self.visible = True
                self.pointer.show(True)
        elif self.visible and now_ns - self._moved_ns >= self.hide_ns:
            self.visible = False
            self.pointer.show(False)
