"""Writing to a station's audit log: one call per thing a therapist (or a guesser) did.

The log is append-only in the store (engine/store/sqlite/kiosk.py); this module only stamps
an entry with the time and the station's name. Details name profiles by their pseudonymous
codes, never by display name, and never hold a PIN.
"""

from __future__ import annotations

from datetime import UTC, datetime

from engine.store.protocol import Store
from engine.store.records import AuditEntry


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def audit(store: Store, station: str, action: str, detail: str = "") -> AuditEntry:
    """Append ``action`` (one of AUDIT_ACTIONS) with ``detail`` to the log; the entry."""
    entry = AuditEntry(utc_now_iso(), station, action, detail)
    store.add_audit_entry(entry)
    return entry
