"""Which key, button, pad or pedal is which limb channel, and which keys and buttons drive
the menus; read from config/input.yaml.

Taps and menu actions are two ideas. A tap is a press on a limb channel that the judge
measures; a menu action (confirm, back, a direction) moves through the screens. A press may be
both (a gamepad's A button, a mouse click, a touch), and then menus treat it with care: right
after a level they ignore it, and a results screen wants it held (game/widgets.py). A key that
is only a tap (F, J, Space by default) never drives a menu, so a child clapping on after a
level cannot start another one.

A station can override any section in the OnBeat config folder's own input.yaml (MIDI learn
writes its notes there); the shipped file stays as it is. Both are read with the safe level
reader and checked entry by entry: each problem is one ``path:line:column: where: what`` line.
The game leaves a bad entry out and goes on (``read_station_input_mapping``); the checks and
tools refuse the file (``load_*``, InputConfigError).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
import yaml

from engine.config.checked import SettingsFile, read_settings_file
from engine.input.evdev_codes import key_code
from engine.levels.limbs import CHANNELS
from engine.levels.yaml_reader import KeyPath, LevelError, parse_yaml_bytes, read_yaml_file

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
INPUT_THING = "input mapping"
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


def _read(path: Path) -> SettingsFile:
    return read_settings_file(path, INPUT_THING)


def _sections_or_raise(path: Path) -> dict[str, Any]:
    if not path.exists():
        raise InputConfigError(f"{path}: no such input mapping file")
    settings = _read(path)
    sections = _sections_of(settings)
    if settings.problems:
        raise InputConfigError("\n".join(settings.lines()))
    return sections


def load_input_mapping(path: Path = DEFAULT_INPUT_PATH) -> InputMapping:
    """Read a mapping file; InputConfigError lists every problem, with its line and key."""
    return _mapping_of(_sections_or_raise(path))


def load_station_input_mapping(
    shipped_path: Path = DEFAULT_INPUT_PATH, station_path: Path | None = None
) -> InputMapping:
    """The shipped mapping with this station's file laid over it, section by section;
    InputConfigError lists every problem of either file."""
    shipped = _sections_or_raise(shipped_path)
    station_path = station_path or machine_input_path()
    if not station_path.exists():
        return _mapping_of(shipped)
    return _mapping_of(_laid_over(shipped, _sections_or_raise(station_path)))


def read_station_input_mapping(
    shipped_path: Path = DEFAULT_INPUT_PATH, station_path: Path | None = None
) -> tuple[InputMapping, list[str]]:
    """As load_station_input_mapping, for a game that must go on: what is wrong is left out
    (a bad entry, a bad section, a whole unreadable file) and listed, one line each."""
    shipped_file = _read(shipped_path)
    shipped = _sections_of(shipped_file)
    problems = shipped_file.lines()
    if not shipped_path.exists():
        problems.append(f"{shipped_path}: the shipped input mapping is missing; reinstall OnBeat")
    station_file = _read(station_path or machine_input_path())
    station = _sections_of(station_file)
    problems += station_file.lines()
    return _mapping_of(_laid_over(shipped, station)), problems


def _laid_over(shipped: dict[str, Any], station: dict[str, Any]) -> dict[str, Any]:
    merged = {**shipped, **{name: value for name, value in station.items() if name != "midi"}}
    if "midi" in station:
        merged["midi"] = {**shipped.get("midi", {}), **station["midi"]}
    return merged


def _mapping_of(sections: dict[str, Any]) -> InputMapping:
    midi = sections.get("midi", {})
    return InputMapping(
        keys=sections.get("keys", {}),
        mouse_buttons=sections.get("mouse_buttons", {}),
        gamepad_buttons=sections.get("gamepad_buttons", {}),
        touch=sections.get("touch", "both_hands"),
        gamepad_triggers=sections.get("gamepad_triggers", {}),
        midi_ports=midi.get("ports", ()),
        midi_notes=midi.get("notes", {}),
        midi_controls=midi.get("controls", {}),
        evdev_devices=sections.get("evdev", ()),
        menu=sections.get("menu", MenuMapping()),
    )


def save_station_midi(
    notes: dict[int, str], controls: dict[int, str], station_path: Path | None = None
) -> Path:
    """Write learned MIDI notes and pedals into this station's input.yaml, keeping the rest.

    The file is replaced whole or not at all. Returns its path.
    """
    station_path = station_path or machine_input_path()
    data: dict[str, Any] = {}
    if station_path.exists():
        try:
            data = read_yaml_file(station_path, thing=INPUT_THING, allow_empty=True).data
        except LevelError as error:
            raise InputConfigError(str(error)) from None
        if not isinstance(data, dict):
            raise InputConfigError(f"{station_path}: expected sections such as keys and midi")
    midi = data.get("midi") if isinstance(data.get("midi"), dict) else {}
    data["midi"] = {
        **midi,
        "notes": {int(note): notes[note] for note in sorted(notes)},
        "controls": {int(number): controls[number] for number in sorted(controls)},
    }
    # Never write a file the game would refuse: check the text that is about to be written.
    written = yaml.safe_dump(data, sort_keys=False)
    check = SettingsFile(station_path, parse_yaml_bytes(written.encode(), station_path), [])
    _sections_of(check)
    if check.problems:
        raise InputConfigError("\n".join(check.lines()))
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
            handle.write(written)
        os.replace(temp_name, station_path)
    except BaseException:
        os.unlink(temp_name)
        raise
    return station_path


# --- checking one file's sections -----------------------------------------------------------
def _channel(settings: SettingsFile, key_path: KeyPath, channel: object) -> str | None:
    if channel not in CHANNELS:
        what = f"unknown channel {channel!r}; use one of {', '.join(CHANNELS)}"
        settings.problem(key_path, what)
        return None
    return str(channel)


def _entries(settings: SettingsFile, key_path: KeyPath, value: object, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        settings.problem(key_path, f"expected a mapping of {what} to channel; section ignored")
        return {}
    return value


def _by_name(settings: SettingsFile, key_path: KeyPath, value: object) -> dict[str, str]:
    result = {}
    for name, channel in _entries(settings, key_path, value, "key names").items():
        checked = _channel(settings, (*key_path, name), channel)
        if checked is not None:
            result[str(name)] = checked
    return result


def _numbered(
    settings: SettingsFile, key_path: KeyPath, value: object, numbers: range | None = None
) -> dict[int, str]:
    result = {}
    for number, channel in _entries(settings, key_path, value, "numbers").items():
        place = (*key_path, number)
        text = str(number).strip()
        if not (text.isascii() and text.isdigit()):
            settings.problem(place, "not a number", at_key=True)
            continue
        if numbers is not None and int(text) not in numbers:
            settings.problem(place, "MIDI numbers run from 0 to 127", at_key=True)
            continue
        checked = _channel(settings, place, channel)
        if checked is not None:
            result[int(text)] = checked
    return result


def _triggers(settings: SettingsFile, key_path: KeyPath, value: object) -> dict[str, str]:
    result = {}
    for side, channel in _entries(settings, key_path, value, "trigger sides").items():
        if side not in TRIGGERS:
            settings.problem((*key_path, side), "use 'left' or 'right'", at_key=True)
            continue
        checked = _channel(settings, (*key_path, side), channel)
        if checked is not None:
            result[side] = checked
    return result


def _touch(settings: SettingsFile, key_path: KeyPath, value: object) -> str | None:
    return None if value is None else _channel(settings, key_path, value)


def _midi(settings: SettingsFile, key_path: KeyPath, value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        settings.problem(key_path, "expected ports, notes and controls; section ignored")
        return {}
    midi: dict[str, Any] = {}
    for name, part in value.items():
        place = (*key_path, name)
        if name == "ports":
            if part is None:
                part = []
            if isinstance(part, list) and all(isinstance(port, str) for port in part):
                midi["ports"] = tuple(part)
            else:
                settings.problem(place, "expected a list of port names (or parts)")
        elif name in ("notes", "controls"):
            midi[name] = _numbered(settings, place, part, MIDI_NUMBERS)
        else:
            settings.problem(place, "unknown; use ports, notes and controls", at_key=True)
    return midi


def _menu_action(settings: SettingsFile, key_path: KeyPath, action: object) -> str | None:
    if action not in MENU_ACTIONS:
        what = f"unknown menu action {action!r}; use one of {', '.join(MENU_ACTIONS)}"
        settings.problem(key_path, what)
        return None
    return str(action)


def _menu(settings: SettingsFile, key_path: KeyPath, value: object) -> MenuMapping:
    """The keys and gamepad buttons that drive menus (never a tap key: see the docstring)."""
    if value is None:
        return MenuMapping()
    if not isinstance(value, dict):
        settings.problem(key_path, "expected keys and gamepad_buttons; defaults kept")
        return MenuMapping()
    keys: dict[str, str] = {}
    buttons: dict[int, str] = {}
    for name, part in value.items():
        place = (*key_path, name)
        if name == "keys":
            for key, action in _entries(settings, place, part, "key names").items():
                checked = _menu_action(settings, (*place, key), action)
                if checked is not None:
                    keys[str(key)] = checked
        elif name == "gamepad_buttons":
            for number, action in _entries(settings, place, part, "numbers").items():
                text = str(number).strip()
                if not (text.isascii() and text.isdigit()):
                    settings.problem((*place, number), "not a number", at_key=True)
                    continue
                checked = _menu_action(settings, (*place, number), action)
                if checked is not None:
                    buttons[int(text)] = checked
        else:
            settings.problem(place, "unknown; use keys and gamepad_buttons", at_key=True)
    return MenuMapping(
        keys=keys if "keys" in value else dict(DEFAULT_MENU_KEYS),
        gamepad_buttons=buttons if "gamepad_buttons" in value else dict(DEFAULT_MENU_BUTTONS),
    )


def _evdev(settings: SettingsFile, key_path: KeyPath, value: object) -> tuple:
    if value is None:
        return ()
    if not isinstance(value, list):
        settings.problem(key_path, "expected a list of devices (- match: ...)")
        return ()
    devices = []
    for position, entry in enumerate(value):
        place = (*key_path, position)
        if not isinstance(entry, dict) or not isinstance(entry.get("match"), str):
            settings.problem(place, "give 'match' (a device path or part of its name)")
            continue
        grab = entry.get("grab", True)
        if not isinstance(grab, bool):
            settings.problem((*place, "grab"), "expected true or false")
            continue
        keys = {}
        for name, channel in _entries(
            settings, (*place, "keys"), entry.get("keys"), "keys"
        ).items():
            try:
                code = key_code(name)
            except ValueError as error:
                settings.problem((*place, "keys", name), str(error), at_key=True)
                continue
            checked = _channel(settings, (*place, "keys", name), channel)
            if checked is not None:
                keys[code] = checked
        if not keys:
            settings.problem((*place, "keys"), "map at least one key (KEY_A: left_toe)")
            continue
        devices.append(EvdevDeviceMapping(entry["match"], keys, grab))
    return tuple(devices)


_SECTIONS = {
    "keys": _by_name,
    "mouse_buttons": _numbered,
    "gamepad_buttons": _numbered,
    "touch": _touch,
    "gamepad_triggers": _triggers,
    "midi": _midi,
    "evdev": _evdev,
    "menu": _menu,
}


def _sections_of(settings: SettingsFile) -> dict[str, Any]:
    """The sections of a read file, each with its bad entries left out (and noted)."""
    data = settings.document.data if settings.document is not None else {}
    sections = {}
    for name, value in data.items():
        check = _SECTIONS.get(name)
        if check is None:
            what = f"unknown section; known: {', '.join(_SECTIONS)}"
            settings.problem((name,), what, at_key=True)
            continue
        sections[name] = check(settings, (name,), value)
    return sections
