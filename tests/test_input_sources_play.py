"""A tap from every back-end in one real play session on the harness, and each in the export.

The frame loop, scene, scorer and recorder are the game's own on the virtual clock; keys are
scripted as always, and besides them: a foot switch read through evdev from a pipe of packed
input_event records, a MIDI kit whose messages come with driver differences, and two SDL
virtual gamepads plugged in and pulled out during the task while the other inputs play on.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pygame
import pytest

from engine.input.evdev_codes import KEY_CODES
from engine.input.evdev_source import EvdevInputs, pack_key_press
from engine.input.gamepad import init_gamepads, quit_gamepads
from engine.input.mapping import InputMapping, load_input_mapping
from engine.input.midi import MidiInputs
from engine.input.pump import DEVICE_KEYBOARD
from engine.store.recorder import Recorder
from engine.store.records import STAMP_EVDEV, STAMP_MIDI, STAMP_POLLED, STAMP_SCRIPTED
from game.harness import KEY_HOLD_NS, Harness
from tests.level_factory import make_level, make_task
from tests.test_input_midi import FakePorts
from tests.virtual_gamepad import AXIS_MAX, AXIS_MIN, RIGHT_TRIGGER_AXIS, VirtualGamepad

ROOT = Path(__file__).resolve().parent.parent
MS = 1_000_000
KIT = "TD-17:TD-17 MIDI 1 20:0"
NOTE_ON_10, NOTE_OFF_10 = 0x99, 0x89
KEY_A = KEY_CODES["KEY_A"]
MIDI_CALLBACK_DELAY_NS = 2 * MS

LEVEL = make_level(make_task(beats=14, limbs=("any",)), tempo_bpm=100.0, count_in_beats=2)
# Targets left to the other back-ends; the scripted keyboard plays all the rest.
PAD_A_BUTTON, SWITCH, MIDI_PAD, PAD_B_TRIGGER, PAD_B_BUTTON = 3, 5, 7, 9, 11
OTHER_SOURCES = {PAD_A_BUTTON, SWITCH, MIDI_PAD, PAD_B_TRIGGER, PAD_B_BUTTON}


def keyboard_plan(grid, target_index, rng):
    return None if target_index in OTHER_SOURCES else float(rng.normal(-10.0, 8.0))


class OtherDevices:
    """Plays the targets left to evdev, MIDI and gamepads, once task 0 is on the clock."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.mapping = load_input_mapping()
        self.switch_read, self.switch_write = os.pipe()
        self.evdev = EvdevInputs(InputMapping(), rescan_period_s=None)
        self.evdev.add_reader(self.switch_read, {KEY_A: "left_toe"}, "pipe foot switch")
        self.ports = FakePorts(KIT)
        self.midi = MidiInputs(self.mapping, self.ports, rescan_period_s=None)
        harness.pump.add_source(self.evdev)
        harness.pump.add_source(self.midi)
        self.pads: dict[str, VirtualGamepad] = {}
        self.truth_ns: dict[int, int] = {}
        self.planned = False
        self._last_midi_ns: int | None = None

    def plan(self, now_ns: int) -> None:
        session = self.harness.scene.session
        if session is None or not session.grids:
            self.harness.clock.at(now_ns + 20 * MS, self.plan)
            return
        grid = session.grids[0]
        at = {
            index: self.harness.device.true_host_ns(float(grid.target_frames[index]))
            for index in range(len(grid.target_frames))
        }
        assert at[1] - 100 * MS > now_ns, "planned too late to plug pad A in before target 1"
        self.truth_ns = {index: at[index] for index in OTHER_SOURCES}
        clock = self.harness.clock
        clock.at(at[1] - 100 * MS, lambda _: self._plug("A"))
        self._press_button(at[PAD_A_BUTTON], "A", 1)
        clock.at(at[4] - 50 * MS, lambda _: self._plug("B"))
        clock.at(at[SWITCH], lambda _: self._switch(at[SWITCH]))
        clock.at(at[6] - 1 * MS, lambda _: self.pads["A"].unplug())  # a key tap 1 ms later
        clock.at(at[6] + 50 * MS, lambda _: self._midi(at[6] + 50 * MS, [NOTE_OFF_10, 36, 0], 0))
        midi_received_ns = at[MIDI_PAD] + MIDI_CALLBACK_DELAY_NS
        clock.at(
            midi_received_ns,
            lambda _: self._midi(at[MIDI_PAD], [NOTE_ON_10, 36, 96], MIDI_CALLBACK_DELAY_NS),
        )
        clock.at(at[PAD_B_TRIGGER], lambda _: self.pads["B"].set_axis(RIGHT_TRIGGER_AXIS, AXIS_MAX))
        clock.at(
            at[PAD_B_TRIGGER] + KEY_HOLD_NS,
            lambda _: self.pads["B"].set_axis(RIGHT_TRIGGER_AXIS, AXIS_MIN),
        )
        self._press_button(at[PAD_B_BUTTON], "B", 0)
        clock.at(at[PAD_B_BUTTON] + 2 * KEY_HOLD_NS, lambda _: self.pads["B"].unplug())
        self.planned = True

    def _plug(self, name: str) -> None:
        self.pads[name] = VirtualGamepad()

    def _press_button(self, when_ns: int, pad: str, button: int) -> None:
        self.harness.clock.at(when_ns, lambda _: self.pads[pad].set_button(button, True))
        self.harness.clock.at(
            when_ns + KEY_HOLD_NS, lambda _: self.pads[pad].set_button(button, False)
        )

    def _switch(self, pressed_ns: int) -> None:
        os.write(self.switch_write, pack_key_press(pressed_ns, KEY_A))
        # The reader's thread takes it from the pipe; the next poll hands it to the game.
        assert self.evdev.wait(5.0)

    def _midi(self, driver_ns: int, message: list[int], delay_ns: int) -> None:
        """A message the driver stamped at ``driver_ns`` reaching our callback ``delay_ns``
        later; the driver's clock is the true one here, seen only through differences."""
        last = self._last_midi_ns
        delta_s = 0.0 if last is None else (driver_ns - last) / 1e9
        self._last_midi_ns = driver_ns
        self.ports.callbacks[KIT](message, delta_s, driver_ns + delay_ns)

    def close(self) -> None:
        self.evdev.close()
        self.midi.close()
        os.close(self.switch_write)


