"""What a session produces, as frozen records on their way to storage.

Times are on two clocks: ``host_ns`` is CLOCK_MONOTONIC (``time.perf_counter_ns()`` on
Linux) when the tap happened; ``audio_frame`` is the same instant on the audio clock (sample
frames handed to the output device, output latency removed).
"""

from __future__ import annotations

from dataclasses import dataclass

# How a tap's host time was obtained, stored per tap (`stamp_source` column).
STAMP_X11_SERVER = "x11_server"  # X server's own event time (XInput2 raw event)
STAMP_POLLED = "polled"  # midpoint of the 1 kHz poll interval that saw the SDL event
STAMP_SCRIPTED = "scripted"  # the test/demo harness knew the exact time
STAMP_EVDEV = "evdev"  # the Linux kernel's stamp of the input event (CLOCK_MONOTONIC, µs)
STAMP_MIDI = "midi"  # the MIDI driver's stamp (ALSA sequencer queue time), mapped to our clock

# "unscored": count-in taps and taps between tasks, recorded but never judged.
JUDGEMENTS: tuple[str, ...] = ("sro", "good", "ok", "off", "extra", "unscored")


@dataclass(frozen=True)
class SessionStart:
    profile_name: str
    level_id: str
    level_title: str
    level_path: str
    station: str
    sample_rate_hz: int
    input_offset_ms: float
    output_latency_ms: float
    started_at_utc: str  # ISO 8601


@dataclass(frozen=True)
class TaskStart:
    session_id: int
    task_index: int
    task_name: str
    settings_json: str  # the task and level settings as played, snapshotted
    tempo_bpm: float
    start_frame: int


@dataclass(frozen=True)
class BeatRecord:
    """One tap target (an `x` step) of a task."""

    session_id: int
    task_index: int
    beat_index: int
    limb: str
    target_frame: int
    scored: bool


@dataclass(frozen=True)
class TapRecord:
    session_id: int
    task_index: int
    tap_index: int
    channel: str
    host_ns: int
    stamp_source: str
    audio_frame: int
    audio_time_s: float
    beat_index: int | None  # None for taps that paired with no target
    asynchrony_ms: float | None
    judgement: str  # one of JUDGEMENTS
