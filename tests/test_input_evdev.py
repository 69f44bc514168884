"""Linux evdev: packed input_event records read from pipes by the same reader as a device,
device discovery from /proc/bus/input/devices text, and each way a device can fail."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest

from engine.input import evdev_source
from engine.input.evdev_codes import (
    EV_KEY,
    EV_SYN,
    KEY_CODES,
    KEY_PRESSED,
    KEY_RELEASED,
    KEY_REPEATED,
    SYN_DROPPED,
    SYN_REPORT,
    key_code,
)
from engine.input.evdev_devices import (
    KIND_GAMEPAD,
    KIND_KEYBOARD,
    KIND_SWITCH,
    EvdevDevice,
    find_evdev_devices,
    matching_devices,
    parse_bitmap,
    parse_proc_devices,
)
from engine.input.evdev_source import (
    EVIOCGNAME,
    EVIOCGRAB,
    EVIOCSCLOCKID,
    INPUT_EVENT,
    KERNEL_CLOCK_REALTIME,
    PERMISSION_HINT,
    EvdevInputs,
    EvdevUnavailable,
    InputEventParser,
    KeyPress,
    open_evdev_device,
    pack_input_event,
    pack_key_press,
)
from engine.input.mapping import (
    EvdevDeviceMapping,
    InputConfigError,
    InputMapping,
    load_input_mapping,
)
from engine.store.records import STAMP_EVDEV

KEY_A, KEY_B, KEY_Q = KEY_CODES["KEY_A"], KEY_CODES["KEY_B"], KEY_CODES["KEY_Q"]
KEY_SPACE = KEY_CODES["KEY_SPACE"]
T0_NS = 5_000_123_456_000  # a CLOCK_MONOTONIC reading, whole µs as the kernel writes them
WAIT_S = 5.0


def test_input_event_layout_and_ioctl_numbers_are_the_kernel_abi() -> None:
    # x86-64 and other LP64 Linux: two 8-byte longs, u16, u16, s32.
    if INPUT_EVENT.size == 24:
        assert INPUT_EVENT.unpack(pack_input_event(T0_NS, EV_KEY, KEY_A, 1)) == (
            5_000,
            123_456,
            EV_KEY,
            KEY_A,
            1,
        )
    assert (EVIOCGRAB, EVIOCSCLOCKID, EVIOCGNAME) == (0x40044590, 0x400445A0, 0x81004506)


@pytest.mark.skipif(
    not Path("/usr/include/linux/input-event-codes.h").exists(), reason="no kernel headers"
)
def test_key_names_match_the_kernel_header() -> None:
    header = Path("/usr/include/linux/input-event-codes.h").read_text()
    defined: dict[str, int] = {}
    for name, value in re.findall(r"#define\s+((?:KEY|BTN)_\w+)\s+(\w+)", header):
        defined[name] = defined[value] if value in defined else int(value, 0)
    assert {name: defined.get(name) for name in KEY_CODES} == KEY_CODES


def test_parser_hands_out_presses_when_their_packet_is_reported() -> None:
    parser = InputEventParser()
    press = pack_input_event(T0_NS, EV_KEY, KEY_A, KEY_PRESSED)
    assert parser.feed(press) == []  # the packet is not closed yet
    report = pack_input_event(T0_NS, EV_SYN, SYN_REPORT, 0)
    assert parser.feed(report) == [KeyPress(T0_NS, KEY_A)]
    later = T0_NS + 7_000
    stream = b"".join(
        [
            pack_input_event(later, EV_KEY, KEY_A, KEY_REPEATED),
            pack_input_event(later, EV_KEY, KEY_A, KEY_RELEASED),
            pack_input_event(later, EV_KEY, KEY_B, KEY_PRESSED),
            pack_input_event(later, EV_KEY, KEY_SPACE, KEY_PRESSED),
            pack_input_event(later, EV_SYN, SYN_REPORT, 0),
        ]
    )
    assert parser.feed(stream) == [KeyPress(later, KEY_B), KeyPress(later, KEY_SPACE)]


def test_parser_joins_records_split_across_reads() -> None:
    parser = InputEventParser()
    data = pack_key_press(T0_NS, KEY_A) + pack_key_press(T0_NS + 1_000, KEY_B)
    presses = []
    for start in range(0, len(data), 5):  # 5-byte reads split every record
        presses += parser.feed(data[start : start + 5])
    assert presses == [KeyPress(T0_NS, KEY_A), KeyPress(T0_NS + 1_000, KEY_B)]


def test_parser_drops_the_packet_the_kernel_says_it_dropped() -> None:
    parser = InputEventParser()
    data = b"".join(
        [
            pack_input_event(T0_NS, EV_KEY, KEY_A, KEY_PRESSED),
            pack_input_event(T0_NS, EV_SYN, SYN_DROPPED, 0),
            pack_input_event(T0_NS + 1_000, EV_KEY, KEY_B, KEY_PRESSED),  # still inconsistent
            pack_input_event(T0_NS + 1_000, EV_SYN, SYN_REPORT, 0),
            pack_key_press(T0_NS + 2_000, KEY_SPACE),
        ]
    )
    assert parser.feed(data) == [KeyPress(T0_NS + 2_000, KEY_SPACE)]
    assert parser.dropped_packets == 1


def test_realtime_stamps_are_moved_onto_our_clock() -> None:
    parser = InputEventParser(KERNEL_CLOCK_REALTIME)
    realtime_ns = 1_700_000_000_000_000_000
    offset_ns = -1_699_999_000_000_000_000
    [press] = parser.feed(pack_key_press(realtime_ns, KEY_A), realtime_to_host_ns=offset_ns)
    assert press.host_ns == realtime_ns + offset_ns


class Notes:
    """Collects notify lines; tests wait on it instead of sleeping."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._changed = threading.Condition()

    def __call__(self, line: str) -> None:
        with self._changed:
            self.lines.append(line)
            self._changed.notify_all()

    def wait_for(self, part: str) -> bool:
        with self._changed:
            return self._changed.wait_for(lambda: any(part in line for line in self.lines), WAIT_S)


