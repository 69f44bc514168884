"""Research metrics of sensorimotor synchronisation (metrics.md, "Research metrics").

Pure functions over arrays in the numpy manner. Asynchrony is tap − beat in ms (negative =
early); IOI is the inter-onset interval of the targets in ms. Empty input gives NaN, never an
exception, so that a task nobody tapped still reports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# Fewer continuation intervals than this give a lag-1 autocovariance too noisy to split.
WING_KRISTOFFERSON_MIN_INTERVALS = 10


@dataclass(frozen=True)
class CircularStats:
    taps: int
    resultant_length: float  # R, 0 (no phase locking) .. 1 (every tap at the same phase)
    mean_phase_rad: float
    circular_sd_rad: float
    mean_phase_ms: float  # NaN when the taps were at different IOIs
    circular_sd_ms: float  # NaN when the taps were at different IOIs
    rayleigh_z: float
    rayleigh_p: float


@dataclass(frozen=True)
class IntervalStats:
    intervals: int
    mean_ms: float
    sd_ms: float
    cv: float  # SD / mean


@dataclass(frozen=True)
class WingKristofferson:
    intervals: int
    lag1_autocorrelation: float  # ρ(1)
    clock_variance_ms2: float | None  # σ_C², None when the model does not apply
    motor_variance_ms2: float | None  # σ_M², None when the model does not apply
    reason: str | None  # why the model does not apply, in words for a report


def phase_rad(asynchrony_ms: np.ndarray, ioi_ms: np.ndarray | float) -> np.ndarray:
    """θ = 2π·A/IOI for each asynchrony (``ioi_ms`` per tap or one for all)."""
    return 2.0 * np.pi * np.asarray(asynchrony_ms, dtype=np.float64) / ioi_ms


def rayleigh_p(taps: int, resultant_length: float) -> float:
    """Zar's approximation of the Rayleigh test's p for ``taps`` angles with mean resultant
    length R: p ≈ exp(√(1 + 4N + 4(N² − (N·R)²)) − (1 + 2N)), clipped to [0, 1]."""
    if taps == 0:
        return math.nan
    n = float(taps)
    big_r = n * resultant_length
    return min(
        1.0, math.exp(math.sqrt(1.0 + 4.0 * n + 4.0 * (n * n - big_r * big_r)) - (1 + 2 * n))
    )


def circular_stats(phases_rad: np.ndarray, ioi_ms: float | None) -> CircularStats:
    """Circular statistics of tap phases; ``ioi_ms`` turns mean phase and circular SD into ms
    (None when the phases come from different IOIs, where ms mean nothing)."""
    phases_rad = np.asarray(phases_rad, dtype=np.float64)
    taps = int(phases_rad.shape[0])
    if taps == 0:
        nan = math.nan
        return CircularStats(0, nan, nan, nan, nan, nan, nan, nan)
    mean_cos = float(np.cos(phases_rad).mean())
    mean_sin = float(np.sin(phases_rad).mean())
    resultant = min(1.0, math.hypot(mean_cos, mean_sin))  # rounding can pass 1 by an ulp
    mean_phase = math.atan2(mean_sin, mean_cos)
    circular_sd = math.sqrt(-2.0 * math.log(resultant)) if resultant > 0 else math.inf
    to_ms = math.nan if ioi_ms is None else ioi_ms / (2.0 * math.pi)
    return CircularStats(
        taps=taps,
        resultant_length=resultant,
        mean_phase_rad=mean_phase,
        circular_sd_rad=circular_sd,
        mean_phase_ms=mean_phase * to_ms,
        circular_sd_ms=circular_sd * to_ms,
        rayleigh_z=taps * resultant * resultant,
        rayleigh_p=rayleigh_p(taps, resultant),
    )


def inter_tap_intervals_ms(
    tap_time_ms: np.ndarray, target_index: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """ITIₙ = tₙ − tₙ₋₁ between taps paired with consecutive targets, and the target index
    that ends each interval. Intervals across a missed target are left out: they would count
    a double interval (an extra tap is never paired, so it cannot halve one)."""
    order = np.argsort(target_index, kind="stable")
    times_ms = np.asarray(tap_time_ms, dtype=np.float64)[order]
    targets = np.asarray(target_index, dtype=np.int64)[order]
    consecutive = np.diff(targets) == 1
    return np.diff(times_ms)[consecutive], targets[1:][consecutive]


def interval_stats(intervals_ms: np.ndarray) -> IntervalStats:
    """Mean, SD (n − 1) and CV of intervals."""
    intervals_ms = np.asarray(intervals_ms, dtype=np.float64)
    count = int(intervals_ms.shape[0])
    mean_ms = float(intervals_ms.mean()) if count else math.nan
    sd_ms = float(intervals_ms.std(ddof=1)) if count > 1 else math.nan
    return IntervalStats(count, mean_ms, sd_ms, sd_ms / mean_ms if count > 1 else math.nan)


def drift_ms_per_tap(intervals_ms: np.ndarray, position: np.ndarray) -> float:
    """OLS slope of the intervals against their position (target index), ms per tap:
    positive when the tapping slows down."""
    intervals_ms = np.asarray(intervals_ms, dtype=np.float64)
    x = np.asarray(position, dtype=np.float64)
    if intervals_ms.shape[0] < 3:
        return math.nan
    x_centred = x - x.mean()
    spread = float((x_centred * x_centred).sum())
    if spread == 0.0:
        return math.nan
    return float((x_centred * (intervals_ms - intervals_ms.mean())).sum() / spread)


def wing_kristofferson(intervals_ms: np.ndarray, position: np.ndarray) -> WingKristofferson:
    """Split continuation ITI variance into clock and motor parts (Wing & Kristofferson 1973):
    γ(1) is the lag-1 autocovariance, σ_M² = −γ(1), σ_C² = Var(ITI) + 2γ(1). Both follow only
    when −0.5 ≤ ρ(1) ≤ 0; otherwise ``reason`` says why not. ``position`` (target index of
    each interval's end) keeps pairs across a gap out of γ(1). Variances use 1/N, as the usual
    autocorrelation estimator does, so ρ(1) = γ(1)/γ(0)."""
    intervals_ms = np.asarray(intervals_ms, dtype=np.float64)
    count = int(intervals_ms.shape[0])
    if count < WING_KRISTOFFERSON_MIN_INTERVALS:
        return WingKristofferson(
            count,
            math.nan,
            None,
            None,
            f"only {count} continuation intervals; the model needs at least "
            f"{WING_KRISTOFFERSON_MIN_INTERVALS}",
        )
    deviation = intervals_ms - intervals_ms.mean()
    adjacent = np.diff(np.asarray(position, dtype=np.int64)) == 1
    autocovariance_0 = float((deviation * deviation).sum() / count)
    autocovariance_1 = float((deviation[:-1] * deviation[1:])[adjacent].sum() / count)
    if autocovariance_0 == 0.0:
        return WingKristofferson(count, math.nan, None, None, "the intervals do not vary")
    rho_1 = autocovariance_1 / autocovariance_0
    if rho_1 > 0.0:
        reason = (
            f"ρ(1) = {rho_1:+.2f} is above 0: the intervals drift or wander more than the "
            "model allows"
        )
        return WingKristofferson(count, rho_1, None, None, reason)
    if rho_1 < -0.5:
        reason = f"ρ(1) = {rho_1:+.2f} is below −0.5, which the model cannot produce"
        return WingKristofferson(count, rho_1, None, None, reason)
    return WingKristofferson(
        intervals=count,
        lag1_autocorrelation=rho_1,
        clock_variance_ms2=autocovariance_0 + 2.0 * autocovariance_1,
        motor_variance_ms2=-autocovariance_1,
        reason=None,
    )
