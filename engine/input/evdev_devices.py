"""Which Linux input devices there are, what they look like, and whether we may read them.

Read from /proc/bus/input/devices (one block per device: name, ids, handlers such as
event5, capability bitmaps), which anyone may read; the device files themselves
(/dev/input/eventN) usually belong to the 'input' group. No ioctls, no pygame.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass, field
from pathlib import Path

from engine.input.evdev_codes import (
    BTN_GAMEPAD_FIRST,
    BTN_JOYSTICK_FIRST,
    BTN_MOUSE_FIRST,
    KEY_CODES,
)

PROC_DEVICES_PATH = Path("/proc/bus/input/devices")
DEV_INPUT_DIR = Path("/dev/input")
# The kernel prints capability bitmaps in words of its own long.
LONG_BITS = struct.calcsize("l") * 8

ACCESS_READABLE = "readable"
ACCESS_DENIED = "permission denied"
ACCESS_MISSING = "no device file"

KIND_KEYBOARD = "keyboard"
KIND_MOUSE = "mouse"
KIND_GAMEPAD = "gamepad"
KIND_JOYSTICK = "joystick"
KIND_SWITCH = "switch"  # a few keys or buttons: foot switches, pedal boxes, big buttons
KIND_OTHER = "other"

_LETTER_CODES = frozenset(KEY_CODES[f"KEY_{letter}"] for letter in "QWERTYUIOPASDFGHJKLZXCVBNM")


@dataclass(frozen=True)
class EvdevDevice:
    name: str
    event_path: str  # /dev/input/eventN, or "" when the device has no event handler
    bus: str = ""
    vendor: str = ""
    product: str = ""
    phys: str = ""
    key_codes: frozenset[int] = field(default_factory=frozenset)

    @property
    def kind(self) -> str:
        return device_kind(self.key_codes)


def device_kind(key_codes: frozenset[int]) -> str:
    """A plain guess of what a device is, from the keys and buttons it can send."""
    if len(key_codes & _LETTER_CODES) >= 20:
        return KIND_KEYBOARD
    if any(BTN_GAMEPAD_FIRST <= code < BTN_GAMEPAD_FIRST + 15 for code in key_codes):
        return KIND_GAMEPAD
    if any(BTN_JOYSTICK_FIRST <= code < BTN_GAMEPAD_FIRST for code in key_codes):
        return KIND_JOYSTICK
    if any(BTN_MOUSE_FIRST <= code < BTN_JOYSTICK_FIRST for code in key_codes):
        return KIND_MOUSE
    if key_codes:
        return KIND_SWITCH
    return KIND_OTHER


def parse_bitmap(text: str, long_bits: int = LONG_BITS) -> frozenset[int]:
    """Bit numbers set in a /proc capability bitmap: hex words, most significant first."""
    bits = set()
    for position, word in enumerate(reversed(text.split())):
        value = int(word, 16)
        base = position * long_bits
        while value:
            low = value & -value
            bits.add(base + low.bit_length() - 1)
            value ^= low
    return frozenset(bits)


def parse_proc_devices(
    text: str, dev_dir: Path = DEV_INPUT_DIR, long_bits: int = LONG_BITS
) -> list[EvdevDevice]:
    """Devices listed in the text of /proc/bus/input/devices, in the kernel's order."""
    devices = []
    for block in text.split("\n\n"):
        fields: dict[str, str] = {}
        ids: dict[str, str] = {}
        for line in block.splitlines():
            prefix, _, rest = line.partition(": ")
            if prefix == "I":
                ids = dict(part.split("=", 1) for part in rest.split() if "=" in part)
            elif prefix == "N":
                fields["name"] = rest.removeprefix("Name=").strip('"')
            elif prefix == "P":
                fields["phys"] = rest.removeprefix("Phys=")
            elif prefix == "H":
                handlers = rest.removeprefix("Handlers=").split()
                events = [handler for handler in handlers if handler.startswith("event")]
                fields["event"] = str(dev_dir / events[0]) if events else ""
            elif prefix == "B" and rest.startswith("KEY="):
                fields["keys"] = rest.removeprefix("KEY=")
        if "name" not in fields:
            continue
        devices.append(
            EvdevDevice(
                name=fields["name"],
                event_path=fields.get("event", ""),
                bus=ids.get("Bus", ""),
                vendor=ids.get("Vendor", ""),
                product=ids.get("Product", ""),
                phys=fields.get("phys", ""),
                key_codes=parse_bitmap(fields.get("keys", ""), long_bits),
            )
        )
    return devices


def find_evdev_devices(proc_path: Path = PROC_DEVICES_PATH) -> tuple[list[EvdevDevice], str]:
    """The devices this machine has, and "" or one line saying why none could be listed."""
    try:
        text = proc_path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return [], f"evdev: {proc_path} does not exist (not Linux?); evdev input is off"
    except OSError as error:
        return [], f"evdev: cannot read {proc_path}: {error.strerror}; evdev input is off"
    return parse_proc_devices(text), ""


def access_state(path: str) -> str:
    """Whether this process may read the device file at ``path``."""
    if not path or not os.path.exists(path):
        return ACCESS_MISSING
    return ACCESS_READABLE if os.access(path, os.R_OK) else ACCESS_DENIED


def matching_devices(match: str, devices: list[EvdevDevice]) -> list[EvdevDevice]:
    """Devices a configured ``match`` names: a device path (symlinks such as
    /dev/input/by-id/... followed) or a case-insensitive part of the device name."""
    if match.startswith("/"):
        target = os.path.realpath(match)
        found = [device for device in devices if device.event_path == target]
        return found or [EvdevDevice(name=match, event_path=match)]
    wanted = match.casefold()
    return [device for device in devices if wanted in device.name.casefold() and device.event_path]
