"""Metrics across sessions: Task Average and SRO % per limb over time, the assessment
baseline/mid/end table, and the same for a whole clinic.

A clinic holds millions of taps, too many to read for every overview. So each ended session
is reduced once to sums per (task, limb) (the store's task_limb_stats) by one numba pass,
and everything across sessions follows from the sums. The sums are exact, not samples: the
per-limb numbers equal those of the pooled taps (tests hold them to that).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit

from engine.metrics.task import TaskTaps, task_taps_of_session
from engine.scoring.judgement import Judgement, hit_flags
from engine.store.columns import LIMB_STAT_COUNTS, LIMB_STAT_SUMS, LimbStatColumns
from engine.store.protocol import Store
from engine.store.records import SESSION_COMPLETE, SessionRecord

# Bump when the meaning of a stored sum changes: sessions then get their sums recomputed.
# 2: SRO and hits count the taps' own judgements; phase uses each tap's own IOI.
METRICS_VERSION = 2
# Sessions of these levels are assessments (levels/assessment/standard.yaml).
ASSESSMENT_LEVEL_IDS: tuple[str, ...] = ("standard", "standard-assessment")

_BEATS, _PAIRED, _SRO, _HITS, _EARLY, _LATE = range(len(LIMB_STAT_COUNTS))
_ABS, _SUM, _SQUARES, _COS, _SIN = range(len(LIMB_STAT_SUMS))


@njit(cache=True)
def limb_sums_kernel(group, asynchrony_ms, is_sro, is_hit, ioi_ms, counts, sums):
    """Add each paired tap into its group's row of ``counts`` (paired, SRO, hits, early, late
    in columns 1..5; column 0, beats, is left alone) and ``sums`` (|A|, A, A², cos θ, sin θ),
    θ = 2π·A/IOI with the tap's own IOI. SRO and hit are the tap's judgement (the judge's
    word, engine/scoring/judgement.py). One pass, no temporaries."""
    for i in range(group.shape[0]):
        g = group[i]
        a = asynchrony_ms[i]
        magnitude = abs(a)
        counts[g, 1] += 1
        if is_sro[i]:
            counts[g, 2] += 1
        if is_hit[i]:
            counts[g, 3] += 1
        if a < 0.0:
            counts[g, 4] += 1
        elif a > 0.0:
            counts[g, 5] += 1
        theta = 2.0 * np.pi * a / ioi_ms[i]
        sums[g, 0] += magnitude
        sums[g, 1] += a
        sums[g, 2] += a * a
        sums[g, 3] += np.cos(theta)
        sums[g, 4] += np.sin(theta)


def limb_stats_of_tasks(session_id: int, tasks: Sequence[TaskTaps]) -> LimbStatColumns:
    """Sums per (task, limb) of one session's tasks."""
    keys: list[tuple[int, str]] = []
    group_of: dict[tuple[int, str], int] = {}
    for task in tasks:
        for limb in task.limbs:
            group_of[(task.task_index, limb)] = len(keys)
            keys.append((task.task_index, limb))
    group_count = len(keys)
    counts = np.zeros((group_count, len(LIMB_STAT_COUNTS)), dtype=np.int64)
    sums = np.zeros((group_count, len(LIMB_STAT_SUMS)), dtype=np.float64)
    groups, asynchronies, judgements, iois = [], [], [], []
    for task in tasks:
        for limb in task.limbs:
            group = group_of[(task.task_index, limb)]
            counts[group, _BEATS] = int((task.beat_limb == limb).sum())
        names, code = np.unique(task.target_limb.astype(str), return_inverse=True)
        group_of_name = np.array(
            [group_of[(task.task_index, name)] for name in names.tolist()], dtype=np.int64
        )
        groups.append(group_of_name[code])
        asynchronies.append(task.asynchrony_ms)
        judgements.append(task.paired_judgement)
        iois.append(task.ioi_ms)
    if groups:
        judgement = np.concatenate(judgements)
        limb_sums_kernel(
            np.concatenate(groups).astype(np.int64),
            np.concatenate(asynchronies).astype(np.float64),
            judgement == Judgement.SRO,
            hit_flags(judgement),
            np.concatenate(iois).astype(np.float64),
            counts,
            sums,
        )
    return LimbStatColumns(
        session_id=np.full(group_count, session_id, dtype=np.int64),
        task_index=np.array([key[0] for key in keys], dtype=np.int64),
        limb=np.array([key[1] for key in keys], dtype=object),
        counts=counts,
        sums=sums,
    )


