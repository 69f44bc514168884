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


# --- the chart ------------------------------------------------------------------------------
def _minutes(store: Store, session_id: int) -> dict[str, int]:
    assigned = store.session_minutes(session_id)
    return {} if assigned is None else assigned.as_mapping()


def _session_there(server: Store, station: Store, session_id: int) -> int:
    key = station.session(session_id).session_uuid
    [there] = [s.session_id for s in server.list_sessions() if s.session_uuid == key]
    return there


def test_therapists_goals_minutes_and_signatures_travel(clinic) -> None:
    from engine.store.chart_records import CodeMinutes, CodeShare, GoalRecord
    from tests.test_clinic_sync import record

    server, one, two = clinic
    therapist = one.add_therapist("Ann Lee", "OTR/L", npi="1234567893")
    one.set_therapist_pin_hash(therapist.therapist_id, "$argon2id$v=19$hash-of-ann")
    session = record(one, "Mia")
    code = one.session(session).profile_code
    one.set_session_minutes(session, [CodeMinutes("97530", 15)], therapist.therapist_id, 900.0)
    one.add_signature(session, therapist.therapist_id, '{"minutes": {"97530": 15}}')
    one.add_goal(
        GoalRecord(
            profile_code=code, text="Claps with the beat", metric=None, comparison=None,
            target_value=None, limbs=(), task_name=None, by_date=None,
            baseline_from="2026-01-01", therapist_id=therapist.therapist_id,
        )
    )  # fmt: skip
    one.set_default_codes(code, [CodeShare("97530", 100)])
    one.set_chart_fields(code, "MRN-1", "2018-04-02", ["F82"])
    first, _ = sync_all(server, one, two)
    # therapist, signature, goal, minutes, default code, chart fields
    assert first.chart_rows_sent == 6

    there = _session_there(server, one, session)
    assert _minutes(server, there) == {"97530": 15}
    [signed] = server.signatures(there)
    [ann_there] = server.therapists()
    assert signed.therapist_id == ann_there.therapist_id
    # The therapist is known on room-2 with her PIN: she signs room-2's own session there.
    [ann] = two.therapists()
    assert (ann.name, ann.npi, ann.has_pin) == ("Ann Lee", "1234567893", True)
    assert two.therapist_pin_hash(ann.therapist_id) == "$argon2id$v=19$hash-of-ann"
    assert [goal.text for goal in two.goals(code)] == ["Claps with the beat"]
    assert two.goals(code)[0].therapist_id == ann.therapist_id
    assert two.default_codes(code) == [CodeShare("97530", 100)]
    assert two.chart_fields(code).mrn == "MRN-1"
    own = record(two, "Leo")
    two.set_session_minutes(own, [CodeMinutes("97110", 8)], ann.therapist_id, 500.0)
    two.add_signature(own, ann.therapist_id, '{"minutes": {"97110": 8}}')

    # Edits on either side: a goal met on room-2, a new PIN and chart fields on room-1.
    two.close_goal(two.goals(code)[0].goal_id, "met")
    one.set_therapist_pin_hash(therapist.therapist_id, "$argon2id$v=19$new-hash")
    one.set_chart_fields(code, "MRN-1", "2018-04-02", ["F82", "R27.8"])
    sync_all(server, one, two)
    sync_all(server, one, two)
    assert [s.therapist_id for s in server.signatures(_session_there(server, two, own))] == [
        ann_there.therapist_id
    ]
    assert [goal.closed_reason for goal in one.goals(code)] == ["met"]
    assert [goal.closed_reason for goal in server.goals(code)] == ["met"]
    assert two.therapist_pin_hash(ann.therapist_id) == "$argon2id$v=19$new-hash"
    assert two.chart_fields(code).diagnosis_codes == ("F82", "R27.8")
    assert server.chart_fields(code).diagnosis_codes == ("F82", "R27.8")
    assert not any(counts.changed for counts in sync_all(server, one, two))


def test_a_sessions_minutes_follow_its_station_until_a_signature_it_has_not_seen(
    clinic,
) -> None:
    from engine.store.chart_records import CodeMinutes
    from tests.test_clinic_sync import record

    server, one, two = clinic
    ann = one.add_therapist("Ann Lee", "OTR/L")
    session = record(one, "Mia")
    one.set_session_minutes(session, [CodeMinutes("97530", 15)], ann.therapist_id, 900.0)
    sync_all(server, one, two)
    there = _session_there(server, one, session)

    # Unsigned: the recording station's correction replaces the server's minutes.
    one.set_session_minutes(session, [CodeMinutes("97530", 12)], ann.therapist_id, 900.0)
    assert sync(one, server, "room-1").chart_rows_sent == 1
    assert _minutes(server, there) == {"97530": 12}

    # Signed where room-1 has not seen it: the signed minutes are final and come down,
    # with the signature, over an edit made here meanwhile.
    [ann_there] = server.therapists()
    server.add_signature(there, ann_there.therapist_id, '{"minutes": {"97530": 12}}')
    one.set_session_minutes(session, [CodeMinutes("97530", 20)], ann.therapist_id, 900.0)
    counts = sync(one, server, "room-1")
    assert counts.chart_rows_received == 2  # the minutes' one line and the signature
    assert _minutes(one, session) == _minutes(server, there) == {"97530": 12}
    assert len(one.signatures(session)) == 1
    assert not sync(one, server, "room-1").changed
