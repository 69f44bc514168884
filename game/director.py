"""Runs one scene at a time and moves to the next when a scene asks for it.

A scene sets `next_scene` to hand over, or `done` (with `quit_requested` to leave the
program). The director also keeps the audio clock fitted and the device fed, whatever
scene is showing.
"""

from __future__ import annotations

from typing import Protocol

import pygame

from engine.input.pump import Tap, UiEvent
from game.audio_rig import AudioRig


class GameScene(Protocol):
    done: bool
    quit_requested: bool
    next_scene: GameScene | None

    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None: ...
    def on_update(self, now_ns: int) -> None: ...
    def on_draw(self, now_ns: int) -> list[pygame.Rect] | None: ...
    def on_idle(self, now_ns: int) -> None: ...


class Director:
    def __init__(self, first: GameScene, rig: AudioRig) -> None:
        self.scene = first
        self.rig = rig
        self.done = False
        self.history: list[str] = [type(first).__name__]  # scenes shown, for tests and logs

    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None:
        if any(event.kind == "quit" for event in ui_events):
            close = getattr(self.scene, "close", None)
            if close is not None:
                close()
            self.done = True
            return
        if any(event.kind == "key" and event.key == "f11" for event in ui_events):
            pygame.display.toggle_fullscreen()
        self.scene.on_input(taps, ui_events, now_ns)

    def on_update(self, now_ns: int) -> None:
        self.rig.clock_map.refit()
        self.rig.ring.fill_ahead(self.rig.track.render)
        self.scene.on_update(now_ns)
        if self.scene.next_scene is not None:
            self.scene = self.scene.next_scene
            self.history.append(type(self.scene).__name__)
        elif self.scene.done:
            self.done = True

    def on_draw(self, now_ns: int) -> list[pygame.Rect] | None:
        return self.scene.on_draw(now_ns)

    def on_idle(self, now_ns: int) -> None:
        self.rig.ring.fill_ahead(self.rig.track.render)
        self.scene.on_idle(now_ns)
