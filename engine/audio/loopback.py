"""Loopback latency: play clicks, record them back (a cable or a microphone), find the onsets.

The delay from the frame a click was written at to the frame its onset was recorded at is the
round trip: output latency plus capture latency. ``output_offset_ms`` takes off the capture
side and what the output buffer estimate already covers, leaving the extra output latency
that AudioSettings.output_offset_ms adds to the estimate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from engine.timing.clock import frames_to_ms

MIN_CLICKS_FOUND = 8
MAX_ROUND_TRIP_MS = 500.0  # no working device adds more; beyond it an onset is another click
MAX_SPREAD_MS = 2.0  # one device delays every click alike; more spread means noise or echoes
ONSET_SHARE_OF_PEAK = 0.25  # an onset is where the sound first reaches this share of its peak
NOISE_FLOOR_FACTOR = 8.0  # ... and stands this far above the background noise
MIN_GAP_MS = 50.0  # a new onset needs this much quiet before it (click decay, echoes)


@dataclass(frozen=True)
class LoopbackResult:
    """Round trip in ms (None when refused), its spread and how many clicks were found."""

    round_trip_ms: float | None
    spread_ms: float | None  # SD of the per-click delays
    clicks_found: int
    problem: str | None


def onset_frames(samples: np.ndarray, sample_rate_hz: float) -> np.ndarray:
    """Frames (int64, ascending) where a click starts in a mono recording: the first frame at
    which |signal| reaches the onset level after at least MIN_GAP_MS below it. The level is
    ONSET_SHARE_OF_PEAK of the loudest frame, and at least NOISE_FLOOR_FACTOR times the median
    |signal| (the background when the clicks are short)."""
    magnitude = np.abs(np.asarray(samples, dtype=np.float64))
    if magnitude.size == 0:
        return np.empty(0, np.int64)
    level = max(ONSET_SHARE_OF_PEAK * magnitude.max(), NOISE_FLOOR_FACTOR * np.median(magnitude))
    loud = np.flatnonzero(magnitude >= level)
    if loud.size == 0 or level == 0.0:
        return np.empty(0, np.int64)
    gap_frames = MIN_GAP_MS * sample_rate_hz / 1000.0
    starts = np.concatenate([[True], np.diff(loud) > gap_frames])
    return loud[starts].astype(np.int64)


def round_trip_latency(
    recording: np.ndarray, sample_rate_hz: float, click_frames: np.ndarray
) -> LoopbackResult:
    """The round trip from clicks written at ``click_frames`` (frames of the recording's own
    timeline: the output and capture streams started together) to their onsets in the mono
    ``recording``. Each click takes the first onset within MAX_ROUND_TRIP_MS after it, so the
    clicks must be further apart than that (one a second will do). The median delay is the
    result if at least MIN_CLICKS_FOUND clicks were found and their delays agree within
    MAX_SPREAD_MS (SD); otherwise the result is refused with a reason."""
    onsets = onset_frames(recording, sample_rate_hz)
    clicks = np.asarray(click_frames, dtype=np.int64)
    reach_frames = MAX_ROUND_TRIP_MS * sample_rate_hz / 1000.0
    next_onset = np.searchsorted(onsets, clicks)
    found = next_onset < onsets.size
    delays = onsets[next_onset[found]] - clicks[found]
    delays_ms = frames_to_ms(delays[delays <= reach_frames].astype(np.float64), sample_rate_hz)
    if delays_ms.size < MIN_CLICKS_FOUND:
        return LoopbackResult(
            None,
            None,
            int(delays_ms.size),
            f"only {delays_ms.size} of {clicks.size} clicks were heard back (at least "
            f"{MIN_CLICKS_FOUND} needed): connect the output to the input, or turn the volume "
            "up, and measure again",
        )
    spread_ms = float(np.std(delays_ms, ddof=1))
    if spread_ms > MAX_SPREAD_MS:
        return LoopbackResult(
            None,
            spread_ms,
            int(delays_ms.size),
            f"the clicks came back with delays {spread_ms:.1f} ms apart (SD), so noise or echoes "
            "were taken for clicks: use a cable or a quieter room, and measure again",
        )
    return LoopbackResult(float(np.median(delays_ms)), spread_ms, int(delays_ms.size), None)


def output_offset_ms(
    round_trip_ms: float, capture_latency_ms: float, output_estimate_ms: float
) -> float:
    """The extra output latency beyond the buffer estimate (AudioSettings.output_offset_ms):
    the round trip less the capture latency and the output latency already estimated."""
    return round_trip_ms - capture_latency_ms - output_estimate_ms
