"""Every clinic and research metric of metrics.md for each task of a stored session, and for
the session as a whole (all its tasks pooled).

The clinic metrics are the one summary of judged taps (engine/scoring/summary.py), the same
the HUD and the results screen show, so a report shows the numbers the child saw: a tap is
SRO or a hit when it was judged so, with the windows in force for its target. The research
metrics come from engine.metrics.synchrony, each tap phased by the IOI in force at its own
target (the tempo may change at bar lines), and intervals between taps taken against the
spacing of their targets, so that a tempo change is not mistaken for the child's variability.
Values in ms of phase use the mean IOI of the taps; pooled over tasks, they need one IOI.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from engine.levels.model import Task
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
from engine.scoring.judgement import Judgement, codes_of_labels
from engine.scoring.summary import TaskSummary, summarize
from engine.store.columns import BeatColumns, TapColumns
from engine.store.protocol import Store
from engine.store.records import SessionRecord, TaskRecord
from engine.timing.schedule import target_beats

POOLED_TASK_INDEX = -1
POOLED_TASK_NAME = "All tasks"
# The columns _task_taps reads: only these are fetched (a clinic's progress pass reads every
# tap of many sessions, and the columns left out cost more to read than its sums).
_BEAT_NAMES = ("task_index", "beat_index", "limb", "target_frame", "tempo_bpm", "ioi_ms", "scored")
_TAP_NAMES = ("task_index", "beat_index", "audio_time_s", "asynchrony_ms", "judgement", "sro_ms")


@dataclass(frozen=True, eq=False)  # eq=False: == on arrays has no single truth value
class TaskTaps:
    """One stored task, reduced to what its metrics need. Paired-tap arrays are in tap order."""

    task_index: int
    task_name: str
    limbs: tuple[str, ...]  # limbs of its targets, in the order they first appear
    beats: int  # scored targets
    judgement: np.ndarray  # int8 Judgement codes of every judged tap (extras too), tap order
    judged_asynchrony_ms: np.ndarray  # float64, of those taps (NaN when unpaired)
    # Paired taps that hit a scored target, in tap order:
    asynchrony_ms: np.ndarray  # float64
    paired_judgement: np.ndarray  # int8 Judgement codes (SRO .. OFF)
    target_index: np.ndarray  # int64, the target each paired tap hit
    tap_time_ms: np.ndarray  # float64, on the audio clock
    target_time_ms: np.ndarray  # float64, when that target was
    ioi_ms: np.ndarray  # float64, the interval between steps in force at that target
    sro_ms: np.ndarray  # float64, the SRO window the tap was judged with (NaN: not recorded)
    target_limb: np.ndarray  # object (str), limb of that target
    in_continuation: np.ndarray  # bool, the target lies where the metronome was silent
    # Every scored target:
    beat_time_ms: np.ndarray  # float64, on the audio clock
    beat_limb: np.ndarray  # object (str)
    beat_tempo_bpm: np.ndarray  # float64, the tempo in force

    @property
    def limb(self) -> str:
        """One limb, or alternating limbs joined with '/' (e.g. 'right_hand/left_toe')."""
        return "/".join(self.limbs)

    @property
    def extra_taps(self) -> int:
        return int((self.judgement == Judgement.EXTRA).sum())

    def summary(self) -> TaskSummary:
        """The task's clinic numbers: the one summary, over its judged taps."""
        return summarize(self.judgement, self.judged_asynchrony_ms, self.beats)


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
    tempo_bpm_min: float  # the slowest and fastest tempo of its beats (NaN with no beats)
    tempo_bpm_max: float
    ioi_ms: float  # mean IOI in force at the paired taps; pooled: NaN unless one IOI
    sro_window_ms: float  # NaN when its taps were judged with different SRO windows
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
    def tempo_bpm_range(self) -> tuple[float, float]:
        """(slowest, fastest) tempo of its beats: one tempo when they are equal."""
        return (self.tempo_bpm_min, self.tempo_bpm_max)

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


def _unique_in_order(values: np.ndarray) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values.tolist()))


def task_taps_of_session(store: Store, session_id: int) -> list[TaskTaps]:
    """The stored tasks of a session as TaskTaps, in task order."""
    session = store.session(session_id)
    beats = store.beat_columns(session_id, _BEAT_NAMES)
    taps = store.tap_columns(session_id, _TAP_NAMES)
    return [
        _task_taps(row, beats, taps, session.sample_rate_hz) for row in store.iter_tasks(session_id)
    ]


