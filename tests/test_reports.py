"""Reports: billing units, the JSON/CSV numbers, self-contained HTML, PDFs, flow sheets, the
screens' API; and `run.py report` as a person runs it (real processes, real files)."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from engine.metrics.task import session_metrics
from engine.reports.model import billing_units, local_day_bounds_utc, session_minutes
from engine.reports.service import (
    ReportError,
    ReportRequest,
    list_profiles,
    list_sessions,
    render_report,
    save_note,
    save_report,
    session_results,
)
from engine.store.opening import open_store
from engine.store.records import SESSION_INCOMPLETE
from tests.clinic_factory import TaskSpec, add_session
from tests.records_factory import orphan_running_sessions

ROOT = Path(__file__).resolve().parent.parent
ISSUE_TASK_KEYS = {
    "limb",
    "beats",
    "paired_taps",
    "missed_beats",
    "extra_taps",
    "task_average_ms",
    "sro_percent",
    "early_percent",
    "late_percent",
    "longest_burst",
    "mean_asynchrony_ms",
    "sd_asynchrony_ms",
    "circular_r",
    "rayleigh_p",
    "iti_cv",
}
ASSESSMENT = (
    TaskSpec(("both_hands",), beats=54, tempo_bpm=54.0, name="Both hands"),
    TaskSpec(("right_hand", "left_toe"), beats=54, tempo_bpm=54.0, name="Right hand, left toe"),
)


@pytest.mark.parametrize(
    ("minutes", "units"), [(0, 0), (7, 0), (8, 1), (22, 1), (23, 2), (37, 2), (38, 3), (60, 4)]
)
def test_billing_units_follow_the_8_minute_rule(minutes: int, units: int) -> None:
    assert billing_units(minutes) == units


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    """One profile with two training sessions and three assessments over a month."""
    rng = np.random.default_rng(8)
    store = open_store(tmp_path)
    weeks = [f"2026-03-{day:02d}T14:00:00+00:00" for day in (2, 9, 16, 23, 30)]
    add_session(store, rng, "Robin", weeks[0], ASSESSMENT, "standard", mean_ms=-40, minutes=24)
    add_session(store, rng, "Robin", weeks[1], minutes=9)
    add_session(store, rng, "Robin", weeks[2], ASSESSMENT, "standard", mean_ms=-30, minutes=23)
    add_session(store, rng, "Robin", weeks[3], (TaskSpec(continuation_beats=12),), minutes=12)
    add_session(store, rng, "Robin", weeks[4], ASSESSMENT, "standard", mean_ms=-15, minutes=25)
    add_session(store, rng, "Sam", weeks[0], status=None)
    orphan_running_sessions(store.path)
    store.mark_abandoned_sessions_incomplete()  # a crash: incomplete, no end time
    save_note(store, 1, "Good focus; <b>tired</b> at the end.", "OT Kim")
    store.close()
    return tmp_path


def test_session_json_carries_the_issue_keys_and_the_metrics(clinic: Path) -> None:
    store = open_store(clinic)
    data = json.loads(render_report(store, ReportRequest("json", session_id=1)))
    metrics = session_metrics(store, 1)
    store.close()
    assert data["report"] == "session"
    assert data["session"]["minutes"] == 24 and data["session"]["billing_units"] == 2
    assert data["session"]["calibration"]["method"] == "tap test"
    assert len(data["tasks"]) == 2
    for task_json, task in zip(data["tasks"], metrics.tasks, strict=True):
        assert task_json.keys() >= ISSUE_TASK_KEYS
        for key in ISSUE_TASK_KEYS - {"limb"}:
            assert task_json[key] == pytest.approx(getattr(task, key)), key
    assert data["tasks"][1]["limb"] == "right_hand/left_toe"
    assert data["notes"][0]["body"].startswith("Good focus")


def test_session_csv_has_a_row_per_task_and_the_pooled_row(clinic: Path) -> None:
    store = open_store(clinic)
    rows = list(
        csv.DictReader(
            io.StringIO(render_report(store, ReportRequest("csv", session_id=4)).decode())
        )
    )
    metrics = session_metrics(store, 4)
    store.close()
    assert [row["task_name"] for row in rows] == ["Task", "All tasks"]
    assert float(rows[0]["task_average_ms"]) == pytest.approx(metrics.tasks[0].task_average_ms)
    assert int(rows[0]["continuation_paired_taps"]) == metrics.tasks[0].continuation.paired_taps
    assert rows[1]["continuation_paired_taps"] == ""


def test_progress_json_has_limbs_and_the_assessment_table(clinic: Path) -> None:
    store = open_store(clinic)
    code = store.session(1).profile_code
    data = json.loads(render_report(store, ReportRequest("json", profile_code=code)))
    store.close()
    assert [s["session_id"] for s in data["sessions"]] == [1, 2, 3, 4, 5]
    assert data["total_minutes"] == 24 + 9 + 23 + 12 + 25
    assert data["total_billing_units"] == 2 + 1 + 2 + 1 + 2
    assert {limb["limb"] for limb in data["limbs"]} == {"both_hands", "right_hand", "left_toe"}
    assessment = data["assessment"]
    assert (assessment["baseline_session_id"], assessment["mid_session_id"]) == (1, 3)
    assert assessment["end_session_id"] == 5
    rows = assessment["tasks"]
    assert [row["task_name"] for row in rows] == ["Both hands", "Right hand, left toe", "All tasks"]
    assert rows[0]["task_average_change_ms"] == pytest.approx(
        rows[0]["task_average_ms"][2] - rows[0]["task_average_ms"][0]
    )


def test_html_reports_are_self_contained_and_escape_notes(clinic: Path) -> None:
    store = open_store(clinic)
    code = store.session(1).profile_code
    session_html = render_report(store, ReportRequest("html", session_id=1)).decode()
    progress_html = render_report(store, ReportRequest("html", profile_code=code)).decode()
    store.close()
    for html in (session_html, progress_html):
        assert not re.search(r'(src|href)="(?!data:)', html)  # nothing to fetch
        assert "<script" not in html
    assert session_html.count('src="data:image/png;base64,') == 2
    assert "&lt;b&gt;tired&lt;/b&gt;" in session_html
    assert "Right hand, left toe" in session_html and "15-minute units" in session_html
    assert "Baseline 2026-03-02" in progress_html


def page_count(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def test_pdfs_and_flow_sheets(clinic: Path, tmp_path: Path) -> None:
    store = open_store(clinic)
    code = store.session(1).profile_code
    session_pdf = render_report(store, ReportRequest("pdf", session_id=1))
    assert session_pdf.startswith(b"%PDF") and page_count(session_pdf) >= 1
    flow = render_report(
        store,
        ReportRequest("pdf", profile_code=code, from_date=date(2026, 3, 9), flow_sheet=True),
    )
    assert page_count(flow) == 4  # one page per session from 9 March on
    path = save_report(store, ReportRequest("pdf", profile_code=code), tmp_path / "out")
    assert path.parent == tmp_path / "out" and path.name == f"onbeat-progress-{code}-all.pdf"
    assert path.read_bytes().startswith(b"%PDF")
    store.close()


def test_requests_that_make_no_sense_are_refused(clinic: Path) -> None:
    store = open_store(clinic)
    with pytest.raises(ReportError, match="either a session"):
        render_report(store, ReportRequest("html"))
    with pytest.raises(ReportError, match="html or pdf"):
        render_report(store, ReportRequest("json", session_id=1, flow_sheet=True))
    with pytest.raises(ReportError, match="after --to"):
        render_report(
            store,
            ReportRequest(
                "html", profile_code="P-X", from_date=date(2026, 3, 9), to_date=date(2026, 3, 1)
            ),
        )
    with pytest.raises(LookupError, match="no session 42"):
        render_report(store, ReportRequest("html", session_id=42))
    store.close()


def test_the_screens_api_lists_and_shows(clinic: Path) -> None:
    store = open_store(clinic)
    profiles = list_profiles(store)
    assert [p.session_count for p in profiles if p.display_name == "Robin"] == [5]
    robin = next(p.code for p in profiles if p.display_name == "Robin")
    assert [s.session_id for s in list_sessions(store, robin)] == [5, 4, 3, 2, 1]
    assert session_results(store, 2).overall.beats == 40
    store.close()


def test_minutes_of_a_crashed_session_come_from_its_last_tap(clinic: Path) -> None:
    store = open_store(clinic)
    crashed = store.session(6)
    assert crashed.ended_at_utc is None and crashed.status == SESSION_INCOMPLETE
    assert session_minutes(crashed, 754.0) == (12, "estimated from the last tap; no end time")
    data = json.loads(render_report(store, ReportRequest("json", session_id=6)))
    assert data["session"]["minutes_note"] == "estimated from the last tap; no end time"
    store.close()


def test_local_day_bounds_cover_whole_days() -> None:
    start, before = local_day_bounds_utc(date(2026, 3, 1), date(2026, 3, 31))
    assert start < before and start.endswith("+00:00")
    assert local_day_bounds_utc(None, None) == (None, None)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), *args],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
    )


def test_report_command_writes_every_format_for_a_demo_session(tmp_path: Path) -> None:
    level = ROOT / "levels" / "parade" / "drum-march.yaml"
    demo = run_cli("demo", "--level", str(level), "--data-dir", str(tmp_path), "--jitter-ms", "5")
    assert demo.returncode == 0, demo.stderr
    for format_name in ("html", "pdf", "csv", "json"):
        out = tmp_path / f"session.{format_name}"
        result = run_cli(
            "report",
            "--data-dir",
            str(tmp_path),
            "--session",
            "1",
            "--format",
            format_name,
            "--out",
            str(out),
        )
        assert result.returncode == 0, result.stderr
        assert out.stat().st_size > 500
    data = json.loads((tmp_path / "session.json").read_text(encoding="utf-8"))
    assert [task["task_name"] for task in data["tasks"]] == ["Drum roll", "March on your own"]
    assert data["tasks"][1]["continuation"]["paired_taps"] > 0
    code = data["session"]["profile_code"]
    progress = run_cli(
        "report", "--data-dir", str(tmp_path), "--profile", code, "--from", "2020-01-01",
        "--format", "pdf", "--out", str(tmp_path / "progress.pdf"),
    )  # fmt: skip
    assert progress.returncode == 0, progress.stderr


def test_report_command_errors_are_one_line(tmp_path: Path) -> None:
    result = run_cli(
        "report", "--data-dir", str(tmp_path), "--session", "1", "--out", str(tmp_path / "x")
    )
    assert result.returncode == 1 and "no OnBeat data" in result.stderr
    open_store(tmp_path).close()
    result = run_cli(
        "report", "--data-dir", str(tmp_path), "--profile", "P-NOBODY", "--out", str(tmp_path / "x")
    )
    # A --profile that names nobody is a usage error (status 2) that says where to look.
    assert result.returncode == 2, result.stderr
    assert "--profile P-NOBODY: no profile in use" in result.stderr
    assert "run.py profiles list" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "x").exists()
    result = run_cli(
        "report", "--data-dir", str(tmp_path), "--session", "1", "--from", "March", "--out", "x"
    )
    assert result.returncode == 2 and "not a date" in result.stderr


def test_export_command_writes_sessions_as_json(clinic: Path, tmp_path: Path) -> None:
    out = tmp_path / "sessions.json"
    result = run_cli(
        "export", "--data-dir", str(clinic), "--what", "sessions", "--format", "json",
        "--out", str(out),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"Wrote 6 sessions to {out}"  # no bar: not a terminal
    assert len(json.loads(out.read_text(encoding="utf-8"))) == 6
