"""A station's sync with its clinic's server, at the level of the store: what goes up, what
comes down, and that sending twice adds nothing (the commands are tested as people run
them in tests/test_clinic_commands.py)."""

from __future__ import annotations

import time
from dataclasses import replace
from pathlib import Path

import pytest

from engine.store.clinic import settings
from engine.store.clinic.background import BackgroundSync, start_background_sync
from engine.store.clinic.sync import sessions_not_on_server, sync
from engine.store.opening import open_server_store, open_store
from engine.store.protocol import Store
from engine.store.records import SESSION_COMPLETE, AuditEntry, PlanStep
from tests.pg_stores import fresh_database
from tests.records_factory import start_session
from tests.test_store import beat, tap, task_start


def record(store: Store, name: str, taps: int = 3) -> int:
    session_id = start_session(store, name)
    store.add_task(task_start(session_id, 0))
    store.add_beats([beat(session_id, 0, index) for index in range(taps)])
    store.add_taps(
        [
            replace(
                tap(session_id, 0, index, beat_index=index, asynchrony_ms=-4.0, judgement="sro"),
                velocity=90 + index,
                device="TD-17 MIDI 1",
            )
            for index in range(taps)
        ]
    )
    store.end_session(session_id, "2026-01-05T10:20:00+00:00", SESSION_COMPLETE)
    return session_id


@pytest.fixture
def server(postgres) -> Store:
    opened = open_server_store(fresh_database(postgres), read_only=False)
    yield opened
    opened.close()


def test_a_sync_sends_what_the_server_lacks_once(tmp_path: Path, server: Store) -> None:
    station = open_store(tmp_path)
    first = record(station, "Robin")
    running = start_session(station, "Robin")
    station.add_note("Good focus.", "OT", session_id=first)
    station.add_audit_entry(AuditEntry("2026-01-05T10:00:00+00:00", "room-2", "unlocked", ""))

    counts = sync(station, server, "room-2")
    assert (counts.profiles_sent, counts.sessions_sent, counts.taps_sent) == (1, 1, 3)
    assert (counts.notes_sent, counts.audit_rows_sent, counts.sessions_waiting) == (1, 1, 1)
    assert not sync(station, server, "room-2").changed
    assert sessions_not_on_server(station, server) == 0

    [on_server] = server.list_sessions()
    here = station.session(first)
    assert on_server.session_uuid == here.session_uuid
    assert on_server.profile_code == here.profile_code
    taps = [row.tap for row in server.iter_taps(on_server.session_id)]
    assert [(t.asynchrony_ms, t.velocity, t.device) for t in taps] == [
        (-4.0, 90 + index, "TD-17 MIDI 1") for index in range(3)
    ]
    assert [note.body for note in server.notes(session_id=on_server.session_id)] == ["Good focus."]

    station.end_session(running, "2026-01-05T11:00:00+00:00", SESSION_COMPLETE)
    assert sessions_not_on_server(station, server) == 1
    assert sync(station, server, "room-2").sessions_sent == 1
    assert len(server.list_sessions()) == 2
    station.close()


def test_profiles_and_plans_come_down_and_the_later_assignment_wins(
    tmp_path: Path, server: Store
) -> None:
    one, two = open_store(tmp_path / "one"), open_store(tmp_path / "two")
    code = one.create_profile("Mia")
    sync(one, server, "room-1")
    counts = sync(two, server, "room-2")
    assert counts.profiles_received == 1
    assert two.profile(code).display_name == "Mia"

    one.assign_plan(code, "Week 1", [PlanStep("frog-hop")], None, "{}", "a: 1\n")
    two.assign_plan(code, "Week 2", [PlanStep("drum-march")], None, "{}", "b: 2\n")
    sync(one, server, "room-1")
    sync(two, server, "room-2")  # the later assignment, made on room-2, reaches the server
    sync(one, server, "room-1")  # and comes down to room-1, with an audit row saying so
    assert one.assigned_plan(code).title == two.assigned_plan(code).title == "Week 2"
    assert server.assigned_plan(code).title == "Week 2"
    replaced = one.audit_entries()[-1].detail
    assert f"the plan of profile {code} was replaced by a later one" in replaced
    one.close()
    two.close()


def _until(condition, what: str) -> None:
    """Wait for ``condition()`` (a thread's work), at most a minute."""
    deadline = time.monotonic() + 60.0
    while not condition():
        assert time.monotonic() < deadline, f"waited a minute for {what}"
        time.sleep(0.01)


def test_a_joined_station_syncs_in_the_background(tmp_path: Path, postgres) -> None:
    url = fresh_database(postgres)
    station = open_store(tmp_path)
    record(station, "Robin")
    settings.join(station, url, "room-2")
    station.close()

    syncing = start_background_sync(tmp_path)
    assert syncing is not None
    try:
        _until(lambda: syncing.syncs_done >= 1, "the first sync")
        server = open_server_store(url)
        assert len(server.list_sessions()) == 1
        station = open_store(tmp_path)
        record(station, "Robin")
        station.close()
        syncing.wake()
        _until(lambda: len(server.list_sessions()) == 2, "the session recorded since")
        server.close()
    finally:
        syncing.stop()
    assert syncing.last_problem is None


def test_a_station_whose_server_is_down_keeps_going(tmp_path: Path) -> None:
    open_store(tmp_path).close()
    syncing = BackgroundSync(tmp_path, "postgresql://onbeat@127.0.0.1:9/clinic").start()
    _until(lambda: syncing.last_problem is not None, "the failed sync")
    syncing.stop()
    assert "cannot reach the clinic's server" in syncing.last_problem
    assert syncing.syncs_done == 0


def test_an_unjoined_station_has_no_background_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(settings.URL_VARIABLE, raising=False)
    open_store(tmp_path).close()
    assert start_background_sync(tmp_path) is None


def test_a_server_says_what_to_do_and_never_shows_its_password(tmp_path: Path, postgres) -> None:
    from engine.store.postgres.faults import ServerUnreachableError
    from engine.store.protocol import SchemaTooOldError
    from tests.pg_stores import _admin

    _admin(postgres, "CREATE DATABASE not_yet_a_clinic")
    empty = postgres.database_url("not_yet_a_clinic").replace("@", ":hunter2@")
    with pytest.raises(SchemaTooOldError, match="clinic init") as too_old:
        open_server_store(empty)
    with pytest.raises(ServerUnreachableError) as unreachable:
        open_server_store("postgresql://onbeat:hunter2@127.0.0.1:9/clinic")
    for raised in (too_old, unreachable):
        assert "hunter2" not in str(raised.value) and "***" in str(raised.value)
        assert len(str(raised.value).splitlines()) == 1


def test_a_server_opened_to_read_refuses_writes(postgres) -> None:
    import psycopg

    url = fresh_database(postgres)
    reading = open_server_store(url)
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        reading.create_profile("Robin")
    reading.close()


def test_the_progress_sums_travel_with_their_session(tmp_path: Path, server: Store) -> None:
    from engine.metrics.progress import METRICS_VERSION, refresh_limb_stats

    station = open_store(tmp_path)
    record(station, "Robin")
    refresh_limb_stats(station)
    sync(station, server, "room-2")
    assert server.sessions_lacking_limb_stats(METRICS_VERSION) == []
    here, there = station.limb_stats(), server.limb_stats()
    assert here.counts.tolist() == there.counts.tolist()
    assert here.sums.tolist() == there.sums.tolist()
    station.close()
