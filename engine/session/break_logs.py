"""The breaks a kiosk station's children took, kept in the station's store so that a restart
(a crash, a power cut, the supervisor starting the game again) does not offer a child the
same break twice in one run of a plan.

Kept as one station setting (JSON), newest runs last; a station only ever resumes recent runs
(KioskConfig.plan_defaults.resume_within_hours), so the oldest fall away past KEPT_RUNS.
"""

from __future__ import annotations

import json

from engine.session.plan_progress import BreakLog
from engine.store.protocol import Store

BREAK_LOGS_SETTING = "kiosk_break_logs"
KEPT_RUNS = 200

# (profile code, plan id, run number): whose run of which plan.
RunKey = tuple[str, int, int]


def load_break_logs(store: Store) -> dict[RunKey, BreakLog]:
    """The break logs as last kept; none if never kept or unreadable (a break offered again
    is the harmless side to err on)."""
    text = store.station_setting(BREAK_LOGS_SETTING)
    if text is None:
        return {}
    try:
        return {
            (str(row["profile"]), int(row["plan_id"]), int(row["run"])): BreakLog(
                frozenset(int(level) for level in row["after_taken"]),
                float(row["played_s_at_last_break"]),
            )
            for row in json.loads(text)
        }
    except (ValueError, KeyError, TypeError):
        return {}


def save_break_logs(store: Store, logs: dict[RunKey, BreakLog]) -> None:
    """Keep ``logs`` (in insertion order, the newest last), the latest KEPT_RUNS of them."""
    rows = [
        {
            "profile": code,
            "plan_id": plan_id,
            "run": run,
            "after_taken": sorted(log.after_taken),
            "played_s_at_last_break": log.played_s_at_last_break,
        }
        for (code, plan_id, run), log in list(logs.items())[-KEPT_RUNS:]
    ]
    store.set_station_setting(BREAK_LOGS_SETTING, json.dumps(rows))
