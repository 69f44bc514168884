"""The progress report says what happened: its change is between the sessions it shows, its
minutes are summed before rounding, a session without taps is not complete, notes about
sessions appear; and `run.py report` writes the format its --out file is named for."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from cli.main import main
from engine.levels.model import Windows
from engine.reports.model import SHOW_CHANGE_MS, SHOW_MS, limb_rows, progress_report
from engine.reports.service import ReportRequest, render_report
from engine.store.opening import open_store
from engine.store.protocol import Store
from engine.store.recorder import Recorder
from engine.store.records import SESSION_COMPLETE, SESSION_INCOMPLETE
from game.harness import run_headless
from tests.clinic_factory import TaskSpec, add_session
from tests.level_factory import make_level, make_task
from tests.test_cli import run_cli


def add_untapped_session(
    store: Store, started_at_utc: str, level_id: str = "frog-hop", minutes: int = 5
) -> int:
    """A session stored complete whose one both-hands task had its beats and no tap at all,
    as an older OnBeat stored a level that ran to its end untouched."""
    return add_session(
        store,
        np.random.default_rng(0),
        started_at_utc=started_at_utc,
        tasks=(TaskSpec(beats=20, untapped=True),),
        level_id=level_id,
        minutes=minutes,
    )


def robin_code(store: Store) -> str:
    [profile] = store.list_profiles()
    return profile.code


# --- "Change" and "Latest" are the same sessions --------------------------------------------
def test_change_is_between_the_first_and_latest_sessions_the_row_shows(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    rng = np.random.default_rng(4)
    first = add_session(store, rng, started_at_utc="2026-01-05T10:00:00+00:00", sd_ms=40.0)
    latest = add_session(store, rng, started_at_utc="2026-01-12T10:00:00+00:00", sd_ms=15.0)
    # The newest session of the limb had beats but no tap: it has no Task Average to show.
    untapped = add_untapped_session(store, "2026-01-19T10:00:00+00:00", "2026-01-19T10:05:00+00:00")
    report = progress_report(store, robin_code(store))
    data = json.loads(render_report(store, ReportRequest("json", profile_code=robin_code(store))))
    store.close()
    [limb] = report.progress.limbs
    assert [p.session_id for p in limb.points] == [first, latest, untapped]
    assert (limb.first.session_id, limb.latest.session_id) == (first, latest)
    [row] = limb_rows(report)
    assert row[1] == "3"  # sessions with this limb
    assert row[2:5] == [
        SHOW_MS(limb.first.task_average_ms),
        SHOW_MS(limb.latest.task_average_ms),
        SHOW_CHANGE_MS(limb.latest.task_average_ms - limb.first.task_average_ms),
    ]
    assert row[3] != "–"  # the latest shown is the one the change was computed against
    [json_limb] = data["limbs"]
    assert (json_limb["first_session_id"], json_limb["latest_session_id"]) == (first, latest)
    assert json_limb["task_average_change_ms"] == pytest.approx(
        limb.latest.task_average_ms - limb.first.task_average_ms
    )


def test_a_limb_with_one_measured_session_shows_no_change(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    add_untapped_session(store, "2026-01-05T10:00:00+00:00")
    add_session(store, np.random.default_rng(1), started_at_utc="2026-01-12T10:00:00+00:00")
    report = progress_report(store, robin_code(store))
    store.close()
    [row] = limb_rows(report)
    assert row[2] == row[3] != "–" and row[4] == "–"


# --- minutes: exact durations summed, then rounded --------------------------------------------
def test_total_minutes_sum_exact_durations_before_rounding(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    rng = np.random.default_rng(2)
    for day in range(11):  # eleven short sessions of 50 s: 550 s, 9.2 minutes
        session_id = add_session(
            store,
            rng,
            started_at_utc=f"2026-01-{day + 5:02d}T10:00:00+00:00",
            tasks=(TaskSpec(beats=8),),
            status=None,
        )
        store.end_session(session_id, f"2026-01-{day + 5:02d}T10:00:50+00:00", SESSION_COMPLETE)
    code = robin_code(store)
    report = progress_report(store, code)
    data = json.loads(render_report(store, ReportRequest("json", profile_code=code)))
    store.close()
    assert report.session_minutes == (0,) * 11  # each row: no whole minute yet
    assert report.total_minutes == data["total_minutes"] == 9
    assert [s["seconds"] for s in data["sessions"]] == [50.0] * 11


# --- a session with no taps is not complete ---------------------------------------------------
def test_a_session_without_taps_is_reported_incomplete(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    rng = np.random.default_rng(3)
    played = add_session(store, rng, started_at_utc="2026-01-05T10:00:00+00:00")
    # What an older OnBeat stored for a level that ran to its end untouched: "complete".
    untouched = add_untapped_session(store, "2026-01-12T10:00:00+00:00", level_id="standard")
    code = robin_code(store)
    report = progress_report(store, code)
    progress = json.loads(render_report(store, ReportRequest("json", profile_code=code)))
    session = json.loads(render_report(store, ReportRequest("json", session_id=untouched)))
    html = render_report(store, ReportRequest("html", session_id=untouched)).decode()
    store.close()
    assert report.statuses() == ("complete", "incomplete (no taps)")
    assert [(s["session_id"], s["status"], s["taps"]) for s in progress["sessions"]][1] == (
        untouched,
        "incomplete",
        0,
    )
    assert progress["sessions"][0]["status"] == "complete" and played == 1
    assert (session["session"]["status"], session["session"]["taps"]) == ("incomplete", 0)
    assert "incomplete (no taps)" in html
    # Not taken, so not an assessment baseline either.
    assert progress["assessment"] is None


def test_a_level_played_to_its_end_without_a_tap_is_stored_incomplete(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path)
    level = make_level(make_task(beats=6))
    untouched = run_headless(level, recorder, lambda grid, target, rng: None, data_dir=tmp_path)
    played = run_headless(level, recorder, lambda grid, target, rng: 5.0, data_dir=tmp_path)
    recorder.close()
    assert untouched.session.finished and played.session.finished
    store = open_store(tmp_path)
    try:
        statuses = [store.session(run.session.session_id).status for run in (untouched, played)]
    finally:
        store.close()
    assert statuses == [SESSION_INCOMPLETE, SESSION_COMPLETE]


# --- notes about sessions appear ----------------------------------------------------------------
def test_notes_about_the_sessions_appear_in_the_progress_report(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    rng = np.random.default_rng(5)
    inside = add_session(store, rng, started_at_utc="2026-01-05T10:00:00+00:00")
    outside = add_session(store, rng, started_at_utc="2026-03-05T10:00:00+00:00")
    code = robin_code(store)
    store.add_note("Tired; stopped after the first task.", "OT", session_id=inside)
    store.add_note("Not in January.", "OT", session_id=outside)
    store.add_note("Goal: steady both hands by March.", "OT", profile_code=code)
    request = dict(profile_code=code, from_date=None, to_date=None)
    january = ReportRequest("html", **{**request, "to_date": _date("2026-01-31")})
    html = render_report(store, january).decode()
    data = json.loads(render_report(store, ReportRequest("json", **request)))
    pdf = render_report(store, ReportRequest("pdf", **request))
    store.close()
    assert "Tired; stopped after the first task." in html
    assert f"session {inside}, 2026-01-05" in html
    assert "Goal: steady both hands by March." in html and "about the profile" in html
    assert "Not in January." not in html
    assert {note["body"] for note in data["notes"]} == {
        "Tired; stopped after the first task.",
        "Not in January.",
        "Goal: steady both hands by March.",
    }
    assert pdf.startswith(b"%PDF")


def _date(text: str):
    from datetime import date

    return date.fromisoformat(text)


# --- `run.py report`: the format follows the --out suffix ------------------------------------
@pytest.fixture
def one_session(tmp_path: Path) -> Path:
    store = open_store(tmp_path)
    add_session(store, np.random.default_rng(6), tasks=(TaskSpec(windows=Windows()),))
    store.close()
    return tmp_path


@pytest.mark.parametrize(
    ("name", "starts_with"),
    [
        ("y.pdf", b"%PDF"),
        ("y.PDF", b"%PDF"),
        ("y.json", b"{"),
        ("y.csv", b"session_id,"),
        ("y.html", b"<!DOCTYPE html>"),
        ("y", b"<!DOCTYPE html>"),  # no suffix: HTML, as before
    ],
)
def test_without_format_the_report_follows_the_out_suffix(
    one_session: Path, capsys: pytest.CaptureFixture[str], name: str, starts_with: bytes
) -> None:
    out = one_session / name
    status = main(["report", "--session", "1", "--out", str(out), "--data-dir", str(one_session)])
    assert status == 0, capsys.readouterr().err
    assert out.read_bytes().lstrip().startswith(starts_with)


def test_a_suffix_that_contradicts_the_format_is_refused(one_session: Path) -> None:
    out = one_session / "y.pdf"
    result = run_cli(
        "report", "--session", "1", "--format", "html", "--out", str(out),
        "--data-dir", str(one_session),
    )  # fmt: skip
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert ".pdf says pdf but --format says html" in line and "y.html" in line
    assert not out.exists()


def test_a_suffix_of_no_known_format_needs_format(
    one_session: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ["--data-dir", str(one_session)]
    status = main(["report", "--session", "1", "--out", str(one_session / "y.txt"), *data])
    assert status == 2 and "cannot tell the format from the suffix .txt" in capsys.readouterr().err
    assert not (one_session / "y.txt").exists()
    out = one_session / "y.txt"
    status = main(["report", "--session", "1", "--format", "csv", "--out", str(out), *data])
    assert status == 0 and out.read_text(encoding="utf-8").startswith("session_id,")