def collect(inputs: EvdevInputs, count: int) -> list:
    taps = []
    while len(taps) < count:
        assert inputs.wait(WAIT_S), f"only {len(taps)} of {count} taps arrived"
        taps += inputs.drain_taps(0)
    return taps


def test_a_pipe_of_records_becomes_stamped_taps_and_a_closed_one_leaves_the_rest() -> None:
    notes = Notes()
    inputs = EvdevInputs(InputMapping(), notes, rescan_period_s=None)
    switch_read, switch_write = os.pipe()
    pedal_read, pedal_write = os.pipe()
    try:
        switch = inputs.add_reader(switch_read, {KEY_A: "left_toe", KEY_B: "right_toe"}, "switch")
        inputs.add_reader(pedal_read, {KEY_SPACE: "both_heels"}, "pedal")
        os.write(switch_write, pack_key_press(T0_NS, KEY_A) + pack_key_press(T0_NS + 1, KEY_Q))
        os.write(switch_write, pack_key_press(T0_NS + 250_000_000, KEY_B))
        taps = collect(inputs, 2)
        assert [(tap.host_ns, tap.channel, tap.stamp_source, tap.device) for tap in taps] == [
            (T0_NS, "left_toe", STAMP_EVDEV, "switch"),
            (T0_NS + 250_000_000, "right_toe", STAMP_EVDEV, "switch"),
        ]
        assert switch.presses_read == 3  # the unmapped key was read and ignored
        os.close(switch_write)
        switch_write = -1
        assert notes.wait_for("switch closed")
        assert switch.gone == "closed"
        os.write(pedal_write, pack_key_press(T0_NS + 500_000_000, KEY_SPACE))
        [tap] = collect(inputs, 1)
        assert (tap.channel, tap.device) == ("both_heels", "pedal")
        assert sum("closed" in line for line in notes.lines) == 1
    finally:
        inputs.close()
        for fd in (switch_write, pedal_write):
            if fd >= 0:
                os.close(fd)


PROC_TEXT = """\
I: Bus=0011 Vendor=0001 Product=0001 Version=ab41
N: Name="AT Translated Set 2 keyboard"
P: Phys=isa0060/serio0/input0
S: Sysfs=/devices/platform/i8042/serio0/input/input3
U: Uniq=
H: Handlers=sysrq kbd event3 leds
B: PROP=0
B: EV=120013
B: KEY=402000000 3803078f800d001 feffffdfffefffff fffffffffffffffe
B: MSC=10
B: LED=7

I: Bus=0003 Vendor=0c45 Product=7403 Version=0100
N: Name="PCsensor FootSwitch3"
P: Phys=usb-0000:00:14.0-2/input1
H: Handlers=event7
B: EV=3
B: KEY=7 0 0 0 0

I: Bus=0003 Vendor=045e Product=028e Version=0114
N: Name="Microsoft X-Box 360 pad"
P: Phys=usb-0000:00:14.0-3/input0
H: Handlers=event12 js0
B: EV=20000b
B: KEY=7cdb000000000000 0 0 0 0
B: ABS=3003f

I: Bus=0019 Vendor=0000 Product=0001 Version=0000
N: Name="Power Button"
H: Handlers=kbd
B: KEY=10000000000000 0
"""


