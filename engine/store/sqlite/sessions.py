"""Profiles and sessions in SQLite: who played, what, when, and how it ended."""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict
from datetime import UTC, datetime

from engine.store.owners import OwnerState, ProcessOwner, owner_state, this_process
from engine.store.protocol import StoreError
from engine.store.records import (
    SESSION_COMPLETE,
    SESSION_FIELDS,
    SESSION_INCOMPLETE,
    SESSION_RUNNING,
    ProfileRecord,
    SessionCalibration,
    SessionCounts,
    SessionRecord,
    profile_name_problem,
)
from engine.store.sqlite.connected import Connected, insert_statement, utc_now

# Pseudonymous profile codes: no letters or digits that read alike (0/O, 1/I/L).
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 6
_CODE_ATTEMPTS = 20

# ProfileRecord's fields, in order.
_PROFILE_SELECT = (
    "SELECT p.id, p.code, p.display_name, p.birth_year, p.avatar, p.created_at_utc, "
    "COUNT(s.id), MAX(s.started_at_utc), p.archived_at_utc "
    "FROM profiles AS p LEFT JOIN sessions AS s ON s.profile_id = p.id "
)

# SessionRecord's fields where the sessions table names or keeps them differently.
_SESSION_SOURCES = {
    "session_id": "s.id",
    "profile_code": "p.code",
    "calibration": "s.calibration_json",
}
_SESSION_SELECT = (
    "SELECT "
    + ", ".join(_SESSION_SOURCES.get(name, f"s.{name}") for name in SESSION_FIELDS)
    + " FROM sessions AS s JOIN profiles AS p ON p.id = s.profile_id "
)
# Stored as given, under their own names; the others are keys, JSON or set by the store.
_SESSION_PLAIN_FIELDS = tuple(
    name for name in SESSION_FIELDS if name not in _SESSION_SOURCES and name != "ended_at_utc"
)
_INSERT_SESSION = insert_statement(
    "sessions", ("profile_id", "calibration_json", *_SESSION_PLAIN_FIELDS)
)


def _checked_name(display_name: str) -> str:
    name = display_name.strip()
    problem = profile_name_problem(name)
    if problem is not None:
        raise ValueError(problem)
    return name


def _check_birth_year(birth_year: int | None, whose: str) -> None:
    if birth_year is not None and not 1900 <= birth_year <= datetime.now(UTC).year:
        raise ValueError(f"profile {whose}: birth year {birth_year} is not plausible")


def _session_of_row(row: tuple) -> SessionRecord:
    values = dict(zip(SESSION_FIELDS, row, strict=True))
    calibration_json = values.pop("calibration")
    values["autoplayed"] = bool(values["autoplayed"])  # SQLite keeps it as 0 or 1
    calibration = None
    if calibration_json is not None:
        calibration = SessionCalibration(**json.loads(calibration_json))
    return SessionRecord(calibration=calibration, **values)