@pytest.fixture
def gamepads():
    pygame.display.init()
    init_gamepads()
    yield
    quit_gamepads()


def test_a_tap_from_every_source_is_scored_and_exported(tmp_path, gamepads) -> None:
    recorder = Recorder(tmp_path)
    harness = Harness(recorder, keyboard_plan, level=LEVEL, frame_jitter_ms=12.0, seed=3)
    others = OtherDevices(harness)
    harness.clock.at(harness.clock.now_ns(), others.plan)
    try:
        harness.run()
    finally:
        others.close()
        recorder.close()
    assert others.planned and harness.session.finished
    out = tmp_path / "taps.csv"
    result = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "export", "--data-dir", str(tmp_path),
         "--what", "taps", "--out", str(out)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    with out.open(newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["judgement"] != "unscored"]
    by_beat = {int(row["beat_index"]): row for row in rows if row["beat_index"]}
    mapping = load_input_mapping()
    pad_a, pad_b = others.pads["A"].name, others.pads["B"].name
    assert pad_a and pad_b
    expected = {
        PAD_A_BUTTON: (mapping.gamepad_buttons[1], STAMP_POLLED, pad_a, ""),
        SWITCH: ("left_toe", STAMP_EVDEV, "pipe foot switch", ""),
        MIDI_PAD: (mapping.midi_notes[36], STAMP_MIDI, KIT, "96"),
        PAD_B_TRIGGER: (mapping.gamepad_triggers["right"], STAMP_POLLED, pad_b, ""),
        PAD_B_BUTTON: (mapping.gamepad_buttons[0], STAMP_POLLED, pad_b, ""),
    }
    half_gap_ns = harness.pump.longest_poll_gap_ns // 2
    for beat, (channel, stamp_source, device, velocity) in expected.items():
        row = by_beat[beat]
        assert (row["channel"], row["stamp_source"]) == (channel, stamp_source), beat
        assert (row["device"], row["velocity"]) == (device, velocity), beat
        error_ns = int(row["host_ns"]) - others.truth_ns[beat]
        if stamp_source == STAMP_POLLED:
            assert abs(error_ns) <= half_gap_ns, beat  # the middle of the poll interval
        else:
            assert abs(error_ns) < 1_000, beat  # the kernel's µs; the driver's exact time
    # Every scripted key press was recorded, hot-plug or not, and nothing else came in.
    keyboard = [row for row in rows if row["stamp_source"] == STAMP_SCRIPTED]
    assert len(keyboard) == len(harness.tapper.planned) == 14 - len(OTHER_SOURCES)
    assert {(row["device"], row["velocity"]) for row in keyboard} == {(DEVICE_KEYBOARD, "")}
    assert len(rows) == len(keyboard) + len(expected)
