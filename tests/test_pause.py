"""Pause and resume in the real loop (virtual clock): the task goes on after a count-in."""

from __future__ import annotations

import numpy as np

from engine.store.opening import open_store
from engine.store.recorder import Recorder
from engine.timing.schedule import reschedule_task, schedule_task
from game.autoplay import AutoTapper
from game.harness import Harness
from tests.level_factory import make_level, make_task

NS_PER_S = 1_000_000_000
LEVEL = make_level(
    make_task(beats=16, name="Claps"),
    make_task(beats=8, limbs=("right_hand", "left_hand")),
    tempo_bpm=120.0,
    count_in_beats=2,
)


def never(grid, target_index, rng):
    return None


def test_pause_silences_the_task_and_resume_goes_on_from_the_next_beat(tmp_path) -> None:
    recorder = Recorder(tmp_path)
    harness = Harness(
        recorder, never, level=LEVEL, frame_jitter_ms=10.0, autoplay=AutoTapper(-5.0, 0.0)
    )
    start_ns = harness.clock.now_ns()
    seen = {}

    def pause(now_ns: int) -> None:
        session = harness.scene.session
        seen["grid_before"] = session.grids[0]
        seen["paused_frame"] = session.clock.host_ns_to_frame(now_ns)
        session.pause(now_ns)
        seen["clicks_after_pause"] = harness.rig.track.click_frames[
            harness.rig.track.click_frames >= harness.rig.ring.frames_handed
        ].size
        seen["phase"] = session.view(now_ns).phase

    harness.clock.at(start_ns + 4 * NS_PER_S, pause)
    harness.clock.at(start_ns + 7 * NS_PER_S, lambda now_ns: harness.scene.session.resume(now_ns))
    harness.run()
    recorder.close()

    session = harness.session
    assert session.finished
    assert seen["phase"] == "paused" and seen["clicks_after_pause"] == 0
    before, after = seen["grid_before"], session.grids[0]
    played = before.target_frames < seen["paused_frame"]
    assert 0 < played.sum() < 16
    # Targets already played keep their frames; the rest moved past the 3 s pause.
    np.testing.assert_array_equal(after.target_frames[played], before.target_frames[played])
    assert np.all(after.target_frames[~played] - before.target_frames[~played] > 3 * 48_000)
    # Every target was played, on the new grid, with the autoplayer's timing.
    results = session.view(harness.clock.now_ns()).results
    assert [r.targets for r in results] == [16, 8]
    assert [r.paired_taps for r in results] == [16, 8]
    assert abs(results[0].mean_asynchrony_ms + 5.0) < 0.05

    store = open_store(tmp_path)
    try:
        assert store.session(session.session_id).status == "complete"
        stored = {
            row.tap.beat_index
            for row in store.iter_taps(session.session_id)
            if row.tap.task_index == 0 and row.tap.beat_index is not None
        }
    finally:
        store.close()
    assert stored == set(range(16))


def test_resume_during_the_count_in_restarts_the_count_in() -> None:
    grid = schedule_task(LEVEL, 0, count_in_start_frame=0, sample_rate_hz=48_000)
    again = reschedule_task(LEVEL, grid, first_beat=0, count_in_start_frame=100_000)
    assert again.restart_frame == 100_000 + 2 * 24_000
    assert again.target_frames[0] == again.restart_frame
    assert list(again.click_frames[:2]) == [100_000, 124_000]
