"""Which key, button, pad or pedal is which limb channel, and which keys and buttons drive
the menus; read from config/input.yaml.

Taps and menu actions are two ideas. A tap is a press on a limb channel that the judge
measures; a menu action (confirm, back, a direction) moves through the screens. A press may be
both (a gamepad's A button, a mouse click, a touch), and then menus treat it with care: right
after a level they ignore it, and a results screen wants it held (game/widgets.py). A key that
is only a tap (F, J, Space by default) never drives a menu, so a child clapping on after a
level cannot start another one.

A station can override any section in the OnBeat config folder's own input.yaml (MIDI learn
writes its notes there); the shipped file stays as it is.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs
import yaml

from engine.input.evdev_codes import key_code
from engine.levels.limbs import CHANNELS

DEFAULT_INPUT_PATH = Path(__file__).resolve().parents[2] / "config" / "input.yaml"
TRIGGERS = ("left", "right")
# What a menu key or button can mean: choose the focused button, go back, move the focus.
MENU_ACTIONS = ("confirm", "back", "up", "down", "left", "right", "next")
# Used when config/input.yaml has no `menu` section (the shipped file has one).
DEFAULT_MENU_KEYS = {
    "return": "confirm",
    "enter": "confirm",
    "escape": "back",
    "backspace": "back",
    "up": "up",
    "down": "down",
    "left": "left",
    "right": "right",
    "tab": "next",
}
DEFAULT_MENU_BUTTONS = {0: "confirm", 7: "confirm", 1: "back", 6: "back"}
MIDI_NUMBERS = range(128)
# Sections of the `midi` section that a station file replaces one by one.
STATION_FILE_HEADER = (
    "# This station's input mapping; each section here replaces the one in the shipped\n"
    "# config/input.yaml. `run.py devices --learn-midi` writes midi.notes and midi.controls.\n"
)


class InputConfigError(ValueError):
    """A mapping file names an unknown channel or is not the expected shape."""


@dataclass(frozen=True)
class EvdevDeviceMapping:
    """One Linux input device read through evdev, and its keys' channels."""

    match: str  # a device path (/dev/input/by-id/...) or part of the device's name
    keys: dict[int, str]  # KEY_*/BTN_* code -> channel
    grab: bool = True  # take the device from the X server and SDL, so no press comes twice


@dataclass(frozen=True)
class MenuMapping:
    """Keys and gamepad buttons that drive menus, each to one of MENU_ACTIONS. The gamepad's
    d-pad always moves the focus."""

    keys: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_MENU_KEYS))
    gamepad_buttons: dict[int, str] = field(default_factory=lambda: dict(DEFAULT_MENU_BUTTONS))


@dataclass(frozen=True)
class InputMapping:
    keys: dict[str, str] = field(default_factory=dict)  # pygame.key.name() -> channel
    mouse_buttons: dict[int, str] = field(default_factory=dict)  # SDL button number -> channel
    gamepad_buttons: dict[int, str] = field(default_factory=dict)  # joystick button -> channel
    touch: str | None = "both_hands"
    gamepad_triggers: dict[str, str] = field(default_factory=dict)  # "left"/"right" -> channel
    midi_ports: tuple[str, ...] = ()  # parts of MIDI input port names to open; () opens all
    midi_notes: dict[int, str] = field(default_factory=dict)  # note number -> channel
    midi_controls: dict[int, str] = field(default_factory=dict)  # pedal controller -> channel
    evdev_devices: tuple[EvdevDeviceMapping, ...] = ()
    menu: MenuMapping = field(default_factory=MenuMapping)


def machine_input_path() -> Path:
    """This station's own input.yaml, whose sections replace the shipped file's."""
    return Path(platformdirs.user_config_dir("OnBeat", appauthor=False)) / "input.yaml"


