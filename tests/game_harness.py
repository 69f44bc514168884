"""The whole game on the virtual clock, driven by scripted keys: only the tests use it.

The real director, router, scenes, frame loop, input pump and recorder; a virtual clock and
audio device from game/harness.py, so that nothing waits and no assertion depends on how
fast this machine is.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pygame

from engine.audio.output import AudioSettings
from engine.config.user_settings import UserSettings
from engine.input.mapping import load_input_mapping
from engine.input.pump import InputPump
from engine.levels.library import LevelLibrary
from engine.store.recorder import Recorder
from engine.timing.clock import NS_PER_S
from game.audio_rig import AudioRig
from game.autoplay import AutoTapper
from game.context import GameContext
from game.director import Director
from game.frame_loop import FrameLoop, present_window
from game.harness import KEY_HOLD_NS, VirtualAudioDevice, VirtualClock
from game.scene import Goto


class GameHarness:
    """The game from the scene ``first`` (the title unless told), on the virtual clock."""

    def __init__(
        self,
        data_dir: Path,
        recorder: Recorder,
        library: LevelLibrary,
        autoplay: AutoTapper | None = None,
        settings: UserSettings | None = None,
        window_size: tuple[int, int] = (1280, 720),
        seed: int = 0,
        first: Goto | None = None,
    ) -> None:
        self.clock = VirtualClock()
        if not pygame.display.get_init():
            pygame.display.init()
        surface = pygame.display.set_mode(window_size)
        pygame.event.clear()
        self.rig = AudioRig.create(AudioSettings())
        self.device = VirtualAudioDevice(self.clock, self.rig.ring, np.random.default_rng(seed))
        self.context = GameContext(
            surface,
            recorder,
            self.rig,
            settings=settings or UserSettings(),
            data_dir=data_dir,
            library=library,
            autoplay=autoplay,
        )
        self.director = Director(self.context, first or Goto("title"))
        self.pump = InputPump(load_input_mapping(), self.clock)
        self.loop = FrameLoop(self.clock, self.pump, present_window)

    def press_at(self, seconds: float, key: str) -> None:
        """Press and release ``key`` (a pygame key name) at ``seconds`` after the start."""
        self.press_at_ns(self.clock.now_ns() + int(seconds * NS_PER_S), key)

    def press_at_ns(self, when_ns: int, key: str) -> None:
        """Press and release ``key`` at host time ``when_ns`` (virtual)."""
        key_code = pygame.key.key_code(key)
        self.clock.at(
            when_ns,
            lambda now_ns: pygame.event.post(
                pygame.event.Event(pygame.KEYDOWN, key=key_code, mod=0, scancode=0)
            ),
        )
        self.clock.at(
            when_ns + KEY_HOLD_NS,
            lambda now_ns: pygame.event.post(
                pygame.event.Event(pygame.KEYUP, key=key_code, mod=0, scancode=0)
            ),
        )

    def type_at(self, seconds: float, text: str) -> None:
        when_ns = self.clock.now_ns() + int(seconds * NS_PER_S)
        self.clock.at(
            when_ns,
            lambda now_ns: pygame.event.post(pygame.event.Event(pygame.TEXTINPUT, text=text)),
        )

    def at(self, seconds: float, action: Callable[[int], None]) -> None:
        self.clock.at(self.clock.now_ns() + int(seconds * NS_PER_S), action)

    def run(self, seconds: float) -> GameHarness:
        self.device.start()
        try:
            self.loop.run(self.director, max_frames=int(seconds * 60))
        finally:
            self.director.close()
        return self
