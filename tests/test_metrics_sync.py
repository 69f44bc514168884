"""Research metrics against independent implementations: scipy.stats for the circular ones,
numpy on the formulas of metrics.md for the rest, on random data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from engine.metrics.synchrony import (
    WING_KRISTOFFERSON_MIN_INTERVALS,
    circular_stats,
    drift_ms_per_tap,
    inter_tap_intervals_ms,
    interval_stats,
    phase_rad,
    rayleigh_p,
    wing_kristofferson,
)

SEEDS = range(8)


@pytest.mark.parametrize("seed", SEEDS)
def test_circular_stats_match_scipy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    ioi_ms = rng.uniform(400, 1200)
    taps = int(rng.integers(5, 400))
    asynchrony_ms = rng.normal(rng.uniform(-60, 20), rng.uniform(5, 150), taps)
    asynchrony_ms = np.clip(asynchrony_ms, -ioi_ms / 2, ioi_ms / 2)
    theta = phase_rad(asynchrony_ms, ioi_ms)
    result = circular_stats(theta, ioi_ms)

    mean_phase = stats.circmean(theta, high=np.pi, low=-np.pi)
    assert result.mean_phase_rad == pytest.approx(mean_phase, abs=1e-9)
    assert result.mean_phase_ms == pytest.approx(mean_phase * ioi_ms / (2 * np.pi), abs=1e-6)
    circular_sd = stats.circstd(theta, high=np.pi, low=-np.pi)
    assert result.circular_sd_rad == pytest.approx(circular_sd, rel=1e-9)
    assert result.circular_sd_ms == pytest.approx(circular_sd * ioi_ms / (2 * np.pi), rel=1e-9)
    unit_vectors = np.stack([np.cos(theta), np.sin(theta)], axis=1)
    resultant = stats.directional_stats(unit_vectors).mean_resultant_length
    assert result.resultant_length == pytest.approx(resultant, rel=1e-12)
    assert result.rayleigh_z == pytest.approx(taps * resultant**2, rel=1e-12)
    # Zar's formula, written out again with numpy.
    n, big_r = taps, taps * resultant
    zar = np.exp(np.sqrt(1 + 4 * n + 4 * (n**2 - big_r**2)) - (1 + 2 * n))
    assert result.rayleigh_p == pytest.approx(min(1.0, zar), rel=1e-9)


def test_rayleigh_p_is_small_for_locked_taps_and_large_for_random_ones() -> None:
    rng = np.random.default_rng(3)
    locked = circular_stats(rng.normal(0.0, 0.2, 100), 1000.0)
    scattered = circular_stats(rng.uniform(-np.pi, np.pi, 100), 1000.0)
    assert locked.rayleigh_p < 1e-20
    assert scattered.rayleigh_p > 0.01
    assert rayleigh_p(10, 0.0) == 1.0  # clipped: the approximation passes 1 at R = 0


def test_circular_stats_without_taps_or_ioi() -> None:
    empty = circular_stats(np.zeros(0), 500.0)
    assert empty.taps == 0 and math.isnan(empty.resultant_length) and math.isnan(empty.rayleigh_p)
    mixed = circular_stats(np.array([0.1, -0.2, 0.05]), None)
    assert math.isnan(mixed.mean_phase_ms) and not math.isnan(mixed.mean_phase_rad)


def test_inter_tap_intervals_skip_gaps_and_follow_target_order() -> None:
    tap_time_ms = np.array([1000.0, 1510.0, 2490.0, 3000.0, 4020.0])
    target_index = np.array([0, 1, 2, 3, 5])  # target 4 missed
    intervals, ends = inter_tap_intervals_ms(tap_time_ms[::-1], target_index[::-1])
    np.testing.assert_allclose(intervals, [510.0, 980.0, 510.0])
    np.testing.assert_array_equal(ends, [1, 2, 3])


@pytest.mark.parametrize("seed", SEEDS)
def test_interval_stats_and_drift_match_numpy(seed: int) -> None:
    rng = np.random.default_rng(seed)
    count = int(rng.integers(3, 200))
    position = np.sort(rng.choice(1000, count, replace=False))
    intervals = 600 + 0.3 * position + rng.normal(0, 25, count)
    result = interval_stats(intervals)
    assert result.mean_ms == pytest.approx(np.mean(intervals))
    assert result.sd_ms == pytest.approx(np.std(intervals, ddof=1))
    assert result.cv == pytest.approx(np.std(intervals, ddof=1) / np.mean(intervals))
    slope, _ = np.polyfit(position, intervals, 1)
    assert drift_ms_per_tap(intervals, position) == pytest.approx(slope, rel=1e-9)


def wing_kristofferson_intervals(
    rng: np.random.Generator, count: int, clock_sd_ms: float, motor_sd_ms: float
) -> np.ndarray:
    """ITIₙ = Cₙ + Mₙ − Mₙ₋₁ (Wing & Kristofferson 1973): the model's own data."""
    clock = rng.normal(500.0, clock_sd_ms, count)
    motor = rng.normal(0.0, motor_sd_ms, count + 1)
    return clock + motor[1:] - motor[:-1]


