"""Finding click onsets in rendered or recorded audio."""

from __future__ import annotations

import numpy as np


def onsets(samples: np.ndarray, silence_frames: int = 64) -> list[int]:
    """Frames where sound starts after at least ``silence_frames`` of exact digital silence.

    Clicks start at full amplitude on their first sample and the silence between them is
    exact zeros, so an onset is unambiguous to the sample.
    """
    sounding = samples != 0.0
    if samples.ndim == 2:
        sounding = sounding.any(axis=1)
    sounding_before = np.concatenate([[0], np.cumsum(sounding)])  # sounding frames in [0, f)
    found = []
    for frame in np.flatnonzero(sounding):
        window_start = max(0, frame - silence_frames)
        if sounding_before[frame] - sounding_before[window_start] == 0:
            found.append(int(frame))
    return found