def refresh_limb_stats(store: Store) -> int:
    """Compute and store the sums of every ended session that lacks them (or has sums of an
    older METRICS_VERSION); return how many sessions that was."""
    missing = store.sessions_lacking_limb_stats(METRICS_VERSION)
    for session_id in missing:
        stats = limb_stats_of_tasks(session_id, task_taps_of_session(store, session_id))
        store.replace_limb_stats([session_id], stats, METRICS_VERSION)
    return len(missing)


@dataclass(frozen=True, eq=False)
class DerivedMetrics:
    """Metrics that follow from the sums, one value per row of the sums (NaN without taps)."""

    beats: np.ndarray
    paired_taps: np.ndarray
    task_average_ms: np.ndarray
    sro_percent: np.ndarray
    hit_rate: np.ndarray
    early_percent: np.ndarray
    late_percent: np.ndarray
    mean_asynchrony_ms: np.ndarray
    sd_asynchrony_ms: np.ndarray
    circular_r: np.ndarray


def derive(counts: np.ndarray, sums: np.ndarray) -> DerivedMetrics:
    """Task Average, SRO %, mean and SD of asynchrony, R... from summed rows."""
    paired = counts[:, _PAIRED].astype(np.float64)
    beats = counts[:, _BEATS].astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_ms = sums[:, _SUM] / paired
        # Sample variance from sums: (ΣA² − (ΣA)²/n)/(n − 1); rounding can dip below 0.
        variance = (sums[:, _SQUARES] - sums[:, _SUM] * mean_ms) / (paired - 1)
        return DerivedMetrics(
            beats=counts[:, _BEATS],
            paired_taps=counts[:, _PAIRED],
            task_average_ms=sums[:, _ABS] / paired,
            sro_percent=100.0 * counts[:, _SRO] / paired,
            hit_rate=counts[:, _HITS] / beats,
            early_percent=100.0 * counts[:, _EARLY] / paired,
            late_percent=100.0 * counts[:, _LATE] / paired,
            mean_asynchrony_ms=mean_ms,
            sd_asynchrony_ms=np.where(paired > 1, np.sqrt(np.maximum(variance, 0.0)), np.nan),
            circular_r=np.hypot(sums[:, _COS], sums[:, _SIN]) / paired,
        )


