"""Audio settings from config/audio.yaml, overridden by the machine's own audio.yaml.

Every value is checked against the range in which the metronome keeps playing: a lookahead
shorter than two device buffers, or a ring too short for the lookahead, makes the device
play silence (underruns) while the game seems to run. A value out of range keeps its default
and is reported as one ``path:line:column: name: what`` line (engine/config/checked.py).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import platformdirs

from engine.audio.output import AudioSettings
from engine.config.checked import Rule, SettingsFile, checked_values, number, read_settings_file
from engine.config.checked import text as text_rule

DEFAULT_AUDIO_PATH = Path(__file__).resolve().parents[2] / "config" / "audio.yaml"
AUDIO_FILE_NAME = "audio.yaml"
AUDIO_THING = "audio configuration"

RULES: dict[str, Rule] = {
    "sample_rate_hz": number(8000, 192_000, " Hz", whole=True),
    "buffer_frames": number(16, 8192, " frames", whole=True),
    "lookahead_ms": number(20, 2000, " ms"),
    # Calibrated output latency; the loopback calibration measures up to a quarter second.
    "output_offset_ms": number(-250, 250, " ms"),
    "ring_seconds": number(0.5, 30, " s"),
    "device_name": text_rule(empty_is_none=True),
}
# How many device buffers the lookahead must cover, and how many lookaheads the ring holds.
MIN_BUFFERS_AHEAD = 2
MIN_LOOKAHEADS_IN_RING = 2


def machine_audio_path() -> Path:
    """This machine's own audio.yaml, in the OnBeat config folder; its values win."""
    return Path(platformdirs.user_config_dir("OnBeat", appauthor=False)) / AUDIO_FILE_NAME


def load_audio_settings(*paths: Path) -> tuple[AudioSettings, list[str]]:
    """Settings from the shipped file, then each override file in ``paths`` that exists;
    and the problems found, one line each. A bad value keeps the value before it."""
    defaults = dataclasses.asdict(AudioSettings())
    values: dict[str, object] = {}
    problems: list[str] = []
    last_file: SettingsFile | None = None
    for path in (DEFAULT_AUDIO_PATH, *paths):
        settings = read_settings_file(path, AUDIO_THING)
        values.update(checked_values(settings, RULES, {**defaults, **values}))
        problems += settings.lines()
        if settings.document is not None and settings.document.data:
            last_file = settings
    settings = AudioSettings(**values)
    problem = _timing_problem(settings)
    if problem is not None:
        where = last_file.path if last_file is not None else DEFAULT_AUDIO_PATH
        problems.append(
            f"{where}: {problem}; using the defaults for buffer_frames, lookahead_ms and "
            "ring_seconds"
        )
        settings = dataclasses.replace(
            settings,
            buffer_frames=AudioSettings.buffer_frames,
            lookahead_ms=AudioSettings.lookahead_ms,
            ring_seconds=AudioSettings.ring_seconds,
        )
    return settings, problems


def _timing_problem(settings: AudioSettings) -> str | None:
    """Why these settings would starve the device, if they would."""
    buffer_ms = 1000.0 * settings.buffer_frames / settings.sample_rate_hz
    if settings.lookahead_ms < MIN_BUFFERS_AHEAD * buffer_ms:
        return (
            f"lookahead_ms {settings.lookahead_ms:g} is shorter than {MIN_BUFFERS_AHEAD} device "
            f"buffers ({MIN_BUFFERS_AHEAD * buffer_ms:.1f} ms), so the metronome would fall silent"
        )
    if 1000.0 * settings.ring_seconds < MIN_LOOKAHEADS_IN_RING * settings.lookahead_ms:
        return (
            f"ring_seconds {settings.ring_seconds:g} cannot hold {MIN_LOOKAHEADS_IN_RING} "
            f"lookaheads of {settings.lookahead_ms:g} ms, so the metronome would fall silent"
        )
    return None
