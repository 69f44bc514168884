"""The difficulty controller: ladder, staircase, per-child positions, and the simulation that
shows the success rate settles at the target (docs/adaptation.md)."""

from __future__ import annotations

import dataclasses
import itertools
import math
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from engine.levels.load import load_level
from engine.levels.model import Adaptive, Level, Windows
from engine.session.adaptation import (
    FINAL_STEP_UP_RUNGS,
    FIRST_STEP_UP_RUNGS,
    TEMPO_STEP_RATIO,
    VISUAL_CUES,
    WINDOW_STEP_RATIO,
    Staircase,
    build_ladder,
    change_period_beats,
    is_adaptive,
    level_rung,
    remember_position,
    slower_is_harder,
    staircase_for_child,
    start_position,
    visual_cue_at,
    windows_at,
)
from engine.session.simulate import (
    EVIDENCE_SDS_MS,
    EVIDENCE_TRIALS,
    HIT_80_WINDOW_SDS,
    Tapper,
    Trials,
    evidence_level,
    measure,
)
from engine.store.migrations.runner import newest_version
from engine.store.opening import open_store
from engine.store.sqlite.store import DATABASE_FILE_NAME
from game.harness import play_tapper
from tests.level_factory import make_level, make_task
from tests.records_factory import make_database_of_schema

REPO = Path(__file__).resolve().parent.parent


def adaptive_level(
    adjust: tuple[str, ...],
    tempo_bpm: float = 100.0,
    tempo_bounds: tuple[float, float] | None = None,
    window_bounds: tuple[float, float] | None = None,
    windows: Windows | None = None,
    target: float = 0.8,
) -> Level:
    level = make_level(make_task(beats=48), tempo_bpm=tempo_bpm, windows=windows)
    return dataclasses.replace(
        level, adaptive=Adaptive(target, adjust, tempo_bounds, window_bounds)
    )


def changed_fields(before, after) -> list[str]:
    return [
        field.name
        for field in dataclasses.fields(before)
        if getattr(before, field.name) != getattr(after, field.name)
    ]


# --- which levels adapt ---------------------------------------------------------------------
def test_the_standard_assessment_never_adapts() -> None:
    level = load_level(REPO / "levels" / "assessment" / "standard.yaml")
    assert not is_adaptive(level)
    with pytest.raises(ValueError, match="no 'adaptive' block"):
        build_ladder(level)


def test_pack_levels_with_an_adaptive_block_have_a_ladder_through_their_own_settings() -> None:
    adaptive = [
        level
        for path in sorted((REPO / "levels").glob("*/*.yaml"))
        if is_adaptive(level := load_level(path))
    ]
    assert adaptive
    for level in adaptive:
        ladder = build_ladder(level)
        rung = ladder[level_rung(level, ladder)]
        assert rung.good_window_ms == level.windows.good_ms
        assert rung.tempo_bpm == level.tempo_bpm


# --- the ladder -----------------------------------------------------------------------------
def test_window_ladder_runs_from_widest_to_narrowest_in_modest_steps() -> None:
    level = adaptive_level(("window",), window_bounds=(30.0, 90.0), windows=Windows(15, 70, 140))
    ladder = build_ladder(level)
    windows_ms = np.array([rung.good_window_ms for rung in ladder])
    assert windows_ms[0] == 90.0 and windows_ms[-1] == 30.0
    ratios = windows_ms[1:] / windows_ms[:-1]
    assert np.all(ratios < 1.0)
    assert np.all(ratios >= WINDOW_STEP_RATIO - 0.002)  # rungs are rounded to 0.1 ms
    assert ladder[level_rung(level, ladder)].good_window_ms == 70.0
    assert {rung.tempo_bpm for rung in ladder} == {100.0}
    assert {rung.visual_cue for rung in ladder} == {None}


