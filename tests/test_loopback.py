"""Loopback latency on synthetic recordings (there is no capture device here)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.audio.loopback import (
    MIN_CLICKS_FOUND,
    onset_frames,
    output_offset_ms,
    round_trip_latency,
)
from engine.audio.synth import click_sounds
from engine.timing.schedule import CLICK_NORMAL

SAMPLE_RATE_HZ = 48000


def recording_of_clicks(
    click_frames: np.ndarray,
    delay_frames: int,
    gain: float = 0.3,
    noise: float = 0.002,
    jitter_frames: int = 0,
    seed: int = 0,
) -> np.ndarray:
    """What a loopback would record: the clicks, delayed, quieter, smoothed, with hiss."""
    random = np.random.default_rng(seed)
    click = click_sounds(SAMPLE_RATE_HZ)[CLICK_NORMAL].astype(np.float64)
    recording = np.zeros(int(click_frames[-1]) + delay_frames + 4 * click.size)
    for frame in click_frames:
        start = int(frame) + delay_frames + int(random.integers(-jitter_frames, jitter_frames + 1))
        recording[start : start + click.size] += gain * click
    # A converter's anti-alias filter: a short moving average, which delays the onset a little.
    recording = np.convolve(recording, np.ones(3) / 3, mode="full")[: recording.size]
    return recording + random.normal(0.0, noise, recording.size)


CLICKS = np.arange(1, 21) * SAMPLE_RATE_HZ  # one a second


@pytest.mark.parametrize("delay_ms", [3.0, 27.5, 141.0])
def test_the_round_trip_is_found_to_a_fraction_of_a_ms(delay_ms: float) -> None:
    delay_frames = round(delay_ms * SAMPLE_RATE_HZ / 1000)
    result = round_trip_latency(recording_of_clicks(CLICKS, delay_frames), SAMPLE_RATE_HZ, CLICKS)
    assert result.problem is None
    assert result.clicks_found == CLICKS.size
    assert result.round_trip_ms == pytest.approx(delay_ms, abs=0.1)
    assert result.spread_ms < 0.05


def test_onsets_are_one_per_click() -> None:
    found = onset_frames(recording_of_clicks(CLICKS, 100), SAMPLE_RATE_HZ)
    assert found.size == CLICKS.size
    assert np.all(np.abs(found - (CLICKS + 100)) <= 2)


def test_silence_has_no_onsets() -> None:
    assert onset_frames(np.zeros(48000), SAMPLE_RATE_HZ).size == 0
    assert onset_frames(np.zeros(0), SAMPLE_RATE_HZ).size == 0


def test_too_few_clicks_heard_back_is_refused() -> None:
    recording = recording_of_clicks(CLICKS[: MIN_CLICKS_FOUND - 1], 500)
    result = round_trip_latency(recording, SAMPLE_RATE_HZ, CLICKS)
    assert result.round_trip_ms is None
    assert result.problem.startswith(f"only {MIN_CLICKS_FOUND - 1} of {CLICKS.size} clicks")


def test_unsteady_delays_are_refused() -> None:
    recording = recording_of_clicks(CLICKS, 500, jitter_frames=400, seed=3)
    result = round_trip_latency(recording, SAMPLE_RATE_HZ, CLICKS)
    assert result.round_trip_ms is None
    assert "noise or echoes" in result.problem


def test_the_output_offset_is_the_round_trip_less_what_is_known() -> None:
    assert output_offset_ms(31.0, capture_latency_ms=10.0, output_estimate_ms=16.0) == 5.0
