import numpy as np

from engine.levels.limbs import CHANNEL_INDEX, accept_mask
from engine.timing.schedule import CLICK_ACCENT, CLICK_COUNT_IN, CLICK_NORMAL, schedule_task
from tests.level_factory import make_level, make_task

RATE_HZ = 48_000


def test_count_in_then_beats_with_accents() -> None:
    level = make_level(make_task(beats=8), tempo_bpm=120.0, count_in_beats=4)
    grid = schedule_task(level, 0, count_in_start_frame=1000, sample_rate_hz=RATE_HZ)
    frames_per_beat = RATE_HZ // 2
    assert grid.start_frame == 1000 + 4 * frames_per_beat
    assert list(grid.click_frames) == [1000 + i * frames_per_beat for i in range(12)]
    assert list(grid.click_kinds[:4]) == [CLICK_COUNT_IN] * 4
    assert (
        list(grid.click_kinds[4:]) == [CLICK_ACCENT, CLICK_NORMAL, CLICK_NORMAL, CLICK_NORMAL] * 2
    )
    assert list(grid.target_frames) == list(grid.beat_frames)
    assert grid.end_frame == grid.start_frame + 8 * frames_per_beat
    assert set(grid.pair_radius_frames) == {frames_per_beat // 2}


def test_pattern_subdivisions_and_rests() -> None:
    task = make_task(beats=4, pattern="xx.x", steps_per_beat=4)
    level = make_level(task, tempo_bpm=60.0, count_in_beats=0)
    grid = schedule_task(level, 0, count_in_start_frame=0, sample_rate_hz=RATE_HZ)
    step = RATE_HZ // 4
    expected = [beat * RATE_HZ + s * step for beat in range(4) for s in (0, 1, 3)]
    assert list(grid.target_frames) == expected
    assert set(grid.pair_radius_frames) == {step // 2}


def test_alternating_limbs_take_turns_per_tap_step() -> None:
    task = make_task(beats=4, limbs=("right_hand", "left_toe"))
    grid = schedule_task(make_level(task), 0, 0, RATE_HZ)
    assert [grid.limb_of_target(i) for i in range(4)] == ["right_hand", "left_toe"] * 2
    assert grid.target_accept_mask[0] == 1 << CHANNEL_INDEX["right_hand"]
    assert grid.target_accept_mask[1] == accept_mask("left_toe")


def test_continuation_silences_the_last_beats_but_keeps_targets() -> None:
    task = make_task(beats=10, continuation_beats=4)
    level = make_level(task, tempo_bpm=100.0, count_in_beats=2)
    grid = schedule_task(level, 0, 0, RATE_HZ)
    assert grid.click_frames.shape[0] == 2 + 6
    assert grid.target_frames.shape[0] == 10
    assert grid.continuation_start_frame == grid.beat_frames[6]
    assert np.all(grid.click_frames < grid.continuation_start_frame)
