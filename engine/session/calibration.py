"""Latency calibration: offsets from taps made along with clicks or flashes, kept per machine.

Input offset: a person taps along with clicks; the asynchronies (tap − click, ms, measured with
no offset applied) hold the input device's delay. After the first taps are dropped, their
median becomes the offset the scorer subtracts from every tap, provided the taps were steady.
Visual offset: the same with flashes instead of clicks; what their median adds to the input
offset is how late the screen shows things, and the play view draws that much ahead.
The offsets are stored per machine in calibration.yaml in the config folder, each with the
time it was measured, and every session records the ones it was played with.
"""

from __future__ import annotations

import dataclasses
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import platformdirs
import yaml

from engine.levels.yaml_reader import LevelError, read_yaml_file
from engine.store.records import SessionCalibration

MIN_TAPS = 40  # taps needed, the dropped ones included
DROPPED_TAPS = 8  # the first taps, made while finding the beat
MAX_SD_MS = 30.0  # steadier than this, or the median says little
# Input devices add tens of ms, screens a frame or a few, Bluetooth up to about 200 ms; a
# larger offset means the person was not tapping along, and applying it would wreck scoring.
MAX_OFFSET_MS = 250.0

INPUT = "input"
VISUAL = "visual"
OUTPUT = "output"  # extra audio output latency, measured by loopback (engine/audio/loopback.py)
OFFSET_KINDS: tuple[str, ...] = (INPUT, VISUAL, OUTPUT)

FILE_HEADER = "# OnBeat latency calibration of this machine; written by run.py calibrate.\n"


@dataclass(frozen=True)
class CalibrationResult:
    """One calibration attempt: the offset (None when refused) and what it was based on."""

    offset_ms: float | None
    median_ms: float | None  # of the taps used, before the input offset is taken off
    sd_ms: float | None
    taps_used: int
    problem: str | None  # why it was refused, in words for the person who tapped

    @property
    def accepted(self) -> bool:
        return self.offset_ms is not None


@dataclass(frozen=True)
class Calibration:
    """A machine's offsets in ms and when each was measured (ISO 8601 UTC; None: default)."""

    input_offset_ms: float = 0.0
    visual_offset_ms: float = 0.0
    output_offset_ms: float = 0.0
    input_measured_at_utc: str | None = None
    visual_measured_at_utc: str | None = None
    output_measured_at_utc: str | None = None


def _offset_from_taps(
    asynchrony_ms: Sequence[float], subtract_ms: float, what: str
) -> CalibrationResult:
    taps_ms = np.asarray(asynchrony_ms, dtype=np.float64)
    taps_ms = taps_ms[np.isfinite(taps_ms)]
    if taps_ms.size < MIN_TAPS:
        return CalibrationResult(
            None,
            None,
            None,
            0,
            f"too few taps ({taps_ms.size} of at least {MIN_TAPS}): tap again, along with "
            f"every {what} to the end",
        )
    used_ms = taps_ms[DROPPED_TAPS:]
    median_ms = float(np.median(used_ms))
    sd_ms = float(np.std(used_ms, ddof=1))
    offset_ms = median_ms - subtract_ms
    problem = None
    if sd_ms >= MAX_SD_MS:
        problem = f"too uneven (SD {sd_ms:.0f} ms): tap again, steadily"
    elif abs(offset_ms) > MAX_OFFSET_MS:
        when = "after" if offset_ms > 0 else "before"
        problem = (
            f"the taps came {abs(offset_ms):.0f} ms {when} the {what}s, more than any device "
            f"delay: make sure the {what}s are clear, and tap right on them"
        )
    return CalibrationResult(
        None if problem else offset_ms, median_ms, sd_ms, int(used_ms.size), problem
    )


def input_offset_from_taps(asynchrony_ms: Sequence[float]) -> CalibrationResult:
    """The input offset from taps along with clicks: asynchronies in ms (tap − click, no offset
    applied, tap order; NaN for a tap that paired with no click, which is left out).
    At least MIN_TAPS taps; the first DROPPED_TAPS are dropped; the median of the rest is the
    offset if their SD is under MAX_SD_MS, else the result is refused with a reason."""
    return _offset_from_taps(asynchrony_ms, 0.0, "click")


