"""The device listing and live-tap monitor behind `run.py devices`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pygame
import pytest

from engine.input.devices import (
    STATE_IN_USE,
    STATE_NO_WINDOW,
    STATE_NOT_CONFIGURED,
    list_devices,
    listen,
)
from engine.input.evdev_codes import KEY_CODES
from engine.input.evdev_devices import EvdevDevice
from engine.input.evdev_source import EvdevInputs, pack_key_press
from engine.input.mapping import EvdevDeviceMapping, InputMapping, load_input_mapping
from engine.input.pump import InputPump
from engine.store.records import STAMP_EVDEV, STAMP_POLLED
from game.harness import VirtualClock

ROOT = Path(__file__).resolve().parent.parent
MS = 1_000_000
KEY_A = KEY_CODES["KEY_A"]


@pytest.fixture
def sdl_events():
    pygame.display.init()
    pygame.display.set_mode((64, 64))
    pygame.event.clear()
    yield
    pygame.display.quit()


def test_devices_command_lists_devices_as_json_headless(tmp_path) -> None:
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    env.pop("DISPLAY", None)
    env["XDG_CONFIG_HOME"] = str(tmp_path)  # no station input.yaml of this machine's user
    result = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "devices", "--format", "json", "--listen", "0.05"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    keyboard = report["devices"][0]
    assert (keyboard["backend"], keyboard["kind"], keyboard["state"]) == (
        "sdl",
        "keyboard",
        STATE_NO_WINDOW,
    )
    assert all(isinstance(line, str) for line in report["problems"])
    assert report["listen"]["taps"] == [] and report["listen"]["summary"] == []
    assert all(isinstance(name, str) for name in report["sound_outputs"])


def test_a_bad_listen_time_is_a_user_error() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "devices", "--listen", "0"],
        capture_output=True,
        text=True,
        env={**os.environ, "SDL_VIDEODRIVER": "dummy"},
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "--listen 0.0: give a number of seconds above 0" in result.stderr


def test_evdev_devices_are_listed_with_their_state(sdl_events, tmp_path) -> None:
    switch_path = tmp_path / "event7"
    switch_path.write_bytes(b"")
    devices = [
        EvdevDevice("PCsensor FootSwitch3", str(switch_path), key_codes=frozenset({0x100})),
        EvdevDevice(
            "AT keyboard",
            str(tmp_path / "event3"),
            key_codes=frozenset(
                KEY_CODES[f"KEY_{letter}"] for letter in "QWERTYUIOPASDFGHJKLZXCVBNM"
            ),
        ),
    ]
    mapping = InputMapping(evdev_devices=(EvdevDeviceMapping("footswitch", {0x100: "left_toe"}),))
    report = list_devices(mapping, STAMP_POLLED, window=False, evdev_list=lambda: (devices, ""))
    evdev = [device for device in report.devices if device.backend == "evdev"]
    assert [(d.name, d.state, d.stamp_source) for d in evdev] == [
        ("PCsensor FootSwitch3", STATE_IN_USE, STAMP_EVDEV),
        ("AT keyboard", STATE_NOT_CONFIGURED, ""),
    ]
    assert evdev[1].note.startswith("reaches OnBeat through SDL as a keyboard")
    assert report.as_dict()["devices"][0]["state"] == STATE_NO_WINDOW


def test_listen_reports_each_taps_delay_and_the_jitter_per_channel(sdl_events) -> None:
    clock = VirtualClock()
    inputs = EvdevInputs(InputMapping(), rescan_period_s=None)
    read_fd, write_fd = os.pipe()
    inputs.add_reader(read_fd, {KEY_A: "left_toe"}, "switch")
    pump = InputPump(load_input_mapping(), clock, sources=[inputs])
    try:
        # Stamped 3 ms and 5 ms before the listening starts; the first poll is 1 ms in.
        start_ns = clock.now_ns()
        os.write(write_fd, pack_key_press(start_ns - 3 * MS, KEY_A))
        os.write(write_fd, pack_key_press(start_ns - 5 * MS, KEY_A))
        assert inputs.wait(5.0, count=2)  # read by the reader's thread, drained at 1st poll
        for key in (pygame.K_j, pygame.K_z):
            pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, scancode=0))
        seen, unmapped = [], []
        monitor = listen(
            pump, clock, 0.01, lambda tap, delay: seen.append((tap, delay)), 1.0, unmapped.append
        )
    finally:
        inputs.close()
        os.close(write_fd)
    assert [(tap.channel, tap.stamp_source, delay) for tap, delay in seen] == [
        ("right_hand", STAMP_POLLED, MS // 2),
        ("left_toe", STAMP_EVDEV, 4 * MS),
        ("left_toe", STAMP_EVDEV, 6 * MS),
    ]
    assert unmapped == ["key 'z' (keys)"]  # to say what to write in input.yaml
    rows = {row["channel"]: row for row in monitor.summary()}
    assert rows["left_toe"]["taps"] == 2
    assert rows["left_toe"]["delay_mean_ms"] == 5.0
    assert rows["left_toe"]["jitter_ms"] == pytest.approx(1.414, abs=0.001)
    assert rows["left_toe"]["device"] == "switch"
    assert rows["right_hand"]["taps"] == 1 and rows["right_hand"]["jitter_ms"] == 0.0
