"""What a clinic files in SQLite beside the recordings: therapists, minutes per billing code,
signatures, goals, chart fields and a profile's default codes. Every statement of these
tables is here (the tables themselves are made by migration 10 from CHART_TABLES), in plain
SQL that PostgreSQL takes too: TEXT, INTEGER and REAL, no triggers.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.store.chart_records import (
    GOAL_CLOSE_REASONS,
    ChartFields,
    CodeMinutes,
    CodeShare,
    GoalRecord,
    SessionMinutes,
    Therapist,
)
from engine.store.chart_records import Signature as SignatureRecord
from engine.store.records import field_names
from engine.store.sqlite.connected import Connected, utc_now

# Migration 10 runs these: once shipped, never edit them (a change is a new migration).
CHART_TABLES: tuple[str, ...] = (
    # Never deleted: signatures refer to them. pin_hash: argon2id of a PIN of their own.
    """CREATE TABLE therapists (
        id INTEGER PRIMARY KEY,
        name TEXT NOT NULL,
        credentials TEXT NOT NULL,
        npi TEXT,
        discipline TEXT,
        pin_hash TEXT,
        added_at_utc TEXT NOT NULL,
        retired_at_utc TEXT
    )""",
    # The minutes as last assigned; position keeps the order the therapist gave them in.
    """CREATE TABLE session_minutes (
        session_id INTEGER NOT NULL REFERENCES sessions (id),
        code TEXT NOT NULL,
        minutes INTEGER NOT NULL CHECK (minutes >= 0),
        position INTEGER NOT NULL,
        therapist_id INTEGER NOT NULL REFERENCES therapists (id),
        assigned_at_utc TEXT NOT NULL,
        active_seconds REAL,
        PRIMARY KEY (session_id, code)
    )""",
    # Append-only through the store: a correction is signed again, the first stays.
    """CREATE TABLE signatures (
        id INTEGER PRIMARY KEY,
        session_id INTEGER NOT NULL REFERENCES sessions (id),
        therapist_id INTEGER NOT NULL REFERENCES therapists (id),
        signed_at_utc TEXT NOT NULL,
        signed_json TEXT NOT NULL
    )""",
    "CREATE INDEX signatures_by_session ON signatures (session_id)",
    """CREATE TABLE goals (
        id INTEGER PRIMARY KEY,
        profile_id INTEGER NOT NULL REFERENCES profiles (id),
        text TEXT NOT NULL,
        metric TEXT,
        comparison TEXT,
        target_value REAL,
        limbs TEXT NOT NULL,
        task_name TEXT,
        by_date TEXT,
        baseline_from TEXT NOT NULL,
        therapist_id INTEGER REFERENCES therapists (id),
        created_at_utc TEXT NOT NULL,
        closed_at_utc TEXT,
        closed_reason TEXT
    )""",
    "CREATE INDEX goals_by_profile ON goals (profile_id)",
    # diagnosis_codes: the ICD-10 codes separated by single spaces (they hold none).
    """CREATE TABLE chart_fields (
        profile_id INTEGER PRIMARY KEY REFERENCES profiles (id),
        mrn TEXT,
        date_of_birth TEXT,
        diagnosis_codes TEXT NOT NULL,
        updated_at_utc TEXT NOT NULL
    )""",
    """CREATE TABLE default_codes (
        profile_id INTEGER NOT NULL REFERENCES profiles (id),
        code TEXT NOT NULL,
        percent INTEGER NOT NULL CHECK (percent > 0 AND percent <= 100),
        position INTEGER NOT NULL,
        PRIMARY KEY (profile_id, code)
    )""",
)

_THERAPIST_SELECT = (
    "SELECT id, name, credentials, npi, discipline, added_at_utc, retired_at_utc, "
    "pin_hash IS NOT NULL FROM therapists "
)
_GOAL_SELECT = (
    "SELECT g.id, p.code, g.text, g.metric, g.comparison, g.target_value, g.limbs, "
    "g.task_name, g.by_date, g.baseline_from, g.therapist_id, g.created_at_utc, "
    "g.closed_at_utc, g.closed_reason FROM goals AS g JOIN profiles AS p ON p.id = g.profile_id "
)


def _therapist(row: tuple) -> Therapist:
    return Therapist(*row[:7], has_pin=bool(row[7]))


def _goal(row: tuple) -> GoalRecord:
    values = dict(zip(field_names(GoalRecord), row, strict=True))
    values["limbs"] = tuple(values["limbs"].split()) if values["limbs"] else ()
    return GoalRecord(**values)


class ChartTables(Connected):
    # --- therapists -----------------------------------------------------------------------
    def add_therapist(
        self, name: str, credentials: str, npi: str | None = None, discipline: str | None = None
    ) -> Therapist:
        if not name.strip() or not credentials.strip():
            raise ValueError("a therapist needs a name and credentials")
        with self.transaction():
            cursor = self._connection.execute(
                "INSERT INTO therapists (name, credentials, npi, discipline, added_at_utc) "
                "VALUES (?, ?, ?, ?, ?)",
                (name, credentials, npi, discipline, utc_now()),
            )
        return self.therapist(int(cursor.lastrowid))

    def therapists(self, include_retired: bool = True) -> list[Therapist]:
        where = "" if include_retired else "WHERE retired_at_utc IS NULL "
        rows = self._connection.execute(_THERAPIST_SELECT + where + "ORDER BY id")
        return [_therapist(row) for row in rows]

    def therapist(self, therapist_id: int) -> Therapist:
        row = self._connection.execute(
            _THERAPIST_SELECT + "WHERE id = ?", (therapist_id,)
        ).fetchone()
        if row is None:
            raise LookupError(f"{self.path}: there is no therapist {therapist_id}")
        return _therapist(row)

    def retire_therapist(self, therapist_id: int, retired_at_utc: str | None = None) -> None:
        with self.transaction():
            if self.therapist(therapist_id).retired_at_utc is not None:
                raise ValueError(f"therapist {therapist_id} is retired already")
            self._connection.execute(
                "UPDATE therapists SET retired_at_utc = ? WHERE id = ?",
                (retired_at_utc or utc_now(), therapist_id),
            )

    def set_therapist_pin_hash(self, therapist_id: int, pin_hash: str | None) -> None:
        with self.transaction():
            self.therapist(therapist_id)
            self._connection.execute(
                "UPDATE therapists SET pin_hash = ? WHERE id = ?", (pin_hash, therapist_id)
            )

    def therapist_pin_hash(self, therapist_id: int) -> str | None:
        self.therapist(therapist_id)
        row = self._connection.execute(
            "SELECT pin_hash FROM therapists WHERE id = ?", (therapist_id,)
        ).fetchone()
        return row[0]

    # --- minutes per code and signatures --------------------------------------------------
    def set_session_minutes(
        self,
        session_id: int,
        lines: Sequence[CodeMinutes],
        therapist_id: int,
        active_seconds: float | None,
        assigned_at_utc: str | None = None,
    ) -> None:
        codes = [line.code for line in lines]
        if len(set(codes)) != len(codes):
            raise ValueError(f"session {session_id}: a code is given twice ({', '.join(codes)})")
        if any(line.minutes < 0 for line in lines):
            raise ValueError(f"session {session_id}: minutes must not be negative")
        at = assigned_at_utc or utc_now()
        with self.transaction():
            self.session(session_id)  # LookupError for an unknown session
            self.therapist(therapist_id)
            self._connection.execute(
                "DELETE FROM session_minutes WHERE session_id = ?", (session_id,)
            )
            self._connection.executemany(
                "INSERT INTO session_minutes (session_id, code, minutes, position, therapist_id, "
                "assigned_at_utc, active_seconds) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (session_id, line.code, line.minutes, index, therapist_id, at, active_seconds)
                    for index, line in enumerate(lines)
                ],
            )

    def session_minutes(self, session_id: int) -> SessionMinutes | None:
        rows = self._connection.execute(
            "SELECT code, minutes, therapist_id, assigned_at_utc, active_seconds "
            "FROM session_minutes WHERE session_id = ? ORDER BY position",
            (session_id,),
        ).fetchall()
        if not rows:
            return None
        lines = tuple(CodeMinutes(code, minutes) for code, minutes, *_ in rows)
        return SessionMinutes(session_id, lines, *rows[0][2:])

    def add_signature(
        self,
        session_id: int,
        therapist_id: int,
        signed_json: str,
        signed_at_utc: str | None = None,
    ) -> SignatureRecord:
        at = signed_at_utc or utc_now()
        with self.transaction():
            self.session(session_id)
            if self.therapist(therapist_id).retired_at_utc is not None:
                raise ValueError(f"therapist {therapist_id} is retired and signs no more")
            cursor = self._connection.execute(
                "INSERT INTO signatures (session_id, therapist_id, signed_at_utc, signed_json) "
                "VALUES (?, ?, ?, ?)",
                (session_id, therapist_id, at, signed_json),
            )
        return SignatureRecord(int(cursor.lastrowid), session_id, therapist_id, at, signed_json)

    def signatures(self, session_id: int) -> list[SignatureRecord]:
        rows = self._connection.execute(
            "SELECT id, session_id, therapist_id, signed_at_utc, signed_json FROM signatures "
            "WHERE session_id = ? ORDER BY id",
            (session_id,),
        )
        return [SignatureRecord(*row) for row in rows]

    # --- goals ----------------------------------------------------------------------------
    def add_goal(self, goal: GoalRecord) -> GoalRecord:
        if not goal.text.strip():
            raise ValueError("a goal needs the therapist's words")
        created = goal.created_at_utc or utc_now()
        with self.transaction():
            profile_id = self._profile_id_of_code(goal.profile_code)
            if goal.therapist_id is not None:
                self.therapist(goal.therapist_id)
            cursor = self._connection.execute(
                "INSERT INTO goals (profile_id, text, metric, comparison, target_value, limbs, "
                "task_name, by_date, baseline_from, therapist_id, created_at_utc) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    profile_id,
                    goal.text,
                    goal.metric,
                    goal.comparison,
                    goal.target_value,
                    " ".join(goal.limbs),
                    goal.task_name,
                    goal.by_date,
                    goal.baseline_from,
                    goal.therapist_id,
                    created,
                ),
            )
        return self.goal(int(cursor.lastrowid))

    def goal(self, goal_id: int) -> GoalRecord:
        row = self._connection.execute(_GOAL_SELECT + "WHERE g.id = ?", (goal_id,)).fetchone()
        if row is None:
            raise LookupError(f"{self.path}: there is no goal {goal_id}")
        return _goal(row)

    def goals(self, profile_code: str, include_closed: bool = True) -> list[GoalRecord]:
        where = "WHERE p.code = ? " + ("" if include_closed else "AND g.closed_at_utc IS NULL ")
        rows = self._connection.execute(_GOAL_SELECT + where + "ORDER BY g.id", (profile_code,))
        return [_goal(row) for row in rows]

    def close_goal(self, goal_id: int, reason: str, closed_at_utc: str | None = None) -> None:
        if reason not in GOAL_CLOSE_REASONS:
            raise ValueError(f"{reason!r}: a goal closes as {', '.join(GOAL_CLOSE_REASONS)}")
        with self.transaction():
            if not self.goal(goal_id).open:
                raise ValueError(f"goal {goal_id} is closed already")
            self._connection.execute(
                "UPDATE goals SET closed_at_utc = ?, closed_reason = ? WHERE id = ?",
                (closed_at_utc or utc_now(), reason, goal_id),
            )

    # --- chart fields and default codes ---------------------------------------------------
    def set_chart_fields(
        self,
        profile_code: str,
        mrn: str | None,
        date_of_birth: str | None,
        diagnosis_codes: Sequence[str],
    ) -> None:
        if any(not code or " " in code for code in diagnosis_codes):
            raise ValueError("a diagnosis code is one word without spaces")
        with self.transaction():
            profile_id = self._profile_id_of_code(profile_code)
            self._connection.execute(
                "INSERT INTO chart_fields (profile_id, mrn, date_of_birth, diagnosis_codes, "
                "updated_at_utc) VALUES (?, ?, ?, ?, ?) ON CONFLICT (profile_id) DO UPDATE SET "
                "mrn = excluded.mrn, date_of_birth = excluded.date_of_birth, "
                "diagnosis_codes = excluded.diagnosis_codes, "
                "updated_at_utc = excluded.updated_at_utc",
                (profile_id, mrn, date_of_birth, " ".join(diagnosis_codes), utc_now()),
            )

    def chart_fields(self, profile_code: str) -> ChartFields | None:
        profile_id = self._profile_id_of_code(profile_code)
        row = self._connection.execute(
            "SELECT mrn, date_of_birth, diagnosis_codes, updated_at_utc FROM chart_fields "
            "WHERE profile_id = ?",
            (profile_id,),
        ).fetchone()
        if row is None:
            return None
        mrn, born, codes, updated = row
        return ChartFields(profile_code, mrn, born, tuple(codes.split()), updated)

    def set_default_codes(self, profile_code: str, shares: Sequence[CodeShare]) -> None:
        if shares and sum(share.percent for share in shares) != 100:
            raise ValueError("the shares of a profile's default codes must add up to 100 %")
        with self.transaction():
            profile_id = self._profile_id_of_code(profile_code)
            self._connection.execute(
                "DELETE FROM default_codes WHERE profile_id = ?", (profile_id,)
            )
            self._connection.executemany(
                "INSERT INTO default_codes (profile_id, code, percent, position) "
                "VALUES (?, ?, ?, ?)",
                [
                    (profile_id, share.code, share.percent, position)
                    for position, share in enumerate(shares)
                ],
            )

    def default_codes(self, profile_code: str) -> list[CodeShare]:
        profile_id = self._profile_id_of_code(profile_code)
        rows = self._connection.execute(
            "SELECT code, percent FROM default_codes WHERE profile_id = ? ORDER BY position",
            (profile_id,),
        )
        return [CodeShare(*row) for row in rows]