def sum_rows(keys: np.ndarray, stats: LimbStatColumns) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Add up the rows of ``stats`` that share a key: the distinct keys (sorted), and their
    counts and sums."""
    unique_keys, group = np.unique(keys, return_inverse=True, axis=0)
    counts = np.zeros((unique_keys.shape[0], stats.counts.shape[1]), dtype=np.int64)
    sums = np.zeros((unique_keys.shape[0], stats.sums.shape[1]), dtype=np.float64)
    np.add.at(counts, group, stats.counts)
    np.add.at(sums, group, stats.sums)
    return unique_keys, counts, sums


@dataclass(frozen=True)
class LimbPoint:
    """One limb in one session."""

    session_id: int
    started_at_utc: str
    level_id: str
    beats: int
    paired_taps: int
    task_average_ms: float
    sro_percent: float
    mean_asynchrony_ms: float
    sd_asynchrony_ms: float
    circular_r: float


@dataclass(frozen=True)
class LimbProgress:
    limb: str
    points: tuple[LimbPoint, ...]  # oldest first

    @property
    def measured(self) -> tuple[LimbPoint, ...]:
        """The points with paired taps: those with a Task Average and an SRO %."""
        return tuple(point for point in self.points if point.paired_taps > 0)

    @property
    def first(self) -> LimbPoint | None:
        """The first session with paired taps of this limb (None: none has any)."""
        return self.measured[0] if self.measured else None

    @property
    def latest(self) -> LimbPoint | None:
        """The latest session with paired taps of this limb."""
        return self.measured[-1] if self.measured else None

    @property
    def task_average_change_ms(self) -> float:
        """Latest − first Task Average (negative is better), of ``latest`` and ``first``."""
        return self._change("task_average_ms")

    @property
    def sro_change_points(self) -> float:
        """Latest − first SRO %, in percentage points (positive is better)."""
        return self._change("sro_percent")

    def _change(self, key: str) -> float:
        if len(self.measured) < 2:
            return math.nan
        return getattr(self.latest, key) - getattr(self.first, key)


def _change(values: list[float]) -> float:
    known = [value for value in values if not math.isnan(value)]
    return known[-1] - known[0] if len(known) > 1 else math.nan


@dataclass(frozen=True)
class AssessmentRow:
    task_index: int
    task_name: str
    limb: str
    task_average_ms: tuple[float, float, float]  # baseline, mid, end (NaN where absent)
    sro_percent: tuple[float, float, float]

    @property
    def task_average_change_ms(self) -> float:
        return _change([self.task_average_ms[0], self.task_average_ms[2]])

    @property
    def task_average_change_percent(self) -> float:
        baseline = self.task_average_ms[0]
        return 100.0 * self.task_average_change_ms / baseline if baseline else math.nan

    @property
    def sro_change_points(self) -> float:
        return _change([self.sro_percent[0], self.sro_percent[2]])


@dataclass(frozen=True)
class AssessmentTable:
    """The standard assessment at the start, middle and end of a course of sessions."""

    baseline: SessionRecord
    mid: SessionRecord | None  # None with fewer than three assessments
    end: SessionRecord | None  # None with only one assessment
    rows: tuple[AssessmentRow, ...]
    overall: AssessmentRow  # every task pooled


@dataclass(frozen=True)
class ProfileProgress:
    profile_code: str
    sessions: tuple[SessionRecord, ...]  # in the date range, oldest first
    overall: tuple[LimbPoint, ...]  # every limb of each session pooled, oldest first
    limbs: tuple[LimbProgress, ...]
    assessment: AssessmentTable | None  # None when no complete assessment is in range


def profile_progress(
    store: Store,
    profile_code: str,
    started_from_utc: str | None = None,
    started_before_utc: str | None = None,
    assessment_level_ids: Sequence[str] = ASSESSMENT_LEVEL_IDS,
) -> ProfileProgress:
    """Progress of one profile over its sessions started in [from, before). LookupError for
    an unknown profile."""
    store.profile(profile_code)
    refresh_limb_stats(store)
    sessions = tuple(
        s
        for s in store.list_sessions(profile_code, started_from_utc, started_before_utc)
        if s.status != "running" and not s.autoplayed  # the program's own play is no progress
    )
    stats = _rows_of_sessions(store.limb_stats(profile_code), [s.session_id for s in sessions])
    by_id = {s.session_id: s for s in sessions}
    limb_names = np.array(sorted(set(stats.limb.tolist())), dtype=object)
    limb_code = np.searchsorted(limb_names, stats.limb) if len(stats) else np.zeros(0, np.int64)
    keys = np.stack([limb_code, stats.session_id], axis=1)
    unique_keys, counts, sums = sum_rows(keys, stats)
    derived = derive(counts, sums)
    limbs = []
    for code, limb in enumerate(limb_names.tolist()):
        rows = np.flatnonzero(unique_keys[:, 0] == code)
        # np.unique sorted rows by session id; sessions run in start order.
        rows = sorted(rows, key=lambda r: _start_key(by_id[int(unique_keys[r, 1])]))
        points = tuple(_limb_point(by_id[int(unique_keys[r, 1])], derived, r) for r in rows)
        limbs.append(LimbProgress(limb, points))
    session_keys, session_counts, session_sums = sum_rows(stats.session_id[:, None], stats)
    session_derived = derive(session_counts, session_sums)
    overall = sorted(
        (
            _limb_point(by_id[int(key[0])], session_derived, row)
            for row, key in enumerate(session_keys)
        ),
        key=lambda point: (point.started_at_utc, point.session_id),
    )
    # An assessment with no taps was not taken, whatever an older OnBeat called it.
    assessments = [
        s
        for s in sessions
        if s.level_id in assessment_level_ids
        and s.status == SESSION_COMPLETE
        and store.session_counts(s.session_id).tap_count > 0
    ]
    return ProfileProgress(
        profile_code=profile_code,
        sessions=sessions,
        overall=tuple(overall),
        limbs=tuple(limbs),
        assessment=_assessment_table(store, assessments, stats) if assessments else None,
    )


def _start_key(session: SessionRecord) -> tuple[str, int]:
    return (session.started_at_utc, session.session_id)


def _rows_of_sessions(stats: LimbStatColumns, session_ids: Sequence[int]) -> LimbStatColumns:
    keep = np.isin(stats.session_id, np.asarray(session_ids, dtype=np.int64))
    return LimbStatColumns(
        session_id=stats.session_id[keep],
        task_index=stats.task_index[keep],
        limb=stats.limb[keep],
        counts=stats.counts[keep],
        sums=stats.sums[keep],
    )


def _limb_point(session: SessionRecord, derived: DerivedMetrics, row: int) -> LimbPoint:
    return LimbPoint(
        session_id=session.session_id,
        started_at_utc=session.started_at_utc,
        level_id=session.level_id,
        beats=int(derived.beats[row]),
        paired_taps=int(derived.paired_taps[row]),
        task_average_ms=float(derived.task_average_ms[row]),
        sro_percent=float(derived.sro_percent[row]),
        mean_asynchrony_ms=float(derived.mean_asynchrony_ms[row]),
        sd_asynchrony_ms=float(derived.sd_asynchrony_ms[row]),
        circular_r=float(derived.circular_r[row]),
    )


def _pick_baseline_mid_end(
    assessments: Sequence[SessionRecord],
) -> tuple[SessionRecord, SessionRecord | None, SessionRecord | None]:
    """First, last, and of those between the one started nearest the middle of the two."""
    ordered = sorted(assessments, key=_start_key)
    if len(ordered) == 1:
        return ordered[0], None, None
    if len(ordered) == 2:
        return ordered[0], None, ordered[1]
    ordered_positions = range(1, len(ordered) - 1)
    mid = min(ordered_positions, key=lambda i: abs(i - (len(ordered) - 1) / 2))
    return ordered[0], ordered[mid], ordered[-1]


def _assessment_table(
    store: Store, assessments: Sequence[SessionRecord], stats: LimbStatColumns
) -> AssessmentTable:
    baseline, mid, end = _pick_baseline_mid_end(assessments)
    chosen = [baseline, mid, end]
    chosen_ids = [s.session_id for s in chosen if s is not None]
    picked = _rows_of_sessions(stats, chosen_ids)
    keys = np.stack([picked.session_id, picked.task_index], axis=1)
    unique_keys, counts, sums = sum_rows(keys, picked)
    derived = derive(counts, sums)
    value_of = {
        (int(key[0]), int(key[1])): (
            float(derived.task_average_ms[row]),
            float(derived.sro_percent[row]),
        )
        for row, key in enumerate(unique_keys)
    }
    nan_pair = (math.nan, math.nan)
    tasks = {row.task_index: row for row in store.iter_tasks(baseline.session_id)}
    limbs_of_task: dict[int, list[str]] = {}
    for task_index, limb in zip(picked.task_index.tolist(), picked.limb.tolist(), strict=True):
        limbs_of_task.setdefault(task_index, [])
        if limb not in limbs_of_task[task_index]:
            limbs_of_task[task_index].append(limb)
    rows = []
    for task_index, task in sorted(tasks.items()):
        values = [
            value_of.get((s.session_id, task_index), nan_pair) if s else nan_pair for s in chosen
        ]
        rows.append(
            AssessmentRow(
                task_index=task_index,
                task_name=task.task_name,
                limb="/".join(limbs_of_task.get(task_index, [])),
                task_average_ms=tuple(v[0] for v in values),
                sro_percent=tuple(v[1] for v in values),
            )
        )
    overall_keys, overall_counts, overall_sums = sum_rows(picked.session_id[:, None], picked)
    overall = derive(overall_counts, overall_sums)
    row_of_session = {int(key[0]): row for row, key in enumerate(overall_keys)}

    def overall_value(session: SessionRecord | None, values: np.ndarray) -> float:
        if session is None or session.session_id not in row_of_session:
            return math.nan
        return float(values[row_of_session[session.session_id]])

    return AssessmentTable(
        baseline=baseline,
        mid=mid,
        end=end,
        rows=tuple(rows),
        overall=AssessmentRow(
            task_index=-1,
            task_name="All tasks",
            limb="",
            task_average_ms=tuple(overall_value(s, overall.task_average_ms) for s in chosen),
            sro_percent=tuple(overall_value(s, overall.sro_percent) for s in chosen),
        ),
    )


@dataclass(frozen=True, eq=False)
class ClinicProgress:
    """First and latest session of every (profile, limb) in a clinic, as columns."""

    profile_code: np.ndarray  # object (str)
    limb: np.ndarray  # object (str)
    sessions: np.ndarray  # int64, sessions with that limb
    first_task_average_ms: np.ndarray
    latest_task_average_ms: np.ndarray
    first_sro_percent: np.ndarray
    latest_sro_percent: np.ndarray


def clinic_progress(store: Store) -> ClinicProgress:
    """Task Average and SRO % of each profile's first and latest session, per limb."""
    refresh_limb_stats(store)
    sessions = [s for s in store.list_sessions() if s.status != "running" and not s.autoplayed]
    stats = _rows_of_sessions(store.limb_stats(), [s.session_id for s in sessions])
    session_ids = np.array([s.session_id for s in sessions], dtype=np.int64)
    codes = np.array([s.profile_code for s in sessions], dtype=object)
    profile_names, profile_of_session = np.unique(codes, return_inverse=True)
    # list_sessions runs in start order: a session's rank orders it in time.
    # Only ended sessions have sums, and only those of ``sessions`` are kept.
    rank_of_id = np.full(int(session_ids.max(initial=0)) + 1, -1, dtype=np.int64)
    rank_of_id[session_ids] = np.arange(session_ids.shape[0])
    rank = rank_of_id[stats.session_id]
    limb_names, limb_code = np.unique(stats.limb.astype(str), return_inverse=True)
    keys = np.stack([profile_of_session[rank], limb_code, rank], axis=1)
    unique_keys, counts, sums = sum_rows(keys, stats)
    derived = derive(counts, sums)
    # Rows are sorted by (profile, limb, rank): each pair's first row is its first session.
    pair = unique_keys[:, :2]
    new_pair = np.r_[pair.shape[0] > 0, (pair[1:] != pair[:-1]).any(axis=1)]
    starts = np.flatnonzero(new_pair)
    ends = np.r_[starts[1:], unique_keys.shape[0]][: starts.shape[0]] - 1
    return ClinicProgress(
        profile_code=profile_names[unique_keys[starts, 0]],
        limb=limb_names[unique_keys[starts, 1]].astype(object),
        sessions=ends - starts + 1,
        first_task_average_ms=derived.task_average_ms[starts],
        latest_task_average_ms=derived.task_average_ms[ends],
        first_sro_percent=derived.sro_percent[starts],
        latest_sro_percent=derived.sro_percent[ends],
    )
