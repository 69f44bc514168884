"""Sounds made in code: metronome clicks. No recorded samples, nothing to license.

Every click starts at full amplitude on its first sample (a cosine with an instant attack),
so its onset is exactly the sample it was scheduled on.
"""

from __future__ import annotations

import numpy as np


def _click(sample_rate_hz: int, pitch_hz: float, length_ms: float, gain: float) -> np.ndarray:
    frames = int(sample_rate_hz * length_ms / 1000.0)
    t_s = np.arange(frames, dtype=np.float64) / sample_rate_hz
    # Two partials like a wood block; a fast exponential decay keeps it crisp at any tempo.
    tone = np.cos(2 * np.pi * pitch_hz * t_s) + 0.4 * np.cos(2 * np.pi * 2.76 * pitch_hz * t_s)
    envelope = np.exp(-t_s / (length_ms / 1000.0 / 6.0))
    return (gain / 1.4 * tone * envelope).astype(np.float32)


def click_sounds(sample_rate_hz: int, volume: float = 0.8) -> tuple[np.ndarray, ...]:
    """Mono float32 click sounds indexed by the click kinds of engine.timing.schedule
    (CLICK_NORMAL, CLICK_ACCENT, CLICK_COUNT_IN)."""
    return (
        _click(sample_rate_hz, 1000.0, 35.0, 0.7 * volume),
        _click(sample_rate_hz, 1500.0, 45.0, 1.0 * volume),
        _click(sample_rate_hz, 750.0, 35.0, 0.6 * volume),
    )