def visual_offset_from_taps(
    asynchrony_ms: Sequence[float], input_offset_ms: float
) -> CalibrationResult:
    """The visual offset from taps along with flashes: asynchronies in ms (tap − flash as
    scheduled, no offset applied) less the machine's ``input_offset_ms``; rules as for
    input_offset_from_taps."""
    return _offset_from_taps(asynchrony_ms, input_offset_ms, "flash")


def with_offset(
    calibration: Calibration, kind: str, offset_ms: float, measured_at_utc: str | None = None
) -> Calibration:
    """``calibration`` with the ``kind`` offset (input, visual or output) set to ``offset_ms``,
    measured at ``measured_at_utc`` (now if None)."""
    if kind not in OFFSET_KINDS:
        raise ValueError(f"unknown offset kind {kind!r}; use one of {', '.join(OFFSET_KINDS)}")
    when = measured_at_utc or datetime.now(UTC).isoformat(timespec="seconds")
    return dataclasses.replace(
        calibration, **{f"{kind}_offset_ms": float(offset_ms), f"{kind}_measured_at_utc": when}
    )


def session_calibration(calibration: Calibration) -> SessionCalibration:
    """What a session records about the calibration it was played with."""
    measured = {
        kind: getattr(calibration, f"{kind}_measured_at_utc")
        for kind in OFFSET_KINDS
        if getattr(calibration, f"{kind}_measured_at_utc") is not None
    }
    if not measured:
        return SessionCalibration(calibration.visual_offset_ms, None, "defaults")
    methods = [f"{kind} tap test" for kind in (INPUT, VISUAL) if kind in measured]
    if OUTPUT in measured:
        methods.append("output loopback")
    return SessionCalibration(
        calibration.visual_offset_ms, max(measured.values()), ", ".join(methods)
    )


def default_calibration_path() -> Path:
    return Path(platformdirs.user_config_dir("OnBeat", appauthor=False)) / "calibration.yaml"


def _valid_offset(value: object) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
        and abs(value) <= MAX_OFFSET_MS
    )


def _valid_time(value: object) -> bool:
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    try:
        return datetime.fromisoformat(value).tzinfo is not None
    except ValueError:
        return False


def load_calibration(path: Path | None = None) -> tuple[Calibration, list[str]]:
    """The calibration in ``path`` (default: the config folder's) and the problems found in it.

    A missing file gives the defaults silently; an unreadable one, or a bad value, gives the
    defaults for what is wrong and a message naming the file, never an exception.
    """
    path = path or default_calibration_path()
    if not path.exists():
        return Calibration(), []
    try:
        # The safe reader: a size limit, no aliases (a file of a few bytes must not expand
        # to gigabytes), no tags.
        data = read_yaml_file(path, thing="calibration", allow_empty=True).data
    except LevelError as error:
        first = error.problems[0]
        reason = f"line {first.line}: {first.what}"
        return Calibration(), [
            f"{path}: cannot read the calibration ({reason}); using no offsets until the "
            "machine is calibrated again"
        ]
    if not isinstance(data, dict):
        return Calibration(), [
            f"{path}: expected 'name: value' lines; using no offsets until the machine is "
            "calibrated again"
        ]
    problems: list[str] = []
    values: dict[str, object] = {}
    known = {field.name for field in dataclasses.fields(Calibration)}
    for name, value in data.items():
        if name not in known:
            problems.append(f"{path}: {name}: unknown setting, ignored")
        elif name.endswith("_ms") and not _valid_offset(value):
            problems.append(
                f"{path}: {name}: {value!r} is not an offset in ms between "
                f"-{MAX_OFFSET_MS:g} and {MAX_OFFSET_MS:g}; using 0, calibrate again"
            )
        elif name.endswith("_utc") and not _valid_time(value):
            problems.append(f"{path}: {name}: {value!r} is not a UTC date and time; ignored")
        else:
            values[name] = float(value) if name.endswith("_ms") else value
    return Calibration(**values), problems


def save_calibration(calibration: Calibration, path: Path | None = None) -> Path:
    """Write the calibration whole or not at all (a temp file renamed over the old one);
    return the path written."""
    path = path or default_calibration_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp_name = tempfile.mkstemp(dir=path.parent, prefix=".calibration.", suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(FILE_HEADER)
            yaml.safe_dump(dataclasses.asdict(calibration), handle, sort_keys=False)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return path
