"""Adaptive levels in the live loop: rungs change at bar boundaries, tempo changes re-lay the
rest of the task sample-exactly, and each child's place is kept for the next session."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from engine.levels.model import Adaptive
from engine.session.adaptation import build_ladder, change_period_beats
from engine.store.opening import open_store
from engine.store.recorder import Recorder
from engine.timing.tempo_map import tempo_step_bpm
from game.autoplay import AutoTapper
from game.harness import Harness, human_like
from tests.level_factory import make_level, make_task

RATE_HZ = 48_000


def adaptive_level(adjust: tuple[str, ...], **bounds):
    level = make_level(make_task(beats=64), tempo_bpm=110.0, count_in_beats=2, level_id="adapt")
    return replace(level, adaptive=Adaptive(target=0.8, adjust=adjust, **bounds))


def play(tmp_path, level, plan, seed=1, autoplay=None) -> Harness:
    recorder = Recorder(tmp_path)
    harness = Harness(
        recorder,
        plan,
        level=level,
        seed=seed,
        data_dir=tmp_path,
        profile_name="Zoe",
        autoplay=autoplay,
    )
    harness.run()
    recorder.close()
    return harness


def test_a_steady_child_gets_narrower_windows_at_bar_boundaries(tmp_path) -> None:
    level = adaptive_level(("window",), window_ms=(10.0, 150.0))
    harness = play(tmp_path, level, human_like(mean_ms=0.0, sd_ms=8.0, lapse_share=0.0))
    session = harness.session
    store = open_store(tmp_path)
    try:
        steps = store.adaptation_steps(session.session_id)
        [profile] = store.list_profiles()
        saved = store.adaptive_position(profile.code, level.id)
    finally:
        store.close()
    assert steps and all(step.direction == "up" for step in steps[:2])
    grid = session.grids[0]
    period = change_period_beats(level.tasks[0])
    boundaries = set(grid.beat_frames[period::period].tolist())
    assert {step.audio_frame for step in steps} <= boundaries
    assert steps[-1].window_ms < level.windows.good_ms
    assert saved is not None and saved.position == session.staircase.position


def test_tempo_changes_relay_the_rest_of_the_task_on_the_sample(tmp_path) -> None:
    level = adaptive_level(("tempo",), tempo_bpm=(80.0, 118.0))
    # The autoplayer follows the grid as it is re-laid, as a child follows the clicks.
    never = human_like(lapse_share=1.0)
    harness = play(tmp_path, level, never, autoplay=AutoTapper(mean_ms=0.0, sd_ms=5.0))
    session = harness.session
    store = open_store(tmp_path)
    try:
        steps = store.adaptation_steps(session.session_id)
    finally:
        store.close()
    assert steps, "a steady tapper should move up the tempo ladder"
    grid = session.grids[0]
    first = steps[0]
    boundary = int(np.searchsorted(grid.beat_frames, first.audio_frame))
    assert grid.beat_frames[boundary] == first.audio_frame
    before = np.diff(grid.beat_frames[boundary - 3 : boundary + 1])
    after = np.diff(grid.beat_frames[boundary : boundary + 4])
    assert np.all(np.abs(before - RATE_HZ * 60 / 110.0) <= 1)
    # Toward the rung's tempo, by at most 5 % at this bar line.
    stepped_bpm = tempo_step_bpm(110.0, first.tempo_bpm, RATE_HZ)
    assert first.tempo_bpm < stepped_bpm < 110.0
    assert np.all(np.abs(after - RATE_HZ * 60 / stepped_bpm) <= 1)
    spacing = np.diff(grid.beat_frames).astype(float)
    assert (np.maximum(spacing[1:] / spacing[:-1], spacing[:-1] / spacing[1:]) - 1).max() <= 0.05
    # Every later beat still has its click, exactly on the beat.
    clicks = set(harness.rig.track.click_frames.tolist())
    later = grid.beat_frames[boundary : boundary + 8]
    assert set(later.tolist()) <= clicks or all(
        frame < harness.rig.ring.frames_handed for frame in later
    )
    assert session.overall().paired_taps == grid.target_frames.shape[0]


def test_the_next_session_starts_where_the_child_left_off(tmp_path) -> None:
    level = adaptive_level(("window",), window_ms=(10.0, 150.0))
    first = play(tmp_path, level, human_like(mean_ms=0.0, sd_ms=8.0, lapse_share=0.0))
    second = play(tmp_path, level, human_like(mean_ms=0.0, sd_ms=8.0, lapse_share=0.0), seed=2)
    ladder = build_ladder(level)
    assert first.session.staircase.rung > ladder.index(
        next(r for r in ladder if r.good_window_ms == level.windows.good_ms)
    )
    # The second staircase began at the position the first one ended on.
    assert second.session.staircase.trials > 0
    store = open_store(tmp_path)
    try:
        [profile] = store.list_profiles()
        sessions = store.list_sessions(profile.code)
        second_steps = store.adaptation_steps(sessions[1].session_id)
    finally:
        store.close()
    assert len(sessions) == 2
    if second_steps:
        assert second_steps[0].rung >= first.session.staircase.rung - 1
