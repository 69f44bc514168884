"""Records for storage tests: one place for a plausible session and how to start one."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Protocol

import pytest
from sqlalchemy import create_engine

import tests.legacy_schema as legacy_schema
from engine.store.migrations import runner
from engine.store.profile_choice import station_profile
from engine.store.recorder import Recorder
from engine.store.records import ProfileRecord, SessionCalibration, SessionRecord
from engine.store.sqlite.store import DATABASE_FILE_NAME


def session_record(
    profile_code: str,
    level_id: str = "hands-1",
    level_title: str = "Hands together",
    started_at_utc: str = "2026-01-05T10:00:00+00:00",
    calibration: SessionCalibration | None = None,
    plan_id: int | None = None,
    audio_device: str | None = None,
    autoplayed: bool = False,
) -> SessionRecord:
    return SessionRecord(
        profile_code=profile_code,
        level_id=level_id,
        level_title=level_title,
        level_path=f"levels/{level_id}.yaml",
        station="room-2",
        sample_rate_hz=48_000,
        input_offset_ms=12.5,
        output_latency_ms=23.25,
        started_at_utc=started_at_utc,
        calibration=calibration,
        plan_id=plan_id,
        audio_device=audio_device,
        autoplayed=autoplayed,
    )


class SessionStarter(Protocol):
    """A store or a recorder: both start sessions."""

    def start_session(self, session: SessionRecord) -> int: ...


def profile_named(starter: SessionStarter, display_name: str) -> ProfileRecord:
    """The profile in use called ``display_name``, made if there is none (the rule for a
    station's default player, engine/store/profile_choice.py)."""
    if isinstance(starter, Recorder):
        return starter.station_profile(display_name)
    return station_profile(starter, display_name)  # type: ignore[arg-type]


def start_session(
    starter: SessionStarter,
    profile_name: str = "Robin",
    level_id: str = "hands-1",
    level_title: str = "Hands together",
    started_at_utc: str = "2026-01-05T10:00:00+00:00",
    calibration: SessionCalibration | None = None,
    plan_id: int | None = None,
) -> int:
    """Start a session of the profile in use called ``profile_name`` (made if new); its id."""
    profile_code = profile_named(starter, profile_name).code
    return starter.start_session(
        session_record(profile_code, level_id, level_title, started_at_utc, calibration, plan_id)
    )


def orphan_running_sessions(database: Path) -> int:
    """Make the recording process of every running session in ``database`` one that is
    gone, as after a crash: the owner keeps this process's id but with another start time,
    as when the id of a crashed program is reused. Returns how many sessions that was."""
    connection = sqlite3.connect(database)
    try:
        with connection:
            cursor = connection.execute(
                "UPDATE session_owners SET process_started = 'another boot:0' WHERE "
                "session_id IN (SELECT id FROM sessions WHERE status = 'running')"
            )
            return cursor.rowcount
    finally:
        connection.close()


def make_database_of_schema(
    data_dir: Path, version: int, monkeypatch: pytest.MonkeyPatch | None = None
) -> None:
    """A real database file as the OnBeat of schema ``version`` made it, in write-ahead log
    mode, and nothing that a later OnBeat does on opening. Versions up to the last release
    before Alembic come from that release's own migrations (tests/legacy_schema.py); later
    ones from the Alembic revisions up to ``version``."""
    path = data_dir / DATABASE_FILE_NAME
    if version <= len(legacy_schema.MIGRATIONS):
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            connection.execute("PRAGMA journal_mode = WAL")
            legacy_schema.migrate(connection, version)
            assert legacy_schema.schema_version(connection) == version
        finally:
            connection.close()
        return
    engine = create_engine(f"sqlite:///{path}", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA journal_mode = WAL")
            runner.migrate(connection, str(path), "", target_version=version)
            assert runner.stored_version(connection) == version
    finally:
        engine.dispose()


def add_revision(folder: Path, monkeypatch: pytest.MonkeyPatch, upgrade_body: str) -> int:
    """Make the store know one more schema version than it ships, as a newer OnBeat would: an
    Alembic revision in ``folder`` whose upgrade() runs ``upgrade_body`` (Python, indented by
    four spaces, with ``op`` and ``sa`` at hand). Returns the new version."""
    version = runner.newest_version() + 1
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"r{version:04d}_added_by_a_test.py").write_text(
        "import sqlalchemy as sa\n"
        "from alembic import op\n\n"
        f"revision = {runner.revision_of(version)!r}\n"
        f"down_revision = {runner.revision_of(version - 1)!r}\n\n\n"
        f"def upgrade() -> None:\n{upgrade_body}\n"
    )
    monkeypatch.setattr(runner, "VERSION_LOCATIONS", (*runner.VERSION_LOCATIONS, folder))
    return version
