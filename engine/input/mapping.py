"""Which key, button or touch is which limb channel; read from config/input.yaml."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from engine.levels.limbs import CHANNELS

DEFAULT_INPUT_PATH = Path(__file__).resolve().parents[2] / "config" / "input.yaml"


class InputConfigError(ValueError):
    """A mapping file names an unknown channel or is not the expected shape."""


@dataclass(frozen=True)
class InputMapping:
    keys: dict[str, str] = field(default_factory=dict)  # pygame.key.name() -> channel
    mouse_buttons: dict[int, str] = field(default_factory=dict)  # SDL button number -> channel
    gamepad_buttons: dict[int, str] = field(default_factory=dict)  # joystick button -> channel
    touch: str | None = "both_hands"


def load_input_mapping(path: Path = DEFAULT_INPUT_PATH) -> InputMapping:
    """Read a mapping file; every problem is reported with the file and the key to fix."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise InputConfigError(f"{path}: cannot read input mapping: {error}") from None
    if not isinstance(data, dict):
        raise InputConfigError(f"{path}: expected a mapping with keys, mouse_buttons, ...")

    def channels(section: str, key_type: type) -> dict:
        entries = data.get(section) or {}
        if not isinstance(entries, dict):
            raise InputConfigError(f"{path}: {section}: expected a mapping of input to channel")
        result = {}
        for name, channel in entries.items():
            if channel not in CHANNELS:
                raise InputConfigError(
                    f"{path}: {section}.{name}: unknown channel {channel!r}; "
                    f"use one of {', '.join(CHANNELS)}"
                )
            try:
                result[key_type(name)] = channel
            except ValueError:
                raise InputConfigError(f"{path}: {section}.{name}: not a button number") from None
        return result

    touch = data.get("touch", "both_hands")
    if touch is not None and touch not in CHANNELS:
        raise InputConfigError(f"{path}: touch: unknown channel {touch!r}")
    return InputMapping(
        keys=channels("keys", str),
        mouse_buttons=channels("mouse_buttons", int),
        gamepad_buttons=channels("gamepad_buttons", int),
        touch=touch,
    )
