"""The therapist's device screen in the real game loop on the harness: reached from the
settings and from the kiosk's menu behind the PIN; keys, a foot switch read through evdev and
an SDL virtual gamepad plugged in and pulled out, each shown live with its stamp source and
delay; Back by Esc, and never by a pad's button tried as a tap. MIDI learn from it, on a
stand-in MIDI system, saving the pads in a station input.yaml."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pygame
import pytest

from engine.input.devices import STATE_NOT_CONFIGURED
from engine.input.evdev_codes import KEY_CODES
from engine.input.evdev_devices import EvdevDevice
from engine.input.evdev_source import EvdevInputs, pack_key_press
from engine.input.gamepad import init_gamepads, quit_gamepads
from engine.input.mapping import InputMapping, load_input_mapping, load_station_input_mapping
from engine.input.midi import MidiInputs
from engine.input.pump import DEVICE_KEYBOARD
from engine.levels.library import discover_levels
from engine.store.recorder import Recorder
from engine.store.records import STAMP_EVDEV, STAMP_POLLED
from game.scene import Goto
from tests.game_harness import GameHarness
from tests.kiosk_harness import PIN, harness, kiosk_station, open_pad, type_pin
from tests.test_input_midi import KIT, NOTE_ON_10, FakePorts
from tests.virtual_gamepad import VirtualGamepad

MS = 1_000_000
KEY_A = KEY_CODES["KEY_A"]


@pytest.fixture
def game(tmp_path: Path) -> Iterator[GameHarness]:
    pygame.display.init()
    init_gamepads()  # SDL announces gamepads only with its joystick part up
    recorder = Recorder(tmp_path / "data")
    library = discover_levels(builtin_dir=tmp_path / "none", user_dir=tmp_path / "user")
    made = GameHarness(
        tmp_path / "data", recorder, library, first=Goto("settings", back_to="profiles")
    )
    yield made
    recorder.close()
    quit_gamepads()


def _rows(scene) -> dict[tuple[str, str, str], dict]:
    return {(r["channel"], r["stamp_source"], r["device"]): r for r in scene.monitor.summary()}


def test_from_the_settings_it_shows_taps_live_and_follows_a_pad_plugged_in_and_out(
    game: GameHarness,
) -> None:
    settings = game.director.scene
    settings.relayout()
    [button] = [b for b in settings.menu.buttons if b.key == "devices"]
    game.click_at(0.1, button.rect.center)
    for seconds in (0.5, 0.7, 0.9):
        game.press_at(seconds, "f")
    game.press_at(1.0, "j")
    pads: list[VirtualGamepad] = []
    seen: dict[str, object] = {}
    game.at(1.2, lambda _: pads.append(VirtualGamepad()))
    # Button 2 is a tap (left hand); B (1) is a tap and the menus' "back" at once.
    game.at(1.5, lambda _: pads[0].set_button(2, True))
    game.at(1.55, lambda _: pads[0].set_button(2, False))
    game.at(1.7, lambda _: pads[0].set_button(1, True))
    game.at(1.75, lambda _: pads[0].set_button(1, False))

    def look(when: str) -> None:
        scene = game.director.scene
        seen[when] = (type(scene).__name__, [(e.kind, e.name) for e in scene.devices])
        seen[f"{when} rows"] = _rows(scene)

    game.at(1.9, lambda _: look("plugged"))
    game.at(2.0, lambda _: pads[0].unplug())
    game.at(2.2, lambda _: look("pulled out"))
    game.press_at(2.5, "escape")
    game.run(3.0)

    pad_name = pads[0].name
    scene_name, devices = seen["plugged"]
    assert scene_name == "DeviceScene"  # B tried as a tap did not leave the screen
    assert ("gamepad", pad_name) in devices
    assert ("keyboard", "keyboards (SDL merges them)") in devices
    assert ("gamepad", pad_name) not in seen["pulled out"][1]
    rows = seen["pulled out rows"]
    mapping = load_input_mapping()
    assert {key: row["taps"] for key, row in rows.items()} == {
        ("left_hand", STAMP_POLLED, DEVICE_KEYBOARD): 3,
        ("right_hand", STAMP_POLLED, DEVICE_KEYBOARD): 1,
        (mapping.gamepad_buttons[2], STAMP_POLLED, pad_name): 1,
        (mapping.gamepad_buttons[1], STAMP_POLLED, pad_name): 1,
    }
    # A polled tap is stamped mid-poll: its delay to the loop is half a poll gap at most.
    half_gap_ms = game.pump.longest_poll_gap_ns / 2 / MS
    assert all(0 <= row["delay_max_ms"] <= half_gap_ms for row in rows.values())
    keys = rows[("left_hand", STAMP_POLLED, DEVICE_KEYBOARD)]
    assert keys["jitter_ms"] <= half_gap_ms
    assert game.director.history[-2:] == ["DeviceScene", "SettingsScene"]  # Esc went back


class FakeEvdevList:
    """/proc/bus/input/devices as the test sets it; says when it has been read again."""

    def __init__(self) -> None:
        self.devices: list[EvdevDevice] = []
        self.read = threading.Event()

    def __call__(self) -> tuple[list[EvdevDevice], str]:
        devices = list(self.devices)
        self.read.set()
        return devices, ""


def test_a_kernel_stamped_switch_shows_its_delay_and_evdev_devices_are_followed(
    game: GameHarness, tmp_path: Path
) -> None:
    found = FakeEvdevList()
    switch = EvdevDevice("PCsensor FootSwitch", str(tmp_path / "event9"), key_codes=frozenset({30}))
    game.director.show(Goto("devices", evdev_list=found, rescan_period_s=None))
    scene = game.director.scene
    assert [e for e in scene.devices if e.backend == "evdev"] == []
    inputs = EvdevInputs(InputMapping(), rescan_period_s=None)
    read_fd, write_fd = os.pipe()
    inputs.add_reader(read_fd, {KEY_A: "left_toe"}, "pipe foot switch")
    game.pump.add_source(inputs)
    pressed: list[int] = []

    def press(now_ns: int) -> None:
        pressed.append(now_ns - 3 * MS)  # the kernel stamped it 3 ms ago
        os.write(write_fd, pack_key_press(pressed[-1], KEY_A))
        assert inputs.wait(5.0)  # read by the reader's thread; the next poll hands it on

    def plug_in(now_ns: int) -> None:
        found.devices.append(switch)
        scene.rescan_other_devices()

    game.at(0.3, press)
    game.at(0.5, plug_in)
    game.at(0.8, press)
    try:
        game.run(1.0)
    finally:
        inputs.close()
        os.close(write_fd)
    row = _rows(scene)[("left_toe", STAMP_EVDEV, "pipe foot switch")]
    assert row["taps"] == 2
    # Seen at the poll after the write: 3 ms after its stamp, plus at most one poll gap.
    assert 3.0 <= row["delay_mean_ms"] <= 3.0 + game.pump.longest_poll_gap_ns / MS
    [listed] = [e for e in scene.devices if e.backend == "evdev"]
    assert (listed.name, listed.state) == ("PCsensor FootSwitch", STATE_NOT_CONFIGURED)


def test_the_rescan_thread_finds_a_device_plugged_in_while_the_screen_shows(
    game: GameHarness, tmp_path: Path
) -> None:
    found = FakeEvdevList()
    game.director.show(Goto("devices", evdev_list=found, rescan_period_s=0.01))
    scene = game.director.scene
    found.devices.append(
        EvdevDevice("USB pedal", str(tmp_path / "event4"), key_codes=frozenset({30}))
    )
    found.read.clear()
    assert found.read.wait(5.0)  # the thread read the list again after the pedal came
    scene.on_exit()  # stops the thread, waiting for its last look to be kept
    assert [e.name for e in scene.devices if e.backend == "evdev"] == ["USB pedal"]


def test_the_kiosk_menu_leads_to_it_behind_the_pin_and_esc_comes_back(tmp_path: Path) -> None:
    with kiosk_station(tmp_path) as station:
        kiosk = harness(station)
        kiosk.director.show(kiosk.director.route(Goto("devices", back=Goto("kiosk_menu"))))
        assert kiosk.scene_name == "kiosk_pin"  # never without the PIN
        kiosk.director.show(Goto("kiosk_attract"))
        open_pad(kiosk)
        type_pin(kiosk, PIN)
        kiosk.director.scene.activate("devices")
        kiosk.run(0.3)
        assert kiosk.scene_name == "devices"
        assert [e.kind for e in kiosk.director.scene.devices][:2] == ["keyboard", "mouse"]
        kiosk.key("escape")
        kiosk.run(0.5)
        assert kiosk.scene_name == "kiosk_menu" and kiosk.kiosk.gate.is_open
        kiosk.close()


def test_midi_learn_from_the_device_screen_asks_each_channel_and_saves_the_pads(
    game: GameHarness, tmp_path: Path
) -> None:
    game.director.show(Goto("devices", rescan_period_s=None))
    devices = game.director.scene
    devices.relayout()
    [button] = [b for b in devices.menu.buttons if b.key == "learn_midi"]
    ports = FakePorts(KIT)
    station_path = tmp_path / "config" / "input.yaml"
    seen: dict[str, object] = {}
    game.click_at(0.1, button.rect.center)  # the real MIDI input: none on a test machine

    def learn_on_a_kit(now_ns: int) -> None:
        seen["from the button"] = game.director.history[-1]
        # The same screen again, on a stand-in MIDI system the test plays a kit on.
        game.director.show(
            Goto(
                "midi_learn",
                back=Goto("devices", rescan_period_s=None),
                open_midi=lambda mapping, notify: MidiInputs(
                    mapping, ports, notify, rescan_period_s=None
                ),
                channels=("right_hand", "left_hand", "right_toe"),
                station_path=station_path,
            )
        )
        seen["learn"] = game.director.scene

    game.at(0.4, learn_on_a_kit)
    hits = (
        [NOTE_ON_10, 38, 100],  # right hand: the snare
        [NOTE_ON_10, 38, 90],  # the snare again: taken, refused
        [NOTE_ON_10, 48, 80],  # left hand: a tom
        [0xB0, 64, 127],  # right toe: the sustain pedal
    )
    for index, message in enumerate(hits):
        # 0.4 s apart: one hit's rim and head within 0.3 s would count once.
        game.at(0.6 + 0.4 * index, lambda now_ns, m=message: ports.callbacks[KIT](m, 0.4, now_ns))

    def save(now_ns: int) -> None:
        learn = seen["learn"]
        seen["save enabled"] = [b.enabled for b in learn.menu.buttons if b.key == "save"]
        learn.activate("save")

    game.at(2.4, save)
    game.press_at(2.6, "escape")
    game.run(3.2)

    learn = seen["learn"]
    assert seen["from the button"] == "MidiLearnScene"
    assert learn.learn.done
    assert learn.learn.notes() == {38: "right_hand", 48: "left_hand"}
    assert learn.learn.controls() == {64: "right_toe"}
    assert seen["save enabled"] == [True]
    assert str(station_path) in learn.saved
    saved = load_station_input_mapping(station_path=station_path)
    assert (saved.midi_notes, saved.midi_controls) == (
        {38: "right_hand", 48: "left_hand"},
        {64: "right_toe"},
    )
    assert game.director.history[-1] == "DeviceScene" and learn.midi is None  # Esc; closed
