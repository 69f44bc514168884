"""The clinic's chart in the store (engine/store/sql/chart.py): therapists, minutes per code,
signatures, goals, chart fields and default codes behave alike on a station's SQLite file and
a clinic's PostgreSQL server, and the rows a station makes carry clinic-wide keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from engine.store.chart_records import ChartFields, CodeMinutes, CodeShare, GoalRecord
from engine.store.protocol import Store
from engine.store.sql import tables as t
from tests.pg_stores import BACKENDS, open_backend, refused_record
from tests.records_factory import start_session


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path):
    opened = open_backend(request, request.param, tmp_path)
    yield opened
    opened.close()


def _goal(profile_code: str, therapist_id: int | None, text: str = "Claps along") -> GoalRecord:
    return GoalRecord(
        profile_code=profile_code,
        text=text,
        metric="task_average_ms",
        comparison="<=",
        target_value=40.0,
        limbs=("both_hands", "left_hand"),
        task_name=None,
        by_date="2026-06-01",
        baseline_from="2026-03-01",
        therapist_id=therapist_id,
    )


def test_therapists_are_added_retired_and_keep_a_pin_of_their_own(store: Store) -> None:
    kim = store.add_therapist("Kim Lee", "OTR/L", "1234567893", "OT")
    sam = store.add_therapist("Sam Roe", "PT")
    assert (kim.signed_name, kim.npi, kim.discipline, kim.has_pin) == (
        "Kim Lee, OTR/L",
        "1234567893",
        "OT",
        False,
    )
    assert (sam.npi, sam.discipline) == (None, None)
    store.set_therapist_pin_hash(kim.therapist_id, "$argon2id$kim")
    assert store.therapist(kim.therapist_id).has_pin
    assert store.therapist_pin_hash(kim.therapist_id) == "$argon2id$kim"
    store.set_therapist_pin_hash(kim.therapist_id, None)
    assert store.therapist_pin_hash(kim.therapist_id) is None
    store.retire_therapist(sam.therapist_id, "2026-04-01T00:00:00+00:00")
    with pytest.raises(ValueError, match="retired already"):
        store.retire_therapist(sam.therapist_id)
    assert [th.name for th in store.therapists()] == ["Kim Lee", "Sam Roe"]
    assert [th.name for th in store.therapists(include_retired=False)] == ["Kim Lee"]
    assert store.therapist(sam.therapist_id).retired_at_utc == "2026-04-01T00:00:00+00:00"
    with pytest.raises(LookupError, match="no therapist 99"):
        store.therapist(99)
    with pytest.raises(ValueError, match="name and credentials"):
        store.add_therapist(" ", "OT")


def test_minutes_are_replaced_whole_and_signatures_only_added(store: Store) -> None:
    session_id = start_session(store)
    kim = store.add_therapist("Kim Lee", "OTR/L")
    assert store.session_minutes(session_id) is None
    store.set_session_minutes(
        session_id, [CodeMinutes("97530", 5), CodeMinutes("97112", 7)], kim.therapist_id, 721.5
    )
    store.set_session_minutes(
        session_id,
        [CodeMinutes("97112", 9), CodeMinutes("97530", 3)],
        kim.therapist_id,
        721.5,
        "2026-01-05T11:00:00+00:00",
    )
    minutes = store.session_minutes(session_id)
    assert [(line.code, line.minutes) for line in minutes.lines] == [("97112", 9), ("97530", 3)]
    assert (minutes.total_minutes, minutes.active_seconds) == (12, 721.5)
    assert minutes.assigned_at_utc == "2026-01-05T11:00:00+00:00"
    with pytest.raises(ValueError, match="given twice"):
        store.set_session_minutes(session_id, [CodeMinutes("97112", 1)] * 2, kim.therapist_id, None)
    with pytest.raises(LookupError):
        store.set_session_minutes(session_id + 1, [], kim.therapist_id, None)
    assert store.session_minutes(session_id).as_mapping() == {"97112": 9, "97530": 3}

    first = store.add_signature(session_id, kim.therapist_id, '{"minutes": {"97112": 9}}')
    second = store.add_signature(session_id, kim.therapist_id, '{"minutes": {"97112": 8}}')
    assert [s.signature_id for s in store.signatures(session_id)] == [
        first.signature_id,
        second.signature_id,
    ]
    assert store.signatures(session_id)[0].signed_json == '{"minutes": {"97112": 9}}'
    store.retire_therapist(kim.therapist_id)
    with pytest.raises(ValueError, match="signs no more"):
        store.add_signature(session_id, kim.therapist_id, "{}")
    assert len(store.signatures(session_id)) == 2


def test_goals_are_written_read_and_closed(store: Store) -> None:
    code = store.create_profile("Robin")
    other = store.create_profile("Sam")
    kim = store.add_therapist("Kim Lee", "OTR/L")
    first = store.add_goal(_goal(code, kim.therapist_id))
    second = store.add_goal(_goal(code, None, "Taps with the right hand"))
    store.add_goal(_goal(other, None, "Sam's goal"))
    assert first.profile_code == code and first.limbs == ("both_hands", "left_hand")
    assert first.created_at_utc and first.open and first.target_value == 40.0
    assert store.goal(first.goal_id) == first
    store.close_goal(first.goal_id, "met", "2026-05-01T00:00:00+00:00")
    with pytest.raises(ValueError, match="closed already"):
        store.close_goal(first.goal_id, "revised")
    with pytest.raises(ValueError, match="closes as"):
        store.close_goal(second.goal_id, "forgotten")
    assert [g.text for g in store.goals(code)] == ["Claps along", "Taps with the right hand"]
    assert [g.goal_id for g in store.goals(code, include_closed=False)] == [second.goal_id]
    assert store.goal(first.goal_id).closed_reason == "met"
    with pytest.raises(LookupError, match="no goal"):
        store.goal(second.goal_id + 10)


def test_chart_fields_and_default_codes_are_kept_per_profile(store: Store) -> None:
    code = store.create_profile("Robin")
    assert store.chart_fields(code) is None and store.default_codes(code) == []
    store.set_chart_fields(code, "MR-1", None, ["F82"])
    store.set_chart_fields(code, "MR-0042", "2019-05-04", ["F82", "R27.8"])
    fields = store.chart_fields(code)
    assert isinstance(fields, ChartFields)
    assert (fields.mrn, fields.date_of_birth, fields.diagnosis_codes) == (
        "MR-0042",
        "2019-05-04",
        ("F82", "R27.8"),
    )
    store.set_default_codes(code, [CodeShare("97530", 40), CodeShare("97112", 60)])
    store.set_default_codes(code, [CodeShare("97112", 50), CodeShare("97530", 50)])
    assert store.default_codes(code) == [CodeShare("97112", 50), CodeShare("97530", 50)]
    with pytest.raises(ValueError, match="add up to 100"):
        store.set_default_codes(code, [CodeShare("97112", 30)])
    # The database itself refuses a share out of range, whatever adds up.
    with pytest.raises(refused_record(store)):
        store.set_default_codes(code, [CodeShare("97112", 150), CodeShare("97530", -50)])
    assert store.default_codes(code) == [CodeShare("97112", 50), CodeShare("97530", 50)]
    store.set_default_codes(code, [])
    assert store.default_codes(code) == []
    with pytest.raises(LookupError):
        store.chart_fields("P-NOBODY")


def test_therapists_signatures_and_goals_carry_clinic_wide_keys(store: Store) -> None:
    session_id = start_session(store)
    code = store.list_profiles()[0].code
    therapists = [store.add_therapist(name, "OT") for name in ("Kim Lee", "Sam Roe")]
    for therapist in therapists:
        store.add_signature(session_id, therapist.therapist_id, "{}")
        store.add_goal(_goal(code, therapist.therapist_id))
    for table in t.CHART_KEYED:
        keys = [key for (key,) in store._fetch_rows(select(table.c.uuid))]  # type: ignore[attr-defined]
        assert len(keys) == 2 and None not in keys and len(set(keys)) == 2
