"""Plain-Python twin of engine.scoring.kernels.score_taps, for the tests only.

It checks every target for every tap (O(taps × targets)) so that it is obviously right; the
numba kernel must agree with it exactly, float for float.
"""

from __future__ import annotations

import math

import numpy as np

from engine.scoring.kernels import EXTRA, GOOD, OFF, OK, SRO, UNPAIRED, ScoredTaps


def score_taps_reference(
    target_frames: np.ndarray,
    target_accept_mask: np.ndarray,
    pair_radius_frames: np.ndarray,
    tap_frames: np.ndarray,
    tap_channels: np.ndarray,
    *,
    sample_rate_hz: float,
    sro_ms: float,
    good_ms: float,
    ok_ms: float,
    input_offset_ms: float,
) -> ScoredTaps:
    """Same inputs and result as engine.scoring.kernels.score_taps, without input checks."""
    targets = [int(frame) for frame in target_frames]
    masks = [int(mask) for mask in target_accept_mask]
    radii = [int(radius) for radius in pair_radius_frames]
    offset_frames = float(input_offset_ms) * float(sample_rate_hz) / 1000.0

    target_tap = [UNPAIRED] * len(targets)
    tap_target: list[int] = []
    tap_asynchrony_ms: list[float] = []
    tap_judgement: list[int] = []
    for tap_index, (tap_frame, channel) in enumerate(zip(tap_frames, tap_channels, strict=True)):
        corrected_tap_frame = float(int(tap_frame)) - offset_frames
        nearest = UNPAIRED
        nearest_distance = math.inf
        for j, target in enumerate(targets):
            distance = abs(corrected_tap_frame - float(target))
            accepted = (masks[j] >> int(channel)) & 1
            # Strict "<" while walking forward keeps the earlier target on an exact tie.
            if accepted and distance <= float(radii[j]) and distance < nearest_distance:
                nearest, nearest_distance = j, distance

        if nearest == UNPAIRED or target_tap[nearest] != UNPAIRED:
            tap_target.append(UNPAIRED)
            tap_asynchrony_ms.append(math.nan)
            tap_judgement.append(EXTRA)
            continue
        target_tap[nearest] = tap_index
        asynchrony_ms = (
            (corrected_tap_frame - float(targets[nearest])) / float(sample_rate_hz) * 1000.0
        )
        if abs(asynchrony_ms) <= sro_ms:
            judgement = SRO
        elif abs(asynchrony_ms) <= good_ms:
            judgement = GOOD
        elif abs(asynchrony_ms) <= ok_ms:
            judgement = OK
        else:
            judgement = OFF
        tap_target.append(nearest)
        tap_asynchrony_ms.append(asynchrony_ms)
        tap_judgement.append(judgement)

    return ScoredTaps(
        tap_target=np.array(tap_target, np.int64),
        tap_asynchrony_ms=np.array(tap_asynchrony_ms, np.float64),
        tap_judgement=np.array(tap_judgement, np.int8),
        target_tap=np.array(target_tap, np.int64),
    )
