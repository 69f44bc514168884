"""Every clinic and research metric of metrics.md for each task of a stored session, and for
the session as a whole (all its tasks pooled).

The clinic metrics follow the same definitions as engine.metrics.clinic.summarize_task (the results
screen), and a test holds them to it, so a report shows the numbers the child saw. The
research metrics come from engine.metrics.synchrony.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from engine.levels.model import Task, Windows
from engine.metrics.clinic import longest_run
from engine.metrics.synchrony import (
    CircularStats,
    WingKristofferson,
    circular_stats,
    drift_ms_per_tap,
    inter_tap_intervals_ms,
    interval_stats,
    phase_rad,
    wing_kristofferson,
)
from engine.store.columns import UNPAIRED_BEAT, BeatColumns, TapColumns
from engine.store.protocol import Store
from engine.store.records import SessionRecord, TaskRecord

POOLED_TASK_INDEX = -1
POOLED_TASK_NAME = "All tasks"
EXTRA_JUDGEMENT = "extra"


@dataclass(frozen=True, eq=False)  # eq=False: == on arrays has no single truth value
class TaskTaps:
    """One stored task, reduced to what its metrics need. Paired-tap arrays are in tap order."""

    task_index: int
    task_name: str
    limbs: tuple[str, ...]  # limbs of its targets, in the order they first appear
    tempo_bpm: float
    ioi_ms: float  # interval between tap steps (a beat over steps_per_beat)
    windows: Windows
    beats: int  # scored targets
    extra_taps: int
    asynchrony_ms: np.ndarray  # float64, paired taps
    target_index: np.ndarray  # int64, the target each paired tap hit
    tap_time_ms: np.ndarray  # float64, on the audio clock
    target_limb: np.ndarray  # object (str), limb of that target
    in_continuation: np.ndarray  # bool, the target lies where the metronome was silent
    beat_time_ms: np.ndarray  # float64, every scored target, on the audio clock
    beat_limb: np.ndarray  # object (str), every scored target's limb

    @property
    def limb(self) -> str:
        """One limb, or alternating limbs joined with '/' (e.g. 'right_hand/left_toe')."""
        return "/".join(self.limbs)


@dataclass(frozen=True)
class ContinuationMetrics:
    """The part of a task after the metronome fell silent."""

    paired_taps: int
    iti_mean_ms: float
    iti_cv: float
    drift_ms_per_tap: float
    wing_kristofferson: WingKristofferson


@dataclass(frozen=True)
class TaskMetrics:
    task_index: int  # POOLED_TASK_INDEX for the whole session
    task_name: str
    limb: str
    tempo_bpm: float  # NaN when pooled over tasks of different tempi
    ioi_ms: float  # NaN when pooled over tasks of different IOIs
    sro_window_ms: float  # NaN when pooled over tasks of different windows
    beats: int
    paired_taps: int
    missed_beats: int
    extra_taps: int
    hits: int
    hit_rate: float
    task_average_ms: float
    sro_percent: float
    early_taps: int
    late_taps: int
    early_percent: float
    late_percent: float
    longest_burst: int
    mean_asynchrony_ms: float
    sd_asynchrony_ms: float
    circular_r: float
    mean_phase_ms: float
    circular_sd_ms: float
    rayleigh_z: float
    rayleigh_p: float
    iti_mean_ms: float
    iti_sd_ms: float
    iti_cv: float
    continuation: ContinuationMetrics | None  # None: no continuation phase

    @property
    def task_number(self) -> str:
        """1-based, as people count; empty for the pooled row."""
        return "" if self.task_index == POOLED_TASK_INDEX else str(self.task_index + 1)

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON (NaN and infinities stay floats; the writer maps them)."""
        return asdict(self)


@dataclass(frozen=True)
class SessionMetrics:
    session: SessionRecord
    tasks: tuple[TaskMetrics, ...]
    overall: TaskMetrics  # every task pooled
    task_taps: tuple[TaskTaps, ...]  # the arrays behind them, for charts


def _task_of(settings: dict) -> Task | None:
    fields = settings.get("task")
    if not isinstance(fields, dict):
        return None
    fields = dict(fields)
    fields["limbs"] = tuple(fields.get("limbs", ()))
    try:
        return Task(**fields)
    except TypeError:
        return None  # written by a level format this version does not know


def _windows_of(settings: dict) -> Windows:
    fields = settings.get("windows")
    if not isinstance(fields, dict):
        return Windows()
    try:
        return Windows(**fields)
    except TypeError:
        return Windows()


def _unique_in_order(values: np.ndarray) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values.tolist()))


