"""Guide sounds: what the child hears about each tap when a task sets `guide_sounds: true`.

- Within the SRO window: a soft two-note "right on" chime in both ears.
- Early: a tone in the LEFT ear; late: a tone in the RIGHT ear.
- The further off, the higher and longer the tone (400 Hz and 50 ms just outside SRO, rising
  4 Hz and 1 ms per ms of error, up to 1000 Hz and 200 ms). Always soft sine tones with
  smooth edges: never a buzzer, never a harsh sound on a miss (a missed beat is silent).
"""

from __future__ import annotations

import numpy as np

from engine.levels.model import Windows
from engine.scoring.judgement import Judgement

BASE_PITCH_HZ = 400.0
PITCH_HZ_PER_MS = 4.0
MAX_PITCH_HZ = 1000.0
BASE_LENGTH_MS = 50.0
LENGTH_MS_PER_MS = 1.0
MAX_LENGTH_MS = 200.0
CHIME_NOTES_HZ = (1318.5, 1975.5)  # E6 and B6: a bright, gentle fifth
CHIME_LENGTH_MS = 180.0
EDGE_MS = 8.0  # fade in and out, so no tone starts or stops with a click


def _tone(pitch_hz: float, length_ms: float, sample_rate_hz: int) -> np.ndarray:
    frames = int(sample_rate_hz * length_ms / 1000.0)
    t_s = np.arange(frames) / sample_rate_hz
    edge = max(1, int(sample_rate_hz * EDGE_MS / 1000.0))
    envelope = np.ones(frames)
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, min(edge, frames // 2)))
    envelope[: ramp.size] = ramp
    envelope[frames - ramp.size :] = ramp[::-1]
    return np.sin(2 * np.pi * pitch_hz * t_s) * envelope


def guide_sound(
    asynchrony_ms: float,
    judgement: Judgement,
    windows: Windows,
    sample_rate_hz: int,
    volume: float,
) -> np.ndarray:
    """Stereo float32 (frames × 2) for a tap that was ``asynchrony_ms`` off its target, judged
    ``judgement`` with ``windows`` (the chime for SRO; beyond it, a tone that grows with the
    ms past the SRO window)."""
    error_ms = abs(asynchrony_ms)
    if judgement == Judgement.SRO:
        decay = np.exp(
            -np.arange(int(sample_rate_hz * CHIME_LENGTH_MS / 1000)) / (sample_rate_hz * 0.05)
        )
        chime = sum(_tone(pitch, CHIME_LENGTH_MS, sample_rate_hz) for pitch in CHIME_NOTES_HZ)
        mono = 0.15 * volume * chime * decay
        return np.stack([mono, mono], axis=1).astype(np.float32)
    beyond_ms = error_ms - windows.sro_ms
    pitch_hz = min(MAX_PITCH_HZ, BASE_PITCH_HZ + PITCH_HZ_PER_MS * beyond_ms)
    length_ms = min(MAX_LENGTH_MS, BASE_LENGTH_MS + LENGTH_MS_PER_MS * beyond_ms)
    mono = 0.35 * volume * _tone(pitch_hz, length_ms, sample_rate_hz)
    silent = np.zeros_like(mono)
    left, right = (mono, silent) if asynchrony_ms < 0 else (silent, mono)
    return np.stack([left, right], axis=1).astype(np.float32)
