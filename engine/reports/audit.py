"""The audit log as a file: CSV (a header row) or JSON (an array of objects), with the
columns at_utc, station, action, detail (the fields of AuditEntry, in order). A file appears
whole or not at all, readable by its owner only."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import astuple
from pathlib import Path

from engine.store.records import AUDIT_FIELDS, AuditEntry

AUDIT_COLUMNS: tuple[str, ...] = AUDIT_FIELDS
FORMATS: tuple[str, ...] = ("csv", "json")


def audit_bytes(entries: Sequence[AuditEntry], format_name: str) -> bytes:
    """The entries as UTF-8 CSV or JSON."""
    if format_name not in FORMATS:
        raise ValueError(f"audit log as {format_name!r}: choose one of {', '.join(FORMATS)}")
    if format_name == "json":
        rows = [dict(zip(AUDIT_COLUMNS, astuple(entry), strict=True)) for entry in entries]
        return (json.dumps(rows, indent=1, ensure_ascii=False) + "\n").encode("utf-8")
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(AUDIT_COLUMNS)
    writer.writerows(astuple(entry) for entry in entries)
    return text.getvalue().encode("utf-8")


def write_audit(entries: Sequence[AuditEntry], format_name: str, out_path: Path) -> Path:
    """Write the entries to ``out_path`` (mode 0600, replaced whole); return the path."""
    content = audit_bytes(entries, format_name)
    out_path = Path(out_path)
    # mkstemp makes the file readable by its owner only: the log names profile codes.
    descriptor, temp_name = tempfile.mkstemp(
        dir=out_path.parent, prefix=f".{out_path.name}.", suffix=".tmp"
    )
    try:
        with open(descriptor, "wb") as temp_file:
            temp_file.write(content)
            temp_file.flush()
            os.fsync(temp_file.fileno())
        os.replace(temp_name, out_path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return out_path
