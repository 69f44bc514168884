"""A session's billing record: its active time measured from the recording, the minutes
per code a therapist assigns (by default the profile's codes share the active minutes), and
the therapist's signature on those minutes and the session's notes.

Talks to the store through the Store protocol only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from engine.billing.active_time import active_seconds, whole_minutes
from engine.billing.codes import PERCENT, BillingConfig
from engine.billing.units import UnknownCodeError
from engine.session.plans import plan_of_json
from engine.store.chart_records import CodeMinutes, CodeShare, Signature, Therapist
from engine.store.protocol import Store
from engine.store.records import Note

# Billed minutes may exceed the measured active time by this much without a stated reason:
# active time leaves out the count-ins and the words between tasks, and whole minutes are
# rounded, so a minute or two more is the record's own slack. More than that is billed time
# the recording does not support, which auditors look for: it needs a reason, kept and shown.
BILLED_OVER_ACTIVE_ALLOWANCE_MIN = 2
# The author of the note that keeps an override's reason (a session note, so that it is
# dated, never edited, and covered by the signature like any note).
OVERRIDE_NOTE_AUTHOR = "billing override"


class BillingRecordError(ValueError):
    """A billing step that cannot be done as asked; the message says what to do instead."""


class BilledOverActiveError(BillingRecordError):
    """More minutes given to codes than the measured active time plus the allowance, and no
    reason given for it."""

    def __init__(self, billed_min: int, active_min: int) -> None:
        self.billed_min = billed_min
        self.active_min = active_min
        self.limit_min = active_min + BILLED_OVER_ACTIVE_ALLOWANCE_MIN
        super().__init__(
            f"{billed_min} min billed is more than the {active_min} min of active time "
            f"measured plus {BILLED_OVER_ACTIVE_ALLOWANCE_MIN} min: give at most "
            f"{self.limit_min} min, or override with a reason (kept and printed on the "
            "flow sheet)"
        )


def billable_limit_min(seconds: float) -> int:
    """The most minutes a session with ``seconds`` of active time bills without a reason."""
    return whole_minutes(seconds) + BILLED_OVER_ACTIVE_ALLOWANCE_MIN


def override_notes(notes: Sequence[Note]) -> list[Note]:
    """The notes among ``notes`` that keep the reason for billing over the active time."""
    return [note for note in notes if note.author == OVERRIDE_NOTE_AUTHOR]


def measured_active_seconds(store: Store, session_id: int) -> float:
    """The session's active time (engine/billing/active_time.py) from its stored targets."""
    session = store.session(session_id)
    beats = store.beat_columns(session_id)
    return active_seconds(
        beats.task_index, beats.target_frame, beats.tempo_bpm, session.sample_rate_hz
    )


