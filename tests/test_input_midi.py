"""MIDI: driver stamps (RtMidi's per-message differences) through the clock map, notes and
pedals through the mapping, ports that come and go, and MIDI learn."""

from __future__ import annotations

import itertools
import os
import sys
import time

import numpy as np
import pytest

from engine.input import midi as midi_module
from engine.input.mapping import (
    InputMapping,
    load_input_mapping,
    load_station_input_mapping,
    save_station_midi,
)
from engine.input.midi import (
    CONTROL,
    NOTE,
    DriverClock,
    MidiInputs,
    MidiPortReader,
    MidiPress,
    open_midi_inputs,
    wanted_port,
)
from engine.input.midi_learn import SETTLE_NS, MidiLearn
from engine.input.tap import Tap, TapQueue
from engine.store.records import STAMP_MIDI

MS = 1_000_000
T0_NS = 7_000 * 1_000_000_000
NOTE_ON_10 = 0x99  # note-on, MIDI channel 10 (drums)
NOTE_OFF_10 = 0x89
CONTROL_1 = 0xB0


def deliveries(true_ns: list[int], delays_ns: list[int]) -> list[tuple[float, int]]:
    """(delta_s, received_ns) per message, as RtMidi and our callback would see them."""
    deltas = [0.0] + [(b - a) / 1e9 for a, b in itertools.pairwise(true_ns)]
    return [(delta, t + d) for delta, t, d in zip(deltas, true_ns, delays_ns, strict=True)]


def test_the_driver_clock_is_off_by_the_least_callback_delay_of_its_window() -> None:
    rng = np.random.default_rng(5)
    gaps_us = rng.integers(50_000, 900_000, 200)  # whole µs, as ALSA stamps; about 95 s in all
    true_ns = [T0_NS + int(us) * 1_000 for us in np.cumsum(gaps_us)]
    delays_ns = [int(delay) for delay in rng.uniform(0.2, 4.0, 200) * MS]
    clock = DriverClock()
    for index, (delta_s, received_ns) in enumerate(deliveries(true_ns, delays_ns)):
        stamp_ns = clock.to_host_ns(delta_s, received_ns)
        in_window = [
            delays_ns[j]
            for j in range(index + 1)
            if true_ns[j] + delays_ns[j] >= received_ns - clock.window_ns
        ]
        assert stamp_ns - true_ns[index] == min(in_window)
        assert stamp_ns <= received_ns  # never later than we heard of it
    # The quickest callback of a window is far better than a callback's time: the spread.
    assert min(delays_ns) < 0.3 * MS < np.std(delays_ns)


def test_the_window_follows_a_driver_clock_that_drifts() -> None:
    rate = 1 - 100e-6  # the driver's clock runs 100 ppm slow
    true_ns = [T0_NS + index * 500 * MS for index in range(600)]  # 5 minutes of taps
    driver_ns = [round((t - T0_NS) * rate) for t in true_ns]
    deltas = [0.0] + [(b - a) / 1e9 for a, b in itertools.pairwise(driver_ns)]
    errors = {}
    for window_ns in (midi_module.OFFSET_WINDOW_NS, 10**18):
        clock = DriverClock(window_ns)
        errors[window_ns] = max(
            abs(clock.to_host_ns(delta, t + MS) - t)
            for delta, t in zip(deltas, true_ns, strict=True)
        )
    # 100 ppm of a 30 s window is 3 ms, less the 1 ms callback delay: 2 ms at worst.
    assert errors[midi_module.OFFSET_WINDOW_NS] <= 2 * MS + 1_000
    assert errors[10**18] > 25 * MS  # what keeping the first offset for ever would cost


def _reader(mapping: InputMapping | None = None) -> tuple[MidiPortReader, TapQueue, list]:
    presses: list[MidiPress] = []
    taps = TapQueue()
    reader = MidiPortReader(mapping or load_input_mapping(), "kit", taps, presses.append)
    return reader, taps, presses


def test_note_ons_are_taps_with_velocity_and_offs_are_not() -> None:
    reader, taps, presses = _reader()
    reader.feed([NOTE_ON_10, 36, 100], 0.0, T0_NS)
    reader.feed([NOTE_ON_10, 36, 0], 0.1, T0_NS + 100 * MS)  # velocity 0 is a note-off
    reader.feed([NOTE_OFF_10, 38, 64], 0.1, T0_NS + 200 * MS)
    reader.feed([NOTE_ON_10, 50, 90], 0.1, T0_NS + 300 * MS)  # not mapped
    reader.feed([NOTE_ON_10, 38, 55], 0.1, T0_NS + 400 * MS)
    assert taps.drain() == [
        Tap(T0_NS, "right_toe", STAMP_MIDI, 100, "kit"),
        Tap(T0_NS + 400 * MS, "both_hands", STAMP_MIDI, 55, "kit"),
    ]
    assert [(press.kind, press.number, press.value, press.midi_channel) for press in presses] == [
        (NOTE, 36, 100, 10),
        (NOTE, 50, 90, 10),
        (NOTE, 38, 55, 10),
    ]
    assert reader.messages == 5