def test_window_rungs_scale_sro_and_ok_with_good() -> None:
    level = adaptive_level(("window",), window_bounds=(10.0, 150.0))
    for rung in build_ladder(level):
        windows = windows_at(level, rung)
        assert windows.sro_ms < windows.good_ms < windows.ok_ms
        assert windows.good_ms == rung.good_window_ms
        assert windows.sro_ms / windows.good_ms == pytest.approx(15 / 45)
        assert windows.ok_ms / windows.good_ms == pytest.approx(100 / 45)


@pytest.mark.parametrize(
    ("tempo_bpm", "bounds", "easiest_bpm", "hardest_bpm"),
    [
        (100.0, (80.0, 120.0), 100.0, 80.0),  # in the comfort band: toward the farther bound
        (92.0, (76.0, 112.0), 100.0, 76.0),  # below it: slower is harder, easy end at 100
        (60.0, (50.0, 90.0), 90.0, 50.0),  # below it, bounds short of the band
        (140.0, (110.0, 180.0), 120.0, 180.0),  # above it: faster is harder
        (110.0, (100.0, 120.0), 110.0, 100.0),  # within it on both sides: a tie goes slower
        (110.0, (105.0, 150.0), 110.0, 150.0),  # the fast bound is farther from the band
    ],
)
def test_tempo_ladder_goes_away_from_the_comfort_band(
    tempo_bpm: float, bounds: tuple[float, float], easiest_bpm: float, hardest_bpm: float
) -> None:
    level = adaptive_level(("tempo",), tempo_bpm=tempo_bpm, tempo_bounds=bounds)
    ladder = build_ladder(level)
    tempi_bpm = np.array([rung.tempo_bpm for rung in ladder])
    assert (tempi_bpm[0], tempi_bpm[-1]) == (easiest_bpm, hardest_bpm)
    assert np.all((tempi_bpm >= bounds[0]) & (tempi_bpm <= bounds[1]))
    steps = tempi_bpm[1:] / tempi_bpm[:-1]
    toward_slower = hardest_bpm < easiest_bpm
    assert np.all(steps < 1.0) if toward_slower else np.all(steps > 1.0)
    # Each rung changes the beat interval by at most 5 % (and rounding to 0.1 bpm).
    assert np.all(np.abs(np.log(steps)) <= math.log(TEMPO_STEP_RATIO) + 0.002)
    assert ladder[level_rung(level, ladder)].tempo_bpm == tempo_bpm
    assert slower_is_harder(tempo_bpm, *bounds) == toward_slower


def test_visual_cue_ladder_fades_then_hides() -> None:
    level = adaptive_level(("visual_cue",))
    ladder = build_ladder(level)
    assert [rung.visual_cue for rung in ladder] == list(VISUAL_CUES) == ["full", "fade", "none"]
    task = dataclasses.replace(make_task(), visual_cue="none")
    assert visual_cue_at(task, ladder[0]) == "full"  # the ladder decides when it adjusts cues
    assert visual_cue_at(task, build_ladder(adaptive_level(("window",)))[0]) == "none"


def test_with_several_settings_each_rung_changes_one_thing_toward_harder() -> None:
    level = adaptive_level(
        ("window", "tempo", "visual_cue"),
        tempo_bounds=(60.0, 120.0),
        window_bounds=(20.0, 90.0),
    )
    ladder = build_ladder(level)
    for before, after in itertools.pairwise(ladder):
        changed = changed_fields(before, after)
        assert len(changed) == 1
        if changed == ["good_window_ms"]:
            assert after.good_window_ms < before.good_window_ms
        elif changed == ["tempo_bpm"]:
            assert after.tempo_bpm < before.tempo_bpm  # 100 bpm is in the band; 60 is farther
        else:
            assert VISUAL_CUES.index(after.visual_cue) == VISUAL_CUES.index(before.visual_cue) + 1
    assert ladder[0] == dataclasses.replace(ladder[0], good_window_ms=90.0, visual_cue="full")
    assert ladder[-1].good_window_ms == 20.0 and ladder[-1].tempo_bpm == 60.0
    assert ladder[-1].visual_cue == "none"
    start = ladder[level_rung(level, ladder)]
    assert (start.good_window_ms, start.tempo_bpm, start.visual_cue) == (45.0, 100.0, "full")
    # Interleaved, not one setting after the other: the cue fades before the window ends.
    harder = ladder[level_rung(level, ladder) :]
    first_fade = next(i for i, rung in enumerate(harder) if rung.visual_cue == "fade")
    narrowest = next(i for i, rung in enumerate(harder) if rung.good_window_ms == 20.0)
    slowest = next(i for i, rung in enumerate(harder) if rung.tempo_bpm == 60.0)
    assert first_fade < narrowest and first_fade < slowest


