"""The tempo map: beats <-> frames and the tempo in force, for a steady task, a tempo change at
a bar line, and a pause; and the step limit that keeps every beat interval within 5 % of the
one before, on whole frames."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.timing.schedule import reschedule_task, schedule_task
from engine.timing.tempo_map import (
    MAX_TEMPO_STEP,
    TempoMap,
    beats_lasting,
    frames_per_beat,
    seconds_of_beats,
    tempo_step_bpm,
)
from tests.level_factory import make_level, make_task

RATE_HZ = 48_000


def test_a_steady_map_lays_each_beat_from_its_start_without_drift() -> None:
    tempo_map = TempoMap.steady(RATE_HZ, 10_000, 70.0)
    beats = np.array([-4.0, 0.0, 1.0, 0.5, 1000.0])
    expected = 10_000 + np.rint(beats * RATE_HZ * 60 / 70).astype(np.int64)
    np.testing.assert_array_equal(tempo_map.frames_at(beats), expected)
    assert tempo_map.beat_at(float(expected[-1])) == pytest.approx(1000.0, abs=1e-4)
    assert tempo_map.beat_at(10_000 - 2 * frames_per_beat(70.0, RATE_HZ)) == pytest.approx(-2)
    np.testing.assert_array_equal(tempo_map.tempo_bpm_at([-1, 3]), [70.0, 70.0])
    assert tempo_map.beat_interval_ms_at([2.0])[0] == pytest.approx(60_000 / 70)


def test_a_tempo_change_keeps_its_beat_and_everything_before() -> None:
    before = TempoMap.steady(RATE_HZ, 0, 60.0)
    after = before.with_tempo_from(8, 63.0)
    np.testing.assert_array_equal(after.frames_at(range(9)), before.frames_at(range(9)))
    expected_later = 8 * RATE_HZ + np.rint(np.arange(1, 5) * RATE_HZ * 60 / 63).astype(np.int64)
    np.testing.assert_array_equal(after.frames_at(range(9, 13)), expected_later)
    # The IOI in force at a beat is the interval from it to the next.
    np.testing.assert_array_equal(after.tempo_bpm_at([7, 7.5, 8, 12]), [60, 60, 63, 63])
    assert after.beat_at(8 * RATE_HZ + RATE_HZ * 60 / 63 / 2) == pytest.approx(8.5)
    assert after.last_tempo_bpm == 63.0
    # A second change at the same bar replaces the first.
    again = after.with_tempo_from(8, 57.0)
    assert again.tempo_bpm_at([9])[0] == 57.0 and len(again.segments) == 2


def test_a_pause_shifts_the_rest_later_and_counts_in_again() -> None:
    tempo_map = TempoMap.steady(RATE_HZ, 0, 60.0).with_tempo_from(8, 63.0)
    tempo_map = tempo_map.with_tempo_from(12, 66.0)  # decided ahead, not yet reached
    resumed = tempo_map.resumed(10, count_in_start_frame=20 * RATE_HZ, count_in_beats=2)
    resume_frame = 20 * RATE_HZ + round(2 * RATE_HZ * 60 / 63)
    np.testing.assert_array_equal(resumed.frames_at(range(10)), tempo_map.frames_at(range(10)))
    assert resumed.frame_at(10) == resume_frame
    shift = resume_frame - tempo_map.frame_at(10)
    np.testing.assert_array_equal(
        resumed.frames_at(range(10, 16)), tempo_map.frames_at(range(10, 16)) + shift
    )
    np.testing.assert_array_equal(resumed.tempo_bpm_at([9, 10, 12]), [63, 63, 66])
    clicks = resumed.count_in_frames()
    assert clicks.tolist() == [20 * RATE_HZ, 20 * RATE_HZ + round(RATE_HZ * 60 / 63)]
    # During the count-in the beat counts up to the one the task goes on from.
    assert resumed.beat_at(float(clicks[1])) == pytest.approx(9.0)
    assert resumed.beat_at(resume_frame - 1.0) == pytest.approx(10.0, abs=1e-4)


def test_lengths_in_seconds_and_beats() -> None:
    assert beats_lasting(30.0, 100.0) == 50
    assert beats_lasting(30.1, 100.0) == 51  # rounded up
    assert beats_lasting(0.1, 20.0) == 1
    assert seconds_of_beats(50, 100.0) == pytest.approx(30.0)


def interval_steps(beat_frames: np.ndarray) -> np.ndarray:
    intervals = np.diff(beat_frames).astype(float)
    ratios = intervals[1:] / intervals[:-1]
    return np.maximum(ratios, 1 / ratios) - 1


@settings(max_examples=200, deadline=None)
@given(
    from_bpm=st.floats(20.0, 240.0),
    to_bpm=st.floats(20.0, 240.0),
    sample_rate_hz=st.sampled_from([22_050, 44_100, 48_000, 96_000]),
    start_frame=st.integers(0, 10**9),
)
def test_a_tempo_step_never_moves_the_interval_more_than_5_percent(
    from_bpm: float, to_bpm: float, sample_rate_hz: int, start_frame: int
) -> None:
    stepped = tempo_step_bpm(from_bpm, to_bpm, sample_rate_hz)
    old, new, wanted = (frames_per_beat(b, sample_rate_hz) for b in (from_bpm, stepped, to_bpm))
    # Toward the wanted tempo, never past it; all the way when that is within the limit.
    assert min(old, wanted) - 1e-6 <= new <= max(old, wanted) + 1e-6
    if abs(wanted / old - 1) <= 0.04:
        assert stepped == to_bpm
    tempo_map = TempoMap.steady(sample_rate_hz, start_frame, from_bpm).with_tempo_from(7, stepped)
    frames = tempo_map.frames_at(np.arange(0, 16, dtype=float))
    assert interval_steps(frames).max() <= MAX_TEMPO_STEP


def test_steps_reach_the_wanted_tempo() -> None:
    tempo_bpm, steps = 100.0, 0
    while tempo_bpm != 80.0:
        tempo_bpm = tempo_step_bpm(tempo_bpm, 80.0, RATE_HZ)
        steps += 1
    assert steps == 5  # 25 % longer intervals, under 5 % a step


def test_a_grid_laid_anew_after_a_tempo_change_and_a_pause() -> None:
    level = make_level(make_task(beats=16), tempo_bpm=60.0, count_in_beats=4)
    grid = schedule_task(level, 0, 0, RATE_HZ)
    # Exactly 5 % faster would be a hair over 5 % on whole frames: the step limit gives less.
    stepped_bpm = tempo_step_bpm(60.0, 63.0, RATE_HZ)
    assert 62.9 < stepped_bpm < 63.0
    faster = reschedule_task(
        level, grid, 8, int(grid.beat_frames[8]), tempo_bpm=stepped_bpm, count_in_beats=0
    )
    np.testing.assert_array_equal(faster.beat_frames[:9], grid.beat_frames[:9])
    assert interval_steps(faster.beat_frames).max() <= MAX_TEMPO_STEP
    np.testing.assert_array_equal(faster.target_tempo_bpm, [60.0] * 8 + [stepped_bpm] * 8)
    np.testing.assert_allclose(faster.target_ioi_ms, 60_000 / faster.target_tempo_bpm)
    np.testing.assert_array_equal(faster.click_frames, faster.beat_frames[8:])
    paused = reschedule_task(level, faster, 11, 40 * RATE_HZ)
    np.testing.assert_array_equal(paused.beat_frames[:11], faster.beat_frames[:11])
    assert paused.beat_frames[11] == paused.resume_frame == paused.restart_frame
    # The same tempo after it, to the frame (its rounding starts again at the resume).
    resumed_spacing = np.diff(paused.beat_frames[11:]) - np.diff(faster.beat_frames[11:])
    assert np.abs(resumed_spacing).max() <= 1
    assert paused.click_frames[0] == 40 * RATE_HZ and paused.click_frames.shape[0] == 4 + 5
    assert paused.beat_position(40 * RATE_HZ) == pytest.approx(7.0)
    assert paused.end_frame - paused.beat_frames[-1] == faster.end_frame - faster.beat_frames[-1]
