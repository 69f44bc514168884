"""The kiosk's part of the store: station settings, the append-only audit log, plans given to
profiles, sessions under a plan; and an older database brought up to it without losing a row."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest

import tests.legacy_schema as legacy_schema
from engine.store.migrations.runner import newest_version
from engine.store.opening import open_store
from engine.store.protocol import Store
from engine.store.records import AuditEntry, PlanStep
from engine.store.sqlite.store import DATABASE_FILE_NAME
from tests.pg_stores import BACKENDS, open_backend
from tests.records_factory import make_database_of_schema, session_record

KIOSK_TABLES = ("station_settings", "audit_log", "profile_plans")


def entry(action: str, detail: str = "") -> AuditEntry:
    return AuditEntry("2026-03-02T09:00:00+00:00", "room-2", action, detail)


def test_station_settings_are_kept_and_replaced(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    assert store.station_setting("therapist_pin_argon2id") is None
    store.set_station_setting("therapist_pin_argon2id", "first")
    store.set_station_setting("therapist_pin_argon2id", "second")
    store.close()
    store = open_store(tmp_path)
    assert store.station_setting("therapist_pin_argon2id") == "second"
    store.close()


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path):
    """A new store on each backend: a station's SQLite file, a clinic's PostgreSQL server."""
    opened = open_backend(request, request.param, tmp_path)
    yield opened
    opened.close()


def test_the_audit_log_keeps_entries_in_order(store: Store) -> None:
    store.add_audit_entry(entry("pin_failed", "1 of 5"))
    store.add_audit_entry(entry("unlocked"))
    assert [(e.action, e.detail) for e in store.audit_entries()] == [
        ("pin_failed", "1 of 5"),
        ("unlocked", ""),
    ]
    with pytest.raises(ValueError, match="not an audit action"):
        store.add_audit_entry(entry("unlockd"))
    store.close()


def test_the_database_refuses_to_change_or_delete_audit_rows(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    store.add_audit_entry(entry("locked_out", "2 min"))
    store.close()
    connection = sqlite3.connect(tmp_path / DATABASE_FILE_NAME)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            connection.execute("UPDATE audit_log SET detail = 'nothing happened'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            connection.execute("DELETE FROM audit_log")
        connection.rollback()
        assert connection.execute("SELECT action, detail FROM audit_log").fetchall() == [
            ("locked_out", "2 min")
        ]
    finally:
        connection.close()
    # Nothing in the store's own API changes the log either.
    names = {name for name in dir(type(open_store(tmp_path))) if "audit" in name}
    assert names == {"add_audit_entry", "audit_entries"}


def test_the_clinics_server_refuses_to_change_or_delete_audit_rows(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    store = open_backend(request, "postgresql", tmp_path)
    store.add_audit_entry(entry("locked_out", "2 min"))
    store.close()
    with psycopg.connect(str(store.path), autocommit=True) as connection:
        for statement in (
            "UPDATE audit_log SET detail = 'nothing happened'",
            "DELETE FROM audit_log",
        ):
            with pytest.raises(psycopg.errors.RaiseException, match="append-only"):
                connection.execute(statement)
        rows = connection.execute("SELECT action, detail FROM audit_log").fetchall()
    assert rows == [("locked_out", "2 min")]


def test_a_new_plan_replaces_the_profiles_plan_and_the_old_one_stays_for_its_sessions(
    store: Store,
) -> None:
    code = store.create_profile("Robin")
    other = store.create_profile("Sam")
    first = store.assign_plan(code, "Week 1", [PlanStep("frog-hop")], 15, '{"v": 1}', "a: 1\n")
    session_id = store.start_session(
        _under_plan(session_record(code, "frog-hop"), first, visit=1, stop=0)
    )
    second = store.assign_plan(code, "Week 2", [PlanStep("drum-march")], None, "{}", "b: 2\n")
    assert second != first
    plan = store.assigned_plan(code)
    assert (plan.plan_id, plan.title, plan.source_text) == (second, "Week 2", "b: 2\n")
    assert store.assigned_plan(other) is None
    stored = store.session(session_id)
    assert (stored.plan_id, stored.plan_visit, stored.plan_stop) == (first, 1, 0)
    # The plans are session plans as well, so older readers see them.
    assert {p.plan_id for p in store.session_plans(code)} >= {first, second}
    assert [p.profile_code for p in store.assigned_plans()] == [code]
    assert store.clear_plan(code) is True
    assert store.clear_plan(code) is False
    assert store.assigned_plan(code) is None
    with pytest.raises(LookupError, match="P-NOBODY"):
        store.assign_plan("P-NOBODY", "x", [PlanStep("a")], None, "{}", "")
    store.close()


def _under_plan(record, plan_id: int, visit: int, stop: int):
    from dataclasses import replace

    return replace(record, plan_id=plan_id, plan_visit=visit, plan_stop=stop)


@pytest.fixture
def database_before_the_kiosk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A real database file made by the migrations before this one, filled as the OnBeat of
    that schema wrote it (plain SQL: today's code would write today's columns)."""
    kiosk_index = legacy_schema.MIGRATIONS.index(legacy_schema._migration_8_kiosk_stations)
    make_database_of_schema(tmp_path, kiosk_index, monkeypatch)
    connection = sqlite3.connect(tmp_path / DATABASE_FILE_NAME)
    with connection:
        connection.execute(
            "INSERT INTO profiles (id, code, display_name, created_at_utc, birth_year, avatar) "
            "VALUES (1, 'P-ABCDEF', 'Robin', '2026-01-05T09:00:00+00:00', 2017, 'frog')"
        )
        connection.execute(
            "INSERT INTO session_plans (id, profile_id, title, steps_json, planned_minutes, "
            "created_at_utc) VALUES (1, 1, 'Old plan', ?, 20, '2026-01-05T09:01:00+00:00')",
            ('[{"level_id": "frog-hop", "repetitions": 2}]',),
        )
        connection.execute(
            "INSERT INTO sessions (id, profile_id, level_id, level_title, level_path, station, "
            "sample_rate_hz, input_offset_ms, output_latency_ms, started_at_utc, ended_at_utc, "
            "status, plan_id) VALUES (1, 1, 'frog-hop', 'Frog Hop', 'levels/pond/frog-hop.yaml', "
            "'room-2', 48000, 12.5, 23.25, '2026-01-05T10:00:00+00:00', "
            "'2026-01-05T10:07:00+00:00', 'complete', 1)"
        )
        connection.execute(
            "INSERT INTO notes (profile_id, session_id, written_at_utc, author, body) "
            "VALUES (1, 1, '2026-01-05T10:08:00+00:00', 'OT', 'Good focus')"
        )
    connection.close()
    return tmp_path


def _all_rows(data_dir: Path) -> dict[str, list[tuple]]:
    connection = sqlite3.connect(data_dir / DATABASE_FILE_NAME)
    try:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'schema_version' "
                "ORDER BY name"
            )
        ]
        return {
            table: connection.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
            for table in tables
        }
    finally:
        connection.close()


def test_upgrading_a_database_from_before_the_kiosk_keeps_every_row(
    database_before_the_kiosk: Path,
) -> None:
    before = _all_rows(database_before_the_kiosk)
    assert not set(KIOSK_TABLES) & set(before)
    assert sum(len(rows) for rows in before.values()) >= 4

    store = open_store(database_before_the_kiosk)
    assert store.schema_version() == newest_version()
    [session] = store.list_sessions()
    assert (session.plan_visit, session.plan_stop) == (None, None)
    code = session.profile_code
    assert store.assigned_plan(code) is None
    store.add_audit_entry(entry("unlocked"))
    store.close()

    after = _all_rows(database_before_the_kiosk)
    for table, rows in before.items():
        # New columns come last, so each old row is the start of its upgraded row.
        assert [row[: len(old)] for row, old in zip(after[table], rows, strict=True)] == rows
    assert len(after["audit_log"]) == 1