def _in_continuation(task: Task | None, tempo_bpm_start: float, beat_index: np.ndarray):
    """Whether each target lies where the metronome fell silent: from its beat position, as
    the schedule laid it (a task's beat count is fixed at its starting tempo)."""
    if task is None or not task.continuation_beats:
        return np.zeros(beat_index.shape[0], dtype=bool)
    beats = task.beats_at(tempo_bpm_start)
    positions = target_beats(task, beats)
    known = beat_index < positions.shape[0]
    silent = np.zeros(beat_index.shape[0], dtype=bool)
    silent[known] = positions[beat_index[known]] >= beats - task.continuation_beats
    return silent


def _task_taps(
    row: TaskRecord, beats: BeatColumns, taps: TapColumns, sample_rate_hz: int
) -> TaskTaps:
    task = _task_of(json.loads(row.settings_json))
    of_task = (beats.task_index == row.task_index) & beats.scored
    beat_index = beats.beat_index[of_task]
    target_frame = beats.target_frame[of_task]
    target_limb = beats.limb[of_task]
    beat_ioi_ms = beats.ioi_ms[of_task]

    tap_rows = taps.task_index == row.task_index
    judgement = codes_of_labels(taps.judgement[tap_rows])
    # A tap paired with a target that is not scored does not count at all.
    position, scored_target = _find_sorted(beat_index, taps.beat_index[tap_rows])
    judgement[(judgement <= Judgement.OFF) & ~scored_target] = Judgement.UNSCORED
    judged = judgement != Judgement.UNSCORED
    paired = (judgement <= Judgement.OFF) & scored_target
    position = position[paired]
    target_time_ms = target_frame[position] * 1000.0 / sample_rate_hz
    return TaskTaps(
        task_index=row.task_index,
        task_name=row.task_name,
        limbs=_unique_in_order(target_limb),
        beats=int(beat_index.shape[0]),
        judgement=judgement[judged],
        judged_asynchrony_ms=taps.asynchrony_ms[tap_rows][judged],
        asynchrony_ms=taps.asynchrony_ms[tap_rows][paired],
        paired_judgement=judgement[paired],
        target_index=beat_index[position],
        tap_time_ms=taps.audio_time_s[tap_rows][paired] * 1000.0,
        target_time_ms=target_time_ms,
        ioi_ms=beat_ioi_ms[position],
        sro_ms=taps.sro_ms[tap_rows][paired],
        target_limb=target_limb[position],
        in_continuation=_in_continuation(task, row.tempo_bpm_start, beat_index[position]),
        beat_time_ms=target_frame * 1000.0 / sample_rate_hz,
        beat_limb=target_limb,
        beat_tempo_bpm=beats.tempo_bpm[of_task],
    )