def task_taps_of_session(store: Store, session_id: int) -> list[TaskTaps]:
    """The stored tasks of a session as TaskTaps, in task order."""
    session = store.session(session_id)
    beats = store.beat_columns(session_id)
    taps = store.tap_columns(session_id)
    return [
        _task_taps(row, beats, taps, session.sample_rate_hz) for row in store.iter_tasks(session_id)
    ]


def _task_taps(
    row: TaskRecord, beats: BeatColumns, taps: TapColumns, sample_rate_hz: int
) -> TaskTaps:
    settings = json.loads(row.settings_json)
    task = _task_of(settings)
    steps_per_beat = task.steps_per_beat if task else 1
    frames_per_beat = sample_rate_hz * 60.0 / row.tempo_bpm
    continuation_start_frame = math.inf
    if task is not None and task.continuation_beats:
        sounded_beats = task.beats_at(row.tempo_bpm) - task.continuation_beats
        continuation_start_frame = row.start_frame + sounded_beats * frames_per_beat

    of_task = (beats.task_index == row.task_index) & beats.scored
    beat_index = beats.beat_index[of_task]
    target_frame = beats.target_frame[of_task]
    target_limb = beats.limb[of_task]

    tap_rows = taps.task_index == row.task_index
    paired = tap_rows & (taps.beat_index != UNPAIRED_BEAT)
    paired_target = taps.beat_index[paired]
    position, known = _find_sorted(beat_index, paired_target)
    position = position[known]  # a tap paired with an unscored target does not count
    return TaskTaps(
        task_index=row.task_index,
        task_name=row.task_name,
        limbs=_unique_in_order(target_limb),
        tempo_bpm=row.tempo_bpm,
        ioi_ms=60_000.0 / row.tempo_bpm / steps_per_beat,
        windows=_windows_of(settings),
        beats=int(beat_index.shape[0]),
        extra_taps=int((tap_rows & (taps.judgement == EXTRA_JUDGEMENT)).sum()),
        asynchrony_ms=taps.asynchrony_ms[paired][known],
        target_index=paired_target[known],
        tap_time_ms=taps.audio_time_s[paired][known] * 1000.0,
        target_limb=target_limb[position],
        in_continuation=target_frame[position] >= continuation_start_frame,
        beat_time_ms=target_frame * 1000.0 / sample_rate_hz,
        beat_limb=target_limb,
    )


