"""Audio settings from config/audio.yaml, overridden by the machine's own copy."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import yaml

from engine.audio.output import AudioSettings

DEFAULT_AUDIO_PATH = Path(__file__).resolve().parents[2] / "config" / "audio.yaml"


class AudioConfigError(ValueError):
    """An audio settings file has an unknown key or a value of the wrong kind."""


def load_audio_settings(*paths: Path) -> AudioSettings:
    """Settings from the defaults file, then each existing override file in order."""
    fields = {field.name: field for field in dataclasses.fields(AudioSettings)}
    values: dict[str, object] = {}
    for path in (DEFAULT_AUDIO_PATH, *paths):
        if not path.exists():
            continue
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            raise AudioConfigError(f"{path}: cannot read audio settings: {error}") from None
        if not isinstance(data, dict):
            raise AudioConfigError(
                f"{path}: expected key: value lines such as 'buffer_frames: 256'"
            )
        for key, value in data.items():
            if key not in fields:
                raise AudioConfigError(
                    f"{path}: {key}: unknown setting; known: {', '.join(sorted(fields))}"
                )
            values[key] = value
    settings = AudioSettings(**values)
    if not (8000 <= settings.sample_rate_hz <= 192000 and 16 <= settings.buffer_frames <= 8192):
        raise AudioConfigError(
            "audio settings: sample_rate_hz must be 8000–192000 and buffer_frames 16–8192"
        )
    return settings
