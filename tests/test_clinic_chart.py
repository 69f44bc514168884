"""The clinic's paperwork: therapists, active minutes from the recording, minutes per code
and their signatures, goals and their progress, chart fields, the flow sheet, the progress
report and the re-evaluation. The month of sessions is played through the real game on the
harness (tests/month_of_sessions.py), so its numbers are known."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from engine.billing.active_time import PAUSE_GAP_BEATS, active_seconds, whole_minutes
from engine.billing.chart_fields import diagnosis_code, diagnosis_codes
from engine.billing.codes import DEFAULT_BILLING_PATH, load_billing_config
from engine.billing.people import npi_problem
from engine.billing.session_billing import (
    BillingRecordError,
    assign_minutes,
    default_shares,
    sign_session,
    signature_state,
    split_minutes,
)
from engine.metrics.goal_series import goal_standing
from engine.metrics.goals import Comparison, parse_target
from engine.reports.service import ReportError, ReportRequest, render_report
from engine.reports.versions import onbeat_version
from engine.store.chart_records import (
    CHART_FIELDS_ON,
    CHART_FIELDS_SETTING,
    CodeMinutes,
    CodeShare,
    GoalRecord,
)
from engine.store.migrations.runner import newest_version
from engine.store.migrations.versions import r0011_clinic_chart as chart_revision
from engine.store.opening import open_store
from engine.store.sqlite.store import DATABASE_FILE_NAME
from tests import month_of_sessions as month
from tests.records_factory import make_database_of_schema

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_RATE_HZ = 48_000


# --- small rules ------------------------------------------------------------------------------
def test_active_time_counts_the_metronome_running_and_leaves_pauses_out() -> None:
    beat_frames = SAMPLE_RATE_HZ  # 60 bpm
    frames = np.arange(10) * beat_frames
    tempo = np.full(10, 60.0)
    # Ten targets a second apart: nine gaps and the last beat itself.
    assert active_seconds(np.zeros(10, int), frames, tempo, SAMPLE_RATE_HZ) == 10.0
    # A pause of 30 s before the sixth target counts as one beat, not 31 s.
    paused = frames + np.where(np.arange(10) >= 5, 30 * SAMPLE_RATE_HZ, 0)
    assert active_seconds(np.zeros(10, int), paused, tempo, SAMPLE_RATE_HZ) == 10.0
    # A rest shorter than the pause threshold ("x..." patterns) is active time.
    rest = frames + np.where(np.arange(10) >= 5, 3 * SAMPLE_RATE_HZ, 0)
    assert PAUSE_GAP_BEATS > 4
    assert active_seconds(np.zeros(10, int), rest, tempo, SAMPLE_RATE_HZ) == 13.0
    # The gap between two tasks (instructions, count-in) is not counted.
    two_tasks = np.concatenate([frames, frames + 100 * SAMPLE_RATE_HZ])
    tasks = np.repeat([0, 1], 10)
    assert active_seconds(tasks, two_tasks, np.full(20, 60.0), SAMPLE_RATE_HZ) == 20.0
    assert [whole_minutes(s) for s in (29.9, 30.0, 89.0, 90.0)] == [0, 1, 1, 2]


def test_default_codes_share_the_minutes_and_the_parts_add_up() -> None:
    shares = [CodeShare("97112", 50), CodeShare("97530", 50)]
    assert split_minutes(9, shares) == (CodeMinutes("97112", 5), CodeMinutes("97530", 4))
    thirds = [CodeShare("97110", 34), CodeShare("97112", 33), CodeShare("97530", 33)]
    assert [line.minutes for line in split_minutes(10, thirds)] == [4, 3, 3]
    assert sum(line.minutes for line in split_minutes(37, thirds)) == 37


def test_a_session_bills_its_profiles_default_codes_else_those_of_its_plan(
    tmp_path: Path,
) -> None:
    from engine.session.plans import assign_plan_text
    from tests.records_factory import session_record, start_session

    store = open_store(tmp_path / "data")
    played_alone = start_session(store, "Robin")
    code = store.list_profiles()[0].code
    plan_text = "format: 1\ntitle: Hands\nlevels: [hands-1]\ncodes: [97530=60, 97110=40]\n"
    _, plan_id = assign_plan_text(store, "room-2", code, plan_text, Path("plan.yaml"), None)
    in_plan = store.start_session(session_record(code, plan_id=plan_id))
    kim = store.add_therapist("Kim Lee", "OTR/L")
    config = load_billing_config(DEFAULT_BILLING_PATH)

    assert default_shares(store, played_alone) == ()
    assert default_shares(store, in_plan) == (CodeShare("97530", 60), CodeShare("97110", 40))
    lines = assign_minutes(store, in_plan, kim.therapist_id, config)
    assert [line.code for line in lines] == ["97530"]  # 0 active minutes: the first code
    with pytest.raises(BillingRecordError, match="or in its plan file: codes:"):
        assign_minutes(store, played_alone, kim.therapist_id, config)
    # The profile's own defaults come first.
    store.set_default_codes(code, [CodeShare("97112", 100)])
    assert default_shares(store, in_plan) == (CodeShare("97112", 100),)
    store.close()


def test_therapist_and_chart_field_checks_say_what_to_type() -> None:
    assert npi_problem("1234567893") is None  # the NPI standard's example number
    assert "does not check" in npi_problem("1234567890")
    assert "10 digits" in npi_problem("12345")
    assert diagnosis_code("f820") == "F82.0"
    assert diagnosis_codes(["F82, r27.8", "F82 R27.8"]) == ("F82", "R27.8")
    for bad in ("F8.2", "82.0", "F82.12345", "FF2"):
        with pytest.raises(ValueError, match="not an ICD-10 code; an ICD-10 code is a letter"):
            diagnosis_code(bad)
    assert parse_target("Task Average ≤ 40 ms") == ("task_average_ms", Comparison.AT_MOST, 40.0)
    assert parse_target("sro >= 60%") == ("sro_percent", Comparison.AT_LEAST, 60.0)
    with pytest.raises(ValueError, match="is in ms, not %"):
        parse_target("SD <= 30 %")


def test_a_database_before_the_chart_tables_upgrades_without_losing_a_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_database_of_schema(tmp_path, int(chart_revision.down_revision), monkeypatch)
    # Written as the OnBeat of that schema wrote them: plain SQL into the columns it had.
    with sqlite3.connect(tmp_path / DATABASE_FILE_NAME) as connection:
        connection.execute(
            "INSERT INTO profiles (code, display_name, created_at_utc, birth_year, uuid) "
            "VALUES ('P-MIA234', 'Mia', '2026-01-05T09:00:00+00:00', 2018, "
            "'0b6c4f1e-2d7a-4c55-9a43-7f1d2b3c4d5e')"
        )
        connection.execute(
            "INSERT INTO notes (profile_id, written_at_utc, author, body, uuid) VALUES "
            "(1, '2026-01-05T09:05:00+00:00', 'OT', 'About Mia', "
            "'5d1f0c2a-8e3b-4f6d-a7c9-0e1b2c3d4e5f')"
        )
        connection.execute(
            "INSERT INTO station_settings (name, value, updated_at_utc) "
            "VALUES ('language', 'es', '2026-01-05T09:06:00+00:00')"
        )
    connection.close()
    code = "P-MIA234"
    path = tmp_path / DATABASE_FILE_NAME

    def dump() -> dict[str, list]:
        connection = sqlite3.connect(path)
        try:
            tables = [row[0] for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT IN ('schema_version', 'alembic_version')"
            )]  # fmt: skip
            return {t: connection.execute(f"SELECT * FROM {t}").fetchall() for t in tables}
        finally:
            connection.close()

    before = dump()
    store = open_store(tmp_path)
    assert store.schema_version() == newest_version()
    assert store.goals(code) == [] and store.therapists() == []
    store.close()
    after = dump()
    # Columns added since (version 12 dates each profile's last edit) come after the ones the
    # file had; every row keeps its values.
    assert {
        table: [row[: len(old[0])] if old else row for row in after[table]]
        for table, old in before.items()
    } == before
    assert {"therapists", "session_minutes", "signatures", "goals", "chart_fields"} <= set(after)


# --- a month of one child's sessions ---------------------------------------------------------
@pytest.fixture(scope="module")
def clinic(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The month played, and the paperwork done: a therapist, default codes, two goals, the
    minutes of each session assigned (some by the defaults, some edited) and signed."""
    data_dir = tmp_path_factory.mktemp("clinic")
    with pytest.MonkeyPatch.context() as patch:
        code = month.play_month(data_dir, patch)
    config = load_billing_config(DEFAULT_BILLING_PATH)
    store = open_store(data_dir)
    kim = store.add_therapist("Kim Lee", "OTR/L", "1234567893", "OT")
    store.set_default_codes(code, [CodeShare("97112", 50), CodeShare("97530", 50)])
    store.set_station_setting(CHART_FIELDS_SETTING, CHART_FIELDS_ON)
    store.set_chart_fields(code, "MR-0042", "2019-05-04", ("F82", "R27.8"))
    goals = (
        ("Robin keeps a steady beat with both hands to clap along in music class",
         "Task Average <= 40 ms", ("both_hands",), None),
        ("Robin taps on time with the right hand to follow a classroom routine",
         "SRO >= 60 %", (), "Right hand"),
    )  # fmt: skip
    for text, target, limbs, task in goals:
        metric, comparison, value = parse_target(target)
        store.add_goal(
            GoalRecord(
                profile_code=code,
                text=text,
                metric=metric,
                comparison=comparison.value,
                target_value=value,
                limbs=limbs,
                task_name=task,
                by_date="2026-06-01",
                baseline_from="2026-03-01",
                therapist_id=kim.therapist_id,
            )
        )
    for session in store.list_sessions(code):
        sid = session.session_id
        edited = {"97112": 12, "97530": 11} if sid % 2 == 0 else None
        # The month's sessions are 2 active minutes long: 23 minutes need a stated reason.
        reason = "coached the child through each task" if edited else None
        assign_minutes(store, sid, kim.therapist_id, config, edited, override_reason=reason)
        note = f"Session {sid}: good focus, needed one reminder."
        store.add_note(note, "Kim Lee", session_id=sid)
        if sid != 12:  # the last session is left for the therapist to sign
            sign_session(store, sid, kim)
    store.close()
    return data_dir, code


