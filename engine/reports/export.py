"""Exports of stored data for spreadsheets and statistics: taps, beats (tap targets), tasks
or sessions, of one session, one profile (a child's) or the whole clinic, as CSV or JSON.
Columns are documented in docs/data.md; each beat and tap carries what was in force for it
(tempo, IOI, windows), so every number in a report can be recomputed from an export.

Outputs go through engine/reports/output.py: a file appears whole or not at all, readable by
its owner only (patient data); ``-``, a pipe or a device is written through. In CSV, text
that a spreadsheet would run as a formula is neutralised (``csv_text``).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, astuple
from itertools import chain
from operator import attrgetter
from pathlib import Path

from engine.reports.output import OutputTarget, open_output
from engine.store.protocol import Store
from engine.store.records import (
    BEAT_FIELDS,
    SESSION_FIELDS,
    TAP_FIELDS,
    TASK_FIELDS,
    BeatOnClock,
    SessionCounts,
    SessionRecord,
    TapWithSession,
    field_names,
)

# The columns are the records' fields, in their order (documented in docs/data.md).
TAP_COLUMNS: tuple[str, ...] = TAP_FIELDS
SESSION_COLUMNS: tuple[str, ...] = tuple(
    name for name in field_names(TapWithSession) if name != "tap"
)
COLUMNS: tuple[str, ...] = TAP_COLUMNS + SESSION_COLUMNS
TASK_EXPORT_COLUMNS: tuple[str, ...] = TASK_FIELDS
# A beat's fields, with its time on the audio clock in seconds beside its frame.
_AFTER_FRAME = BEAT_FIELDS.index("target_frame") + 1
BEAT_EXPORT_COLUMNS: tuple[str, ...] = (
    *BEAT_FIELDS[:_AFTER_FRAME],
    *(name for name in field_names(BeatOnClock) if name != "beat"),
    *BEAT_FIELDS[_AFTER_FRAME:],
)
# The calibration goes out as JSON, in a column named so.
SESSION_EXPORT_COLUMNS: tuple[str, ...] = (
    *("calibration_json" if name == "calibration" else name for name in SESSION_FIELDS),
    *field_names(SessionCounts),
)
WHAT: tuple[str, ...] = ("taps", "beats", "tasks", "sessions")
FORMATS: tuple[str, ...] = ("csv", "json")

# Called with the number of rows written since the last call (a progress bar's update).
Progress = Callable[[int], None]
PROGRESS_EVERY_ROWS = 10_000

_tap_values_of = attrgetter(*TAP_COLUMNS)
_session_values_of = attrgetter(*SESSION_COLUMNS)
_task_values = attrgetter(*TASK_EXPORT_COLUMNS)
_beat_values_of = attrgetter(*BEAT_FIELDS)
_ASYNCHRONY_COLUMN = TAP_COLUMNS.index("asynchrony_ms")
# A spreadsheet runs a cell that starts with one of these as a formula (or, with tab and
# carriage return, may shift it into one): level titles, task names and profile names are
# typed by people and must never run.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: object) -> object:
    """``value`` as a CSV cell that a spreadsheet shows as written: text that would start a
    formula gets a leading apostrophe, which spreadsheets take as "this is text". Numbers
    (a negative asynchrony too) are not text and stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _tap_values(row: TapWithSession, for_csv: bool) -> tuple[object, ...]:
    values = _tap_values_of(row.tap) + _session_values_of(row)
    asynchrony_ms = row.tap.asynchrony_ms
    if for_csv:
        values = tuple(csv_text(value) for value in values)
        # None becomes an empty cell (unpaired taps). Four decimals of a ms keep 0.1 µs.
        cell = "" if asynchrony_ms is None else f"{asynchrony_ms:.4f}"
        values = (*values[:_ASYNCHRONY_COLUMN], cell, *values[_ASYNCHRONY_COLUMN + 1 :])
    return values


def _beat_values(row: BeatOnClock) -> tuple[object, ...]:
    values = _beat_values_of(row.beat)
    values = (*values[:-1], bool(values[-1]))  # scored, stored as 0 or 1
    return (*values[:_AFTER_FRAME], row.audio_time_s, *values[_AFTER_FRAME:])


def _sessions(store: Store, session_id: int | None, profile_code: str | None) -> list[int | None]:
    """The session ids whose rows go out: one, a profile's (oldest first), or None for all."""
    if profile_code is None:
        return [session_id]
    store.profile(profile_code)  # LookupError for a profile the store does not have
    return [session.session_id for session in store.list_sessions(profile_code)]


