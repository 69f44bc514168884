"""Records for storage tests: one place for a plausible session and how to start one."""

from __future__ import annotations

from typing import Protocol

from engine.store.records import ProfileRecord, SessionCalibration, SessionRecord


def session_record(
    profile_code: str,
    level_id: str = "hands-1",
    level_title: str = "Hands together",
    started_at_utc: str = "2026-01-05T10:00:00+00:00",
    calibration: SessionCalibration | None = None,
    plan_id: int | None = None,
    audio_device: str | None = None,
    autoplayed: bool = False,
) -> SessionRecord:
    return SessionRecord(
        profile_code=profile_code,
        level_id=level_id,
        level_title=level_title,
        level_path=f"levels/{level_id}.yaml",
        station="room-2",
        sample_rate_hz=48_000,
        input_offset_ms=12.5,
        output_latency_ms=23.25,
        started_at_utc=started_at_utc,
        calibration=calibration,
        plan_id=plan_id,
        audio_device=audio_device,
        autoplayed=autoplayed,
    )


class SessionStarter(Protocol):
    """A store or a recorder: both find profiles and start sessions."""

    def profile_for(self, display_name: str) -> ProfileRecord: ...
    def start_session(self, session: SessionRecord) -> int: ...


def start_session(
    starter: SessionStarter,
    profile_name: str = "Robin",
    level_id: str = "hands-1",
    level_title: str = "Hands together",
    started_at_utc: str = "2026-01-05T10:00:00+00:00",
    calibration: SessionCalibration | None = None,
    plan_id: int | None = None,
) -> int:
    """Start a session of the profile called ``profile_name`` (made if new); its id."""
    profile_code = starter.profile_for(profile_name).code
    return starter.start_session(
        session_record(profile_code, level_id, level_title, started_at_utc, calibration, plan_id)
    )