def test_every_message_moves_the_driver_clock_even_those_that_are_no_tap() -> None:
    reader, taps, _ = _reader()
    reader.feed([NOTE_ON_10, 36, 100], 0.0, T0_NS)
    reader.feed([NOTE_OFF_10, 36, 0], 0.120, T0_NS + 125 * MS)  # its callback came 5 ms late
    reader.feed([NOTE_ON_10, 36, 100], 0.380, T0_NS + 503 * MS)  # and this one 3 ms late
    assert [tap.host_ns for tap in taps.drain()] == [T0_NS, T0_NS + 500 * MS]


def test_a_pedal_is_a_tap_each_time_it_goes_down() -> None:
    reader, taps, presses = _reader()
    for value in (127, 100, 0, 70, 20, 127):
        reader.feed([CONTROL_1, 64, value], 0.05, T0_NS)
    reader.feed([CONTROL_1, 7, 127], 0.05, T0_NS)  # volume, not mapped: a press, no tap
    assert [(tap.channel, tap.velocity) for tap in taps.drain()] == [("right_toe", None)] * 3
    assert [(press.kind, press.number) for press in presses] == [(CONTROL, 64)] * 3 + [(CONTROL, 7)]


def test_broken_messages_move_the_clock_and_make_nothing() -> None:
    reader, taps, presses = _reader()
    reader.feed([NOTE_ON_10, 36], 0.0, T0_NS)
    reader.feed([0xF8], 0.0, T0_NS)
    assert taps.drain() == [] and presses == []


class FakePort:
    def __init__(self, ports: FakePorts, name: str) -> None:
        self._ports, self._name = ports, name

    def close(self) -> None:
        self._ports.closed.append(self._name)


class FakePorts:
    """The port list of a MIDI system, changed by the test as cables are plugged and pulled."""

    def __init__(self, *names: str) -> None:
        self.names = list(names)
        self.callbacks: dict[str, object] = {}
        self.closed: list[str] = []

    def list_ports(self) -> list[str]:
        return list(self.names)

    def open(self, index: int, name: str, on_message) -> FakePort:
        assert self.names[index] == name
        self.callbacks[name] = on_message
        return FakePort(self, name)

    def close(self) -> None:
        pass


THROUGH = "Midi Through:Midi Through Port-0 14:0"
KIT = "TD-17:TD-17 MIDI 1 20:0"
PAD = "nanoPAD2:nanoPAD2 nanoPAD2 _ CTRL 24:0"


def test_ports_plugged_in_and_pulled_out_during_play() -> None:
    lines: list[str] = []
    ports = FakePorts(THROUGH, KIT)
    inputs = MidiInputs(load_input_mapping(), ports, lines.append, rescan_period_s=None)
    assert inputs.ports == [KIT]
    ports.callbacks[KIT]([NOTE_ON_10, 36, 90], 0.0, T0_NS)
    ports.names.append(PAD)
    inputs.rescan()
    ports.callbacks[PAD]([NOTE_ON_10, 38, 90], 0.0, T0_NS + MS)
    ports.names.remove(KIT)
    inputs.rescan()
    ports.callbacks[PAD]([NOTE_ON_10, 44, 90], 0.5, T0_NS + 501 * MS)
    taps = inputs.drain_taps(0)
    assert [(tap.channel, tap.device) for tap in taps] == [
        ("right_toe", KIT),
        ("both_hands", PAD),
        ("left_toe", PAD),
    ]
    assert lines == [
        f"MIDI: listening to {KIT}",
        f"MIDI: listening to {PAD}",
        f"MIDI: {KIT} is gone; the other inputs go on",
    ]
    assert ports.closed == [KIT]
    assert len(inputs.drain_presses()) == 3
    inputs.close()
    assert ports.closed == [KIT, PAD]


def test_only_the_configured_ports_are_opened() -> None:
    mapping = InputMapping(midi_ports=("nanopad",), midi_notes={36: "right_toe"})
    inputs = MidiInputs(mapping, FakePorts(KIT, PAD), rescan_period_s=None)
    assert inputs.ports == [PAD]
    inputs.close()
    assert not wanted_port(THROUGH, ())
    assert not wanted_port("OnBeat:OnBeat in 130:0", ())
    assert wanted_port(KIT, ())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the ALSA check is Linux's")