def test_an_adjusted_setting_without_bounds_stays_at_the_level_value() -> None:
    ladder = build_ladder(adaptive_level(("window", "tempo")))
    assert len(ladder) == 1


@pytest.mark.parametrize(
    ("pattern", "steps_per_beat", "beats"),
    [("x", 1, 4), ("xx.x", 1, 4), ("x...", 1, 4), ("x.x", 1, 12), ("x.", 2, 4), ("xxx", 3, 4)],
)
def test_rung_changes_fall_where_a_bar_and_the_pattern_start_together(
    pattern: str, steps_per_beat: int, beats: int
) -> None:
    task = make_task(pattern=pattern, steps_per_beat=steps_per_beat)
    assert change_period_beats(task) == beats


# --- the staircase --------------------------------------------------------------------------
@pytest.mark.parametrize("target", [0.5, 0.7, 0.8, 0.9, 0.95])
def test_step_down_over_step_up_is_p_over_one_minus_p(target: float) -> None:
    staircase = Staircase(40, target, 20.0, first_step_up_rungs=FINAL_STEP_UP_RUNGS)
    assert staircase.step_down_rungs / staircase.step_up_rungs == pytest.approx(
        target / (1 - target)
    )
    staircase.record(True)
    assert staircase.position == pytest.approx(20.0 + FINAL_STEP_UP_RUNGS)
    staircase.record(False)
    assert staircase.position == pytest.approx(
        20.0 + FINAL_STEP_UP_RUNGS - FINAL_STEP_UP_RUNGS * target / (1 - target)
    )


def test_success_share_is_the_target_plus_the_position_change() -> None:
    """Kaernbach's balance: Δup·successes − Δdown·failures = position change, exactly."""
    random = np.random.default_rng(7)
    staircase = Staircase(1000, 0.8, 500.0, first_step_up_rungs=FINAL_STEP_UP_RUNGS)
    outcomes = random.random(400) < 0.7
    for outcome in outcomes:
        staircase.record(bool(outcome))
    change = staircase.position - 500.0
    step_sum = staircase.step_up_rungs + staircase.step_down_rungs
    assert outcomes.mean() == pytest.approx(0.8 + change / (400 * step_sum))
    assert staircase.success_rate == pytest.approx(outcomes.mean())


def test_position_is_clamped_to_the_ladder() -> None:
    staircase = Staircase(5, 0.8, 2.0)
    for _ in range(50):
        staircase.record(True)
    assert staircase.position == 4.0
    assert staircase.rung_at_boundary() == 4
    for _ in range(50):
        staircase.record(False)
    assert staircase.position == 0.0
    assert staircase.rung_at_boundary() == 0
    assert Staircase(5, 0.8, 99.0).rung == 4
    assert Staircase(5, 0.8, -3.0).rung == 0
    lone = Staircase(1, 0.8, 0.0)
    lone.record(True)
    assert lone.rung_at_boundary() == 0


def test_the_rung_changes_only_at_a_boundary() -> None:
    staircase = Staircase(20, 0.8, 10.0)
    for _ in range(3):
        staircase.record(True)
    assert staircase.position == 13.0
    assert staircase.rung == 10
    assert staircase.rung_at_boundary() == 13
    staircase.record(False)
    assert staircase.rung == 13
    assert staircase.rung_at_boundary() == 9


