"""Scoring: hand cases for each pairing and judgement rule, then batch == plain-Python reference
and online == batch on random sessions."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.levels.limbs import CHANNELS, LIMBS, accept_mask, channel_index
from engine.scoring import checks
from engine.scoring import kernels as scoring
from engine.scoring.chunks import chunk_starts
from engine.scoring.judgement import Judgement, codes_of_labels, hit_flags, paired_flags
from engine.scoring.kernels import (
    EXTRA,
    GOOD,
    JUDGEMENT_NAMES,
    MAX_CHANNELS,
    OFF,
    OK,
    SRO,
    UNPAIRED,
    OnlineScorer,
    ScoredTaps,
    TapJudgement,
    score_taps,
    warm_up,
)
from engine.store.records import JUDGEMENTS
from tests.scoring_reference import score_taps_merged, score_taps_reference

RATE_HZ = 48000.0
IOI_FRAMES = 24000  # 500 ms between targets
RADIUS_FRAMES = IOI_FRAMES // 2
# Windows as whole frames, so that a tap exactly on a window edge has exactly that asynchrony.
SRO_FRAMES, GOOD_FRAMES, OK_FRAMES = 720, 2160, 4800  # 15, 45, 100 ms


def frames_to_ms(frames: float) -> float:
    # The same arithmetic as the scorer, so edges compare equal to the last bit.
    return frames / RATE_HZ * 1000.0


WINDOWS = {
    "sro_ms": frames_to_ms(SRO_FRAMES),
    "good_ms": frames_to_ms(GOOD_FRAMES),
    "ok_ms": frames_to_ms(OK_FRAMES),
}
RIGHT_HAND = channel_index("right_hand")
LEFT_HAND = channel_index("left_hand")
RIGHT_TOE = channel_index("right_toe")


def targets_every_ioi(count: int, first_frame: int = 48000, limb: str = "any") -> dict:
    return {
        "target_frames": first_frame + IOI_FRAMES * np.arange(count, dtype=np.int64),
        "target_accept_mask": np.full(count, accept_mask(limb), np.int64),
        "pair_radius_frames": np.full(count, RADIUS_FRAMES, np.int64),
    }


def score(targets: dict, taps: list[int], channels=None, input_offset_ms=0.0) -> ScoredTaps:
    if channels is None:
        channels = [RIGHT_HAND] * len(taps)
    return score_taps(
        **targets,
        tap_frames=np.array(taps, np.int64),
        tap_channels=np.array(channels, np.int64),
        sample_rate_hz=RATE_HZ,
        input_offset_ms=input_offset_ms,
        **WINDOWS,
    )


def test_judgement_codes_match_records_and_their_names():
    assert JUDGEMENTS == JUDGEMENT_NAMES
    codes = (SRO, GOOD, OK, OFF, EXTRA)
    assert [JUDGEMENT_NAMES[code] for code in codes] == ["sro", "good", "ok", "off", "extra"]
    assert [Judgement.of_label(name) for name in JUDGEMENTS] == list(Judgement)


def test_a_judgement_knows_whether_it_is_a_hit_and_paired():
    assert [j.label for j in Judgement if j.is_hit] == ["sro", "good"]
    assert [j.label for j in Judgement if j.is_paired] == ["sro", "good", "ok", "off"]
    codes = codes_of_labels(list(JUDGEMENTS))
    np.testing.assert_array_equal(hit_flags(codes), [j.is_hit for j in Judgement])
    np.testing.assert_array_equal(paired_flags(codes), [j.is_paired for j in Judgement])


def test_each_tap_is_judged_with_its_own_targets_windows():
    targets = targets_every_ioi(3)
    frames = targets["target_frames"]
    # The same 20 ms late tap, against targets whose windows narrow from one to the next.
    late = round(20.0 * RATE_HZ / 1000.0)
    scored = score_taps(
        **targets,
        tap_frames=frames + late,
        tap_channels=np.full(3, RIGHT_HAND),
        sample_rate_hz=RATE_HZ,
        input_offset_ms=0.0,
        sro_ms=np.array([25.0, 15.0, 10.0]),
        good_ms=np.array([45.0, 45.0, 15.0]),
        ok_ms=np.array([100.0, 100.0, 18.0]),
    )
    np.testing.assert_array_equal(scored.tap_judgement, [SRO, GOOD, OFF])


def test_early_tap_is_negative_and_late_tap_positive():
    targets = targets_every_ioi(2)
    first, second = targets["target_frames"]
    scored = score(targets, [first - 480, second + 96])
    np.testing.assert_array_equal(scored.tap_target, [0, 1])
    assert scored.tap_asynchrony_ms[0] == pytest.approx(-10.0)
    assert scored.tap_asynchrony_ms[1] == pytest.approx(2.0)
    np.testing.assert_array_equal(scored.tap_judgement, [SRO, SRO])
    np.testing.assert_array_equal(scored.target_tap, [0, 1])


@pytest.mark.parametrize("sign", [-1, 1])
@pytest.mark.parametrize(
    ("edge_frames", "on_edge", "past_edge"),
    [(SRO_FRAMES, SRO, GOOD), (GOOD_FRAMES, GOOD, OK), (OK_FRAMES, OK, OFF)],
)
def test_each_window_includes_its_edge(sign, edge_frames, on_edge, past_edge):
    targets = targets_every_ioi(2)
    first, second = targets["target_frames"]
    scored = score(targets, [first + sign * edge_frames, second + sign * (edge_frames + 1)])
    np.testing.assert_array_equal(scored.tap_judgement, [on_edge, past_edge])
    assert scored.tap_asynchrony_ms[0] == sign * frames_to_ms(edge_frames)


def test_far_off_tap_within_the_radius_is_off_but_paired():
    targets = targets_every_ioi(1)
    (target,) = targets["target_frames"]
    scored = score(targets, [target + RADIUS_FRAMES])
    assert scored.tap_judgement[0] == OFF
    assert scored.tap_target[0] == 0
    assert scored.target_tap[0] == 0


def test_tap_beyond_the_radius_is_extra():
    targets = targets_every_ioi(1)
    (target,) = targets["target_frames"]
    scored = score(targets, [target - RADIUS_FRAMES - 1, target + RADIUS_FRAMES + 1])
    np.testing.assert_array_equal(scored.tap_judgement, [EXTRA, EXTRA])
    np.testing.assert_array_equal(scored.tap_target, [UNPAIRED, UNPAIRED])
    assert np.isnan(scored.tap_asynchrony_ms).all()
    np.testing.assert_array_equal(scored.target_tap, [UNPAIRED])


def test_exact_tie_goes_to_the_earlier_target():
    targets = targets_every_ioi(2)
    first, second = targets["target_frames"]
    midpoint = (first + second) // 2
    scored = score(targets, [midpoint])
    assert scored.tap_target[0] == 0
    assert scored.tap_asynchrony_ms[0] == frames_to_ms(RADIUS_FRAMES)
    np.testing.assert_array_equal(scored.target_tap, [0, UNPAIRED])


def test_second_tap_on_a_paired_target_is_extra_even_with_a_free_target_in_range():
    targets = targets_every_ioi(2)
    first, _second = targets["target_frames"]
    # The second tap is nearer the first target but also inside the second target's radius.
    scored = score(targets, [first, first + RADIUS_FRAMES - 10])
    np.testing.assert_array_equal(scored.tap_target, [0, UNPAIRED])
    np.testing.assert_array_equal(scored.tap_judgement, [SRO, EXTRA])
    np.testing.assert_array_equal(scored.target_tap, [0, UNPAIRED])


def test_tap_on_a_channel_the_target_does_not_accept_is_extra():
    targets = targets_every_ioi(1, limb="right_hand")
    (target,) = targets["target_frames"]
    scored = score(targets, [target], channels=[LEFT_HAND])
    assert scored.tap_judgement[0] == EXTRA
    np.testing.assert_array_equal(scored.target_tap, [UNPAIRED])


def test_tap_pairs_with_the_nearest_target_of_its_own_channel():
    # Alternating right hand / right toe: a toe tap right on a hand target pairs with the toe
    # targets around it, the earlier one on the tie.
    targets = targets_every_ioi(4, limb="right_hand")
    targets["target_accept_mask"][1::2] = accept_mask("right_toe")
    targets["pair_radius_frames"][:] = IOI_FRAMES  # half the interval between same-limb steps
    hand_target = targets["target_frames"][2]
    scored = score(targets, [hand_target, hand_target + 1], channels=[RIGHT_TOE, RIGHT_TOE])
    np.testing.assert_array_equal(scored.tap_target, [1, 3])
    np.testing.assert_array_equal(scored.tap_judgement, [OFF, OFF])


def test_limb_accepting_several_channels_takes_each_of_them():
    targets = targets_every_ioi(3, limb="both_hands")
    frames = targets["target_frames"]
    scored = score(targets, list(frames), channels=[RIGHT_HAND, LEFT_HAND, RIGHT_TOE])
    np.testing.assert_array_equal(scored.tap_target, [0, 1, UNPAIRED])


def test_input_offset_shifts_pairing_and_asynchrony():
    targets = targets_every_ioi(2)
    first, second = targets["target_frames"]
    offset_ms = 40.0  # 1920 frames
    # Without the offset this tap is past the midpoint and pairs with the second target.
    tap = first + RADIUS_FRAMES + 1000
    plain = score(targets, [tap])
    shifted = score(targets, [tap], input_offset_ms=offset_ms)
    assert plain.tap_target[0] == 1
    assert shifted.tap_target[0] == 0
    assert shifted.tap_asynchrony_ms[0] == pytest.approx(frames_to_ms(RADIUS_FRAMES + 1000 - 1920))
    on_time = score(targets, [second + 1920], input_offset_ms=offset_ms)
    assert on_time.tap_asynchrony_ms[0] == pytest.approx(0.0, abs=1e-9)
    assert on_time.tap_judgement[0] == SRO


def test_fractional_offset_is_not_rounded():
    targets = targets_every_ioi(1)
    (target,) = targets["target_frames"]
    offset_ms = 0.01  # 0.48 frames
    scored = score(targets, [target], input_offset_ms=offset_ms)
    assert scored.tap_asynchrony_ms[0] == pytest.approx(-0.01)


def test_targets_without_a_tap_are_missed():
    targets = targets_every_ioi(4)
    frames = targets["target_frames"]
    scored = score(targets, [frames[1], frames[3] - 10])
    np.testing.assert_array_equal(scored.target_tap, [UNPAIRED, 0, UNPAIRED, 1])


def test_no_taps_and_no_targets():
    empty = score(targets_every_ioi(0), [])
    assert empty.tap_target.shape == (0,)
    assert empty.target_tap.shape == (0,)
    all_missed = score(targets_every_ioi(3), [])
    np.testing.assert_array_equal(all_missed.target_tap, [UNPAIRED] * 3)
    all_extra = score(targets_every_ioi(0), [5, 5, 9])
    np.testing.assert_array_equal(all_extra.tap_judgement, [EXTRA] * 3)


def test_result_arrays_have_contract_dtypes_and_are_read_only():
    scored = score(targets_every_ioi(2), [48000])
    assert scored.tap_target.dtype == np.int64
    assert scored.tap_asynchrony_ms.dtype == np.float64
    assert scored.tap_judgement.dtype == np.int8
    assert scored.target_tap.dtype == np.int64
    with pytest.raises(ValueError):
        scored.tap_target[0] = 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"target_frames": np.array([10, 10, 20])}, "strictly increasing"),
        ({"pair_radius_frames": np.array([5, -1, 5])}, "cannot be negative"),
        ({"target_accept_mask": np.array([1, 1])}, "one entry per target"),
        ({"tap_frames": np.array([30, 20])}, "non-decreasing"),
        ({"tap_channels": np.array([0, 63])}, "outside 0..62"),
        ({"tap_channels": np.array([0])}, "one entry per tap"),
        ({"sample_rate_hz": 0.0}, "sample_rate_hz must be positive"),
        ({"sro_ms": np.array([15.0, 15.0])}, "one number or one per target (3)"),
        ({"good_ms": 10.0}, "windows must widen from sro to good to ok"),
    ],
)
@pytest.mark.parametrize("pieces", [1, 2, 3])
def test_bad_input_is_refused_with_the_fix(change, message, pieces):
    arguments = {
        "target_frames": np.array([10, 20, 30]),
        "target_accept_mask": np.array([1, 1, 1]),
        "pair_radius_frames": np.array([5, 5, 5]),
        "tap_frames": np.array([20, 30]),
        "tap_channels": np.array([0, 0]),
        "sample_rate_hz": RATE_HZ,
        "input_offset_ms": 0.0,
        **WINDOWS,
    }
    # In pieces the targets are checked in slices on several threads: the same refusals.
    with pytest.raises(ValueError, match=re.escape(message)):
        score_taps(**{**arguments, **change}, pieces=pieces)


def test_online_scorer_reports_each_tap_and_each_missed_target_once():
    targets = targets_every_ioi(3)
    frames = targets["target_frames"]
    scorer = OnlineScorer(**targets, sample_rate_hz=RATE_HZ, input_offset_ms=0.0, **WINDOWS)
    assert scorer.newly_missed(int(frames[0]) - 1000) == []
    assert scorer.add_tap(int(frames[0]) - 480, RIGHT_HAND) == TapJudgement(0, -10.0, SRO)
    extra = scorer.add_tap(int(frames[0]), RIGHT_HAND)
    assert (extra.target, extra.judgement) == (UNPAIRED, EXTRA)
    assert math.isnan(extra.asynchrony_ms)
    # The second target's window ends at its frame + radius, inclusive.
    assert scorer.newly_missed(int(frames[1]) + RADIUS_FRAMES) == []
    assert scorer.newly_missed(int(frames[1]) + RADIUS_FRAMES + 1) == [1]
    assert scorer.newly_missed(int(frames[2]) + RADIUS_FRAMES + 1) == [2]
    assert scorer.newly_missed(10**12) == []
    np.testing.assert_array_equal(scorer.result().target_tap, [0, UNPAIRED, UNPAIRED])


def test_online_missed_deadline_follows_the_input_offset():
    targets = targets_every_ioi(1)
    end_frame = int(targets["target_frames"][0]) + RADIUS_FRAMES
    scorer = OnlineScorer(**targets, sample_rate_hz=RATE_HZ, input_offset_ms=10.0, **WINDOWS)
    # A tap stamped up to 480 frames (10 ms) after the window end still pairs once corrected.
    assert scorer.newly_missed(end_frame + 480) == []
    assert scorer.newly_missed(end_frame + 481) == [0]


def test_online_scorer_refuses_a_tap_from_before_a_polled_frame():
    scorer = OnlineScorer(
        **targets_every_ioi(2), sample_rate_hz=RATE_HZ, input_offset_ms=0.0, **WINDOWS
    )
    scorer.add_tap(50000, RIGHT_HAND)
    with pytest.raises(ValueError, match="time order"):
        scorer.add_tap(49999, RIGHT_HAND)
    scorer.newly_missed(60000)
    with pytest.raises(ValueError, match="time order"):
        scorer.add_tap(59999, RIGHT_HAND)
    with pytest.raises(ValueError, match=re.escape("outside 0..62")):
        scorer.add_tap(60000, -1)


def test_online_scorer_keeps_every_tap_past_its_first_allocation():
    targets = targets_every_ioi(2)
    scorer = OnlineScorer(**targets, sample_rate_hz=RATE_HZ, input_offset_ms=0.0, **WINDOWS)
    taps = np.arange(100, dtype=np.int64) * 1000
    for tap in taps:
        scorer.add_tap(int(tap), RIGHT_HAND)
    batch = score(targets, list(taps))
    assert_same_scores(scorer.result(), batch)


def test_warm_up_compiles_everything_real_calls_need():
    warm_up()
    kernels = (scoring.score_run, checks.target_flaws, checks._first_problem)
    compiled = [len(kernel.signatures) for kernel in kernels]
    # Inputs of other dtypes, read-only arrays and int scalars must not trigger a compile.
    targets = {name: values.astype(np.int32) for name, values in targets_every_ioi(3).items()}
    read_only_taps = np.array([48000, 72000], np.int64)
    read_only_taps.flags.writeable = False
    scalars = {"sample_rate_hz": 48000, "input_offset_ms": 3, "sro_ms": 15, "good_ms": 45}
    score_taps(**targets, tap_frames=read_only_taps, tap_channels=[0, 1], ok_ms=100, **scalars)
    scorer = OnlineScorer(**targets, ok_ms=100, **scalars)
    scorer.add_tap(np.int64(48000), np.int32(0))
    scorer.newly_missed(np.int64(100000))
    scorer.result()
    assert [len(kernel.signatures) for kernel in kernels] == compiled


def assert_same_scores(actual: ScoredTaps, expected: ScoredTaps) -> None:
    np.testing.assert_array_equal(actual.tap_target, expected.tap_target)
    # Exact equality, NaN where unpaired: both sides do the same float operations.
    np.testing.assert_array_equal(actual.tap_asynchrony_ms, expected.tap_asynchrony_ms)
    np.testing.assert_array_equal(actual.tap_judgement, expected.tap_judgement)
    np.testing.assert_array_equal(actual.target_tap, expected.target_tap)
    assert actual.tap_judgement.dtype == expected.tap_judgement.dtype


LIMB_MASKS = [accept_mask(limb) for limb in LIMBS]


@st.composite
def grid_targets(draw) -> dict:
    """A level-like grid: steps of one interval, an x/rest pattern, limbs taken in turn."""
    step_frames = draw(st.integers(2, 3000))
    step_count = draw(st.integers(0, 40))
    pattern = draw(st.lists(st.booleans(), min_size=1, max_size=8).filter(any))
    limbs = draw(st.lists(st.sampled_from(LIMB_MASKS), min_size=1, max_size=3))
    first_frame = draw(st.integers(0, 10**7))
    steps = [step for step in range(step_count) if pattern[step % len(pattern)]]
    return {
        "target_frames": np.array([first_frame + step * step_frames for step in steps], np.int64),
        "target_accept_mask": np.array(
            [limbs[i % len(limbs)] for i in range(len(steps))], np.int64
        ),
        "pair_radius_frames": np.full(len(steps), step_frames // 2, np.int64),
    }


@st.composite
def free_targets(draw) -> dict:
    """Uneven gaps, uneven and overlapping radii, any channel masks (including none)."""
    gaps = draw(st.lists(st.integers(1, 4000), max_size=30))
    first_frame = draw(st.integers(-(10**6), 10**6))
    count = len(gaps)
    radii = draw(st.lists(st.integers(0, 6000), min_size=count, max_size=count))
    masks = draw(st.lists(st.integers(0, 2 ** len(CHANNELS) - 1), min_size=count, max_size=count))
    return {
        "target_frames": first_frame + np.cumsum(np.array(gaps, np.int64)),
        "target_accept_mask": np.array(masks, np.int64),
        "pair_radius_frames": np.array(radii, np.int64),
    }


@st.composite
def sessions(draw) -> dict:
    """Targets, taps and scalars of one random task."""
    targets = draw(st.one_of(grid_targets(), free_targets()))
    sample_rate_hz = draw(st.sampled_from([8000.0, 44100.0, 48000.0, 96000.0]))
    input_offset_ms = draw(
        st.one_of(
            st.just(0.0),
            st.floats(-80.0, 200.0),
            # Whole frames, so that taps can land exactly on edges and midpoints.
            st.integers(-200, 2000).map(lambda frames: frames * 1000.0 / sample_rate_hz),
        )
    )
    offset_frames = round(input_offset_ms * sample_rate_hz / 1000.0)
    frames = targets["target_frames"].tolist()
    radii = targets["pair_radius_frames"].tolist()
    low, high = (frames[0] - 5000, frames[-1] + 5000) if frames else (0, 10000)

    masks = targets["target_accept_mask"].tolist()
    any_channel = st.integers(0, len(CHANNELS) - 1)
    kinds = ["anywhere", "in_window", "near_edge", "between"] if frames else ["anywhere"]
    taps: list[tuple[int, int]] = []
    for _ in range(draw(st.integers(0, 2 * len(frames) + 5))):
        kind = draw(st.sampled_from(kinds))
        i = draw(st.integers(0, len(frames) - 1)) if frames else 0
        if kind == "anywhere":
            frame = draw(st.integers(low, high))
        elif kind == "in_window":
            frame = frames[i] + draw(st.integers(-radii[i], radii[i]))
        elif kind == "near_edge":
            side = draw(st.sampled_from([-1, 0, 1]))
            frame = frames[i] + side * radii[i] + draw(st.integers(-3, 3))
        else:
            frame = (frames[i] + frames[min(i + 1, len(frames) - 1)]) // 2
        # Mostly a channel the chosen target accepts, so that most taps can pair.
        accepted = [c for c in range(len(CHANNELS)) if frames and (masks[i] >> c) & 1]
        wrong_channel = draw(st.integers(0, 4)) == 0
        channel = draw(any_channel if wrong_channel or not accepted else st.sampled_from(accepted))
        taps.append((frame + offset_frames, channel))
        if draw(st.integers(0, 9)) == 0:
            taps.append((frame + offset_frames, draw(any_channel)))
    taps.sort()
    tap_frames = [frame for frame, _ in taps]
    tap_channels = [channel for _, channel in taps]
    if draw(st.booleans()):
        sro_ms = draw(st.floats(0.0, 40.0))
        good_ms = sro_ms + draw(st.floats(0.001, 40.0))
        ok_ms = good_ms + draw(st.floats(0.001, 100.0))
    else:  # windows in force per target, as adaptive levels have them
        count = len(frames)
        sro_ms = np.array(draw(st.lists(st.floats(0.0, 40.0), min_size=count, max_size=count)))
        good_ms = sro_ms + draw(st.lists(st.floats(0.001, 40.0), min_size=count, max_size=count))
        ok_ms = good_ms + draw(st.lists(st.floats(0.001, 100.0), min_size=count, max_size=count))
    return {
        **targets,
        "tap_frames": np.array(tap_frames, np.int64),
        "tap_channels": np.array(tap_channels, np.int64),
        "sample_rate_hz": sample_rate_hz,
        "sro_ms": sro_ms,
        "good_ms": good_ms,
        "ok_ms": ok_ms,
        "input_offset_ms": input_offset_ms,
    }


PROPERTY_SETTINGS = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(session=sessions())
def test_batch_equals_reference(session):
    assert_same_scores(score_taps(**session), score_taps_reference(**session))


@PROPERTY_SETTINGS
@given(session=sessions(), pieces=st.integers(2, 7))
def test_batch_in_pieces_equals_one_merge(session, pieces):
    """Cut at quiet points and merged on numba's threads, the taps score as one merge does
    (engine/scoring/chunks.py), whether or not the cuts found quiet points."""
    assert_same_scores(score_taps(**session, pieces=pieces), score_taps(**session, pieces=1))


def test_pieces_cut_only_where_no_target_is_reached_from_both_sides():
    # Taps every 100 frames bridge every gap between targets 1,000 frames apart with radius
    # 600: no quiet point, so the batch stays one piece; with a gap of 3,000 frames it splits.
    target_frames = 1000 * np.arange(40, dtype=np.int64)
    dense = np.arange(0, 39_001, 100, dtype=np.int64)
    widest = 600
    bounds, _ = chunk_starts(dense, 0.0, target_frames, widest, 4)
    assert bounds.tolist() == [0, dense.size]
    # Between taps at 19,900 and 23,000 no target is within 601 frames of both.
    gapped = np.concatenate([dense[:200], dense[200:] + 3000])
    bounds, first_after = chunk_starts(gapped, 0.0, target_frames, widest, 2)
    assert bounds.tolist() == [0, 200, gapped.size]
    # The second piece's merge starts at the first target at or after its first tap.
    assert target_frames[first_after[1] - 1] < gapped[200] <= target_frames[first_after[1]]


def test_taps_out_of_order_across_a_cut_are_refused():
    targets = targets_every_ioi(40)
    frames = targets["target_frames"]
    taps = np.concatenate([frames[:20], frames[20:] - 1]).astype(np.int64)
    taps[20] = taps[19] - 5  # out of order just where the pieces meet
    with pytest.raises(ValueError, match="tap_frames must be non-decreasing, but tap 20"):
        score_taps(
            **targets,
            tap_frames=taps,
            tap_channels=np.zeros(taps.size, np.int64),
            pieces=2,
            **WINDOWS,
            sample_rate_hz=RATE_HZ,
            input_offset_ms=0.0,
        )


@PROPERTY_SETTINGS
@given(session=sessions())
def test_the_kernels_merge_in_plain_python_equals_the_reference(session):
    """The plain-Python twin of the merge that the benchmark times is the same judge."""
    assert_same_scores(score_taps_merged(**session), score_taps_reference(**session))


@PROPERTY_SETTINGS
@given(session=sessions(), data=st.data())
def test_online_equals_batch_and_reports_every_miss_once(session, data):
    tap_frames = session.pop("tap_frames").tolist()
    tap_channels = session.pop("tap_channels").tolist()
    batch = score_taps(
        **session, tap_frames=np.array(tap_frames, np.int64), tap_channels=tap_channels
    )
    scorer = OnlineScorer(**session)

    span_frames = [*tap_frames, *session["target_frames"].tolist(), 0]
    poll_frames = sorted(
        data.draw(st.lists(st.integers(min(span_frames) - 5000, max(span_frames) + 5000)))
    )
    reported: list[int] = []
    polls = iter(poll_frames)
    next_poll = next(polls, None)
    for tap_index, (tap_frame, channel) in enumerate(zip(tap_frames, tap_channels, strict=True)):
        # A poll may happen at any frame up to the next tap's stamp.
        while next_poll is not None and next_poll <= tap_frame:
            reported += scorer.newly_missed(next_poll)
            next_poll = next(polls, None)
        judged = scorer.add_tap(tap_frame, channel)
        assert judged.target == batch.tap_target[tap_index]
        assert judged.judgement == batch.tap_judgement[tap_index]
        np.testing.assert_array_equal(judged.asynchrony_ms, batch.tap_asynchrony_ms[tap_index])
    while next_poll is not None:
        reported += scorer.newly_missed(next_poll)
        next_poll = next(polls, None)
    reported += scorer.newly_missed(2**62)

    assert_same_scores(scorer.result(), batch)
    assert sorted(reported) == np.flatnonzero(batch.target_tap == UNPAIRED).tolist()


@PROPERTY_SETTINGS
@given(session=sessions(), data=st.data())
def test_a_broken_tap_anywhere_is_refused_by_its_index(session, data):
    """The batch kernel checks the taps in passing; the error still names the first bad one."""
    taps = session["tap_frames"].copy()
    channels = session["tap_channels"].copy()
    if taps.size < 2:
        return
    at = data.draw(st.integers(1, taps.size - 1))
    if data.draw(st.booleans()):
        taps[at:] = taps[at:] - (taps[at] - taps[at - 1]) - 1  # tap `at` goes back in time
        message = f"tap {at} is at frame {taps[at]}"
    else:
        channels[at:] = data.draw(st.sampled_from([-1, MAX_CHANNELS, 64, 1000]))
        message = f"tap channel {channels[at]} is outside 0..62"
    with pytest.raises(ValueError, match=re.escape(message)):
        score_taps(**{**session, "tap_frames": taps, "tap_channels": channels})


def test_nan_windows_are_refused():
    targets = targets_every_ioi(3)
    with pytest.raises(ValueError, match="windows must widen"):
        score_taps(
            **targets,
            tap_frames=np.zeros(0, np.int64),
            tap_channels=np.zeros(0, np.int64),
            sample_rate_hz=RATE_HZ,
            input_offset_ms=0.0,
            sro_ms=np.array([15.0, np.nan, 15.0]),
            good_ms=45.0 * np.ones(3),
            ok_ms=100.0 * np.ones(3),
        )