class ProfileAndSessionTables(Connected):
    # --- profiles -------------------------------------------------------------------------
    def create_profile(
        self, display_name: str, birth_year: int | None = None, avatar: str | None = None
    ) -> str:
        name = _checked_name(display_name)
        _check_birth_year(birth_year, name)
        with self.transaction():
            code = self._unused_profile_code()
            self._connection.execute(
                "INSERT INTO profiles (code, display_name, created_at_utc, birth_year, avatar) "
                "VALUES (?, ?, ?, ?, ?)",
                (code, name, utc_now(), birth_year, avatar),
            )
        return code

    def _unused_profile_code(self) -> str:
        for _ in range(_CODE_ATTEMPTS):
            code = "P-" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
            taken = self._connection.execute(
                "SELECT 1 FROM profiles WHERE code = ?", (code,)
            ).fetchone()
            if taken is None:
                return code
        raise StoreError(f"{self.path}: found no unused profile code in {_CODE_ATTEMPTS} tries")

    def set_profile_details(
        self, profile_code: str, birth_year: int | None, avatar: str | None
    ) -> None:
        _check_birth_year(birth_year, profile_code)
        self._update_profile(profile_code, "birth_year = ?, avatar = ?", (birth_year, avatar))

    def rename_profile(self, profile_code: str, display_name: str) -> None:
        self._update_profile(profile_code, "display_name = ?", (_checked_name(display_name),))

    def archive_profile(self, profile_code: str, archived_at_utc: str | None = None) -> None:
        with self.transaction():
            archived = self.profile(profile_code).archived_at_utc
            if archived is not None:
                raise ValueError(f"profile {profile_code} was archived already, on {archived}")
            self._update_profile(
                profile_code, "archived_at_utc = ?", (archived_at_utc or utc_now(),)
            )

    def _update_profile(self, profile_code: str, assignments: str, values: tuple) -> None:
        with self.transaction():
            cursor = self._connection.execute(
                f"UPDATE profiles SET {assignments} WHERE code = ?", (*values, profile_code)
            )
            if cursor.rowcount != 1:
                raise LookupError(f"{self.path}: there is no profile {profile_code}")

    def list_profiles(self, include_archived: bool = True) -> list[ProfileRecord]:
        where = "" if include_archived else "WHERE p.archived_at_utc IS NULL "
        rows = self._connection.execute(_PROFILE_SELECT + where + "GROUP BY p.id ORDER BY p.code")
        return [ProfileRecord(*row) for row in rows]

    def active_profiles_named(self, display_name: str) -> list[ProfileRecord]:
        rows = self._connection.execute(
            _PROFILE_SELECT + "WHERE p.display_name = ? AND p.archived_at_utc IS NULL "
            "GROUP BY p.id ORDER BY p.created_at_utc, p.id",
            (display_name.strip(),),
        )
        return [ProfileRecord(*row) for row in rows]

    def profile(self, profile_code: str) -> ProfileRecord:
        row = self._connection.execute(
            _PROFILE_SELECT + "WHERE p.code = ? GROUP BY p.id", (profile_code,)
        ).fetchone()
        if row is None:
            raise LookupError(f"{self.path}: there is no profile {profile_code}")
        return ProfileRecord(*row)

    # --- sessions -------------------------------------------------------------------------
    def start_session(self, session: SessionRecord) -> int:
        if session.session_id is not None or session.status != SESSION_RUNNING:
            raise ValueError(
                f"a session starts without an id and {SESSION_RUNNING!r}, not as session "
                f"{session.session_id} {session.status!r}"
            )
        calibration = session.calibration
        calibration_json = None if calibration is None else json.dumps(asdict(calibration))
        with self.transaction():
            profile_id = self._profile_id_of_code(session.profile_code)
            cursor = self._connection.execute(
                _INSERT_SESSION,
                (
                    profile_id,
                    calibration_json,
                    *(getattr(session, name) for name in _SESSION_PLAIN_FIELDS),
                ),
            )
            session_id = int(cursor.lastrowid)
            owner = this_process()
            self._connection.execute(
                "INSERT INTO session_owners (session_id, host, pid, process_started) "
                "VALUES (?, ?, ?, ?)",
                (session_id, owner.host, owner.pid, owner.started),
            )
            return session_id

    def end_session(self, session_id: int, ended_at_utc: str, status: str) -> None:
        if status not in (SESSION_COMPLETE, SESSION_INCOMPLETE):
            raise ValueError(
                f"session {session_id}: status must be {SESSION_COMPLETE!r} or "
                f"{SESSION_INCOMPLETE!r}, not {status!r}"
            )
        with self.transaction():
            cursor = self._connection.execute(
                "UPDATE sessions SET ended_at_utc = ?, status = ? WHERE id = ?",
                (ended_at_utc, status, session_id),
            )
            if cursor.rowcount != 1:
                raise LookupError(f"{self.path}: there is no session {session_id} to end")

    def mark_abandoned_sessions_incomplete(self) -> int:
        # Read first: most opens find nothing to mark and so never wait for the write lock.
        rows = self._connection.execute(
            "SELECT s.id, o.host, o.pid, o.process_started FROM sessions AS s "
            "LEFT JOIN session_owners AS o ON o.session_id = s.id WHERE s.status = ?",
            (SESSION_RUNNING,),
        ).fetchall()
        abandoned = [
            (session_id,)
            for session_id, host, pid, started in rows
            # No owner: recorded by an OnBeat from before owners were kept, long gone.
            if host is None or owner_state(ProcessOwner(host, pid, started)) is OwnerState.GONE
        ]
        if not abandoned:
            return 0
        with self.transaction():
            self._connection.executemany(
                "UPDATE sessions SET status = ? WHERE id = ? AND status = ?",
                [(SESSION_INCOMPLETE, session_id, SESSION_RUNNING) for (session_id,) in abandoned],
            )
        return len(abandoned)

    def list_sessions(
        self,
        profile_code: str | None = None,
        started_from_utc: str | None = None,
        started_before_utc: str | None = None,
    ) -> list[SessionRecord]:
        conditions, parameters = [], []
        if profile_code is not None:
            conditions.append("p.code = ?")
            parameters.append(profile_code)
        if started_from_utc is not None:
            conditions.append("s.started_at_utc >= ?")
            parameters.append(started_from_utc)
        if started_before_utc is not None:
            conditions.append("s.started_at_utc < ?")
            parameters.append(started_before_utc)
        where = f"WHERE {' AND '.join(conditions)} " if conditions else ""
        rows = self._connection.execute(
            f"{_SESSION_SELECT}{where}ORDER BY s.started_at_utc, s.id", parameters
        )
        return [_session_of_row(row) for row in rows]

    def session(self, session_id: int) -> SessionRecord:
        row = self._connection.execute(f"{_SESSION_SELECT}WHERE s.id = ?", (session_id,)).fetchone()
        if row is None:
            raise LookupError(f"{self.path}: there is no session {session_id}")
        return _session_of_row(row)

    def session_counts(self, session_id: int) -> SessionCounts:
        row = self._connection.execute(
            "SELECT "
            "(SELECT COUNT(*) FROM tasks WHERE session_id = s.id), "
            "(SELECT COUNT(*) FROM beats WHERE session_id = s.id), "
            "(SELECT COUNT(*) FROM taps WHERE session_id = s.id), "
            "(SELECT COUNT(*) FROM taps WHERE session_id = s.id AND beat_index IS NOT NULL) "
            "FROM sessions AS s WHERE s.id = ?",
            (session_id,),
        ).fetchone()
        if row is None:
            raise LookupError(f"{self.path}: there is no session {session_id}")
        return SessionCounts(*row)
