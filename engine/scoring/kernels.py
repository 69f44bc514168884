"""Pair taps with tap targets and judge them: a whole task at once, or tap by tap in the live loop.

The rules (metrics.md, "Pairing"), applied to each tap in tap order:

1. Correct the tap for the calibrated input latency: ``tap_frame - input_offset_ms·rate/1000``
   (float frames, no rounding).
2. Candidates are the targets whose accept mask has the tap's channel bit and whose pairing
   radius covers the corrected tap. Take the nearest; on an exact tie, the earlier one.
3. No candidate, or the nearest one is already paired: the tap is EXTRA (no fallback to
   another target). Otherwise pair, and judge |asynchrony| against the SRO/GOOD/OK windows
   in force for that target (inclusive; per-target arrays, so adaptive windows judge each
   tap by its own target's); beyond OK it is OFF but still paired.
4. Targets that no tap paired with are missed (``target_tap == UNPAIRED``).

Because every tap is decided from the taps before it only, scoring online gives the same
result as scoring the whole task afterwards. Both paths pair and judge with the same numba
function (``score_run``, engine/scoring/merge.py), a linear merge of the sorted taps with the
sorted targets: the batch scorer runs it over all taps at once (millions of them in chunks on
several cores, engine/scoring/chunks.py), the online scorer over one tap at a time, keeping
the merge's place between taps. Input checks are in engine/scoring/checks.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from engine.scoring.checks import (
    MAX_CHANNELS,
    checked_channel,
    refuse_first_problem,
    target_flaws,
)
from engine.scoring.chunks import default_pieces, score_in_chunks, targets_checked_in_pieces
from engine.scoring.judgement import JUDGEMENT_LABELS, Judgement

# The judgement codes are asked for from here (kernels.EXTRA, ...), as they were before the
# merge had its own module.
from engine.scoring.merge import EXTRA as EXTRA
from engine.scoring.merge import GOOD as GOOD
from engine.scoring.merge import OFF as OFF
from engine.scoring.merge import OK as OK
from engine.scoring.merge import SRO as SRO
from engine.scoring.merge import UNPAIRED, score_run

JUDGEMENT_NAMES: tuple[str, ...] = JUDGEMENT_LABELS
# Judgement by code, without the cost of calling the enum (the online scorer's every tap).
_JUDGEMENT_OF_CODE: tuple[Judgement, ...] = tuple(Judgement)


@dataclass(frozen=True, eq=False)  # eq=False: == on arrays has no single truth value
class ScoredTaps:
    """Scores of one task. Per tap: paired target index (or UNPAIRED), asynchrony in ms (tap −
    target, negative = early; NaN if unpaired) and judgement code. Per target: the index of the
    tap paired with it, or UNPAIRED if missed. The arrays are read-only."""

    tap_target: np.ndarray  # int64[n]
    tap_asynchrony_ms: np.ndarray  # float64[n]
    tap_judgement: np.ndarray  # int8[n]
    target_tap: np.ndarray  # int64[m]


class TapJudgement(NamedTuple):
    """What one tap scored: target index (or UNPAIRED), asynchrony in ms (NaN if unpaired),
    judgement. (A named tuple rather than a frozen dataclass: it is made on every live tap,
    and costs a fraction of the time.)"""

    target: int
    asynchrony_ms: float
    judgement: Judgement


def _writable_contiguous(values: np.ndarray, dtype: type) -> np.ndarray:
    # The kernels are compiled for writable, C-contiguous vectors of one type only; any other
    # array type would trigger a fresh JIT compile in the middle of a session.
    array = np.ascontiguousarray(values, dtype=dtype)
    if not array.flags.writeable:
        array = array.copy()
    return array


def _int64_vector(values: np.ndarray, name: str, caller: str) -> np.ndarray:
    array = _writable_contiguous(values, np.int64)
    if array.ndim != 1:
        raise ValueError(f"{caller}: {name} must be a 1-D array, got shape {array.shape}")
    return array


def _checked_targets(
    caller: str,
    frames: np.ndarray,
    radii: np.ndarray,
    windows: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> int:
    """Refuse targets the kernels cannot score; return the widest pairing radius (where a
    scan for candidates may stop)."""
    flawed, widest = target_flaws(frames, radii, *windows)
    if flawed:
        no_taps = np.zeros(0, np.int64)
        refuse_first_problem(caller, frames, radii, windows, no_taps, no_taps)
    return int(widest)


def _target_vectors(
    target_frames: np.ndarray,
    target_accept_mask: np.ndarray,
    pair_radius_frames: np.ndarray,
    caller: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    frames = _int64_vector(target_frames, "target_frames", caller)
    masks = _int64_vector(target_accept_mask, "target_accept_mask", caller)
    radii = _int64_vector(pair_radius_frames, "pair_radius_frames", caller)
    if not frames.shape == masks.shape == radii.shape:
        raise ValueError(
            f"{caller}: target_frames, target_accept_mask and pair_radius_frames must have one "
            f"entry per target, got lengths {frames.size}, {masks.size}, {radii.size}"
        )
    return frames, masks, radii


def _window_vectors(
    sro_ms: float | np.ndarray,
    good_ms: float | np.ndarray,
    ok_ms: float | np.ndarray,
    target_count: int,
    caller: str,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """The windows as float64 arrays and the stride to index them by target: one entry per
    target (stride 1), or, when all three are single numbers, one entry for all (stride 0)."""
    values = {"sro_ms": sro_ms, "good_ms": good_ms, "ok_ms": ok_ms}
    arrays = {name: np.asarray(value, dtype=np.float64) for name, value in values.items()}
    stride = 0 if all(array.ndim == 0 for array in arrays.values()) else 1
    length = 1 if stride == 0 else target_count
    vectors = []
    for name, array in arrays.items():
        if array.ndim == 0:
            array = np.full(length, float(array), np.float64)
        elif array.shape != (target_count,):
            raise ValueError(
                f"{caller}: {name} must be one number or one per target ({target_count}), "
                f"got shape {array.shape}"
            )
        vectors.append(_writable_contiguous(array, np.float64))
    sro, good, ok = vectors
    return sro, good, ok, stride


def _offset_frames(input_offset_ms: float, sample_rate_hz: float, caller: str) -> float:
    if not sample_rate_hz > 0:
        raise ValueError(f"{caller}: sample_rate_hz must be positive, got {sample_rate_hz}")
    # The kernel rounds the corrected tap to whole frames, which a NaN or infinite offset has
    # not got.
    if not np.isfinite(input_offset_ms):
        raise ValueError(
            f"{caller}: input_offset_ms must be a finite number of milliseconds, got "
            f"{input_offset_ms}; run the calibration again or set the offset in settings"
        )
    return float(input_offset_ms) * float(sample_rate_hz) / 1000.0


def _read_only(*arrays: np.ndarray) -> None:
    for array in arrays:
        array.flags.writeable = False


def score_taps(
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
    pieces: int | None = None,
) -> ScoredTaps:
    """Score all taps of one task against its targets (the rules are in the module docstring).

    Targets: ``target_frames`` strictly increasing audio frames, ``target_accept_mask`` channel
    bitmasks (engine.levels.limbs.accept_mask), ``pair_radius_frames``, and the windows in
    force for each (``sro_ms``, ``good_ms``, ``ok_ms``: one per target, or one number for
    all). Taps: ``tap_frames`` non-decreasing audio frames and ``tap_channels`` channel
    indices. Returns ScoredTaps. Taps and targets are merged in one pass; each tap then looks
    only at the targets whose pairing windows reach it. ``pieces``: how many pieces to merge
    on numba's threads, with the same result (engine/scoring/chunks.py); by default one per
    thread for a million taps or more, else one.
    """
    caller = "score_taps"
    frames, masks, radii = _target_vectors(
        target_frames, target_accept_mask, pair_radius_frames, caller
    )
    taps = _int64_vector(tap_frames, "tap_frames", caller)
    channels = _int64_vector(tap_channels, "tap_channels", caller)
    if taps.shape != channels.shape:
        raise ValueError(
            f"{caller}: tap_frames and tap_channels must have one entry per tap, got lengths "
            f"{taps.size} and {channels.size}"
        )
    offset_frames = _offset_frames(input_offset_ms, sample_rate_hz, caller)
    sro, good, ok, window_stride = _window_vectors(sro_ms, good_ms, ok_ms, frames.size, caller)
    windows = (sro, good, ok)
    pieces = default_pieces(taps.size) if pieces is None else pieces
    # Allocated by numpy rather than in the kernel: numpy asks the system for huge pages for
    # big arrays, which at millions of taps makes filling them several times faster.
    target_tap = np.empty(frames.size, np.int64)
    if pieces > 1:
        flawed, widest = targets_checked_in_pieces(frames, radii, windows, target_tap, pieces)
        if flawed:
            refuse_first_problem(caller, frames, radii, windows, taps, channels)
    else:
        widest = _checked_targets(caller, frames, radii, windows)
        target_tap.fill(UNPAIRED)
    scored = ScoredTaps(
        tap_target=np.empty(taps.size, np.int64),
        tap_asynchrony_ms=np.empty(taps.size, np.float64),
        tap_judgement=np.empty(taps.size, np.int8),
        target_tap=target_tap,
    )
    arguments = (
        taps,
        channels,
        offset_frames,
        frames,
        masks,
        radii,
        widest,
        float(sample_rate_hz),
        sro,
        good,
        ok,
        window_stride,
        scored.target_tap,
        scored.tap_target,
        scored.tap_asynchrony_ms,
        scored.tap_judgement,
    )
    if pieces > 1:
        broken = score_in_chunks(arguments, pieces)
    else:
        broken = score_run(0, taps.size, 0, *arguments)[1]
    if broken:
        refuse_first_problem(caller, frames, radii, windows, taps, channels)
    _read_only(scored.tap_target, scored.tap_asynchrony_ms, scored.tap_judgement)
    _read_only(scored.target_tap)
    return scored


class OnlineScorer:
    """Scores the taps of one task as they arrive, with the same result as score_taps.

    Built from the same target arrays, windows and scalars as score_taps. Feed taps with
    add_tap in the order they happened, and poll newly_missed to learn which targets just went
    by untapped.
    """

    def __init__(
        self,
        target_frames: np.ndarray,
        target_accept_mask: np.ndarray,
        pair_radius_frames: np.ndarray,
        *,
        sample_rate_hz: float,
        sro_ms: float | np.ndarray,
        good_ms: float | np.ndarray,
        ok_ms: float | np.ndarray,
        input_offset_ms: float,
    ) -> None:
        caller = "OnlineScorer"
        self._target_frames, self._target_accept_mask, self._pair_radius_frames = _target_vectors(
            target_frames, target_accept_mask, pair_radius_frames, caller
        )
        self._offset_frames = _offset_frames(input_offset_ms, sample_rate_hz, caller)
        self._sample_rate_hz = float(sample_rate_hz)
        self._sro_ms, self._good_ms, self._ok_ms, self._window_stride = _window_vectors(
            sro_ms, good_ms, ok_ms, self._target_frames.size, caller
        )
        self._max_radius_frames = _checked_targets(
            caller,
            self._target_frames,
            self._pair_radius_frames,
            (self._sro_ms, self._good_ms, self._ok_ms),
        )
        self._target_tap = np.full(self._target_frames.size, UNPAIRED, np.int64)

        # Python lists, so that the per-frame poll does no numpy scalar work.
        window_end_frames = self._target_frames + self._pair_radius_frames
        closing_order = np.argsort(window_end_frames, kind="stable")
        self._closing_targets: list[int] = closing_order.tolist()
        self._closing_end_frames: list[int] = window_end_frames[closing_order].tolist()
        self._next_closing = 0
        # Taps must arrive in time order and never before a frame already polled as past.
        self._earliest_next_tap_frame: float = float("-inf")

        # Room for a tap per target and as many extras before the first growth.
        capacity = 2 * self._target_frames.size + 16
        self._tap_frames = np.empty(capacity, np.int64)
        self._tap_channels = np.empty(capacity, np.int64)
        self._tap_target = np.empty(capacity, np.int64)
        self._tap_asynchrony_ms = np.empty(capacity, np.float64)
        self._tap_judgement = np.empty(capacity, np.int8)
        self._tap_count = 0
        self._first_after = 0  # the merge's place among the targets (see score_run)
        self._kernel_arguments = self._arguments()

    def add_tap(self, tap_frame: int, channel: int) -> TapJudgement:
        """Score one tap (audio frame, channel index) against the taps before it."""
        if tap_frame < self._earliest_next_tap_frame:
            raise ValueError(
                f"OnlineScorer.add_tap: tap at frame {tap_frame} arrived after frame "
                f"{self._earliest_next_tap_frame} was already passed (a later tap or a "
                f"newly_missed poll); pass taps in time order and poll newly_missed only with "
                f"a frame no later than any tap still to come"
            )
        channel = int(channel)
        if not 0 <= channel < MAX_CHANNELS:
            checked_channel(channel, "OnlineScorer.add_tap")
        self._earliest_next_tap_frame = tap_frame
        tap_index = self._tap_count
        if tap_index == self._tap_target.size:
            self._grow()
        self._tap_frames[tap_index] = tap_frame
        self._tap_channels[tap_index] = channel
        # The batch scorer's own kernel, run over this one tap (checked above).
        self._first_after, _, target, asynchrony_ms, judgement = score_run(
            tap_index, tap_index + 1, self._first_after, *self._kernel_arguments
        )
        self._tap_count = tap_index + 1
        return TapJudgement(target, asynchrony_ms, _JUDGEMENT_OF_CODE[judgement])

    def newly_missed(self, now_frame: int) -> list[int]:
        """Targets whose pairing window (target + radius, offset-corrected) closed before
        ``now_frame`` with no tap, in the order the windows closed; each is reported once.

        ``now_frame`` must be no later than any tap still to come (for example the stamp of the
        latest input poll); add_tap refuses a tap earlier than it.
        """
        if now_frame > self._earliest_next_tap_frame:
            self._earliest_next_tap_frame = now_frame
        corrected_now_frame = now_frame - self._offset_frames
        missed: list[int] = []
        next_closing = self._next_closing
        end_frames = self._closing_end_frames
        while next_closing < len(end_frames) and end_frames[next_closing] < corrected_now_frame:
            target = self._closing_targets[next_closing]
            if self._target_tap[target] == UNPAIRED:
                missed.append(target)
            next_closing += 1
        self._next_closing = next_closing
        return missed

    def result(self) -> ScoredTaps:
        """Scores of all taps so far, equal to score_taps on the same taps (a copy)."""
        count = self._tap_count
        arrays = (
            self._tap_target[:count].copy(),
            self._tap_asynchrony_ms[:count].copy(),
            self._tap_judgement[:count].copy(),
            self._target_tap.copy(),
        )
        _read_only(*arrays)
        return ScoredTaps(*arrays)

    def _grow(self) -> None:
        capacity = 2 * self._tap_target.size
        for name in (
            "_tap_frames",
            "_tap_channels",
            "_tap_target",
            "_tap_asynchrony_ms",
            "_tap_judgement",
        ):
            old = getattr(self, name)
            new = np.empty(capacity, old.dtype)
            new[: old.size] = old
            setattr(self, name, new)
        self._kernel_arguments = self._arguments()

    def _arguments(self) -> tuple:
        """score_run's arguments after the tap range and the merge's place: gathered once
        (and again when the tap arrays grow), since looking them up costs on every tap."""
        return (
            self._tap_frames,
            self._tap_channels,
            self._offset_frames,
            self._target_frames,
            self._target_accept_mask,
            self._pair_radius_frames,
            self._max_radius_frames,
            self._sample_rate_hz,
            self._sro_ms,
            self._good_ms,
            self._ok_ms,
            self._window_stride,
            self._target_tap,
            self._tap_target,
            self._tap_asynchrony_ms,
            self._tap_judgement,
        )


def warm_up() -> None:
    """Compile every scoring kernel, or load it from numba's on-disk cache, on tiny arrays with
    the exact types of real calls, so that no JIT pause lands in a session."""
    target_frames = np.array([1000, 2000], np.int64)
    target_accept_mask = np.array([0b1, 0b10], np.int64)
    pair_radius_frames = np.array([500, 500], np.int64)
    scalars = {
        "sample_rate_hz": 48000.0,
        "sro_ms": 15.0,
        "good_ms": 45.0,
        "ok_ms": 100.0,
        "input_offset_ms": 1.0,
    }
    score_taps(
        target_frames,
        target_accept_mask,
        pair_radius_frames,
        np.array([990, 2100], np.int64),
        np.array([0, 1], np.int64),
        **scalars,
    )
    scorer = OnlineScorer(target_frames, target_accept_mask, pair_radius_frames, **scalars)
    scorer.add_tap(990, 0)
    scorer.newly_missed(3000)
    scorer.result()
