"""Records for storage tests: one place for a plausible session start."""

from __future__ import annotations

from engine.store.records import SessionStart


def session_start(
    profile_name: str = "Robin",
    level_id: str = "hands-1",
    level_title: str = "Hands together",
    started_at_utc: str = "2026-01-05T10:00:00+00:00",
) -> SessionStart:
    return SessionStart(
        profile_name=profile_name,
        level_id=level_id,
        level_title=level_title,
        level_path=f"levels/{level_id}.yaml",
        station="room-2",
        sample_rate_hz=48_000,
        input_offset_ms=12.5,
        output_latency_ms=23.25,
        started_at_utc=started_at_utc,
    )