def _session_rows(
    store: Store, session_id: int | None, profile_code: str | None
) -> Iterator[tuple[object, ...]]:
    sessions: Iterable[SessionRecord]
    if session_id is not None:
        sessions = [store.session(session_id)]
    else:
        sessions = store.list_sessions(profile_code)
    for session in sessions:
        calibration = session.calibration
        calibration_json = (
            None if calibration is None else json.dumps(asdict(calibration), sort_keys=True)
        )
        yield (
            *(
                calibration_json if name == "calibration" else getattr(session, name)
                for name in SESSION_FIELDS
            ),
            *astuple(store.session_counts(session.session_id)),
        )


def _rows(
    store: Store, what: str, session_id: int | None, for_csv: bool, profile_code: str | None
) -> tuple[tuple[str, ...], Iterator[tuple[object, ...]]]:
    ids = _sessions(store, session_id, profile_code)

    def each(iterate: Callable[[int | None], Iterator]) -> Iterator:
        return chain.from_iterable(iterate(one) for one in ids)

    if what == "taps":
        return COLUMNS, (_tap_values(row, for_csv) for row in each(store.iter_taps))
    if what == "beats":
        return BEAT_EXPORT_COLUMNS, (_beat_values(row) for row in each(store.iter_beats))
    if what == "tasks":
        rows = (_task_values(row) for row in each(store.iter_tasks))
        columns = TASK_EXPORT_COLUMNS
    else:
        rows = _session_rows(store, session_id, profile_code)
        columns = SESSION_EXPORT_COLUMNS
    if for_csv:
        rows = (tuple(csv_text(value) for value in values) for values in rows)
    return columns, rows


def count_rows(
    store: Store, what: str, session_id: int | None, profile_code: str | None = None
) -> int:
    """How many rows an export will write (for a progress bar's total)."""
    ids = _sessions(store, session_id, profile_code)
    if what == "taps":
        return sum(store.count_taps(one) for one in ids)
    if what == "beats":
        return sum(store.count_beats(one) for one in ids)
    if what == "tasks":
        return sum(1 for one in ids for _ in store.iter_tasks(one))
    if profile_code is not None:
        return len(ids)
    return 1 if session_id is not None else len(store.list_sessions())


def export(
    store: Store,
    out_path: Path | OutputTarget,
    what: str = "taps",
    format_name: str = "csv",
    session_id: int | None = None,
    progress: Progress | None = None,
    profile_code: str | None = None,
) -> int:
    """Write ``what`` (taps, beats, tasks or sessions) of one session, of one profile's
    sessions (``profile_code``), or of all, to ``out_path`` (a path, ``-`` or a checked
    target, see engine/reports/output.py) as CSV (header row) or JSON (an array of objects);
    return the number of rows. LookupError if ``session_id`` or ``profile_code`` names
    nothing, OutputError if ``out_path`` cannot be written (both checked before anything is
    written)."""
    if what not in WHAT or format_name not in FORMATS:
        raise ValueError(f"export {what!r} as {format_name!r}: choose {WHAT} and {FORMATS}")
    if session_id is not None and profile_code is not None:
        raise ValueError("export one session or one profile's sessions, not both")
    if session_id is not None:
        store.session_counts(session_id)
    columns, rows = _rows(store, what, session_id, format_name == "csv", profile_code)
    row_count = 0
    with open_output(out_path, text=True) as out:
        if format_name == "csv":
            writer = csv.writer(out)
            writer.writerow(columns)
        else:
            out.write("[")
        for values in rows:
            if format_name == "csv":
                writer.writerow(values)
            else:
                out.write(",\n" if row_count else "\n")
                out.write(json.dumps(dict(zip(columns, values, strict=True)), ensure_ascii=False))
            row_count += 1
            if progress is not None and row_count % PROGRESS_EVERY_ROWS == 0:
                progress(PROGRESS_EVERY_ROWS)
        if format_name == "json":
            out.write("\n]\n")
    if progress is not None:
        progress(row_count % PROGRESS_EVERY_ROWS)
    return row_count


def export_taps_csv(store: Store, out_path: Path, session_id: int | None = None) -> int:
    """Write the taps of one session (or of all) to ``out_path`` as UTF-8 CSV with a header;
    return the number of tap rows."""
    return export(store, out_path, "taps", "csv", session_id)
