"""Export of stored taps to CSV, one row per tap, for therapists' spreadsheets and statistics."""

from __future__ import annotations

import csv
import os
import tempfile
from pathlib import Path

from engine.store import Store, TapRow

TAP_COLUMNS: tuple[str, ...] = (
    "session_id",
    "task_index",
    "tap_index",
    "channel",
    "host_ns",
    "stamp_source",
    "audio_frame",
    "audio_time_s",
    "beat_index",
    "asynchrony_ms",
    "judgement",
)
SESSION_COLUMNS: tuple[str, ...] = ("profile_code", "level_id", "session_started_at_utc")
COLUMNS: tuple[str, ...] = TAP_COLUMNS + SESSION_COLUMNS


def _csv_row(row: TapRow) -> tuple[object, ...]:
    tap = row.tap
    # None becomes an empty cell (unpaired taps). Four decimals of a ms keep 0.1 µs.
    asynchrony_ms = "" if tap.asynchrony_ms is None else f"{tap.asynchrony_ms:.4f}"
    return (
        tap.session_id,
        tap.task_index,
        tap.tap_index,
        tap.channel,
        tap.host_ns,
        tap.stamp_source,
        tap.audio_frame,
        tap.audio_time_s,
        tap.beat_index,
        asynchrony_ms,
        tap.judgement,
        row.profile_code,
        row.level_id,
        row.session_started_at_utc,
    )


def export_taps_csv(store: Store, out_path: Path, session_id: int | None = None) -> int:
    """Write the taps of one session (or of all) to ``out_path`` as UTF-8 CSV with a header;
    return the number of tap rows. The file appears whole or not at all (written beside it,
    then renamed). LookupError if ``session_id`` names no session."""
    if session_id is not None:
        store.session_summary(session_id)  # LookupError for an unknown id, before any file
    out_path = Path(out_path)
    # mkstemp makes the file readable by its owner only, which suits patient data.
    descriptor, temp_name = tempfile.mkstemp(
        dir=out_path.parent, prefix=f".{out_path.name}.", suffix=".tmp"
    )
    try:
        with open(descriptor, "w", encoding="utf-8", newline="") as temp_file:
            writer = csv.writer(temp_file)
            writer.writerow(COLUMNS)
            row_count = 0
            for row in store.iter_tap_rows(session_id):
                writer.writerow(_csv_row(row))
                row_count += 1
            temp_file.flush()
            os.fsync(temp_file.fileno())
        os.replace(temp_name, out_path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return row_count
