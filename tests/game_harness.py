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

from engine.audio.devices import OutputStatus
from engine.audio.output import AudioSettings
from engine.config.user_settings import UserSettings
from engine.input.devices import StationInput
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
from game.harness import KEY_HOLD_NS, ScriptedTapper, TapPlan, VirtualAudioDevice, VirtualClock
from game.scene import Goto
from game.sound import VIRTUAL_OUTPUT, FixedOutput


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
        sound: OutputStatus | None = None,
        child: TapPlan | None = None,
    ) -> None:
        """``sound``: what the sound output says (a simulated device, unless told).
        ``child``: a simulated child who taps real keys (F, J, Space...) along with every
        level that starts, and goes on pressing the planned keys when the level ends: the
        taps come through the input pump as a child's do, into whatever scene is showing."""
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
            sound=FixedOutput(sound or OutputStatus(VIRTUAL_OUTPUT)),
            station_input=StationInput(load_input_mapping()),
        )
        self.director = Director(self.context, first or Goto("title"))
        mapping = load_input_mapping()
        self.pump = InputPump(mapping, self.clock)
        self.child: ScriptedTapper | None = None
        if child is not None:
            self.child = ScriptedTapper(
                self.clock,
                self.device,
                lambda: getattr(self.director.scene, "session", None),
                mapping,
                child,
                np.random.default_rng(seed),
                None,
            )
        self.loop = FrameLoop(self.clock, self.pump, self._present)

    def _present(self, changed: list[pygame.Rect] | None) -> None:
        present_window(changed)
        if self.child is not None:
            self.child.plan_new_tasks()

    def press_at(self, seconds: float, key: str, hold_s: float | None = None) -> None:
        """Press and release ``key`` (a pygame key name) at ``seconds`` after the start,
        held ``hold_s`` (a quick press unless told)."""
        self.press_at_ns(self.clock.now_ns() + int(seconds * NS_PER_S), key, hold_s)

    def press_at_ns(self, when_ns: int, key: str, hold_s: float | None = None) -> None:
        """Press and release ``key`` at host time ``when_ns`` (virtual)."""
        key_code = pygame.key.key_code(key)
        self._down_up(
            when_ns,
            hold_s,
            pygame.event.Event(pygame.KEYDOWN, key=key_code, mod=0, scancode=0),
            pygame.event.Event(pygame.KEYUP, key=key_code, mod=0, scancode=0),
        )

    def click_at(
        self, seconds: float, pos: tuple[int, int], hold_s: float | None = None, button: int = 1
    ) -> None:
        """Press and release a mouse button at ``pos`` (window pixels)."""
        self._down_up(
            self.clock.now_ns() + int(seconds * NS_PER_S),
            hold_s,
            pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=button, touch=False),
            pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=button, touch=False),
        )

    def pad_at(self, seconds: float, button: int, hold_s: float | None = None) -> None:
        """Press and release a gamepad button (SDL numbering: A=0, B=1, Back=6, Start=7)."""
        self._down_up(
            self.clock.now_ns() + int(seconds * NS_PER_S),
            hold_s,
            pygame.event.Event(pygame.JOYBUTTONDOWN, button=button, instance_id=0, joy=0),
            pygame.event.Event(pygame.JOYBUTTONUP, button=button, instance_id=0, joy=0),
        )

    def dpad_at(self, seconds: float, direction: str) -> None:
        """Press the gamepad's d-pad one way ("up", "down", "left", "right") and let go."""
        value = {"up": (0, 1), "down": (0, -1), "left": (-1, 0), "right": (1, 0)}[direction]
        self._down_up(
            self.clock.now_ns() + int(seconds * NS_PER_S),
            None,
            pygame.event.Event(pygame.JOYHATMOTION, value=value, hat=0, instance_id=0, joy=0),
            pygame.event.Event(pygame.JOYHATMOTION, value=(0, 0), hat=0, instance_id=0, joy=0),
        )

    def _down_up(
        self,
        when_ns: int,
        hold_s: float | None,
        down: pygame.event.Event,
        up: pygame.event.Event,
    ) -> None:
        hold_ns = KEY_HOLD_NS if hold_s is None else int(hold_s * NS_PER_S)
        self.clock.at(when_ns, lambda now_ns: pygame.event.post(down))
        self.clock.at(when_ns + hold_ns, lambda now_ns: pygame.event.post(up))

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
