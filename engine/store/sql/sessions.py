"""Profiles and sessions: who played, what, when, and how it ended."""

from __future__ import annotations

import json
import platform
import secrets
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, bindparam, func, insert, select, update

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
from engine.store.sql import tables as t
from engine.store.sql.connected import (
    JOINED_STATION_SETTING,
    Connected,
    edit_time_utc,
    new_key,
    utc_now,
)

# Pseudonymous profile codes: no letters or digits that read alike (0/O, 1/I/L).
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 6
_CODE_ATTEMPTS = 20

_p, _s = t.profiles, t.sessions

# ProfileRecord's fields, in order.
_PROFILE_SELECT = (
    select(
        _p.c.id,
        _p.c.code,
        _p.c.display_name,
        _p.c.birth_year,
        _p.c.avatar,
        _p.c.created_at_utc,
        func.count(_s.c.id),
        func.max(_s.c.started_at_utc),
        _p.c.archived_at_utc,
    )
    .select_from(_p.outerjoin(_s, _s.c.profile_id == _p.c.id))
    .group_by(_p.c.id)
)

# SessionRecord's fields where the sessions table names or keeps them differently.
_SESSION_SOURCES = {
    "session_id": _s.c.id,
    "profile_code": _p.c.code,
    "calibration": _s.c.calibration_json,
    "session_uuid": _s.c.uuid,
}
_SESSION_SELECT = select(
    *(_SESSION_SOURCES[name] if name in _SESSION_SOURCES else _s.c[name] for name in SESSION_FIELDS)
).select_from(_s.join(_p, _p.c.id == _s.c.profile_id))
# Built once, so that its SQL text is made once a connection (a progress pass asks once a
# session).
_SESSION_BY_ID = _SESSION_SELECT.where(_s.c.id == bindparam("session_id"))
# Stored as given, under their own names; the others are keys, JSON or set by the store.
_SESSION_PLAIN_FIELDS = tuple(
    name for name in SESSION_FIELDS if name not in _SESSION_SOURCES and name != "ended_at_utc"
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


def _session_of_row(row: Any) -> SessionRecord:
    values = dict(zip(SESSION_FIELDS, row, strict=True))
    calibration_json = values.pop("calibration")
    values["autoplayed"] = bool(values["autoplayed"])
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
            self._run(
                insert(_p).values(
                    code=code,
                    display_name=name,
                    created_at_utc=utc_now(),
                    birth_year=birth_year,
                    avatar=avatar,
                    uuid=new_key(),
                )
            )
        return code

    def _editing_station(self) -> str:
        """The station an edit is made on: the name it joined its clinic under, else the
        computer's name."""
        joined = self._run(
            select(t.station_settings.c.value).where(
                t.station_settings.c.name == JOINED_STATION_SETTING
            )
        ).scalar_one_or_none()
        return joined or platform.node() or "station"

    def _unused_profile_code(self) -> str:
        for _ in range(_CODE_ATTEMPTS):
            code = "P-" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
            taken = self._run(select(_p.c.id).where(_p.c.code == code)).first()
            if taken is None:
                return code
        raise StoreError(f"{self.path}: found no unused profile code in {_CODE_ATTEMPTS} tries")

    def set_profile_details(
        self, profile_code: str, birth_year: int | None, avatar: str | None
    ) -> None:
        _check_birth_year(birth_year, profile_code)
        self._update_profile(profile_code, birth_year=birth_year, avatar=avatar)

    def rename_profile(self, profile_code: str, display_name: str) -> None:
        self._update_profile(profile_code, display_name=_checked_name(display_name))

    def archive_profile(self, profile_code: str, archived_at_utc: str | None = None) -> None:
        with self.transaction():
            archived = self.profile(profile_code).archived_at_utc
            if archived is not None:
                raise ValueError(f"profile {profile_code} was archived already, on {archived}")
            self._update_profile(profile_code, archived_at_utc=archived_at_utc or utc_now())

    def _update_profile(self, profile_code: str, **values: object) -> None:
        """Every edit of a profile comes here, and is stamped with its time and station so
        that the later of two stations' edits wins in a clinic."""
        with self.transaction():
            values.update(modified_at_utc=edit_time_utc(), modified_by=self._editing_station())
            result = self._run(update(_p).where(_p.c.code == profile_code).values(**values))
            if result.rowcount != 1:
                raise LookupError(f"{self.path}: there is no profile {profile_code}")

    def _profiles(self, query: Select) -> list[ProfileRecord]:
        return [ProfileRecord(*row) for row in self._run(query)]

    def list_profiles(self, include_archived: bool = True) -> list[ProfileRecord]:
        query = _PROFILE_SELECT.order_by(_p.c.code)
        if not include_archived:
            query = query.where(_p.c.archived_at_utc.is_(None))
        return self._profiles(query)

    def active_profiles_named(self, display_name: str) -> list[ProfileRecord]:
        return self._profiles(
            _PROFILE_SELECT.where(
                _p.c.display_name == display_name.strip(), _p.c.archived_at_utc.is_(None)
            ).order_by(_p.c.created_at_utc, _p.c.id)
        )

    def profile(self, profile_code: str) -> ProfileRecord:
        found = self._profiles(_PROFILE_SELECT.where(_p.c.code == profile_code))
        if not found:
            raise LookupError(f"{self.path}: there is no profile {profile_code}")
        return found[0]

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
            session_id = self._run(
                insert(_s)
                .values(
                    profile_id=profile_id,
                    calibration_json=calibration_json,
                    uuid=new_key(),
                    **{name: getattr(session, name) for name in _SESSION_PLAIN_FIELDS},
                )
                .returning(_s.c.id)
            ).scalar_one()
            owner = this_process()
            self._run(
                insert(t.session_owners).values(
                    session_id=session_id,
                    host=owner.host,
                    pid=owner.pid,
                    process_started=owner.started,
                )
            )
            return int(session_id)

    def end_session(self, session_id: int, ended_at_utc: str, status: str) -> None:
        if status not in (SESSION_COMPLETE, SESSION_INCOMPLETE):
            raise ValueError(
                f"session {session_id}: status must be {SESSION_COMPLETE!r} or "
                f"{SESSION_INCOMPLETE!r}, not {status!r}"
            )
        with self.transaction():
            result = self._run(
                update(_s)
                .where(_s.c.id == session_id)
                .values(ended_at_utc=ended_at_utc, status=status)
            )
            if result.rowcount != 1:
                raise LookupError(f"{self.path}: there is no session {session_id} to end")

    def mark_abandoned_sessions_incomplete(self) -> int:
        # Read first: most opens find nothing to mark and so never wait for the write lock.
        owners = t.session_owners
        rows = self._run(
            select(_s.c.id, owners.c.host, owners.c.pid, owners.c.process_started)
            .select_from(_s.outerjoin(owners, owners.c.session_id == _s.c.id))
            .where(_s.c.status == SESSION_RUNNING)
        ).all()
        abandoned = [
            session_id
            for session_id, host, pid, started in rows
            # No owner: recorded by an OnBeat from before owners were kept, long gone.
            if host is None or owner_state(ProcessOwner(host, pid, started)) is OwnerState.GONE
        ]
        if not abandoned:
            return 0
        with self.transaction():
            self._run(
                update(_s)
                .where(_s.c.id.in_(abandoned), _s.c.status == SESSION_RUNNING)
                .values(status=SESSION_INCOMPLETE)
            )
        return len(abandoned)

    def list_sessions(
        self,
        profile_code: str | None = None,
        started_from_utc: str | None = None,
        started_before_utc: str | None = None,
    ) -> list[SessionRecord]:
        conditions = []
        if profile_code is not None:
            conditions.append(_p.c.code == profile_code)
        if started_from_utc is not None:
            conditions.append(_s.c.started_at_utc >= started_from_utc)
        if started_before_utc is not None:
            conditions.append(_s.c.started_at_utc < started_before_utc)
        query = _SESSION_SELECT.where(and_(True, *conditions)).order_by(
            _s.c.started_at_utc, _s.c.id
        )
        # The driver's own rows: a clinic's overview lists thousands of sessions.
        return [_session_of_row(row) for row in self._fetch_rows(query)]

    def session(self, session_id: int) -> SessionRecord:
        rows = self._fetch_rows(_SESSION_BY_ID, {"session_id": session_id})
        if not rows:
            raise LookupError(f"{self.path}: there is no session {session_id}")
        return _session_of_row(rows[0])

    def session_counts(self, session_id: int) -> SessionCounts:
        def count(table: t.Table, *more: object) -> Any:
            return (
                select(func.count())
                .select_from(table)
                .where(table.c.session_id == _s.c.id, *more)
                .scalar_subquery()
            )

        row = self._run(
            select(
                count(t.tasks),
                count(t.beats),
                count(t.taps),
                count(t.taps, t.taps.c.beat_index.is_not(None)),
            ).where(_s.c.id == session_id)
        ).first()
        if row is None:
            raise LookupError(f"{self.path}: there is no session {session_id}")
        return SessionCounts(*row)
