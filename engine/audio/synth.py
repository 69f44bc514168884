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


EAR_CHECK_PITCH_HZ = 660.0
EAR_CHECK_LENGTH_MS = 700.0
EAR_CHECK_SIDES = ("left", "right", "both")


def ear_check_sound(sample_rate_hz: int, side: str, volume: float = 0.8) -> np.ndarray:
    """Stereo float32 (frames × 2): a soft tone in the left ear, the right ear or both, for
    the headphone check (are left and right the right way round, and both working?)."""
    frames = int(sample_rate_hz * EAR_CHECK_LENGTH_MS / 1000.0)
    t_s = np.arange(frames, dtype=np.float64) / sample_rate_hz
    # Three soft pips in one sound (a raised cosine that starts and ends at zero): easy to
    # hear as "there", never a long beep, and no click at either end.
    pips = 0.5 - 0.5 * np.cos(2 * np.pi * (3.0 / (EAR_CHECK_LENGTH_MS / 1000.0)) * t_s)
    mono = 0.4 * volume * np.sin(2 * np.pi * EAR_CHECK_PITCH_HZ * t_s) * pips
    silent = np.zeros_like(mono)
    left = mono if side in ("left", "both") else silent
    right = mono if side in ("right", "both") else silent
    return np.stack([left, right], axis=1).astype(np.float32)
