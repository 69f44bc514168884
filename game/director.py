"""Runs one scene at a time and moves to the next when a scene asks for it.

A scene asks by setting `next` to a `Goto`; after that frame's update the director leaves it
(`on_exit`), has the router build the one named (game/router.py) and enters it (`on_enter`).
A scene that sets `done` ends the program. Closing the window does too, from any scene.
Whatever scene is showing, the director also keeps the audio clock fitted and the device fed.
"""

from __future__ import annotations

import pygame

from engine.input.pump import Tap, UiEvent
from game.context import GameContext
from game.router import build_scene
from game.scene import Goto, Scene


class Director:
    def __init__(self, context: GameContext, first: Goto) -> None:
        self.context = context
        self.rig = context.rig
        self.done = False
        self.history: list[str] = []  # scenes shown, by class name, for tests and logs
        self._exited = True
        self.scene: Scene = self._enter(first)

    def _enter(self, goto: Goto) -> Scene:
        scene = build_scene(self.context, goto)
        self.history.append(type(scene).__name__)
        scene.on_enter()
        self._exited = False
        return scene

    def show(self, goto: Goto) -> None:
        """Leave the current scene for the one ``goto`` names."""
        self.close()
        self.scene = self._enter(goto)

    def close(self) -> None:
        """Leave the current scene (the program is closing); once, however often asked."""
        if not self._exited:
            self._exited = True
            self.scene.on_exit()

    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None:
        if any(event.kind == "quit" for event in ui_events):
            self.close()
            self.done = True
            return
        if any(event.kind == "key" and event.key == "f11" for event in ui_events):
            pygame.display.toggle_fullscreen()
        self.scene.on_input(taps, ui_events, now_ns)

    def on_update(self, now_ns: int) -> None:
        if self.done:
            return  # the window was closed during this frame's input: the scene is left
        self.rig.clock_map.refit()
        self.rig.ring.fill_ahead(self.rig.track.render)
        self.scene.on_update(now_ns)
        if self.scene.done:
            self.done = True
        elif self.scene.next is not None:
            self.show(self.scene.next)

    def on_draw(self, now_ns: int) -> list[pygame.Rect] | None:
        return self.scene.on_draw(now_ns)

    def on_idle(self, now_ns: int) -> None:
        self.rig.ring.fill_ahead(self.rig.track.render)
        self.scene.on_idle(now_ns)