def test_big_first_steps_halve_at_the_first_reversals() -> None:
    staircase = Staircase(40, 0.8, 20.0)
    assert staircase.step_up_rungs == FIRST_STEP_UP_RUNGS
    staircase.record(True)
    staircase.rung_at_boundary()  # up: no reversal yet
    staircase.record(False)
    staircase.rung_at_boundary()  # down: first reversal
    assert staircase.step_up_rungs == FIRST_STEP_UP_RUNGS / 2
    for _ in range(4):
        staircase.record(True)
    staircase.rung_at_boundary()  # up again: second reversal
    assert staircase.step_up_rungs == FINAL_STEP_UP_RUNGS
    for _ in range(10):
        staircase.record(False)
        staircase.rung_at_boundary()
        staircase.record(True)
        staircase.record(True)
        staircase.rung_at_boundary()
    assert staircase.step_up_rungs == FINAL_STEP_UP_RUNGS


def test_staircase_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="at least one rung"):
        Staircase(0, 0.8, 0.0)
    with pytest.raises(ValueError, match="between 0 and 1"):
        Staircase(5, 1.0, 0.0)


# --- each child's position ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("days", "expected"),
    [(0.0, 10.0), (3.0, 10.0), (7.0, 10.0), (14.0, 9.0), (21.0, 8.0), (60.0, 7.0), (400, 7.0)],
)
def test_a_long_break_starts_a_little_easier(days: float, expected: float) -> None:
    assert start_position(10.0, days) == pytest.approx(expected)


def test_a_long_break_never_goes_below_the_easiest_rung() -> None:
    assert start_position(1.0, 365.0) == 0.0


def test_positions_are_kept_per_child_and_level_in_the_database(tmp_path: Path) -> None:
    level = adaptive_level(("window",), window_bounds=(10.0, 150.0))
    other_level = dataclasses.replace(level, id="other-level")
    store = open_store(tmp_path)
    codes = {name: store.create_profile(name) for name in ("Robin", "Sam")}
    fresh = staircase_for_child(store, codes["Robin"], level)
    ladder = build_ladder(level)
    assert fresh.position == level_rung(level, ladder)
    assert fresh.step_up_rungs == FIRST_STEP_UP_RUNGS
    for _ in range(6):
        fresh.record(True)
    played_at = datetime(2026, 3, 2, 16, 30, tzinfo=UTC)
    remember_position(store, codes["Robin"], level.id, fresh, played_at)
    store.close()

    store = open_store(tmp_path)
    # Migration 3 made the positions table; later migrations keep it.
    assert store.schema_version() == newest_version() >= 3
    stored = store.adaptive_position(codes["Robin"], level.id)
    assert stored is not None
    assert stored.position == fresh.position
    assert stored.updated_at_utc == "2026-03-02T16:30:00+00:00"
    assert store.adaptive_position(codes["Sam"], level.id) is None
    assert store.adaptive_position(codes["Robin"], other_level.id) is None
    back = staircase_for_child(store, codes["Robin"], level, played_at + timedelta(days=2))
    assert back.position == fresh.position
    assert back.step_up_rungs == FINAL_STEP_UP_RUNGS  # near their rung already
    later = staircase_for_child(store, codes["Robin"], level, played_at + timedelta(days=28))
    assert later.position == pytest.approx(fresh.position - 3.0)
    remember_position(store, codes["Robin"], level.id, later, played_at + timedelta(days=28))
    assert store.adaptive_position(codes["Robin"], level.id).position == later.position
    with pytest.raises(LookupError, match="no profile"):
        store.save_adaptive_position("ZZZZZZ", level.id, 1.0)
    store.close()
    with sqlite3.connect(tmp_path / DATABASE_FILE_NAME) as connection:
        rows = connection.execute("SELECT level_id, position FROM adaptive_positions").fetchall()
    assert rows == [(level.id, later.position)]


