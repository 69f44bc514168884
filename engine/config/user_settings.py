"""The station's settings a therapist or child changes in the game, kept in the config folder."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import yaml

LANGUAGES: tuple[str, ...] = ("en", "es")


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


def load_user_settings(path: Path) -> tuple[UserSettings, list[str]]:
    """Settings from ``path`` (defaults where missing) and a list of problems found in it.

    A bad value never stops the game: it is reported and its default used.
    """
    problems: list[str] = []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        return UserSettings(), [f"{path}: cannot read settings ({error}); using defaults"]
    if not isinstance(data, dict):
        return UserSettings(), [f"{path}: expected 'name: value' lines; using defaults"]
    defaults = UserSettings()
    values = {}
    for field in dataclasses.fields(UserSettings):
        if field.name not in data:
            continue
        value, default = data[field.name], getattr(defaults, field.name)
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, float):
            ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1
        else:
            ok = isinstance(value, str) and (field.name != "language" or value in LANGUAGES)
        if ok:
            values[field.name] = float(value) if isinstance(default, float) else value
        else:
            problems.append(f"{path}: {field.name}: {value!r} is not valid; using {default!r}")
    for name in data:
        if name not in {field.name for field in dataclasses.fields(UserSettings)}:
            problems.append(f"{path}: {name}: unknown setting, ignored")
    return UserSettings(**values), problems


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
