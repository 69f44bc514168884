"""Exports of taps, beats, tasks and sessions, read back with the csv and json modules; their
columns are the ones docs/data.md lists."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import engine.reports.export as export_module
from engine.reports.export import (
    BEAT_EXPORT_COLUMNS,
    COLUMNS,
    SESSION_EXPORT_COLUMNS,
    TASK_EXPORT_COLUMNS,
    count_rows,
    export,
    export_taps_csv,
)
from engine.store.opening import open_store
from engine.store.protocol import Store
from engine.store.records import BeatRecord, TapRecord, TapWithSession, TaskRecord
from tests.records_factory import start_session

DATA_DOC = Path(__file__).resolve().parent.parent / "docs" / "data.md"


def documented_columns(section: str) -> list[str]:
    """The columns that docs/data.md lists under the heading ``### <section> ...``, in order:
    the exports must write exactly these."""
    lines = DATA_DOC.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"### {section} "))
    columns: list[str] = []
    for line in lines[start + 1 :]:
        if line.startswith("#"):
            break
        if line.startswith("| ") and not line.startswith("| column "):
            columns += [name.strip() for name in line.split("|")[1].split(",")]
    return columns


def paired_tap(session_id: int, tap_index: int, asynchrony_ms: float) -> TapRecord:
    return TapRecord(
        session_id=session_id,
        task_index=0,
        tap_index=tap_index,
        channel="left_toe",
        host_ns=1_700_000_000_123_456_789 + tap_index,  # beyond 2**53: must stay exact
        stamp_source="x11_server",
        audio_frame=96_001 + tap_index,
        audio_time_s=2.000020833333333 + tap_index,
        beat_index=tap_index // 2,
        asynchrony_ms=asynchrony_ms,
        judgement="good",
        sro_ms=13.5,
        good_ms=40.5,
        ok_ms=90.0,
        device="PCsensor FootSwitch Keyboard",
    )


def unpaired_tap(session_id: int, tap_index: int) -> TapRecord:
    return TapRecord(
        session_id=session_id,
        task_index=0,
        tap_index=tap_index,
        channel="right_hand",
        host_ns=1_700_000_000_999_000_000,
        stamp_source="midi",
        audio_frame=150_000,
        audio_time_s=3.125,
        beat_index=None,
        asynchrony_ms=None,
        judgement="extra",
        sro_ms=None,
        good_ms=None,
        ok_ms=None,
        velocity=101,
        device="=TD-17 MIDI 1",  # a port name a spreadsheet would run as a formula
    )


def record_session(store: Store, profile_name: str, level_id: str) -> int:
    """A session of three taps: paired (early), unpaired, paired (late)."""
    session_id = start_session(store, profile_name, level_id, level_title="Pieds légers")
    store.add_task(
        TaskRecord(
            session_id=session_id,
            task_index=0,
            task_name="toes",
            settings_json="{}",
            tempo_bpm_start=72.0,
            tempo_bpm_end=75.6,
            start_frame=96_000,
        )
    )
    store.add_beats(
        [
            BeatRecord(
                session_id,
                0,
                index,
                "left_toe",
                96_000 + 40_000 * index,
                tempo_bpm=72.0,
                ioi_ms=833.3333333333334,
                sro_ms=13.5,
                good_ms=40.5,
                ok_ms=90.0,
            )
            for index in (0, 1)
        ]
    )
    store.add_taps(
        [
            paired_tap(session_id, 0, -12.345678),
            unpaired_tap(session_id, 1),
            paired_tap(session_id, 2, 7.25),
        ]
    )
    return session_id


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_store(tmp_path / "data")
    yield opened
    opened.close()


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as csv_file:
        reader = csv.DictReader(csv_file)
        return list(reader.fieldnames or []), list(reader)


def test_columns_and_values(store: Store, tmp_path: Path) -> None:
    session_id = record_session(store, "Robin", "toes-1")
    out_path = tmp_path / "taps.csv"

    assert export_taps_csv(store, out_path, session_id) == 3

    header, rows = read_csv(out_path)
    assert header == documented_columns("Taps")
    first, _, late = rows
    assert first == {
        "session_id": str(session_id),
        "task_index": "0",
        "tap_index": "0",
        "channel": "left_toe",
        "host_ns": "1700000000123456789",
        "stamp_source": "x11_server",
        "audio_frame": "96001",
        "audio_time_s": first["audio_time_s"],
        "beat_index": "0",
        "asynchrony_ms": "-12.3457",
        "judgement": "good",
        "sro_ms": "13.5",
        "good_ms": "40.5",
        "ok_ms": "90.0",
        "velocity": "",
        "device": "PCsensor FootSwitch Keyboard",
        "profile_code": store.session(session_id).profile_code,
        "level_id": "toes-1",
        "session_started_at_utc": "2026-01-05T10:00:00+00:00",
        "station": store.session(session_id).station,
        "session_uuid": store.session(session_id).session_uuid,
    }
    assert first["session_uuid"] and first["station"]
    assert float(first["audio_time_s"]) == 2.000020833333333
    assert (late["beat_index"], late["asynchrony_ms"]) == ("1", "7.2500")


def test_unpaired_taps_have_empty_beat_fields(store: Store, tmp_path: Path) -> None:
    session_id = record_session(store, "Robin", "toes-1")
    out_path = tmp_path / "taps.csv"
    export_taps_csv(store, out_path, session_id)
    _, rows = read_csv(out_path)
    unpaired = rows[1]
    assert (unpaired["beat_index"], unpaired["asynchrony_ms"]) == ("", "")
    assert unpaired["judgement"] == "extra"
    assert (unpaired["sro_ms"], unpaired["good_ms"], unpaired["ok_ms"]) == ("", "", "")
    # A MIDI pad's velocity and port, the port's name kept from running as a formula.
    assert (unpaired["velocity"], unpaired["device"]) == ("101", "'=TD-17 MIDI 1")


def test_one_session_or_all(store: Store, tmp_path: Path) -> None:
    robin = record_session(store, "Robin", "toes-1")
    sam = record_session(store, "Sam", "hands-2")

    assert export_taps_csv(store, tmp_path / "sam.csv", sam) == 3
    _, rows = read_csv(tmp_path / "sam.csv")
    assert {(row["session_id"], row["level_id"]) for row in rows} == {(str(sam), "hands-2")}

    assert export_taps_csv(store, tmp_path / "all.csv") == 6
    _, rows = read_csv(tmp_path / "all.csv")
    assert [(row["session_id"], row["tap_index"]) for row in rows] == [
        (str(session_id), str(tap_index)) for session_id in (robin, sam) for tap_index in range(3)
    ]


def test_an_empty_store_exports_a_header_only(store: Store, tmp_path: Path) -> None:
    assert export_taps_csv(store, tmp_path / "taps.csv") == 0
    header, rows = read_csv(tmp_path / "taps.csv")
    assert header == documented_columns("Taps")
    assert rows == []


def test_an_unknown_session_writes_no_file(store: Store, tmp_path: Path) -> None:
    with pytest.raises(LookupError, match="no session 42"):
        export_taps_csv(store, tmp_path / "taps.csv", 42)
    assert list(tmp_path.glob("*taps.csv*")) == []


def test_a_failed_export_leaves_the_old_file_whole(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session_id = record_session(store, "Robin", "toes-1")
    out_path = tmp_path / "taps.csv"
    export_taps_csv(store, out_path, session_id)
    exported = out_path.read_bytes()
    iter_taps = store.iter_taps

    def failing_midway(session_id: int | None = None) -> Iterator[TapWithSession]:
        rows = iter_taps(session_id)
        yield next(rows)
        raise OSError("the disk went away")

    monkeypatch.setattr(store, "iter_taps", failing_midway)
    with pytest.raises(OSError, match="went away"):
        export_taps_csv(store, out_path, session_id)
    assert out_path.read_bytes() == exported
    assert [path.name for path in tmp_path.iterdir() if path.is_file()] == ["taps.csv"]


def test_taps_tasks_and_sessions_as_json_and_csv(store: Store, tmp_path: Path) -> None:
    first = record_session(store, "Robin", "toes-1")
    second = record_session(store, "Sam", "hands-2")
    taps_json = tmp_path / "taps.json"
    assert export(store, taps_json, "taps", "json") == 6
    taps = json.loads(taps_json.read_text(encoding="utf-8"))
    assert list(taps[0]) == documented_columns("Taps") == list(COLUMNS)
    assert taps[0]["host_ns"] == 1_700_000_000_123_456_789  # exact, not a float
    assert taps[1]["beat_index"] is None and taps[1]["asynchrony_ms"] is None
    assert taps[0]["asynchrony_ms"] == -12.345678  # JSON keeps every digit

    tasks_csv = tmp_path / "tasks.csv"
    assert export(store, tasks_csv, "tasks", "csv", session_id=second) == 1
    header, rows = read_csv(tasks_csv)
    assert header == documented_columns("Tasks") == list(TASK_EXPORT_COLUMNS)
    assert (
        rows[0]["session_id"],
        rows[0]["task_name"],
        rows[0]["tempo_bpm_start"],
        rows[0]["tempo_bpm_end"],
    ) == (str(second), "toes", "72.0", "75.6")

    sessions_json = tmp_path / "sessions.json"
    assert export(store, sessions_json, "sessions", "json") == 2
    sessions = json.loads(sessions_json.read_text(encoding="utf-8"))
    assert [s["session_id"] for s in sessions] == [first, second]
    assert list(sessions[0]) == documented_columns("Sessions") == list(SESSION_EXPORT_COLUMNS)
    assert (sessions[0]["tap_count"], sessions[0]["paired_tap_count"]) == (3, 2)
    assert sessions[0]["station"] == "room-2" and sessions[0]["calibration_json"] is None


def test_progress_is_told_every_row(store: Store, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(export_module, "PROGRESS_EVERY_ROWS", 2)
    for name in ("Robin", "Sam", "Kim"):
        record_session(store, name, "toes-1")
    told: list[int] = []
    assert export(store, tmp_path / "t.csv", progress=told.append) == 9
    assert sum(told) == 9 == count_rows(store, "taps", None)
    assert count_rows(store, "sessions", None) == 3


def test_empty_json_export_is_an_empty_array(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "none.json"
    assert export(store, out, "sessions", "json") == 0
    assert json.loads(out.read_text(encoding="utf-8")) == []


def test_beats_with_what_was_in_force(store: Store, tmp_path: Path) -> None:
    session_id = record_session(store, "Robin", "toes-1")
    beats_csv = tmp_path / "beats.csv"
    assert export(store, beats_csv, "beats", "csv", session_id=session_id) == 2
    header, rows = read_csv(beats_csv)
    assert header == documented_columns("Beats") == list(BEAT_EXPORT_COLUMNS)
    assert rows[1] == {
        "session_id": str(session_id),
        "task_index": "0",
        "beat_index": "1",
        "limb": "left_toe",
        "target_frame": "136000",
        "audio_time_s": rows[1]["audio_time_s"],
        "tempo_bpm": "72.0",
        "ioi_ms": "833.3333333333334",
        "sro_ms": "13.5",
        "good_ms": "40.5",
        "ok_ms": "90.0",
        "scored": "True",
    }
    assert float(rows[1]["audio_time_s"]) == 136_000 / 48_000
    beats_json = tmp_path / "beats.json"
    assert export(store, beats_json, "beats", "json") == 2 == count_rows(store, "beats", None)
    beats = json.loads(beats_json.read_text(encoding="utf-8"))
    assert beats[0]["scored"] is True and beats[0]["audio_time_s"] == 2.0
