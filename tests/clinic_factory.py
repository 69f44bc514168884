"""Stored sessions with random, known taps, written through the store API as the recorder
would leave them (settings snapshot, beats with what was in force, taps in time order with
their judgements and the windows they were judged with)."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field

import numpy as np

from engine.levels.model import Task, Windows
from engine.store.columns import NONE_INT, UNPAIRED_BEAT, BeatColumns, TapColumns
from engine.store.profile_choice import station_profile
from engine.store.protocol import Store
from engine.store.records import SESSION_COMPLETE, SessionCalibration, SessionRecord, TaskRecord

SAMPLE_RATE_HZ = 48_000


@dataclass(frozen=True)
class TaskSpec:
    limbs: tuple[str, ...] = ("both_hands",)
    beats: int = 40
    tempo_bpm: float = 60.0
    steps_per_beat: int = 1
    continuation_beats: int = 0
    windows: Windows = field(default_factory=Windows)
    name: str = "Task"
    untapped: bool = False  # the beats came and went without a single tap
    # As an adaptive level would: from the middle target on, another tempo and windows.
    adapted: tuple[float, Windows] | None = None


def _judgement(magnitude_ms: float, windows: Windows) -> str:
    if magnitude_ms <= windows.sro_ms:
        return "sro"
    if magnitude_ms <= windows.good_ms:
        return "good"
    return "ok" if magnitude_ms <= windows.ok_ms else "off"


def add_session(
    store: Store,
    rng: np.random.Generator,
    profile_name: str = "Robin",
    started_at_utc: str = "2026-01-05T10:00:00+00:00",
    tasks: tuple[TaskSpec, ...] = (TaskSpec(),),
    level_id: str = "frog-hop",
    status: str | None = SESSION_COMPLETE,
    mean_ms: float = -20.0,
    sd_ms: float = 30.0,
    minutes: int = 9,
) -> int:
    """A session of ``tasks``; status None leaves it running. Returns its id."""
    session_id = store.start_session(
        SessionRecord(
            profile_code=station_profile(store, profile_name).code,
            level_id=level_id,
            level_title=level_id.replace("-", " ").title(),
            level_path=f"levels/{level_id}.yaml",
            station="room-2",
            sample_rate_hz=SAMPLE_RATE_HZ,
            input_offset_ms=11.0,
            output_latency_ms=30.0,
            started_at_utc=started_at_utc,
            calibration=SessionCalibration(-5.0, "2026-01-02T09:00:00+00:00", "tap test"),
        )
    )
    start_frame = SAMPLE_RATE_HZ * 2
    for task_index, spec in enumerate(tasks):
        _add_task(store, rng, session_id, task_index, spec, start_frame, mean_ms, sd_ms, level_id)
        slowest_bpm = min(spec.tempo_bpm, spec.adapted[0] if spec.adapted else spec.tempo_bpm)
        start_frame += int(SAMPLE_RATE_HZ * 60 / slowest_bpm * (spec.beats + 8))
    if status is not None:
        hour, minute = int(started_at_utc[11:13]), int(started_at_utc[14:16]) + minutes
        ended = (
            f"{started_at_utc[:11]}{hour + minute // 60:02d}:{minute % 60:02d}{started_at_utc[16:]}"
        )
        store.end_session(session_id, ended, status)
    return session_id


def _add_task(
    store: Store,
    rng: np.random.Generator,
    session_id: int,
    task_index: int,
    spec: TaskSpec,
    start_frame: int,
    mean_ms: float,
    sd_ms: float,
    level_id: str,
) -> None:
    task = Task(
        name=spec.name,
        limbs=spec.limbs,
        length_beats=spec.beats,
        length_seconds=None,
        pattern="x",
        steps_per_beat=spec.steps_per_beat,
        continuation_beats=spec.continuation_beats,
    )
    settings = {"task": asdict(task), "windows": asdict(spec.windows), "level_id": level_id}
    targets = spec.beats * spec.steps_per_beat
    change = targets // 2 if spec.adapted else targets
    later_bpm, later_windows = spec.adapted or (spec.tempo_bpm, spec.windows)
    tempo_bpm = np.where(np.arange(targets) < change, spec.tempo_bpm, later_bpm)
    windows = [spec.windows if k < change else later_windows for k in range(targets)]
    store.add_task(
        TaskRecord(
            session_id=session_id,
            task_index=task_index,
            task_name=spec.name,
            settings_json=json.dumps(settings, sort_keys=True),
            tempo_bpm_start=spec.tempo_bpm,
            tempo_bpm_end=float(tempo_bpm[-1]),
            start_frame=start_frame,
        )
    )
    ioi_ms = 60_000.0 / tempo_bpm / spec.steps_per_beat
    # Each target one interval (the one in force before it) after the one before.
    offsets_ms = np.r_[0.0, np.cumsum(ioi_ms[:-1])]
    target_frame = start_frame + np.round(offsets_ms * SAMPLE_RATE_HZ / 1000.0).astype(np.int64)
    limbs = np.array([spec.limbs[i % len(spec.limbs)] for i in range(targets)], dtype=object)
    store.add_beat_columns(
        session_id,
        BeatColumns(
            task_index=np.full(targets, task_index),
            beat_index=np.arange(targets),
            limb=limbs,
            target_frame=target_frame,
            tempo_bpm=tempo_bpm,
            ioi_ms=ioi_ms,
            sro_ms=[w.sro_ms for w in windows],
            good_ms=[w.good_ms for w in windows],
            ok_ms=[w.ok_ms for w in windows],
            scored=np.ones(targets, dtype=bool),
        ),
    )
    if spec.untapped:
        return
    hit = rng.random(targets) > 0.05
    radius_ms = ioi_ms.min() / 2 - 1
    asynchrony_ms = np.clip(rng.normal(mean_ms, sd_ms, targets), -radius_ms, radius_ms)[hit]
    paired_beat = np.flatnonzero(hit)
    extra_count = int(rng.integers(0, 4))
    time_s = np.r_[
        target_frame[paired_beat] / SAMPLE_RATE_HZ + asynchrony_ms / 1000.0,
        rng.uniform(target_frame[0], target_frame[-1], extra_count) / SAMPLE_RATE_HZ,
        target_frame[0] / SAMPLE_RATE_HZ - 2.5,  # in the count-in: recorded, never scored
    ]
    beat_index = np.r_[paired_beat, np.full(extra_count + 1, UNPAIRED_BEAT)]
    asynchrony = np.r_[asynchrony_ms, np.full(extra_count + 1, np.nan)]
    judged_with = [windows[b] for b in paired_beat]
    judgement = [_judgement(abs(a), w) for a, w in zip(asynchrony_ms, judged_with, strict=True)]
    judgement += ["extra"] * extra_count + ["unscored"]
    order = np.argsort(time_s, kind="stable")
    unjudged = [math.nan] * (extra_count + 1)
    window_columns = {
        name: np.r_[[getattr(w, name) for w in judged_with], unjudged][order]
        for name in ("sro_ms", "good_ms", "ok_ms")
    }
    count = order.shape[0]
    channel = np.array([limbs[b] if b >= 0 else "right_hand" for b in beat_index], dtype=object)
    store.add_tap_columns(
        session_id,
        TapColumns(
            task_index=np.full(count, task_index),
            tap_index=np.arange(count),
            channel=channel[order],
            host_ns=(time_s[order] * 1e9).astype(np.int64) + 5_000_000_000_000,
            stamp_source=np.full(count, "scripted", dtype=object),
            audio_frame=np.round(time_s[order] * SAMPLE_RATE_HZ).astype(np.int64),
            audio_time_s=time_s[order],
            beat_index=beat_index[order],
            asynchrony_ms=asynchrony[order],
            judgement=np.array(judgement, dtype=object)[order],
            **window_columns,
            velocity=np.full(count, NONE_INT),
            device=np.full(count, "keyboard", dtype=object),
        ),
    )