def test_goal_progress_follows_the_known_month(clinic: tuple[Path, str]) -> None:
    data_dir, code = clinic
    store = open_store(data_dir, read_only=True)
    both_hands, right_hand = (goal_standing(store, g) for g in store.goals(code))
    store.close()
    weeks = np.array([(day - month.DAYS[0]).days / 7 for day in month.DAYS])

    progress = both_hands.progress
    assert progress.points == len(month.DAYS)
    assert progress.baseline.day == month.DAYS[0] and progress.latest.day == month.DAYS[-1]
    assert progress.baseline.value == pytest.approx(month.BOTH_HANDS_MS[0], abs=0.05)
    assert progress.latest.value == pytest.approx(month.BOTH_HANDS_MS[-1], abs=0.05)
    slope = np.polyfit(weeks, month.BOTH_HANDS_MS, 1)[0]
    assert progress.trend_per_week == pytest.approx(slope, abs=0.05) and progress.improving
    first_met = next(d for d, ms in zip(month.DAYS, month.BOTH_HANDS_MS, strict=True) if ms <= 40)
    assert progress.met and progress.first_met_on == first_met

    progress = right_hand.progress
    sro = [100 * taps / month.BEATS for taps in month.SRO_TAPS]
    assert [p.value for p in right_hand.points] == pytest.approx(sro)
    assert progress.trend_per_week == pytest.approx(np.polyfit(weeks, sro, 1)[0])
    first_met = next(d for d, pct in zip(month.DAYS, sro, strict=True) if pct >= 60)
    assert progress.met and progress.first_met_on == first_met
    # Up to the middle of the month the hands goal was not met yet.
    store = open_store(data_dir, read_only=True)
    middle = goal_standing(store, store.goals(code)[0], up_to=date(2026, 3, 13))
    store.close()
    assert middle.progress.latest.value == pytest.approx(month.BOTH_HANDS_MS[5], abs=0.05)
    assert middle.progress.met is False


