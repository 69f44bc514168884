"""The kiosk on the virtual clock, driven by scripted keys and a scripted pointer: the real
kiosk director, router, scenes, frame loop, input pump, recorder and store; only time, the
audio device and the mouse are the test's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pygame

from engine.audio.output import AudioSettings, OutputStatus
from engine.config.kiosk import KioskConfig
from engine.config.user_settings import UserSettings
from engine.input.mapping import load_input_mapping
from engine.input.pump import InputPump
from engine.levels.library import LevelLibrary, discover_levels
from engine.session.station_pin import save_station_pin
from engine.store.opening import open_store
from engine.store.recorder import Recorder
from engine.timing.clock import NS_PER_S
from game.audio_rig import AudioRig
from game.autoplay import AutoTapper
from game.context import GameContext
from game.frame_loop import FrameLoop, present_window
from game.harness import KEY_HOLD_NS, VirtualAudioDevice, VirtualClock
from game.kiosk.director import KioskDirector
from game.kiosk.state import GAME, KioskState
from game.sound import VIRTUAL_OUTPUT, FixedOutput


@dataclass
class ScriptedPointer:
    """The mouse and modifier keys as the test sets them."""

    pressed: bool = False
    pos: tuple[int, int] = (640, 360)
    mods: int = 0
    moves: int = 0  # movements not yet seen by the director
    shown: list[bool] = field(default_factory=list)

    def moved(self) -> bool:
        moved, self.moves = self.moves > 0, 0
        return moved

    def held(self) -> tuple[bool, tuple[int, int]]:
        return self.pressed, self.pos

    def modifiers(self) -> int:
        return self.mods

    def show(self, visible: bool) -> None:
        self.shown.append(visible)


class KioskHarness:
    def __init__(
        self,
        data_dir: Path,
        recorder: Recorder,
        library: LevelLibrary,
        config: KioskConfig | None = None,
        autoplay: AutoTapper | None = None,
        mode: str = GAME,
        reports_dir: Path | None = None,
    ) -> None:
        self.clock = VirtualClock()
        if not pygame.display.get_init():
            pygame.display.init()
        surface = pygame.display.set_mode((1280, 720))
        pygame.event.clear()
        self.rig = AudioRig.create(AudioSettings())
        self.device = VirtualAudioDevice(self.clock, self.rig.ring, np.random.default_rng(0))
        settings = UserSettings(reports_dir=str(reports_dir or data_dir / "reports"))
        self.context = GameContext(
            surface,
            recorder,
            self.rig,
            settings=settings,
            data_dir=data_dir,
            library=library,
            autoplay=autoplay,
            sound=FixedOutput(OutputStatus(VIRTUAL_OUTPUT)),  # a simulated output device
        )
        self.kiosk = KioskState.open(config or KioskConfig(), data_dir, self.clock.now_ns(), mode)
        self.pointer = ScriptedPointer()
        self.director = KioskDirector(self.context, self.kiosk, self.pointer, self.clock.now_ns())
        self.pump = InputPump(load_input_mapping(), self.clock)
        self.loop = FrameLoop(self.clock, self.pump, present_window)
        self.device.start()

    @property
    def scene_name(self) -> str:
        return self.director.scene_name

    def at(self, seconds: float, action) -> None:
        self.clock.at(self.clock.now_ns() + int(seconds * NS_PER_S), action)

    def key(self, key: str, seconds: float = 0.0) -> None:
        """Press and release ``key`` (a pygame key name) ``seconds`` from now."""
        code = pygame.key.key_code(key)
        when_ns = self.clock.now_ns() + int(seconds * NS_PER_S)
        self.clock.at(when_ns, lambda now_ns: pygame.event.post(
            pygame.event.Event(pygame.KEYDOWN, key=code, mod=0, scancode=0)
        ))  # fmt: skip
        self.clock.at(when_ns + KEY_HOLD_NS, lambda now_ns: pygame.event.post(
            pygame.event.Event(pygame.KEYUP, key=code, mod=0, scancode=0)
        ))  # fmt: skip

    def keys(self, *keys: str, gap_s: float = 0.2) -> None:
        for index, key in enumerate(keys):
            self.key(key, index * gap_s)

    def click_at(self, pos: tuple[int, int], hold_s: float = 0.05) -> None:
        """A mouse click (press, hold, release) at ``pos`` now."""
        self.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1, touch=False))
        self.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1, touch=False), hold_s)

    def click(self, key: str, then_s: float = 0.3) -> None:
        """Click the middle of the shown scene's button ``key`` (a key of its on-screen
        keyboard while that is open), then run ``then_s``."""
        scene = self.director.scene
        keyboard = getattr(scene, "keyboard", None)
        menu = keyboard.menu if keyboard is not None else scene.menu
        buttons = [b for b in menu.buttons if b.key == key]
        assert buttons, f"{self.scene_name} has no button {key!r}: " + ", ".join(
            b.key for b in menu.buttons
        )
        self.click_at(buttons[0].rect.center)
        self.run(then_s)

    def post(self, event: pygame.event.Event, seconds: float = 0.0) -> None:
        self.at(seconds, lambda now_ns: pygame.event.post(event))

    def run(self, seconds: float) -> KioskHarness:
        """Run the loop for ``seconds`` of virtual time (fewer if the kiosk ends)."""
        end_ns = self.clock.now_ns() + int(seconds * NS_PER_S)
        while not self.director.done and self.clock.now_ns() < end_ns:
            self.loop.run(self.director, max_frames=self.loop.frames + 1)
        return self

    def run_until(self, name: str, max_seconds: float) -> KioskHarness:
        """Run until the scene ``name`` shows; fail after ``max_seconds`` of virtual time."""
        end_ns = self.clock.now_ns() + int(max_seconds * NS_PER_S)
        while self.scene_name != name:
            assert self.clock.now_ns() < end_ns, (
                f"{name} did not show within {max_seconds} s; the scenes were "
                f"{self.director.history[-8:]}"
            )
            assert not self.director.done, "the kiosk ended"
            self.loop.run(self.director, max_frames=self.loop.frames + 1)
        return self

    def close(self) -> None:
        self.director.close()


# --- a station to run it on, and what a therapist does -----------------------------------
PIN = "2468"
LEVEL = """\
format: 1
id: {id}
title: {title}
theme: pond
tempo_bpm: 120
count_in: 1
tasks:
  - name: Claps
    limb: both_hands
    length: {{beats: {beats}}}