def _find_sorted(sorted_keys: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each key sits in ``sorted_keys`` (ascending), and whether it is there at all."""
    position = np.searchsorted(sorted_keys, keys)
    found = position < sorted_keys.shape[0]
    found[found] = sorted_keys[position[found]] == keys[found]
    return position, found


def _continuation(task: TaskTaps) -> ContinuationMetrics | None:
    silent = task.in_continuation
    if not silent.any():
        return None
    intervals_ms, position = inter_tap_intervals_ms(
        task.tap_time_ms[silent], task.target_index[silent]
    )
    stats = interval_stats(intervals_ms)
    return ContinuationMetrics(
        paired_taps=int(silent.sum()),
        iti_mean_ms=stats.mean_ms,
        iti_cv=stats.cv,
        drift_ms_per_tap=drift_ms_per_tap(intervals_ms, position),
        wing_kristofferson=wing_kristofferson(intervals_ms, position),
    )


def task_metrics(task: TaskTaps) -> TaskMetrics:
    """Every metric of one task."""
    magnitude_ms = np.abs(task.asynchrony_ms)
    sro = magnitude_ms <= task.windows.sro_ms
    circular = circular_stats(phase_rad(task.asynchrony_ms, task.ioi_ms), task.ioi_ms)
    intervals_ms, _ = inter_tap_intervals_ms(task.tap_time_ms, task.target_index)
    return _assemble(
        task_index=task.task_index,
        task_name=task.task_name,
        limb=task.limb,
        tempo_bpm=task.tempo_bpm,
        ioi_ms=task.ioi_ms,
        sro_window_ms=task.windows.sro_ms,
        beats=task.beats,
        extra_taps=task.extra_taps,
        hits=int((magnitude_ms <= task.windows.good_ms).sum()),
        asynchrony_ms=task.asynchrony_ms,
        sro_taps=int(sro.sum()),
        longest_burst=longest_run(sro),
        circular=circular,
        intervals_ms=intervals_ms,
        continuation=_continuation(task),
    )


def pooled_metrics(tasks: Sequence[TaskTaps]) -> TaskMetrics:
    """The tasks of a session taken together. Counts and means pool the taps; each tap keeps
    its own task's windows and IOI; the longest burst is the longest within one task, since a
    pause between tasks breaks a run. Values that need one tempo (ms of phase, ITIs) are NaN
    when the tasks differ in it."""
    asynchrony_ms = np.concatenate([t.asynchrony_ms for t in tasks]) if tasks else np.zeros(0)
    sro = [np.abs(t.asynchrony_ms) <= t.windows.sro_ms for t in tasks]
    hits = sum(int((np.abs(t.asynchrony_ms) <= t.windows.good_ms).sum()) for t in tasks)
    phases = [phase_rad(t.asynchrony_ms, t.ioi_ms) for t in tasks]
    iois = {t.ioi_ms for t in tasks}
    one_ioi = iois.pop() if len(iois) == 1 else None
    tempi = {t.tempo_bpm for t in tasks}
    windows = {t.windows.sro_ms for t in tasks}
    intervals = [inter_tap_intervals_ms(t.tap_time_ms, t.target_index)[0] for t in tasks]
    return _assemble(
        task_index=POOLED_TASK_INDEX,
        task_name=POOLED_TASK_NAME,
        limb="/".join(dict.fromkeys(limb for t in tasks for limb in t.limbs)),
        tempo_bpm=tempi.pop() if len(tempi) == 1 else math.nan,
        ioi_ms=math.nan if one_ioi is None else one_ioi,
        sro_window_ms=windows.pop() if len(windows) == 1 else math.nan,
        beats=sum(t.beats for t in tasks),
        extra_taps=sum(t.extra_taps for t in tasks),
        hits=hits,
        asynchrony_ms=asynchrony_ms,
        sro_taps=int(sum(flags.sum() for flags in sro)),
        longest_burst=max((longest_run(flags) for flags in sro), default=0),
        circular=circular_stats(np.concatenate(phases) if phases else np.zeros(0), one_ioi),
        intervals_ms=np.concatenate(intervals) if one_ioi is not None else np.zeros(0),
        continuation=None,
    )


def _assemble(
    *,
    task_index: int,
    task_name: str,
    limb: str,
    tempo_bpm: float,
    ioi_ms: float,
    sro_window_ms: float,
    beats: int,
    extra_taps: int,
    hits: int,
    asynchrony_ms: np.ndarray,
    sro_taps: int,
    longest_burst: int,
    circular: CircularStats,
    intervals_ms: np.ndarray,
    continuation: ContinuationMetrics | None,
) -> TaskMetrics:
    paired = int(asynchrony_ms.shape[0])
    early = int((asynchrony_ms < 0).sum())
    late = int((asynchrony_ms > 0).sum())

    def percent(count: int) -> float:
        return 100.0 * count / paired if paired else math.nan

    iti = interval_stats(intervals_ms)
    return TaskMetrics(
        task_index=task_index,
        task_name=task_name,
        limb=limb,
        tempo_bpm=tempo_bpm,
        ioi_ms=ioi_ms,
        sro_window_ms=sro_window_ms,
        beats=beats,
        paired_taps=paired,
        missed_beats=beats - paired,
        extra_taps=extra_taps,
        hits=hits,
        hit_rate=hits / beats if beats else math.nan,
        task_average_ms=float(np.abs(asynchrony_ms).mean()) if paired else math.nan,
        sro_percent=percent(sro_taps),
        early_taps=early,
        late_taps=late,
        early_percent=percent(early),
        late_percent=percent(late),
        longest_burst=longest_burst,
        mean_asynchrony_ms=float(asynchrony_ms.mean()) if paired else math.nan,
        sd_asynchrony_ms=float(asynchrony_ms.std(ddof=1)) if paired > 1 else math.nan,
        circular_r=circular.resultant_length,
        mean_phase_ms=circular.mean_phase_ms,
        circular_sd_ms=circular.circular_sd_ms,
        rayleigh_z=circular.rayleigh_z,
        rayleigh_p=circular.rayleigh_p,
        iti_mean_ms=iti.mean_ms,
        iti_sd_ms=iti.sd_ms,
        iti_cv=iti.cv,
        continuation=continuation,
    )


def session_metrics(store: Store, session_id: int) -> SessionMetrics:
    """Every metric of one stored session, per task and pooled. LookupError if unknown."""
    session = store.session(session_id)
    tasks = task_taps_of_session(store, session_id)
    return SessionMetrics(
        session=session,
        tasks=tuple(task_metrics(task) for task in tasks),
        overall=pooled_metrics(tasks),
        task_taps=tuple(tasks),
    )