def _read_yaml(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise InputConfigError(f"{path}: cannot read input mapping: {error}") from None
    if not isinstance(data, dict):
        raise InputConfigError(f"{path}: expected a mapping with keys, mouse_buttons, ...")
    return data


def load_input_mapping(path: Path = DEFAULT_INPUT_PATH) -> InputMapping:
    """Read a mapping file; every problem is reported with the file and the key to fix."""
    return _mapping_from(_read_yaml(path), str(path))


def load_station_input_mapping(
    shipped_path: Path = DEFAULT_INPUT_PATH, station_path: Path | None = None
) -> InputMapping:
    """The shipped mapping with this station's file laid over it, section by section."""
    data = _read_yaml(shipped_path)
    station_path = station_path or machine_input_path()
    if not station_path.exists():
        return _mapping_from(data, str(shipped_path))
    station = _read_yaml(station_path)
    merged = {**data, **{name: value for name, value in station.items() if name != "midi"}}
    if isinstance(station.get("midi"), dict):
        shipped_midi = data.get("midi") if isinstance(data.get("midi"), dict) else {}
        merged["midi"] = {**shipped_midi, **station["midi"]}
    return _mapping_from(merged, f"{shipped_path} with {station_path}")


def save_station_midi(
    notes: dict[int, str], controls: dict[int, str], station_path: Path | None = None
) -> Path:
    """Write learned MIDI notes and pedals into this station's input.yaml, keeping the rest.

    The file is replaced whole or not at all. Returns its path.
    """
    station_path = station_path or machine_input_path()
    data = _read_yaml(station_path) if station_path.exists() else {}
    midi = data.get("midi") if isinstance(data.get("midi"), dict) else {}
    data["midi"] = {
        **midi,
        "notes": {int(note): notes[note] for note in sorted(notes)},
        "controls": {int(number): controls[number] for number in sorted(controls)},
    }
    _mapping_from(data, str(station_path))  # never write a file the game would refuse
    station_path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(
        dir=station_path.parent, prefix=".input.", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write("# This station's input mapping; sections here replace the shipped\n")
            handle.write(
                "# config/input.yaml. `run.py devices --learn-midi` writes midi.notes and\n"
            )
            handle.write("# midi.controls.\n")
            yaml.safe_dump(data, handle, sort_keys=False)
        os.replace(temp_name, station_path)
    except BaseException:
        os.unlink(temp_name)
        raise
    return station_path


def _check_channel(where: str, channel: object) -> str:
    if channel not in CHANNELS:
        raise InputConfigError(
            f"{where}: unknown channel {channel!r}; use one of {', '.join(CHANNELS)}"
        )
    return str(channel)


def _section(data: dict, name: str, where: str) -> dict:
    entries = data.get(name) or {}
    if not isinstance(entries, dict):
        raise InputConfigError(f"{where}: {name}: expected a mapping of input to channel")
    return entries


def _numbered(data: dict, name: str, where: str, numbers: range | None = None) -> dict[int, str]:
    result = {}
    for number, channel in _section(data, name, where).items():
        place = f"{where}: {name}.{number}"
        try:
            value = int(number)
        except (TypeError, ValueError):
            raise InputConfigError(f"{place}: not a number") from None
        if numbers is not None and value not in numbers:
            raise InputConfigError(f"{place}: MIDI numbers run from 0 to 127")
        result[value] = _check_channel(place, channel)
    return result


def _mapping_from(data: dict, where: str) -> InputMapping:
    keys = {
        str(name): _check_channel(f"{where}: keys.{name}", channel)
        for name, channel in _section(data, "keys", where).items()
    }
    triggers = {}
    for side, channel in _section(data, "gamepad_triggers", where).items():
        if side not in TRIGGERS:
            raise InputConfigError(f"{where}: gamepad_triggers.{side}: use 'left' or 'right'")
        triggers[side] = _check_channel(f"{where}: gamepad_triggers.{side}", channel)
    touch = data.get("touch", "both_hands")
    if touch is not None:
        _check_channel(f"{where}: touch", touch)
    midi = data.get("midi") or {}
    if not isinstance(midi, dict):
        raise InputConfigError(f"{where}: midi: expected ports, notes and controls")
    ports = midi.get("ports") or []
    if not isinstance(ports, list) or not all(isinstance(port, str) for port in ports):
        raise InputConfigError(f"{where}: midi.ports: expected a list of port names (or parts)")
    return InputMapping(
        keys=keys,
        mouse_buttons=_numbered(data, "mouse_buttons", where),
        gamepad_buttons=_numbered(data, "gamepad_buttons", where),
        touch=touch,
        gamepad_triggers=triggers,
        midi_ports=tuple(ports),
        midi_notes=_numbered(midi, "notes", f"{where}: midi", MIDI_NUMBERS),
        midi_controls=_numbered(midi, "controls", f"{where}: midi", MIDI_NUMBERS),
        evdev_devices=_evdev_devices(data.get("evdev") or [], where),
        menu=_menu(data.get("menu"), where),
    )


def _check_action(where: str, action: object) -> str:
    if action not in MENU_ACTIONS:
        raise InputConfigError(
            f"{where}: unknown menu action {action!r}; use one of {', '.join(MENU_ACTIONS)}"
        )
    return str(action)


def _menu(section: object, where: str) -> MenuMapping:
    if section is None:
        return MenuMapping()
    if not isinstance(section, dict):
        raise InputConfigError(f"{where}: menu: expected keys and gamepad_buttons")
    keys = {
        str(name): _check_action(f"{where}: menu.keys.{name}", action)
        for name, action in _section(section, "keys", f"{where}: menu").items()
    }
    buttons = {}
    for number, action in _section(section, "gamepad_buttons", f"{where}: menu").items():
        place = f"{where}: menu.gamepad_buttons.{number}"
        try:
            button = int(number)
        except (TypeError, ValueError):
            raise InputConfigError(f"{place}: not a number") from None
        buttons[button] = _check_action(place, action)
    return MenuMapping(keys=keys, gamepad_buttons=buttons)


def _evdev_devices(entries: object, where: str) -> tuple[EvdevDeviceMapping, ...]:
    if not isinstance(entries, list):
        raise InputConfigError(f"{where}: evdev: expected a list of devices (- match: ...)")
    devices = []
    for position, entry in enumerate(entries):
        place = f"{where}: evdev[{position}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("match"), str):
            raise InputConfigError(f"{place}: give 'match' (a device path or part of its name)")
        grab = entry.get("grab", True)
        if not isinstance(grab, bool):
            raise InputConfigError(f"{place}.grab: expected true or false")
        keys = {}
        for name, channel in _section(entry, "keys", place).items():
            try:
                code = key_code(name)
            except ValueError as error:
                raise InputConfigError(f"{place}.keys.{name}: {error}") from None
            keys[code] = _check_channel(f"{place}.keys.{name}", channel)
        if not keys:
            raise InputConfigError(f"{place}.keys: map at least one key (KEY_A: left_toe)")
        devices.append(EvdevDeviceMapping(entry["match"], keys, grab))
    return tuple(devices)