def test_proc_devices_text_lists_devices_with_paths_and_kinds(tmp_path) -> None:
    devices = parse_proc_devices(PROC_TEXT, dev_dir=tmp_path, long_bits=64)
    assert [device.name for device in devices] == [
        "AT Translated Set 2 keyboard",
        "PCsensor FootSwitch3",
        "Microsoft X-Box 360 pad",
        "Power Button",
    ]
    keyboard, switch, pad, power = devices
    assert keyboard.event_path == str(tmp_path / "event3")
    assert keyboard.kind == KIND_KEYBOARD
    assert switch.key_codes == {KEY_CODES["BTN_0"], KEY_CODES["BTN_1"], KEY_CODES["BTN_2"]}
    assert switch.kind == KIND_SWITCH
    assert (switch.vendor, switch.product) == ("0c45", "7403")
    assert pad.kind == KIND_GAMEPAD
    assert {KEY_CODES["BTN_SOUTH"], KEY_CODES["BTN_MODE"]} <= pad.key_codes
    assert power.event_path == ""  # no event handler: nothing to read
    assert matching_devices("footswitch", devices) == [switch]
    assert matching_devices("power", devices) == []


def test_bitmaps_read_most_significant_word_first() -> None:
    assert parse_bitmap("1 0", long_bits=64) == {64}
    assert parse_bitmap("8000000000000000 3", long_bits=64) == {0, 1, 63 + 64}
    assert parse_bitmap("1 0", long_bits=32) == {32}


def test_permission_denied_is_one_line_with_the_fix_told_once(monkeypatch) -> None:
    path = "/dev/input/event7"
    real_open = os.open

    def refuse(name, flags, *args):
        if name == path:
            raise PermissionError(13, "Permission denied", name)
        return real_open(name, flags, *args)

    monkeypatch.setattr(evdev_source.os, "open", refuse)
    with pytest.raises(EvdevUnavailable, match="input' group"):
        open_evdev_device(path)
    notes = Notes()
    mapping = InputMapping(evdev_devices=(EvdevDeviceMapping("FootSwitch", {KEY_A: "left_toe"}),))
    devices = [EvdevDevice(name="PCsensor FootSwitch3", event_path=path)]
    inputs = EvdevInputs(mapping, notes, lambda: (devices, ""), rescan_period_s=None)
    inputs.rescan()
    inputs.close()
    assert notes.lines == [f"evdev: cannot read {path}: permission denied; {PERMISSION_HINT}"]


def test_missing_devices_and_a_missing_proc_file_are_told_once(tmp_path) -> None:
    notes = Notes()
    mapping = InputMapping(
        evdev_devices=(
            EvdevDeviceMapping("Pedal box", {KEY_A: "left_toe"}),
            EvdevDeviceMapping(str(tmp_path / "gone"), {KEY_A: "left_toe"}),
        )
    )
    inputs = EvdevInputs(mapping, notes, lambda: ([], ""), rescan_period_s=None)
    inputs.rescan()
    inputs.close()
    assert len(notes.lines) == 2
    assert "no device matches 'Pedal box'" in notes.lines[0]
    assert "does not exist" in notes.lines[1]
    devices, problem = find_evdev_devices(tmp_path / "no-proc")
    assert devices == [] and "evdev input is off" in problem


def test_a_fifo_opens_without_the_device_ioctls(tmp_path) -> None:
    fifo = tmp_path / "switch"
    os.mkfifo(fifo)
    opened = open_evdev_device(str(fifo), grab=True)
    try:
        # Not a device: no monotonic stamps, no grab, the path for a name; still readable.
        assert (opened.kernel_clock, opened.grabbed, opened.name) == (
            KERNEL_CLOCK_REALTIME,
            False,
            str(fifo),
        )
    finally:
        os.close(opened.fd)


def test_key_names_and_numbers_in_the_mapping() -> None:
    assert key_code("KEY_A") == key_code("key_a") == key_code(30) == key_code("0x1e") == 30
    assert key_code("BTN_A") == key_code("BTN_SOUTH")
    with pytest.raises(ValueError, match=r"input-event-codes\.h"):
        key_code("KEY_PEDAL")
    with pytest.raises(ValueError, match="run from 1"):
        key_code(0)


def test_evdev_section_of_a_mapping_file(tmp_path) -> None:
    path = tmp_path / "input.yaml"
    path.write_text(
        "evdev:\n"
        "  - match: FootSwitch\n"
        "    keys: {KEY_A: left_toe, BTN_1: right_toe, 48: both_toes}\n"
        "  - match: /dev/input/by-id/usb-pedal-event-kbd\n"
        "    grab: false\n"
        "    keys: {KEY_SPACE: both_heels}\n"
    )
    mapping = load_input_mapping(path)
    first, second = mapping.evdev_devices
    assert first == EvdevDeviceMapping(
        "FootSwitch", {30: "left_toe", 0x101: "right_toe", 48: "both_toes"}, True
    )
    assert second.grab is False and second.keys == {57: "both_heels"}
    path.write_text("evdev:\n  - match: FootSwitch\n    keys: {KEY_PEDAL: left_toe}\n")
    with pytest.raises(InputConfigError, match=r"evdev\[0\]\.keys\.KEY_PEDAL"):
        load_input_mapping(path)
    path.write_text("evdev:\n  - match: FootSwitch\n    keys: {KEY_A: left_foot}\n")
    with pytest.raises(InputConfigError, match="unknown channel 'left_foot'"):
        load_input_mapping(path)
