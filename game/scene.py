"""What a scene is: the hooks the director calls, and how a scene asks to move on.

The router (game/router.py) builds a scene from a `Goto`: the scene's class with the game
context and the Goto's params. A constructor only keeps what it is given, so a scene can be
built in a test without a window or a database; reading the store, starting a session or
text input belongs in `on_enter`, and undoing it in `on_exit`.

The director (game/director.py) calls `on_enter` once, then each frame `on_input`,
`on_update` and `on_draw` (and `on_idle` while it waits for the next frame), and `on_exit`
when the scene is left or the program closes. A scene moves on by asking for the next one by
name, `self.goto("level_map")`; it never imports another scene. Setting `done` ends the
program (or the one level that `run.py play` shows).
"""

from __future__ import annotations

import pygame

from engine.input.pump import Tap, UiEvent
from game.context import GameContext


class Goto:
    """A request for the scene named ``name``, to be built with ``params``."""

    __slots__ = ("name", "params")

    def __init__(self, name: str, **params: object) -> None:
        self.name = name
        self.params = params

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Goto) and (self.name, self.params) == (other.name, other.params)

    def __repr__(self) -> str:
        params = "".join(f", {key}={value!r}" for key, value in self.params.items())
        return f"Goto({self.name!r}{params})"


class Scene:
    """A scene's hooks, each doing nothing until a subclass says otherwise."""

    def __init__(self, context: GameContext) -> None:
        self.context = context
        self.next: Goto | None = None  # where to go; the director follows after on_update
        self.done = False  # the program ends with this scene

    def goto(self, name: str, **params: object) -> None:
        self.next = Goto(name, **params)

    def on_enter(self) -> None:
        """The scene is shown from now on: read what it shows, start what it runs."""

    def on_exit(self) -> None:
        """The scene is left (or the program closes): end what on_enter started."""

    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None:
        pass

    def on_update(self, now_ns: int) -> None:
        pass

    def on_idle(self, now_ns: int) -> None:
        pass

    def on_draw(self, now_ns: int) -> list[pygame.Rect] | None:
        """Draw the frame; return the changed rects, or None when the whole window changed."""
        return None
