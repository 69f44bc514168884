"""What two stations of a clinic change after the fact, settled by their syncs: profile
edits (the later one wins, the loser writes an audit row) and the clinic's chart. Real
SQLite station files and a real PostgreSQL server."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.store.clinic import settings
from engine.store.clinic.sync import SyncCounts, sync
from engine.store.opening import open_server_store, open_store
from engine.store.protocol import Store
from tests.pg_stores import fresh_database


@pytest.fixture
def clinic(tmp_path: Path, postgres):
    """A server and two joined stations, room-1 and room-2."""
    url = fresh_database(postgres)
    server = open_server_store(url, read_only=False)
    stations = []
    for name in ("room-1", "room-2"):
        store = open_store(tmp_path / name)
        settings.join(store, url, name)
        stations.append(store)
    yield server, *stations
    for store in (server, *stations):
        store.close()


def sync_all(server: Store, one: Store, two: Store) -> list[SyncCounts]:
    return [sync(one, server, "room-1"), sync(two, server, "room-2")]


def profile_state(store: Store, code: str) -> tuple:
    profile = store.profile(code)
    return (profile.display_name, profile.avatar, profile.birth_year, profile.archived_at_utc)


def test_a_rename_and_a_later_archive_settle_to_the_later_edit_everywhere(clinic) -> None:
    server, one, two = clinic
    code = one.create_profile("Mia", birth_year=2018)
    sync_all(server, one, two)
    assert profile_state(two, code) == ("Mia", None, 2018, None)

    one.rename_profile(code, "Mia R.")
    two.archive_profile(code)  # later: this edit wins, with the name room-2 had
    archived = two.profile(code).archived_at_utc
    first, second = sync_all(server, one, two)
    assert first.profile_edits_sent == 1  # the rename reached the server...
    assert second.profile_edits_sent == 1  # ...and the later archive replaced it there
    third, fourth = sync_all(server, one, two)
    assert third.profile_edits_received == 1 and fourth.profile_edits_received == 0

    expected = ("Mia", None, 2018, archived)
    assert profile_state(one, code) == profile_state(two, code) == expected
    assert profile_state(server, code) == expected
    [lost] = [entry for entry in one.audit_entries() if entry.action == "profiles"]
    assert lost.station == "room-1"
    assert f"profile {code}" in lost.detail and "room-2" in lost.detail
    assert "name 'Mia R.' -> 'Mia'" in lost.detail and f"archived no -> {archived}" in lost.detail
    assert not [entry for entry in two.audit_entries() if entry.action == "profiles"]

    # The audit row goes up at room-1's next sync; after that nothing moves.
    sync_all(server, one, two)
    assert not any(counts.changed for counts in sync_all(server, one, two))
    assert [e.detail for e in server.audit_entries() if e.action == "profiles"] == [lost.detail]


def test_details_edited_on_one_station_reach_the_other_with_no_audit_row(clinic) -> None:
    server, one, two = clinic
    code = two.create_profile("Leo")
    sync_all(server, one, two)
    sync_all(server, one, two)
    one.set_profile_details(code, 2017, "fox")
    sync_all(server, one, two)
    assert profile_state(two, code) == profile_state(server, code) == ("Leo", "fox", 2017, None)
    # room-2 made the profile but never edited it: taking room-2's edit loses nothing of its.
    for store in (one, two):
        assert not [entry for entry in store.audit_entries() if entry.action == "profiles"]