def test_minutes_are_measured_assigned_and_signed(clinic: tuple[Path, str]) -> None:
    data_dir, code = clinic
    store = open_store(data_dir)
    sessions = store.list_sessions(code)
    one, two = (store.session_minutes(s.session_id) for s in sessions[:2])
    # Two tasks of 60 beats at 60 bpm: 2 minutes of active time, shared by the defaults.
    assert one.active_seconds == pytest.approx(2 * month.BEATS * 60 / month.TEMPO_BPM)
    assert one.as_mapping() == {"97112": 1, "97530": 1}
    assert two.as_mapping() == {"97112": 12, "97530": 11}
    assert store.therapist(two.therapist_id).signed_name == "Kim Lee, OTR/L"
    assert signature_state(store, 2).current
    assert signature_state(store, 12) is None
    # An edit after signing leaves the signature, marked as no longer covering the record.
    config = load_billing_config(DEFAULT_BILLING_PATH)
    assign_minutes(store, 3, one.therapist_id, config, {"97112": 3})
    assert not signature_state(store, 3).current
    sign_session(store, 3, store.therapist(one.therapist_id))
    assert signature_state(store, 3).current and len(store.signatures(3)) == 2
    store.close()


def test_the_flow_sheet_and_reports_say_what_the_chart_needs(clinic: tuple[Path, str]) -> None:
    data_dir, code = clinic
    store = open_store(data_dir, read_only=True)
    request = ReportRequest("html", profile_code=code, flow_sheet=True)
    sheet = render_report(store, request).decode()
    pages = sheet.split('<section class="page">')[1:]
    assert len(pages) == len(month.DAYS)  # a page per date
    second = pages[1]
    # 12 + 11 minutes: 23 timed minutes bill 2 units under CMS, one to each code.
    assert re.search(r"97112</td>.*?>12</td><td class=\"num\">1</td>", second, re.S)
    assert re.search(r">Total</td>.*?>23</td><td class=\"num\">2</td>", second, re.S)
    assert "Electronically signed by Kim Lee, OTR/L, NPI 1234567893" in second
    assert "57.0 ms (not yet)" in second and "MR-0042" in second and "F82, R27.8" in second
    assert "Robin keeps a steady beat" in second and "needed one reminder" in second
    # The 23 minutes billed for 2 active ones carry their reason, once, beside the minutes.
    override = "BILLED OVER THE MEASURED ACTIVE TIME, session 2 ("  # when it was written
    assert override in second and second.count("coached the child through each task") == 1
    assert "23 min billed for 2 min of measured active time (allowance 2 min), by Kim Lee" in second
    assert "BILLED OVER" not in pages[0]  # the defaults share the measured minutes
    assert 'class="signature"' in pages[-1]  # unsigned: lines to sign by hand
    assert f"OnBeat {onbeat_version()}; levels as played: steady-month " in sheet
    progress = render_report(store, ReportRequest("html", profile_code=code)).decode()
    assert "Trend per week" in progress and "Minutes and units by date" in progress
    weeks = [(day - month.DAYS[0]).days / 7 for day in month.DAYS]
    slope = np.polyfit(weeks, month.BOTH_HANDS_MS, 1)[0]
    assert f"{slope:+.1f} ms per week (toward target)".replace("-", "−") in progress
    again = render_report(store, ReportRequest("html", profile_code=code, reevaluation=True))
    assert "60.0 ms (2026-03-02)" in again.decode() and "−33.0 ms" in again.decode()
    for request in (
        ReportRequest("pdf", profile_code=code, flow_sheet=True, unit_rule="per-code"),
        ReportRequest("pdf", profile_code=code),
        ReportRequest("pdf", profile_code=code, reevaluation=True),
    ):
        assert render_report(store, request).startswith(b"%PDF")
    with pytest.raises(ReportError, match="re-evaluation is pages to print"):
        render_report(store, ReportRequest("json", profile_code=code, reevaluation=True))
    store.close()


