"""The standard assessment, autoplayed twice for one child: per-task table and change table."""

from __future__ import annotations

import json
from pathlib import Path

from engine.levels.load import load_level
from engine.reports.service import ReportRequest, render_report
from engine.store.opening import open_store
from engine.store.recorder import Recorder
from game.harness import Harness, human_like

STANDARD = Path(__file__).resolve().parent.parent / "levels" / "assessment" / "standard.yaml"


def test_two_assessments_give_the_per_task_and_change_tables(tmp_path: Path) -> None:
    level = load_level(STANDARD)
    assert len(level.tasks) == 14 and level.adaptive is None  # assessments never adapt
    for seed, sd_ms in ((1, 40.0), (2, 15.0)):  # a second, steadier assessment
        recorder = Recorder(tmp_path)
        harness = Harness(
            recorder,
            human_like(mean_ms=-20.0, sd_ms=sd_ms, lapse_share=0.0),
            level=level,
            seed=seed,
            data_dir=tmp_path,
            profile_name="Sam",
            window_size=(320, 240),
            frame_rate_hz=10.0,
            poll_period_ms=5.0,
        )
        harness.run()
        recorder.close()
        assert harness.session.finished

    store = open_store(tmp_path)
    try:
        [profile] = store.list_profiles()
        sessions = store.list_sessions(profile.code)
        session_report = json.loads(
            render_report(store, ReportRequest(format="json", session_id=sessions[0].session_id))
        )
        progress = json.loads(
            render_report(store, ReportRequest(format="json", profile_code=profile.code))
        )
    finally:
        store.close()
    assert [s.status for s in sessions] == ["complete", "complete"]
    tasks = session_report["tasks"]
    assert len(tasks) == 14
    assert all(task["beats"] == 54 and task["paired_taps"] == 54 for task in tasks)
    assert all(abs(task["mean_asynchrony_ms"] + 20.0) < 15.0 for task in tasks)
    table = progress["assessment"]
    assert table["baseline_session_id"] == sessions[0].session_id
    assert sessions[1].session_id in (table["end_session_id"], table["mid_session_id"])
    rows = table["tasks"]
    assert len(rows) == 15  # 14 tasks and the overall row
    # The steadier second assessment shows as an improvement in Task Average.
    assert rows[-1]["task_average_change_ms"] < 0