def _find_sorted(sorted_keys: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each key sits in ``sorted_keys`` (ascending), and whether it is there at all."""
    position = np.searchsorted(sorted_keys, keys)
    found = position < sorted_keys.shape[0]
    found[found] = sorted_keys[position[found]] == keys[found]
    return np.minimum(position, max(sorted_keys.shape[0] - 1, 0)), found


def _intervals_ms(
    tap_time_ms: np.ndarray, target_time_ms: np.ndarray, target_index: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Intervals between taps on consecutive targets, taken against the spacing of those
    targets and put back around its mean: with one tempo they are the plain intervals; across
    a tempo change the change itself is not counted as variability. With the target index
    that ends each interval."""
    intervals_ms, position = inter_tap_intervals_ms(tap_time_ms, target_index)
    spacing_ms, _ = inter_tap_intervals_ms(target_time_ms, target_index)
    if spacing_ms.size and np.ptp(spacing_ms) > 0:
        intervals_ms = intervals_ms - spacing_ms + spacing_ms.mean()
    return intervals_ms, position


def _continuation(task: TaskTaps) -> ContinuationMetrics | None:
    silent = task.in_continuation
    if not silent.any():
        return None
    intervals_ms, position = _intervals_ms(
        task.tap_time_ms[silent], task.target_time_ms[silent], task.target_index[silent]
    )
    stats = interval_stats(intervals_ms)
    return ContinuationMetrics(
        paired_taps=int(silent.sum()),
        iti_mean_ms=stats.mean_ms,
        iti_cv=stats.cv,
        drift_ms_per_tap=drift_ms_per_tap(intervals_ms, position),
        wing_kristofferson=wing_kristofferson(intervals_ms, position),
    )


def _one_value(values: np.ndarray) -> float:
    """The value all entries share, else NaN (also when there are none or one is NaN)."""
    if values.size and (values == values[0]).all():
        return float(values[0])
    return math.nan


def _tempo_range(tempo_bpm: np.ndarray) -> tuple[float, float]:
    if not tempo_bpm.size:
        return math.nan, math.nan
    return float(tempo_bpm.min()), float(tempo_bpm.max())


def task_metrics(task: TaskTaps) -> TaskMetrics:
    """Every metric of one task."""
    mean_ioi_ms = float(task.ioi_ms.mean()) if task.ioi_ms.size else None
    circular = circular_stats(phase_rad(task.asynchrony_ms, task.ioi_ms), mean_ioi_ms)
    intervals_ms, _ = _intervals_ms(task.tap_time_ms, task.target_time_ms, task.target_index)
    return _assemble(
        task_index=task.task_index,
        task_name=task.task_name,
        limb=task.limb,
        tempo_range_bpm=_tempo_range(task.beat_tempo_bpm),
        ioi_ms=math.nan if mean_ioi_ms is None else mean_ioi_ms,
        sro_window_ms=_one_value(task.sro_ms),
        summary=task.summary(),
        asynchrony_ms=task.asynchrony_ms,
        circular=circular,
        intervals_ms=intervals_ms,
        continuation=_continuation(task),
    )


def pooled_metrics(tasks: Sequence[TaskTaps]) -> TaskMetrics:
    """The tasks of a session taken together. Counts and means pool the taps, each judged
    with its own windows and phased by its own IOI; the longest burst is the longest within
    one task, since a pause between tasks breaks a run. Values that need one IOI (ms of phase,
    intervals between taps) are NaN unless every paired tap had the same."""
    asynchrony_ms = np.concatenate([t.asynchrony_ms for t in tasks]) if tasks else np.zeros(0)
    ioi_ms = np.concatenate([t.ioi_ms for t in tasks]) if tasks else np.zeros(0)
    one_ioi = _one_value(ioi_ms)
    phases = phase_rad(asynchrony_ms, ioi_ms)
    intervals = [_intervals_ms(t.tap_time_ms, t.target_time_ms, t.target_index)[0] for t in tasks]
    summary = summarize(
        np.concatenate([t.judgement for t in tasks]) if tasks else np.zeros(0, np.int8),
        np.concatenate([t.judged_asynchrony_ms for t in tasks]) if tasks else np.zeros(0),
        sum(t.beats for t in tasks),
        task_index=np.concatenate([np.full(t.judgement.size, t.task_index) for t in tasks])
        if tasks
        else None,
    )
    return _assemble(
        task_index=POOLED_TASK_INDEX,
        task_name=POOLED_TASK_NAME,
        limb="/".join(dict.fromkeys(limb for t in tasks for limb in t.limbs)),
        tempo_range_bpm=_tempo_range(
            np.concatenate([t.beat_tempo_bpm for t in tasks]) if tasks else np.zeros(0)
        ),
        ioi_ms=one_ioi,
        sro_window_ms=_one_value(
            np.concatenate([t.sro_ms for t in tasks]) if tasks else np.zeros(0)
        ),
        summary=summary,
        asynchrony_ms=asynchrony_ms,
        circular=circular_stats(phases, None if math.isnan(one_ioi) else one_ioi),
        intervals_ms=np.concatenate(intervals) if not math.isnan(one_ioi) else np.zeros(0),
        continuation=None,
    )


def _assemble(
    *,
    task_index: int,
    task_name: str,
    limb: str,
    tempo_range_bpm: tuple[float, float],
    ioi_ms: float,
    sro_window_ms: float,
    summary: TaskSummary,
    asynchrony_ms: np.ndarray,
    circular: CircularStats,
    intervals_ms: np.ndarray,
    continuation: ContinuationMetrics | None,
) -> TaskMetrics:
    paired = summary.paired_taps
    iti = interval_stats(intervals_ms)
    return TaskMetrics(
        task_index=task_index,
        task_name=task_name,
        limb=limb,
        tempo_bpm_min=tempo_range_bpm[0],
        tempo_bpm_max=tempo_range_bpm[1],
        ioi_ms=ioi_ms,
        sro_window_ms=sro_window_ms,
        beats=summary.targets,
        paired_taps=paired,
        missed_beats=summary.missed_targets,
        extra_taps=summary.extra_taps,
        hits=summary.hits,
        hit_rate=summary.hits / summary.targets if summary.targets else math.nan,
        task_average_ms=summary.task_average_ms,
        sro_percent=summary.sro_percent,
        early_taps=summary.early_taps,
        late_taps=summary.late_taps,
        early_percent=summary.percent_of_paired(summary.early_taps),
        late_percent=summary.percent_of_paired(summary.late_taps),
        longest_burst=summary.longest_burst,
        mean_asynchrony_ms=summary.mean_asynchrony_ms,
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