def test_no_sequencer_is_one_line_and_no_midi(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(midi_module, "ALSA_SEQUENCER_PATH", str(tmp_path / "seq"))
    lines: list[str] = []
    assert open_midi_inputs(load_input_mapping(), lines.append) is None
    assert len(lines) == 1 and "no ALSA sequencer" in lines[0] and "snd-seq" in lines[0]


def test_python_rtmidi_missing_is_one_line_and_no_midi(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "rtmidi", None)  # what an absent package imports as
    lines: list[str] = []
    assert open_midi_inputs(load_input_mapping(), lines.append) is None
    assert lines == [
        "MIDI: python-rtmidi is not installed; MIDI pads are off (pip install python-rtmidi)"
    ]


@pytest.mark.skipif(not os.path.exists("/dev/snd/seq"), reason="no ALSA sequencer here")
def test_a_real_virtual_port_delivers_stamped_taps() -> None:
    import rtmidi

    sender = rtmidi.MidiOut(name="OnBeat test pads")
    sender.open_virtual_port("pads")
    mapping = InputMapping(midi_ports=("OnBeat test pads",), midi_notes={36: "right_toe"})
    inputs = open_midi_inputs(mapping)
    assert inputs is not None
    try:
        sender.send_message([NOTE_ON_10, 36, 100])
        sender.send_message([NOTE_ON_10, 36, 80])
        taps: list[Tap] = []
        while len(taps) < 2:
            assert inputs.wait(5.0)
            taps += inputs.drain_taps(0)
        assert [(tap.channel, tap.velocity, tap.stamp_source) for tap in taps] == [
            ("right_toe", 100, STAMP_MIDI),
            ("right_toe", 80, STAMP_MIDI),
        ]
        assert taps[0].host_ns <= taps[1].host_ns <= time.perf_counter_ns()
    finally:
        inputs.close()
        sender.delete()


def press(kind: str, number: int, at_ns: int) -> MidiPress:
    return MidiPress(at_ns, "kit", kind, number, 100, 10)


def test_midi_learn_asks_for_each_channel_and_remembers_the_pads() -> None:
    learn = MidiLearn(["right_hand", "left_hand", "right_toe", "both_heels"])
    assert learn.prompt() == "Hit the pad for your right hand"
    assert learn.hear(press(NOTE, 40, T0_NS)) == "note 40 is your right hand"
    assert learn.hear(press(NOTE, 41, T0_NS + SETTLE_NS // 2)) is None  # the same hit's rim
    assert learn.hear(press(NOTE, 40, T0_NS + SETTLE_NS)).startswith("note 40 is already")
    assert learn.prompt() == "Hit the pad for your left hand"
    assert learn.hear(press(NOTE, 48, T0_NS + 2 * SETTLE_NS)) == "note 48 is your left hand"
    learn.back()
    assert learn.current == "left_hand"
    learn.hear(press(NOTE, 45, T0_NS + 3 * SETTLE_NS))
    assert learn.prompt() == "Hit the pad for your right toes"
    learn.hear(press(CONTROL, 64, T0_NS + 4 * SETTLE_NS))
    learn.skip()
    assert learn.done and learn.prompt() == "All done."
    assert learn.hear(press(NOTE, 50, T0_NS + 5 * SETTLE_NS)) is None
    assert learn.notes() == {40: "right_hand", 45: "left_hand"}
    assert learn.controls() == {64: "right_toe"}
    with pytest.raises(ValueError, match="right_foot"):
        MidiLearn(["right_foot"])


def test_learned_pads_are_saved_for_the_station_and_read_back(tmp_path) -> None:
    station = tmp_path / "config" / "input.yaml"
    station.parent.mkdir()
    station.write_text("keys:\n  q: left_hand\n")
    save_station_midi({40: "right_hand", 45: "left_hand"}, {64: "right_toe"}, station)
    mapping = load_station_input_mapping(station_path=station)
    shipped = load_input_mapping()
    assert mapping.midi_notes == {40: "right_hand", 45: "left_hand"}
    assert mapping.midi_controls == {64: "right_toe"}
    assert mapping.midi_ports == shipped.midi_ports  # not in the station file: shipped
    assert mapping.keys == {"q": "left_hand"}  # the station's own section stays
    assert mapping.gamepad_buttons == shipped.gamepad_buttons
    assert sorted(path.name for path in station.parent.iterdir()) == ["input.yaml"]  # no temp
    assert load_station_input_mapping(station_path=tmp_path / "none.yaml") == shipped