"""

# (data folder, recorder, level library, the child's profile code)
Station = tuple[Path, Recorder, LevelLibrary, str]


@contextmanager
def kiosk_station(tmp_path: Path) -> Iterator[Station]:
    """A station with a PIN, one child (Mia), three tiny levels and a long one."""
    data_dir = tmp_path / "data"
    store = open_store(data_dir)
    save_station_pin(store, PIN)
    code = store.create_profile("Mia")
    store.set_profile_details(code, None, "fox")
    store.close()
    levels = tmp_path / "levels" / "pond"
    levels.mkdir(parents=True)
    for level_id, title, beats in (
        ("stop-one", "One", 4),
        ("stop-two", "Two", 4),
        ("stop-three", "Three", 4),
        ("long-walk", "Long walk", 120),
    ):
        (levels / f"{level_id}.yaml").write_text(
            LEVEL.format(id=level_id, title=title, beats=beats), encoding="utf-8"
        )
    library = discover_levels(builtin_dir=tmp_path / "levels", user_dir=tmp_path / "user")
    recorder = Recorder(data_dir)
    yield data_dir, recorder, library, code
    recorder.close()


def harness(station, **options) -> KioskHarness:
    data_dir, recorder, library, _ = station
    return KioskHarness(data_dir, recorder, library, **options)


def audit_rows(data_dir: Path) -> list[tuple[str, str]]:
    store = open_store(data_dir)
    try:
        return [(e.action, e.detail) for e in store.audit_entries()]
    finally:
        store.close()


def open_pad(kiosk: KioskHarness) -> None:
    """Ctrl+Alt+Shift+T."""
    kiosk.pointer.mods = pygame.KMOD_LCTRL | pygame.KMOD_LALT | pygame.KMOD_LSHIFT
    kiosk.key("t")
    kiosk.run(0.3)
    kiosk.pointer.mods = 0


def type_pin(kiosk: KioskHarness, pin: str) -> None:
    kiosk.keys(*pin, "return", gap_s=0.05)
    kiosk.run(0.05 * len(pin) + 0.3)