def test_a_schema_2_database_gains_the_positions_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_database_of_schema(tmp_path, 2, monkeypatch)
    connection = sqlite3.connect(tmp_path / DATABASE_FILE_NAME)
    with connection:  # as OnBeat of schema 2 made a profile
        connection.execute(
            "INSERT INTO profiles (code, display_name, created_at_utc) "
            "VALUES ('P-ABCDEF', 'Robin', '2026-01-05T09:00:00+00:00')"
        )
    connection.close()
    store = open_store(tmp_path)
    assert store.schema_version() == newest_version() >= 3
    code = store.list_profiles()[0].code
    store.save_adaptive_position(code, "frog-hop", 2.5)
    assert store.adaptive_position(code, "frog-hop").position == 2.5
    store.close()


# --- the evidence: simulated tappers through the real play session --------------------------
def played(tmp_path: Path, level: Level, tapper: Tapper, seed: int) -> Trials:
    """One session of ``level`` by ``tapper`` on the harness (the game's own play scene and
    session); the trials it recorded, which must be exactly those its staircase heard."""
    trials, session = play_tapper(level, tapper, tmp_path / f"run-{seed}", seed)
    staircase = session.staircase
    assert (staircase.trials, staircase.successes) == (
        trials.success.shape[0],
        int(trials.success.sum()),
    ), "the staircase heard other trials than the session recorded"
    return trials


@pytest.mark.parametrize("sd_ms", EVIDENCE_SDS_MS)
def test_success_settles_within_5_points_of_the_target_within_60_trials(
    tmp_path: Path, sd_ms: float
) -> None:
    """The measure of docs/adaptation.md, on one session of 240 trials per tapper (the doc's
    table pools many; bench/adaptation_evidence.py): from the level's rung, the success rate
    over trials 61–240 lies within ±0.05 of the target and the window settles near the
    tapper's 80 % one."""
    trials = played(tmp_path, evidence_level(), Tapper(sd_ms), seed=int(sd_ms))
    assert trials.success.shape[0] == EVIDENCE_TRIALS
    measured = measure([trials], 0.8)
    assert abs(measured.settled_success - 0.8) <= 0.05
    # Within two rungs (about 20 %) of the window hit 80 % of the time.
    ratio = measured.settled_window_ms / (HIT_80_WINDOW_SDS * sd_ms)
    assert 0.8 <= ratio <= 1.25


def test_a_biased_tapper_who_lapses_settles_too(tmp_path: Path) -> None:
    tapper = Tapper(40.0, bias_ms=-35.0, lapse_rate=0.08)
    measured = measure([played(tmp_path, evidence_level(), tapper, seed=5)], 0.8)
    assert abs(measured.settled_success - 0.8) <= 0.05
    # Bias and lapses cost hits: the window settles wider than the unbiased 80 % window.
    assert measured.settled_window_ms > HIT_80_WINDOW_SDS * 40.0


def test_a_three_setting_ladder_settles_with_tempo_changes_mid_task(tmp_path: Path) -> None:
    """Tempo changes re-lay the rest of a task and rebuild its scorer: each target is still
    one trial for the staircase (an earlier miss is not heard again), and it settles."""
    level = evidence_level(adjust=("window", "tempo", "visual_cue"))
    # Sharp enough to climb past the level's rung, where tempo and cue steps begin.
    tapper = Tapper(20.0, lapse_rate=0.03, sd_scales_with_interval=True)
    trials = played(tmp_path, level, tapper, seed=2)
    ladder = build_ladder(level)
    tempi_bpm = {ladder[rung].tempo_bpm for rung in trials.rung.tolist()}
    assert len(tempi_bpm) > 2  # the tempo did change, and the scorer followed it
    assert abs(measure([trials], 0.8).settled_success - 0.8) <= 0.05


def test_a_tapper_beyond_the_ladder_stays_on_its_easiest_rung(tmp_path: Path) -> None:
    """No ladder can bring SD 300 ms to 80 %: the staircase rests at the bottom, not beyond."""
    trials = played(tmp_path, evidence_level(trials=120), Tapper(300.0), seed=1)
    assert trials.success[60:].mean() < 0.6
    assert np.all(trials.rung[60:] <= 1)
