"""What the scoring kernels refuse, and the messages that say where and how to fix it.

At millions of taps a check that stops at the first problem costs a fifth of the scoring
(a branch per element, no vector instructions), so the batch path asks two cheaper questions
first: whether anything is wrong with the targets (``target_flaws``: flags ORed over the
arrays, which the compiler vectorises) and, from the kernel itself, whether anything was
wrong with the taps it merged. Only when either says yes does ``refuse_first_problem`` look
for the first problem, to name it.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# Accept masks are int64 bitmasks, so channel indices must fit below the sign bit.
MAX_CHANNELS = 63

# What _first_problem finds wrong with the input, by code.
_NO_PROBLEM = 0
_TARGETS_UNORDERED = 1
_NEGATIVE_RADIUS = 2
_WINDOWS_NARROWING = 3
_TAPS_UNORDERED = 4
_CHANNEL_OUT_OF_RANGE = 5


@njit(cache=True)
def target_flaws(target_frames, pair_radius_frames, sro_ms, good_ms, ok_ms):
    """(whether any target breaks a rule, the widest pairing radius): targets strictly
    increasing, radii not negative, windows widening from sro to good to ok (NaN counts as
    narrowing). Every element is read; no early exit, so the loops vectorise."""
    flawed = False
    for j in range(1, target_frames.shape[0]):
        flawed |= target_frames[j] <= target_frames[j - 1]
    widest = 0
    for j in range(pair_radius_frames.shape[0]):
        flawed |= pair_radius_frames[j] < 0
        widest = max(widest, pair_radius_frames[j])
    for j in range(sro_ms.shape[0]):
        flawed |= not ((sro_ms[j] <= good_ms[j]) & (good_ms[j] <= ok_ms[j]))
    return flawed, widest


@njit(cache=True)
def _first_problem(target_frames, pair_radius_frames, sro_ms, good_ms, ok_ms, taps, channels):
    """(problem code, the index where it is): the first problem in the targets, their windows
    and then the taps."""
    for j in range(target_frames.shape[0]):
        if j > 0 and target_frames[j] <= target_frames[j - 1]:
            return _TARGETS_UNORDERED, j
        if pair_radius_frames[j] < 0:
            return _NEGATIVE_RADIUS, j
    for j in range(sro_ms.shape[0]):
        if not (sro_ms[j] <= good_ms[j] and good_ms[j] <= ok_ms[j]):
            return _WINDOWS_NARROWING, j
    for k in range(taps.shape[0]):
        if k > 0 and taps[k] < taps[k - 1]:
            return _TAPS_UNORDERED, k
        if channels[k] < 0 or channels[k] >= MAX_CHANNELS:
            return _CHANNEL_OUT_OF_RANGE, k
    return _NO_PROBLEM, -1


def checked_channel(channel: int, caller: str) -> None:
    if not 0 <= channel < MAX_CHANNELS:
        raise ValueError(
            f"{caller}: tap channel {channel} is outside 0..{MAX_CHANNELS - 1}; use the "
            f"channel index from engine.levels.limbs.CHANNEL_INDEX"
        )


def refuse_first_problem(
    caller: str,
    frames: np.ndarray,
    radii: np.ndarray,
    windows: tuple[np.ndarray, np.ndarray, np.ndarray],
    taps: np.ndarray,
    channels: np.ndarray,
) -> None:
    """Raise for the first problem with the input, saying where and how to fix it (nothing
    if there is none)."""
    sro, good, ok = windows
    problem, at = _first_problem(frames, radii, sro, good, ok, taps, channels)
    if problem == _TARGETS_UNORDERED:
        raise ValueError(
            f"{caller}: target_frames must be strictly increasing, but target {at} is at frame "
            f"{frames[at]} after frame {frames[at - 1]}; merge or drop duplicate targets when "
            f"building the beat grid"
        )
    if problem == _NEGATIVE_RADIUS:
        raise ValueError(
            f"{caller}: pair_radius_frames[{at}] is {radii[at]}; radii are half the step "
            f"interval and cannot be negative"
        )
    if problem == _WINDOWS_NARROWING:
        raise ValueError(
            f"{caller}: windows must widen from sro to good to ok, but target {at} has "
            f"sro_ms {sro[at]}, good_ms {good[at]} and ok_ms {ok[at]}"
        )
    if problem == _TAPS_UNORDERED:
        raise ValueError(
            f"{caller}: tap_frames must be non-decreasing, but tap {at} is at frame {taps[at]} "
            f"after frame {taps[at - 1]}; pass the taps in the order they happened"
        )
    if problem == _CHANNEL_OUT_OF_RANGE:
        checked_channel(int(channels[at]), caller)
