"""The station's settings a therapist or child changes in the game, kept in the config folder."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import yaml

from engine.config.checked import Rule, checked_values, flag, number, read_settings_file, text

LANGUAGES: tuple[str, ...] = ("en", "es")
SETTINGS_THING = "game configuration"


@dataclass(frozen=True)
class UserSettings:
    metronome_volume: float = 0.8  # 0–1
    guide_volume: float = 0.7
    effects_volume: float = 0.6
    colour_blind: bool = False
    high_contrast: bool = False
    large_text: bool = False
    reduced_motion: bool = False
    show_ms: bool = True
    language: str = "en"
    fullscreen: bool = False
    reports_dir: str = ""  # where therapist reports are saved; empty: the documents folder
    # The sound output by name as SDL lists it; empty: the system default; "silent": a
    # therapist chose to play without sound (each session then records "silent").
    audio_device: str = ""


def default_settings_path() -> Path:
    return Path(platformdirs.user_config_dir("OnBeat", appauthor=False)) / "settings.yaml"


def _rule_for(name: str, default: object) -> Rule:
    if isinstance(default, bool):
        return flag()
    if isinstance(default, float):
        return number(0.0, 1.0)  # volumes
    return text(LANGUAGES) if name == "language" else text()


RULES: dict[str, Rule] = {
    field.name: _rule_for(field.name, field.default) for field in dataclasses.fields(UserSettings)
}


def load_user_settings(path: Path) -> tuple[UserSettings, list[str]]:
    """Settings from ``path`` (defaults where missing) and the problems found in it, one
    ``path:line:column: name: what`` line each (engine/config/checked.py).

    A bad value never stops the game: it is reported and its default used.
    """
    settings = read_settings_file(path, SETTINGS_THING)
    values = checked_values(settings, RULES, dataclasses.asdict(UserSettings()))
    return UserSettings(**values), settings.lines()


def save_user_settings(settings: UserSettings, path: Path) -> None:
    """Write the settings whole or not at all (a temp file renamed over the old one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".settings.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            yaml.safe_dump(dataclasses.asdict(settings), handle, sort_keys=True)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
