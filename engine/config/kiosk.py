"""The kiosk station's settings: config/kiosk.yaml, with this station's own kiosk.yaml (in the
OnBeat config folder) laid over it key by key. Read safely and checked like a level: every
problem names the file, line and column.
"""

from __future__ import annotations

import dataclasses
import platform
import re
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from engine.levels.yaml_fields import FieldChecker
from engine.levels.yaml_reader import read_yaml_file

SHIPPED_KIOSK_PATH = Path(__file__).resolve().parents[2] / "config" / "kiosk.yaml"
THING = "kiosk settings"
ALL_PROFILES = "all"
_PROFILE_CODE = re.compile(r"P-[A-Z0-9]{6}")

_TOP_KEYS = ("format", "station", "idle", "cursor_hide_s", "plan_defaults", "profiles")
_IDLE_KEYS = ("pause_s", "attract_s", "therapist_lock_s")
_PLAN_DEFAULT_KEYS = (
    "session_minutes",
    "assessment_every",
    "break_seconds",
    "resume_within_hours",
)


@dataclass(frozen=True)
class PlanDefaults:
    """What a plan file that leaves a value out gets (engine/session/plans.py)."""

    session_minutes: float = 20.0
    assessment_every: int = 0  # the standard assessment every N runs of a plan; 0: never
    break_seconds: float = 60.0
    # A run of a plan cut short (a crash, a child who left) goes on where it stopped if the
    # child comes back within this many hours; later, a new run begins.
    resume_within_hours: float = 12.0


@dataclass(frozen=True)
class KioskConfig:
    station: str = ""  # the name in the audit log; empty: the computer's name
    idle_pause_s: float = 30.0  # no input for this long pauses a level
    idle_attract_s: float = 120.0  # this long: the session is saved, the attract screen shows
    therapist_lock_s: float = 180.0  # the therapist screens lock after this long untouched
    cursor_hide_s: float = 3.0  # the mouse pointer hides when it has not moved for this long
    plan_defaults: PlanDefaults = PlanDefaults()
    profiles: tuple[str, ...] | None = None  # codes shown to children; None: every profile

    @property
    def station_name(self) -> str:
        return self.station or platform.node() or "station"


def station_kiosk_path() -> Path:
    """This station's own kiosk.yaml, whose keys replace the shipped file's."""
    return Path(platformdirs.user_config_dir("OnBeat", appauthor=False)) / "kiosk.yaml"


def load_kiosk_config(
    shipped_path: Path = SHIPPED_KIOSK_PATH, station_path: Path | None = None
) -> KioskConfig:
    """The shipped settings with the station's file (if any) over them. Raises LevelError
    listing every problem of the file that has them."""
    config = _read_kiosk_file(shipped_path, KioskConfig())
    station_path = station_kiosk_path() if station_path is None else station_path
    if station_path.exists():
        config = _read_kiosk_file(station_path, config)
    return config


def _read_kiosk_file(path: Path, base: KioskConfig) -> KioskConfig:
    check = FieldChecker(read_yaml_file(path, thing=THING), path)
    check.mapping((), _TOP_KEYS)
    check.format_version(THING)
    station = check.text(("station",), base.station, max_length=64)
    check.mapping(("idle",), _IDLE_KEYS, required=False)
    day_s = 24 * 3600.0
    pause_s = check.number(("idle", "pause_s"), base.idle_pause_s, 5, day_s, unit="seconds")
    attract_s = check.number(("idle", "attract_s"), base.idle_attract_s, 10, day_s, unit="seconds")
    lock_s = check.number(
        ("idle", "therapist_lock_s"), base.therapist_lock_s, 30, day_s, unit="seconds"
    )
    if pause_s is not None and attract_s is not None and attract_s <= pause_s:
        check.problem(
            ("idle", "attract_s"),
            f"{attract_s:g} s is not longer than pause_s ({pause_s:g} s); the attract screen "
            "comes after the pause",
        )
    cursor_s = check.number(("cursor_hide_s",), base.cursor_hide_s, 0.5, 600, unit="seconds")
    plan_defaults = _plan_defaults(check, base.plan_defaults)
    profiles = _profiles(check, base.profiles)
    check.raise_if_any()
    return dataclasses.replace(
        base,
        station=station,
        idle_pause_s=float(pause_s),
        idle_attract_s=float(attract_s),
        therapist_lock_s=float(lock_s),
        cursor_hide_s=float(cursor_s),
        plan_defaults=plan_defaults,
        profiles=profiles,
    )


def _plan_defaults(check: FieldChecker, base: PlanDefaults) -> PlanDefaults:
    where = ("plan_defaults",)
    check.mapping(where, _PLAN_DEFAULT_KEYS, required=False)
    return PlanDefaults(
        session_minutes=float(
            check.number((*where, "session_minutes"), base.session_minutes, 1, 240, unit="minutes")
        ),
        assessment_every=int(
            check.number(
                (*where, "assessment_every"), base.assessment_every, 0, 100, whole=True, unit="runs"
            )
        ),
        break_seconds=float(
            check.number((*where, "break_seconds"), base.break_seconds, 5, 1800, unit="seconds")
        ),
        resume_within_hours=float(
            check.number(
                (*where, "resume_within_hours"), base.resume_within_hours, 0, 168, unit="hours"
            )
        ),
    )


def _profiles(check: FieldChecker, base: tuple[str, ...] | None) -> tuple[str, ...] | None:
    value = check.value(("profiles",), _Absent)
    if value is _Absent:
        return base
    if value == ALL_PROFILES:
        return None
    if not isinstance(value, list):
        check.problem(("profiles",), f"write '{ALL_PROFILES}' or a list of profile codes")
        return base
    codes = []
    for index, code in enumerate(value):
        if not isinstance(code, str) or not _PROFILE_CODE.fullmatch(code):
            check.problem(("profiles", index), f"{code!r} is not a profile code like P-ABC234")
        else:
            codes.append(code)
    return tuple(codes)


class _Absent:
    """Marks a key the file does not have (None is a value a file may hold)."""
