"""The record tells exactly what was played (issue 10's acceptance): an adaptive level at
60 bpm that may move between 50 and 70 bpm, played twice by one child on the real game
(harness), then read back only through the exports and the report.

- Every step between consecutive beat spacings is at most 5 %, also from one task to the next
  and from the end of the first session to the start of the second (it starts where the
  first ended; before, each task started at the level's tempo and jumped at its first bar).
- Each beat's recorded IOI is its spacing.
- Every tap's judgement follows from its asynchrony and the windows recorded with it.
- The report's per-task Task Average and SRO % are what the taps export gives, each tap with
  its own window.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from engine.levels.model import Adaptive, Windows
from engine.reports.export import export
from engine.reports.service import ReportRequest, render_report
from engine.session.adaptation import Staircase, remember_position, start_tempo_for_child
from engine.store.opening import open_store
from engine.store.recorder import Recorder
from game.harness import Harness, human_like
from tests.level_factory import make_level, make_task

RATE_HZ = 48_000
MAX_STEP = 0.05


def adaptive_level():
    level = make_level(
        make_task(beats=40, name="Hands"),
        make_task(beats=40, name="Hands again"),
        tempo_bpm=60.0,
        count_in_beats=4,
        level_id="slow-adapt",
        windows=Windows(sro_ms=15.0, good_ms=45.0, ok_ms=100.0),
    )
    adaptive = Adaptive(
        target=0.8, adjust=("tempo", "window"), tempo_bpm=(50.0, 70.0), window_ms=(30.0, 80.0)
    )
    return replace(level, adaptive=adaptive)


def play_once(data_dir: Path, seed: int) -> None:
    recorder = Recorder(data_dir)
    try:
        Harness(
            recorder,
            human_like(mean_ms=-15.0, sd_ms=30.0, lapse_share=0.02),
            level=adaptive_level(),
            seed=seed,
            data_dir=data_dir,
            profile_name="Mia",
        ).run()
    finally:
        recorder.close()


def exported(data_dir: Path, what: str) -> list[dict]:
    store = open_store(data_dir)
    try:
        out = data_dir / f"{what}.json"
        export(store, out, what, "json")
        return json.loads(out.read_text(encoding="utf-8"))
    finally:
        store.close()


def largest_step(spacings: list[float]) -> float:
    pairs = np.array(spacings, dtype=float)
    ratios = pairs[1:] / pairs[:-1]
    return float((np.maximum(ratios, 1 / ratios) - 1).max())


@pytest.fixture(scope="module")
def played(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("mia")
    play_once(data_dir, seed=3)
    play_once(data_dir, seed=4)
    return data_dir


def test_the_tempo_never_steps_more_than_5_percent_even_across_tasks_and_sessions(
    played: Path,
) -> None:
    beats = exported(played, "beats")
    by_task: dict[tuple[int, int], list[dict]] = {}
    for beat in beats:
        by_task.setdefault((beat["session_id"], beat["task_index"]), []).append(beat)
    assert sorted(by_task) == [(1, 0), (1, 1), (2, 0), (2, 1)]
    spacings = {key: np.diff([b["target_frame"] for b in rows]) for key, rows in by_task.items()}
    for key, steps in spacings.items():
        assert largest_step(list(steps)) <= MAX_STEP, key
    # Across each task start, and from the first session into the second: the last spacing of
    # one task against the first of the next.
    order = sorted(by_task)
    for earlier, later in itertools.pairwise(order):
        joint = [spacings[earlier][-1], spacings[later][0]]
        assert largest_step(joint) <= MAX_STEP, (earlier, later)
    # The tempo moved, so the test tests something: the first session ended away from the
    # level's 60 bpm, and the second began there rather than at 60.
    tempi = {key: [b["tempo_bpm"] for b in rows] for key, rows in by_task.items()}
    assert tempi[(1, 1)][-1] != 60.0
    assert tempi[(2, 0)][0] == tempi[(1, 1)][-1]
    assert len({bpm for values in tempi.values() for bpm in values}) > 2
    tasks = exported(played, "tasks")
    for task in tasks:
        rows = by_task[(task["session_id"], task["task_index"])]
        assert (task["tempo_bpm_start"], task["tempo_bpm_end"]) == (
            rows[0]["tempo_bpm"],
            rows[-1]["tempo_bpm"],
        )


def test_each_beats_recorded_ioi_is_its_spacing(played: Path) -> None:
    beats = exported(played, "beats")
    checked = 0
    for beat, following in itertools.pairwise(beats):
        if (beat["session_id"], beat["task_index"]) != (
            following["session_id"],
            following["task_index"],
        ):
            continue
        spacing_ms = (following["target_frame"] - beat["target_frame"]) * 1000.0 / RATE_HZ
        # Beats fall on whole frames: a spacing is within a frame of the exact interval.
        assert spacing_ms == pytest.approx(beat["ioi_ms"], abs=1000.0 / RATE_HZ), beat
        assert beat["ioi_ms"] == pytest.approx(60_000.0 / beat["tempo_bpm"])
        checked += 1
    assert checked == len(beats) - 4


def judged(asynchrony_ms: float, sro_ms: float, good_ms: float, ok_ms: float) -> str:
    """The judgement the windows give, written out here independently of the judge."""
    distance = abs(asynchrony_ms)
    if distance <= sro_ms:
        return "sro"
    if distance <= good_ms:
        return "good"
    return "ok" if distance <= ok_ms else "off"


def test_every_tap_follows_from_its_asynchrony_and_its_recorded_windows(played: Path) -> None:
    taps = exported(played, "taps")
    beats = {
        (b["session_id"], b["task_index"], b["beat_index"]): b for b in exported(played, "beats")
    }
    paired = [tap for tap in taps if tap["beat_index"] is not None]
    assert len(paired) > 100
    windows_seen = set()
    for tap in paired:
        windows = (tap["sro_ms"], tap["good_ms"], tap["ok_ms"])
        assert tap["judgement"] == judged(tap["asynchrony_ms"], *windows), tap
        beat = beats[(tap["session_id"], tap["task_index"], tap["beat_index"])]
        assert windows == (beat["sro_ms"], beat["good_ms"], beat["ok_ms"])
        windows_seen.add(windows)
    assert len(windows_seen) > 1  # the windows adapted too
    for tap in taps:
        if tap["beat_index"] is None:
            assert tap["judgement"] in ("extra", "unscored")
            assert (tap["sro_ms"], tap["good_ms"], tap["ok_ms"]) == (None, None, None)


def test_the_reports_task_numbers_are_the_taps_export_recomputed(played: Path) -> None:
    taps = exported(played, "taps")
    store = open_store(played)
    try:
        for session_id in (1, 2):
            report = json.loads(render_report(store, ReportRequest("json", session_id=session_id)))
            for task in report["tasks"]:
                mine = [
                    tap
                    for tap in taps
                    if (tap["session_id"], tap["task_index"]) == (session_id, task["task_index"])
                    and tap["beat_index"] is not None
                ]
                magnitude = np.abs([tap["asynchrony_ms"] for tap in mine])
                sro = magnitude <= np.array([tap["sro_ms"] for tap in mine])
                assert task["task_average_ms"] == pytest.approx(magnitude.mean(), rel=1e-12)
                assert task["sro_percent"] == pytest.approx(100 * sro.mean(), rel=1e-12)
                tempi = [
                    t["tempo_bpm"]
                    for t in exported(played, "beats")
                    if (t["session_id"], t["task_index"]) == (session_id, task["task_index"])
                ]
                assert (task["tempo_bpm_min"], task["tempo_bpm_max"]) == (min(tempi), max(tempi))
    finally:
        store.close()


def test_a_session_starts_at_the_tempo_the_last_ended_unless_after_a_long_break(
    tmp_path: Path,
) -> None:
    level = adaptive_level()
    store = open_store(tmp_path)
    try:
        code = store.create_profile("Mia")
        assert start_tempo_for_child(store, code, level) is None  # new to the level
        played_at = datetime(2026, 3, 2, 16, 30, tzinfo=UTC)
        staircase = Staircase(5, 0.8, 2.0)
        remember_position(store, code, level.id, staircase, played_at, tempo_bpm=54.4)
        next_week = played_at + timedelta(days=7)
        assert start_tempo_for_child(store, code, level, next_week) == 54.4
        # After a break the staircase starts easier, and so does the tempo: the rung's.
        after_a_month = played_at + timedelta(days=30)
        assert start_tempo_for_child(store, code, level, after_a_month) is None
        remember_position(store, code, level.id, staircase, played_at)  # tempo not recorded
        assert start_tempo_for_child(store, code, level, next_week) is None
    finally:
        store.close()


def test_the_tempo_holds_once_the_metronome_falls_silent(tmp_path: Path) -> None:
    level = replace(
        adaptive_level(),
        tasks=(make_task(beats=48, continuation_beats=24, name="Keep going"),),
    )

    def steady_then_lost(grid, target_index: int, rng: np.random.Generator) -> float:
        # Right on for a while (the tempo slows), then far off (it would speed up again).
        return float(rng.normal(0.0, 3.0)) if target_index < 14 else 95.0

    recorder = Recorder(tmp_path)
    try:
        Harness(
            recorder, steady_then_lost, level=level, seed=5, data_dir=tmp_path, profile_name="Mia"
        ).run()
    finally:
        recorder.close()
    tempi = [beat["tempo_bpm"] for beat in exported(tmp_path, "beats")]
    assert min(tempi[:24]) < 60.0 < max(tempi[:24]) or len(set(tempi[:24])) > 2
    assert set(tempi[24:]) == {tempi[23]}  # the 24 silent beats: the tempo last heard
