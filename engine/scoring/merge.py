"""The merge at the heart of both scorers: one pass over sorted taps and sorted targets that
pairs and judges each tap (the rules are in engine/scoring/kernels.py's docstring). The batch
scorer runs it over all taps (in chunks on several cores when there are millions,
engine/scoring/chunks.py), the online scorer over one tap at a time.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numba import uint64 as _at

from engine.scoring.checks import MAX_CHANNELS
from engine.scoring.judgement import Judgement

# Judgement codes (int8) as plain ints, which numba folds into the kernels as constants.
SRO = int(Judgement.SRO)
GOOD = int(Judgement.GOOD)
OK = int(Judgement.OK)
OFF = int(Judgement.OFF)
EXTRA = int(Judgement.EXTRA)

# Target index of a tap that paired with nothing, and tap index of a target never paired.
UNPAIRED = -1


# error_model="numpy": the one division is by the sample rate, checked positive on the way in,
# so numba's per-division zero check (a branch and a spill on every tap) is dead weight.
@njit(cache=True, error_model="numpy")
def score_run(
    first_tap,
    end_tap,
    first_after,
    tap_frames,
    tap_channels,
    offset_frames,
    target_frames,
    target_accept_mask,
    pair_radius_frames,
    max_radius_frames,
    sample_rate_hz,
    sro_ms,
    good_ms,
    ok_ms,
    window_stride,
    target_tap,
    tap_target,
    tap_asynchrony_ms,
    tap_judgement,
):
    """Pair and judge taps ``first_tap .. end_tap - 1`` in order, writing their results at the
    same indices and the pairings into ``target_tap``. ``first_after`` is the first target at
    or after the previous tap (0 before the first); taps come in time order, so it only moves
    forward, and the run is one merge of the sorted taps with the sorted targets. Returns it
    for the next run, with whether any tap broke the rules (out of time order, a channel out
    of range: checked here in passing, so that a batch of millions is read once; the caller
    then finds which and discards the results) and the last tap's (target, asynchrony,
    judgement code), which saves the online scorer reading them back. The batch scorer runs
    all taps at once, the online scorer one at a time.

    Every index is cast to uint64 (``_at``) once it is known not to be negative: numba then
    leaves out the wraparound a negative index would need, which at 10 M taps was a fifth of
    the kernel's time (docs/benchmarks.md, "Scoring kernels").
    """
    target = UNPAIRED
    asynchrony_ms = np.nan
    judgement = np.int8(EXTRA)
    m = target_frames.shape[0]
    broken = False
    previous_tap_frame = tap_frames[first_tap] if first_tap < end_tap else 0
    for k in range(first_tap, end_tap):
        at_k = _at(k)
        tap_frame = tap_frames[at_k]
        channel = tap_channels[at_k]
        # Bitwise, not `or`: a branch per check would cost more than the checks.
        broken |= (tap_frame < previous_tap_frame) | (channel < 0) | (channel >= MAX_CHANNELS)
        previous_tap_frame = tap_frame
        corrected_tap_frame = tap_frame - offset_frames
        # Whole-frame bounds of the corrected tap: for an integer frame t, t < x exactly when
        # t < ceil(x), and t <= x exactly when t <= floor(x), so the merge and the scans
        # compare integers (no int-to-float conversion in their loops) with the same results.
        ceil_frame = np.int64(np.ceil(corrected_tap_frame))
        floor_frame = np.int64(np.floor(corrected_tap_frame))
        while first_after < m and target_frames[_at(first_after)] < ceil_frame:
            first_after += 1
        channel_bit = np.int64(1) << channel
        # Distance only grows going away from the tap, so the first candidate met on each
        # side is the nearest on that side. A scan stops where even the widest pairing radius
        # can no longer reach the tap. The frame of slack in the stop tests keeps rounding
        # from ending a scan early; it can only cost one more look. Targets before
        # first_after are before the tap, those from it on are at or after it, so "within the
        # radius" is one comparison on each side.
        before = UNPAIRED
        j = first_after - 1
        while j >= 0 and target_frames[_at(j)] + max_radius_frames >= ceil_frame - 1:
            at_j = _at(j)
            accepts = (target_accept_mask[at_j] & channel_bit) != 0
            if accepts and target_frames[at_j] + pair_radius_frames[at_j] >= ceil_frame:
                before = j
                break
            j -= 1
        after = UNPAIRED
        j = first_after
        while j < m and target_frames[_at(j)] - max_radius_frames <= floor_frame + 1:
            at_j = _at(j)
            accepts = (target_accept_mask[at_j] & channel_bit) != 0
            if accepts and target_frames[at_j] - pair_radius_frames[at_j] <= floor_frame:
                after = j
                break
            j += 1
        nearest = before
        if after != UNPAIRED and (
            before == UNPAIRED
            or abs(corrected_tap_frame - target_frames[_at(after)])
            < abs(corrected_tap_frame - target_frames[_at(before)])
        ):
            nearest = after
        at_nearest = _at(nearest)
        if nearest == UNPAIRED or target_tap[at_nearest] != UNPAIRED:
            target = UNPAIRED
            asynchrony_ms = np.nan
            judgement = np.int8(EXTRA)
        else:
            target_tap[at_nearest] = k
            target = nearest
            asynchrony_frames = corrected_tap_frame - target_frames[at_nearest]
            asynchrony_ms = asynchrony_frames / sample_rate_hz * 1000.0
            distance_ms = abs(asynchrony_ms)
            window = _at(nearest * window_stride)
            # The one place where an asynchrony meets the windows. With sro <= good <= ok
            # (checked on the way in) the number of windows it lies beyond is its code, SRO (0)
            # to OFF (3), counted without branches that a random asynchrony would mispredict.
            judgement = np.int8(
                SRO
                + np.int8(distance_ms > sro_ms[window])
                + np.int8(distance_ms > good_ms[window])
                + np.int8(distance_ms > ok_ms[window])
            )
        tap_target[at_k] = target
        tap_asynchrony_ms[at_k] = asynchrony_ms
        tap_judgement[at_k] = judgement
    return first_after, broken, target, asynchrony_ms, judgement
