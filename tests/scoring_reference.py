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
    sro_ms: float | np.ndarray,
    good_ms: float | np.ndarray,
    ok_ms: float | np.ndarray,
    input_offset_ms: float,
) -> ScoredTaps:
    """Same inputs and result as engine.scoring.kernels.score_taps, without input checks."""
    targets = [int(frame) for frame in target_frames]
    # One window per target, or one number for all.
    sro = np.broadcast_to(np.asarray(sro_ms, np.float64), (len(targets),)).tolist()
    good = np.broadcast_to(np.asarray(good_ms, np.float64), (len(targets),)).tolist()
    ok = np.broadcast_to(np.asarray(ok_ms, np.float64), (len(targets),)).tolist()
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
        if abs(asynchrony_ms) <= sro[nearest]:
            judgement = SRO
        elif abs(asynchrony_ms) <= good[nearest]:
            judgement = GOOD
        elif abs(asynchrony_ms) <= ok[nearest]:
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


def score_taps_merged(
    target_frames: np.ndarray,
    target_accept_mask: np.ndarray,
    pair_radius_frames: np.ndarray,
    tap_frames: np.ndarray,
    tap_channels: np.ndarray,
    *,
    sample_rate_hz: float,
    sro_ms: float | np.ndarray,
    good_ms: float | np.ndarray,
    ok_ms: float | np.ndarray,
    input_offset_ms: float,
) -> ScoredTaps:
    """The numba kernel's own algorithm in plain Python: one merge of the sorted taps with the
    sorted targets, each tap looking only as far as the widest radius reaches. What the kernel
    would cost without numba (bench/scoring_kernels.py), held to score_taps_reference."""
    targets = target_frames.tolist()
    masks = target_accept_mask.tolist()
    radii = pair_radius_frames.tolist()
    m = len(targets)
    sro = np.broadcast_to(np.asarray(sro_ms, np.float64), (m,)).tolist()
    good = np.broadcast_to(np.asarray(good_ms, np.float64), (m,)).tolist()
    ok = np.broadcast_to(np.asarray(ok_ms, np.float64), (m,)).tolist()
    offset_frames = float(input_offset_ms) * float(sample_rate_hz) / 1000.0
    rate_hz = float(sample_rate_hz)
    widest = max(radii, default=0)
    target_tap = [UNPAIRED] * m
    tap_target: list[int] = []
    tap_asynchrony_ms: list[float] = []
    tap_judgement: list[int] = []
    first_after = 0
    for tap_index, (tap_frame, channel) in enumerate(
        zip(tap_frames.tolist(), tap_channels.tolist(), strict=True)
    ):
        corrected = tap_frame - offset_frames
        while first_after < m and targets[first_after] < corrected:
            first_after += 1
        bit = 1 << channel
        before = UNPAIRED
        j = first_after - 1
        while j >= 0 and targets[j] + widest >= corrected - 1.0:
            if masks[j] & bit and abs(corrected - targets[j]) <= radii[j]:
                before = j
                break
            j -= 1
        after = UNPAIRED
        j = first_after
        while j < m and targets[j] - widest <= corrected + 1.0:
            if masks[j] & bit and abs(corrected - targets[j]) <= radii[j]:
                after = j
                break
            j += 1
        nearest = before
        if after != UNPAIRED and (
            before == UNPAIRED or abs(corrected - targets[after]) < abs(corrected - targets[before])
        ):
            nearest = after
        if nearest == UNPAIRED or target_tap[nearest] != UNPAIRED:
            tap_target.append(UNPAIRED)
            tap_asynchrony_ms.append(math.nan)
            tap_judgement.append(EXTRA)
            continue
        target_tap[nearest] = tap_index
        asynchrony_ms = (corrected - targets[nearest]) / rate_hz * 1000.0
        distance_ms = abs(asynchrony_ms)
        tap_target.append(nearest)
        tap_asynchrony_ms.append(asynchrony_ms)
        tap_judgement.append(
            SRO
            + (distance_ms > sro[nearest])
            + (distance_ms > good[nearest])
            + (distance_ms > ok[nearest])
        )
    return ScoredTaps(
        tap_target=np.array(tap_target, np.int64),
        tap_asynchrony_ms=np.array(tap_asynchrony_ms, np.float64),
        tap_judgement=np.array(tap_judgement, np.int8),
        target_tap=np.array(target_tap, np.int64),
    )
