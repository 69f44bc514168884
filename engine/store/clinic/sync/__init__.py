"""One sync of a station with its clinic's server: send what the server lacks, bring down
what the station lacks, settle what both changed.

Recordings (recordings.py). Sending is keyed by the clinic-wide UUIDs (engine/store/
migrations/versions/r0009_*): a profile, plan, note or audit row is added with ON CONFLICT DO
NOTHING; a session that has ended goes up with its tasks, targets, taps, adaptation steps and
migration notes in one server transaction, so a session is on the server whole or not at all.
A sync killed in the middle leaves whole sessions behind, and the next one sends the rest;
sending again adds nothing. Running sessions wait for their end. Each database keeps its own
integer ids: rows that refer to a profile, plan or session are translated through the UUIDs.
Coming down: profiles and plans the station lacks, and the plan each profile plays. Two
therapists giving one profile different plans: the later assignment wins (assigned_at_utc),
on both sides, and a station whose assignment is replaced writes an audit row saying so.

Profile edits (profiles.py): a rename, new avatar or birth year, or archiving goes both ways;
per profile, the copy with the later edit (modified_at_utc, stamped by the store on every
edit) replaces the other whole, and a station whose own edit is replaced writes an audit row.

The chart (chart.py, schema version 11): therapists (with their PIN hashes, so a therapist
signs on any station), signatures and goals by their UUIDs; minutes per code by their
session's UUID, chart fields and default codes by their profile's UUID. Signatures are only
ever added. A session's minutes follow the station that recorded it until a signature the
station has not seen says otherwise.

Shared levels (levels.py, schema version 12): level files published to the clinic come down
into the station's data folder, checked by the caller's level loader first.

Sessions never come down: a station holds the sessions it recorded, and so the minutes and
signatures of those sessions only; the server holds every station's.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from engine.store.clinic.sync import chart, levels, profiles, recordings
from engine.store.clinic.sync.keyed import SyncCounts
from engine.store.clinic.sync.recordings import sessions_not_on_server
from engine.store.sql.store import SqlStore

__all__ = ["SyncCounts", "sessions_not_on_server", "sync"]


def sync(
    station: SqlStore,
    server: SqlStore,
    station_name: str,
    levels_dir: Path | None = None,
    check_level: Callable[[Path, str], str | None] | None = None,
) -> SyncCounts:
    """Send the server what it lacks, bring down what the station lacks; what moved.

    With ``levels_dir`` and ``check_level``, the clinic's shared levels come down into
    ``levels_dir`` (levels.py says how ``check_level`` is called)."""
    counts = SyncCounts()
    profile_ids = recordings.send_profiles(station, server, counts)
    plans = recordings.send_plans(station, server, profile_ids, counts)
    recordings.send_sessions(station, server, profile_ids, plans, counts)
    recordings.send_notes_and_audit(station, server, profile_ids, counts)
    recordings.receive(station, server, counts)
    recordings.settle_assignments(station, server, station_name, counts)
    profiles.settle_profile_edits(station, server, station_name, counts)
    chart.sync_chart(station, server, counts)
    if levels_dir is not None and check_level is not None:
        levels.receive_levels(server, levels_dir, check_level, counts)
    return counts
