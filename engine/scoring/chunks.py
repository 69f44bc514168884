"""Batch scoring of millions of taps on several cores, with the same result as one merge.

A tap's candidate targets depend only on the tap and the targets; what an earlier tap changes
is only whether a target is already paired. So the taps can be cut where no target is within
reach of taps on both sides (a quiet point: reach is what the merge's scans look at, the
widest pairing radius and a frame of slack either side of the tap), and each piece merged on
its own thread: the pieces pair disjoint sets of targets, each begins its merge where one
merge over all taps would have been, and so every tap is paired and judged as one merge would.
Where no quiet point is found near a cut (taps so dense that every gap is bridged), the
pieces on either side stay one.
"""

from __future__ import annotations

import numba
import numpy as np
from numba import njit, prange

from engine.scoring.checks import target_flaws
from engine.scoring.merge import UNPAIRED, score_run

# Batches of fewer taps are merged on one thread: starting the others costs more than they
# save (a session of a few thousand taps scores in microseconds).
CHUNKED_FROM_TAPS = 1_000_000
# How far past a wanted cut to look for a quiet point before giving that cut up.
QUIET_POINT_SEARCH_TAPS = 100_000


@njit(cache=True)
def _quiet_point(tap_frames, offset_frames, target_frames, max_radius_frames, first, end):
    """The first tap index k in first..end-1 (first >= 1) such that no target is within reach
    of both tap k - 1 and tap k; end if there is none. Reach as in merge.score_run's scans: a
    target t is looked at for a corrected tap c when t + widest >= ceil(c) - 1 and
    t - widest <= floor(c) + 1."""
    m = target_frames.shape[0]
    for k in range(first, end):
        latest_reached = (
            np.int64(np.floor(tap_frames[k - 1] - offset_frames)) + 1 + max_radius_frames
        )
        earliest_reached = np.int64(np.ceil(tap_frames[k] - offset_frames)) - 1 - max_radius_frames
        if earliest_reached > latest_reached:
            return k
        i = np.searchsorted(target_frames, earliest_reached)
        if i == m or target_frames[i] > latest_reached:
            return k
    return end


@njit(cache=True)
def chunk_starts(tap_frames, offset_frames, target_frames, max_radius_frames, chunks):
    """(first tap of each piece and the end, the merge's starting target for each piece): up
    to ``chunks`` pieces of about equal length, cut at quiet points."""
    n = tap_frames.shape[0]
    starts = [0]
    for piece in range(1, chunks):
        wanted = max(n * piece // chunks, starts[-1] + 1)
        if wanted >= n:
            break
        end = min(n, wanted + QUIET_POINT_SEARCH_TAPS)
        cut = _quiet_point(tap_frames, offset_frames, target_frames, max_radius_frames, wanted, end)
        if cut < end:
            starts.append(cut)
    starts.append(n)
    bounds = np.array(starts, dtype=np.int64)
    first_after = np.empty(bounds.shape[0] - 1, np.int64)
    for piece in range(first_after.shape[0]):
        if bounds[piece] >= n:  # no taps at all
            first_after[piece] = 0
            continue
        # The first target at or after the piece's first corrected tap, as the merge over all
        # taps would stand there (targets are integers: t >= c exactly when t >= ceil(c)).
        corrected = tap_frames[bounds[piece]] - offset_frames
        first_after[piece] = np.searchsorted(target_frames, np.int64(np.ceil(corrected)))
    return bounds, first_after


@njit(cache=True, parallel=True)
def _merge_pieces(bounds, first_after, *merge_arguments):
    """Merge each piece on its own thread (``merge_arguments``: score_run's after the tap
    range and the merge's place); whether any tap broke the rules (as score_run reports it),
    including taps out of order across a cut."""
    tap_frames = merge_arguments[0]
    pieces = first_after.shape[0]
    broken = np.zeros(pieces, np.bool_)
    for piece in prange(pieces):
        start = bounds[piece]
        end = bounds[piece + 1]
        broken[piece] = score_run(start, end, first_after[piece], *merge_arguments)[1]
        if start > 0 and tap_frames[start] < tap_frames[start - 1]:
            broken[piece] = True
    return broken.any()


@njit(cache=True, parallel=True)
def _targets_checked_in_pieces(
    target_frames, pair_radius_frames, sro_ms, good_ms, ok_ms, target_tap, pieces
):
    """checks.target_flaws over ``pieces`` slices of the targets on numba's threads, each
    also setting its slice of ``target_tap`` to UNPAIRED: (whether any target breaks a rule,
    the widest pairing radius). Windows are one per target, or one for all."""
    m = target_frames.shape[0]
    windows = sro_ms.shape[0]
    flawed = np.zeros(pieces, np.bool_)
    widest = np.zeros(pieces, np.int64)
    for piece in prange(pieces):
        low, high = m * piece // pieces, m * (piece + 1) // pieces
        first_window, end_window = windows * piece // pieces, windows * (piece + 1) // pieces
        # One target before the slice, so that the order check spans the cut.
        flawed[piece], widest[piece] = target_flaws(
            target_frames[max(low - 1, 0) : high],
            pair_radius_frames[low:high],
            sro_ms[first_window:end_window],
            good_ms[first_window:end_window],
            ok_ms[first_window:end_window],
        )
        target_tap[low:high] = UNPAIRED
    return flawed.any(), widest.max()


def targets_checked_in_pieces(
    target_frames, pair_radius_frames, windows, target_tap, pieces
) -> tuple[bool, int]:
    """As checks.target_flaws, in ``pieces`` on numba's threads, and ``target_tap`` (made with
    np.empty) set to UNPAIRED on the way: at millions of targets both are a pass over memory
    that two cores share."""
    sro, good, ok = windows
    flawed, widest = _targets_checked_in_pieces(
        target_frames, pair_radius_frames, sro, good, ok, target_tap, pieces
    )
    return bool(flawed), int(widest)


def default_pieces(tap_count: int) -> int:
    """How many pieces a batch of ``tap_count`` taps is scored in: one per numba thread from
    CHUNKED_FROM_TAPS taps on, else one."""
    return numba.get_num_threads() if tap_count >= CHUNKED_FROM_TAPS else 1


def score_in_chunks(merge_arguments: tuple, pieces: int) -> bool:
    """score_run over all taps, in up to ``pieces`` pieces run on numba's threads; whether any
    tap broke the rules. ``merge_arguments``: score_run's arguments after the tap range and the
    merge's place."""
    tap_frames, _, offset_frames, target_frames, _, _, max_radius_frames = merge_arguments[:7]
    bounds, first_after = chunk_starts(
        tap_frames, offset_frames, target_frames, max_radius_frames, pieces
    )
    return bool(_merge_pieces(bounds, first_after, *merge_arguments))
