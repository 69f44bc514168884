"""The records of a child's chart that a clinic files and bills: the therapists who sign,
the minutes of each session per billing code, the signatures, functional goals, the chart
fields a clinic may keep (MRN, date of birth, ICD-10 codes) and a profile's default codes.

Frozen dataclasses like engine/store/records.py, kept apart because they are the clinic's
paperwork rather than what a session recorded. Wall-clock instants are ISO 8601 UTC strings;
days (a goal's date, a date of birth) are ISO dates.
"""

from __future__ import annotations

from dataclasses import dataclass

# The station setting that shows the chart fields on therapist screens and reports. Off (no
# row) by default: a clinic that keeps MRNs elsewhere never sees the fields at all.
CHART_FIELDS_SETTING = "chart_fields_enabled"
CHART_FIELDS_ON = "on"

# Why a goal stopped being worked on.
GOAL_CLOSE_REASONS: tuple[str, ...] = ("met", "discontinued", "revised")


@dataclass(frozen=True)
class Therapist:
    """A therapist who signs notes, minutes and codes. Never deleted (signatures refer to
    them); one who leaves the clinic is retired and offered no more."""

    therapist_id: int
    name: str
    credentials: str  # as signed after the name: OTR/L, PT, DPT, CCC-SLP
    npi: str | None  # the 10-digit National Provider Identifier, when the clinic keeps it
    discipline: str | None  # OT, PT or SLP: which codes are theirs to bill
    added_at_utc: str
    retired_at_utc: str | None = None
    has_pin: bool = False  # a PIN of their own identifies them at a shared station

    @property
    def signed_name(self) -> str:
        """Like "Kim Lee, OTR/L"."""
        return f"{self.name}, {self.credentials}"


@dataclass(frozen=True)
class CodeMinutes:
    code: str
    minutes: int


@dataclass(frozen=True)
class SessionMinutes:
    """A session's minutes per billing code, as the therapist assigned them (last edit)."""

    session_id: int
    lines: tuple[CodeMinutes, ...]  # in the order given
    therapist_id: int  # who assigned (or last edited) them
    assigned_at_utc: str
    active_seconds: float | None  # the active time measured when they were assigned

    @property
    def total_minutes(self) -> int:
        return sum(line.minutes for line in self.lines)

    def as_mapping(self) -> dict[str, int]:
        return {line.code: line.minutes for line in self.lines}


@dataclass(frozen=True)
class Signature:
    """A therapist's signature on a session: what was signed is kept beside it, so that a
    later edit shows as such and the signature keeps meaning what it meant."""

    signature_id: int
    session_id: int
    therapist_id: int
    signed_at_utc: str
    signed_json: str  # {"minutes": {code: minutes}, "note_ids": [...]}, as signed


@dataclass(frozen=True, kw_only=True)
class GoalRecord:
    """A functional goal of a profile in the therapist's words, and where it can be, its
    measurable target (engine/metrics/goals.py checks and reads it). Written without an id
    and creation time, read back with those the store gave it."""

    goal_id: int | None = None
    profile_code: str
    text: str
    metric: str | None  # None: no metric measures this goal
    comparison: str | None  # "<=" or ">="
    target_value: float | None
    limbs: tuple[str, ...]  # the tasks it is measured on (empty: every task)
    task_name: str | None
    by_date: str | None  # ISO date the target should be met by
    baseline_from: str  # ISO date: sessions from this day on count toward it
    therapist_id: int | None  # who wrote it
    created_at_utc: str = ""
    closed_at_utc: str | None = None
    closed_reason: str | None = None  # one of GOAL_CLOSE_REASONS

    @property
    def open(self) -> bool:
        return self.closed_at_utc is None


@dataclass(frozen=True)
class ChartFields:
    """What a clinic's chart knows of a child beyond the pseudonymous code. Shown on
    therapist screens and reports only, and only where the clinic turned the fields on."""

    profile_code: str
    mrn: str | None
    date_of_birth: str | None  # ISO date
    diagnosis_codes: tuple[str, ...]  # ICD-10, as checked by engine/billing/chart_fields.py
    updated_at_utc: str


@dataclass(frozen=True)
class CodeShare:
    """A profile's default billing code and its share of the active minutes, in percent."""

    code: str
    percent: int