def split_minutes(minutes: int, shares: Sequence[CodeShare]) -> tuple[CodeMinutes, ...]:
    """``minutes`` shared out by percent; the minutes rounding leaves over go one each to
    the codes with the largest remainders (the earlier on a tie), so the parts add up."""
    exact = [minutes * share.percent for share in shares]
    parts = [value // PERCENT for value in exact]
    left = minutes - sum(parts)
    by_remainder = sorted(range(len(shares)), key=lambda index: -(exact[index] % PERCENT))
    for index in by_remainder[:left]:
        parts[index] += 1
    return tuple(CodeMinutes(s.code, part) for s, part in zip(shares, parts, strict=True))


def check_codes(codes: Sequence[str], config: BillingConfig) -> None:
    """UnknownCodeError for the first code the billing configuration does not list."""
    for code in codes:
        if config.find(code) is None:
            raise UnknownCodeError(code, config.source_path)


def default_shares(store: Store, session_id: int) -> tuple[CodeShare, ...]:
    """The codes a session bills by default: its profile's own (`run.py billing defaults`),
    else those of the plan it was played in (its file's ``codes``); empty if neither has."""
    session = store.session(session_id)
    shares = tuple(store.default_codes(session.profile_code))
    if shares or session.plan_id is None:
        return shares
    definition = store.plan_definition(session.plan_id)
    return () if definition is None else plan_of_json(definition).codes


def default_lines(store: Store, session_id: int, seconds: float) -> tuple[CodeMinutes, ...]:
    """The active minutes shared by the session's default codes; empty without defaults."""
    shares = default_shares(store, session_id)
    if not shares:
        return ()
    lines = split_minutes(whole_minutes(seconds), shares)
    # A code the split leaves no minute is not billed that day: leave it off the record.
    return tuple(line for line in lines if line.minutes > 0) or lines[:1]


def assign_minutes(
    store: Store,
    session_id: int,
    therapist_id: int,
    config: BillingConfig,
    minutes_by_code: Mapping[str, int] | None = None,
    override_reason: str | None = None,
) -> tuple[CodeMinutes, ...]:
    """Make the session's minutes per code ``minutes_by_code``, or without it the default
    codes' shares (default_shares) of the measured active minutes; return the lines stored.

    Minutes over the active time plus BILLED_OVER_ACTIVE_ALLOWANCE_MIN are refused
    (BilledOverActiveError) unless ``override_reason`` says why; the reason is then kept as
    a note of the session by OVERRIDE_NOTE_AUTHOR, naming the therapist and the minutes."""
    seconds = measured_active_seconds(store, session_id)
    if minutes_by_code is None:
        lines = default_lines(store, session_id, seconds)
        if not lines:
            code = store.session(session_id).profile_code
            raise BillingRecordError(
                f"profile {code} has no default codes: give CODE=MINUTES, or set defaults with "
                f"`run.py billing defaults --profile {code} CODE[=PERCENT]...` (or in its "
                f"plan file: codes: [CODE=PERCENT, ...])"
            )
    else:
        lines = tuple(CodeMinutes(code, minutes) for code, minutes in minutes_by_code.items())
    check_codes([line.code for line in lines], config)
    reason = " ".join((override_reason or "").split())
    billed = sum(line.minutes for line in lines)
    over = billed > billable_limit_min(seconds)
    if over and not reason:
        raise BilledOverActiveError(billed, whole_minutes(seconds))
    therapist = store.therapist(therapist_id)
    with store.transaction():
        store.set_session_minutes(session_id, lines, therapist_id, seconds)
        if over:
            store.add_note(
                f"{billed} min billed for {whole_minutes(seconds)} min of measured active time "
                f"(allowance {BILLED_OVER_ACTIVE_ALLOWANCE_MIN} min), by "
                f"{therapist.signed_name}: {reason}",
                OVERRIDE_NOTE_AUTHOR,
                session_id=session_id,
            )
    return lines


def signed_content(store: Store, session_id: int) -> str:
    """What a signature on the session covers now, as the JSON kept with it."""
    assigned = store.session_minutes(session_id)
    minutes = {} if assigned is None else assigned.as_mapping()
    note_ids = [note.note_id for note in store.notes(session_id=session_id)]
    return json.dumps({"minutes": minutes, "note_ids": note_ids}, sort_keys=True)


def sign_session(store: Store, session_id: int, therapist: Therapist) -> Signature:
    """The therapist signs the session's minutes per code and its notes as they are now."""
    if therapist.retired_at_utc is not None:
        raise BillingRecordError(f"{therapist.signed_name} is retired and signs no more")
    if store.session_minutes(session_id) is None:
        raise BillingRecordError(
            f"session {session_id} has no minutes per code yet: assign them first with "
            f"`run.py billing assign --session {session_id} CODE=MINUTES... --therapist ID`"
        )
    content = signed_content(store, session_id)
    return store.add_signature(session_id, therapist.therapist_id, content)


@dataclass(frozen=True)
class SignatureState:
    """The latest signature on a session, who made it, and whether the minutes or notes
    changed since (then it no longer covers what the chart shows)."""

    signature: Signature
    therapist: Therapist
    current: bool


def signature_state(store: Store, session_id: int) -> SignatureState | None:
    signatures = store.signatures(session_id)
    if not signatures:
        return None
    latest = signatures[-1]
    return SignatureState(
        latest,
        store.therapist(latest.therapist_id),
        _same(latest.signed_json, signed_content(store, session_id)),
    )


def _same(signed_json: str, now_json: str) -> bool:
    return json.loads(signed_json) == json.loads(now_json)


def find_therapist(store: Store, text: str) -> Therapist:
    """The therapist ``text`` names: an id from `run.py therapists list`, or a name (whole,
    any case) that only one therapist still working has. LookupError saying what to give."""
    therapists = store.therapists()
    if text.strip().isdigit():
        found = [t for t in therapists if t.therapist_id == int(text)]
    else:
        wanted = " ".join(text.split()).casefold()
        found = [
            t
            for t in therapists
            if t.retired_at_utc is None and " ".join(t.name.split()).casefold() == wanted
        ]
    if len(found) == 1:
        return found[0]
    listing = ", ".join(f"{t.therapist_id} {t.signed_name}" for t in therapists) or "none yet"
    why = "two therapists have that name; give the id" if found else "no therapist is"
    raise LookupError(f"{text!r}: {why} (registered: {listing}); see `run.py therapists list`")


def minutes_audit_detail(session_id: int, therapist_id: int, lines: Mapping[str, int]) -> str:
    """What the audit log says of minutes given to codes ("minutes_billed"): the session, the
    therapist by id and the minutes per code (no child is named)."""
    minutes = " ".join(f"{code}={value}" for code, value in sorted(lines.items()))
    return f"session {session_id} by therapist {therapist_id}: {minutes}"


def signature_audit_detail(session_id: int, therapist_id: int) -> str:
    """What the audit log says of a signature ("signed")."""
    return f"session {session_id} by therapist {therapist_id}"