@pytest.mark.parametrize("seed", SEEDS)
def test_wing_kristofferson_matches_numpy_and_recovers_the_variances(seed: int) -> None:
    rng = np.random.default_rng(seed)
    intervals = wing_kristofferson_intervals(rng, 4000, clock_sd_ms=20.0, motor_sd_ms=12.0)
    result = wing_kristofferson(intervals, np.arange(intervals.shape[0]))
    deviation = intervals - intervals.mean()
    n = intervals.shape[0]
    autocovariance = np.correlate(deviation, deviation, mode="full")[n - 1 : n + 1] / n
    assert result.reason is None
    assert result.lag1_autocorrelation == pytest.approx(autocovariance[1] / autocovariance[0])
    assert result.motor_variance_ms2 == pytest.approx(-autocovariance[1])
    assert result.clock_variance_ms2 == pytest.approx(autocovariance[0] + 2 * autocovariance[1])
    # With 4000 intervals the estimates land near the truth (20² and 12²).
    assert result.clock_variance_ms2 == pytest.approx(400.0, rel=0.2)
    assert result.motor_variance_ms2 == pytest.approx(144.0, rel=0.2)


def test_wing_kristofferson_says_why_not() -> None:
    rng = np.random.default_rng(5)
    few = wing_kristofferson(np.full(WING_KRISTOFFERSON_MIN_INTERVALS - 1, 500.0), np.arange(9))
    assert few.clock_variance_ms2 is None and "only 9" in few.reason
    drifting = 500 + np.cumsum(rng.normal(0, 10, 200))  # a random walk: ρ(1) near +1
    walk = wing_kristofferson(drifting, np.arange(200))
    assert walk.lag1_autocorrelation > 0 and walk.motor_variance_ms2 is None
    assert "above 0" in walk.reason
    alternating = 500 + 30 * (-1.0) ** np.arange(200) + rng.normal(0, 1, 200)  # ρ(1) near −1
    zigzag = wing_kristofferson(alternating, np.arange(200))
    assert zigzag.lag1_autocorrelation < -0.5 and "below −0.5" in zigzag.reason
    flat = wing_kristofferson(np.full(20, 500.0), np.arange(20))
    assert flat.reason == "the intervals do not vary"


def test_wing_kristofferson_leaves_pairs_across_a_gap_out() -> None:
    rng = np.random.default_rng(9)
    intervals = wing_kristofferson_intervals(rng, 60, 20.0, 12.0)
    position = np.r_[np.arange(30), np.arange(31, 61)]  # one gap between the halves
    result = wing_kristofferson(intervals, position)
    deviation = intervals - intervals.mean()
    products = deviation[:-1] * deviation[1:]
    products[29] = 0.0
    expected = products.sum() / (deviation**2).sum()
    assert result.lag1_autocorrelation == pytest.approx(expected)