def test_chart_fields_stay_off_the_papers_unless_the_clinic_turns_them_on(
    clinic: tuple[Path, str],
) -> None:
    data_dir, _ = clinic
    store = open_store(data_dir)
    store.set_station_setting(CHART_FIELDS_SETTING, "off")
    try:
        sheet = render_report(store, ReportRequest("html", session_id=1, flow_sheet=True))
        assert b"MR-0042" not in sheet and b"F82" not in sheet
    finally:
        store.set_station_setting(CHART_FIELDS_SETTING, CHART_FIELDS_ON)
        store.close()


def test_the_commands_as_a_therapist_runs_them(clinic: tuple[Path, str], tmp_path: Path) -> None:
    data_dir, code = clinic

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "run.py", *args, "--data-dir", str(data_dir)],
            cwd=ROOT, capture_output=True, text=True, input=stdin, timeout=120,
        )  # fmt: skip

    added = run("therapists", "add", "--name", "Sam Ortiz", "--credentials", "PT, DPT",
                "--pin-stdin", stdin="4321\n")  # fmt: skip
    assert added.returncode == 0 and added.stdout.strip().endswith("Sam Ortiz, PT, DPT")
    assert "PIN" in run("therapists", "list").stdout
    bad = run("therapists", "add", "--name", "X", "--credentials", "OT", "--npi", "1234567890")
    assert bad.returncode == 1 and "does not check" in bad.stderr
    assign = run("billing", "assign", "--session", "12", "97110=20", "97530=5", "--therapist", "2")
    # 25 minutes for 2 measured: refused, with what to do, and nothing stored.
    assert assign.returncode == 1 and "25 min billed is more than the 2 min" in assign.stderr
    assert "give at most 4 min" in assign.stderr and "--override-reason" in assign.stderr
    assign = run("billing", "assign", "--session", "12", "97110=20", "97530=5", "--therapist", "2",
                 "--override-reason", "setup and coaching not in the recording")  # fmt: skip
    assert assign.returncode == 0, assign.stderr
    # 25 min: 2 units; 97110 has one full unit and ties 5 to 5 for the second (listed first).
    assert "97110 20 min 2 units" in assign.stdout and "97530 5 min 0 units" in assign.stdout
    wrong = run("billing", "sign", "--session", "12", "--therapist", "Sam Ortiz", "--pin-stdin",
                stdin="1111\n")  # fmt: skip
    assert wrong.returncode == 1 and "not the PIN" in wrong.stderr
    signed = run("billing", "sign", "--session", "12", "--therapist", "sam ortiz", "--pin-stdin",
                 stdin="4321\n")  # fmt: skip
    assert signed.returncode == 0 and "signed by Sam Ortiz, PT, DPT" in signed.stdout
    logged = run("audit").stdout
    assert ",minutes_billed,session 12 by therapist 2: 97110=20 97530=5" in logged
    assert ",signed,session 12 by therapist 2" in logged
    unknown = run("billing", "assign", "--session", "12", "97140=5", "--therapist", "2")
    assert unknown.returncode == 1 and unknown.stderr.startswith("97140: not a code in")
    goals = run("goals", "list", "--profile", code)
    assert "baseline 60.0 ms (2026-03-02), latest 27.0 ms (2026-03-27), met" in goals.stdout
    dx = run("chart", "set", "--profile", code, "--dx", "F8.2")
    assert dx.returncode == 2 and "not an ICD-10 code" in dx.stderr
    out = tmp_path / "reeval.pdf"
    made = run("report", "--profile", code, "--reevaluation", "--out", str(out))
    assert made.returncode == 0 and out.read_bytes().startswith(b"%PDF")
    shown = json.loads(json.dumps(run("billing", "show", "--session", "12").stdout))
    assert "signed by Sam Ortiz" in shown
