"""Clinic scale: 200 profiles × 45 sessions × 2,000 taps, generated through the store's bulk
API; how long the clinic takes to load and its progress metrics to compute.

    python -m bench.clinic_scale [--profiles 200] [--sessions 45] [--taps 2000] [--fresh]
                                 [--server postgresql://USER@HOST/DATABASE]

The generated database (about 3 GB at full size) is kept in the temporary folder and reused
by later runs with the same shape and schema; --fresh makes it again. With --server the
clinic is generated on that PostgreSQL server instead (an empty database of its own: the
bench fills it), through the same store and the same queries. Times are wall-clock
on this machine; each is also given as a ratio to a baseline measured in the same run, which
says more than the seconds do on another machine.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

import numpy as np

from engine.levels.limbs import accept_mask
from engine.levels.model import Task, Windows
from engine.metrics.progress import (
    METRICS_VERSION,
    clinic_progress,
    limb_sums_kernel,
    profile_progress,
    refresh_limb_stats,
)
from engine.scoring.judgement import Judgement, hit_flags
from engine.scoring.kernels import JUDGEMENT_NAMES, score_taps
from engine.store.columns import NONE_INT, UNPAIRED_BEAT, BeatColumns, TapColumns
from engine.store.migrations.runner import newest_version
from engine.store.opening import open_server_store, open_store, store_exists
from engine.store.protocol import Store
from engine.store.records import SESSION_COMPLETE, SessionRecord, TaskRecord
from engine.store.sqlite.store import DATABASE_FILE_NAME
from engine.timing.tempo_map import beat_interval_ms, frames_per_beat

SAMPLE_RATE_HZ = 48_000
TASKS_PER_SESSION = 4
LIMBS = ("both_hands", "right_hand", "left_toe", "right_toe")
LAPSE_SHARE = 0.04  # targets left untapped
COLD_SESSIONS = 450  # sessions whose sums the bench recomputes from their taps every run
KERNEL_TAPS = 2_000_000


def _session_columns(
    rng: np.random.Generator, taps: int, tempo_bpm: float, skill: float
) -> tuple[BeatColumns, TapColumns]:
    """One session's beats and taps: TASKS_PER_SESSION tasks of taps/TASKS_PER_SESSION
    targets, a child of ``skill`` (0 best .. 1) tapping a little early."""
    per_task = taps // TASKS_PER_SESSION
    beat_frames = frames_per_beat(tempo_bpm, SAMPLE_RATE_HZ)
    task_index = np.repeat(np.arange(TASKS_PER_SESSION), per_task)
    beat_index = np.tile(np.arange(per_task), TASKS_PER_SESSION)
    target_frame = (
        SAMPLE_RATE_HZ * 2 + (task_index * (per_task + 8) + beat_index) * beat_frames
    ).astype(np.int64)
    count = task_index.shape[0]
    windows = Windows()
    beats = BeatColumns(
        task_index=task_index,
        beat_index=beat_index,
        limb=np.array(LIMBS, dtype=object)[task_index],
        target_frame=target_frame,
        tempo_bpm=np.full(count, tempo_bpm),
        ioi_ms=np.full(count, beat_interval_ms(tempo_bpm)),
        sro_ms=np.full(count, windows.sro_ms),
        good_ms=np.full(count, windows.good_ms),
        ok_ms=np.full(count, windows.ok_ms),
        scored=np.ones(count, dtype=bool),
    )
    asynchrony_ms = rng.normal(-15 - 30 * skill, 12 + 40 * skill, task_index.shape[0])
    asynchrony_ms = np.clip(asynchrony_ms, -200, 200)
    paired = rng.random(task_index.shape[0]) > LAPSE_SHARE
    audio_frame = target_frame + np.round(asynchrony_ms * SAMPLE_RATE_HZ / 1000).astype(np.int64)
    # Judged by the scorer with the level's windows (|asynchrony| < 200 ms keeps the taps in
    # target order, each nearest its own target); lapsed targets' taps count as extra.
    scored = score_taps(
        target_frame[paired],
        np.full(int(paired.sum()), accept_mask("any"), np.int64),
        np.full(int(paired.sum()), int(beat_frames // 2), np.int64),
        audio_frame[paired],
        np.zeros(int(paired.sum()), np.int64),
        sample_rate_hz=SAMPLE_RATE_HZ,
        sro_ms=windows.sro_ms,
        good_ms=windows.good_ms,
        ok_ms=windows.ok_ms,
        input_offset_ms=0.0,
    )
    judgement = np.full(count, "extra", dtype=object)
    judgement[paired] = np.array(JUDGEMENT_NAMES, dtype=object)[scored.tap_judgement]
    asynchrony_ms = np.full(count, np.nan)
    asynchrony_ms[paired] = scored.tap_asynchrony_ms
    judged_with = {name: np.where(paired, value, np.nan) for name, value in asdict(windows).items()}
    tap_index = np.concatenate([np.arange(per_task)] * TASKS_PER_SESSION)
    taps_out = TapColumns(
        task_index=task_index,
        tap_index=tap_index,
        channel=beats.limb,
        host_ns=audio_frame * (1_000_000_000 // SAMPLE_RATE_HZ) + 10**15,
        stamp_source=np.full(task_index.shape[0], "scripted", dtype=object),
        audio_frame=audio_frame,
        audio_time_s=audio_frame / SAMPLE_RATE_HZ,
        beat_index=np.where(paired, beat_index, UNPAIRED_BEAT),
        asynchrony_ms=asynchrony_ms,
        judgement=judgement,
        **judged_with,
        velocity=np.full(task_index.shape[0], NONE_INT),
        device=np.full(task_index.shape[0], "keyboard", dtype=object),
    )
    return beats, taps_out


def generate(store: Store, profiles: int, sessions: int, taps: int) -> None:
    rng = np.random.default_rng(2026)
    settings = json.dumps(
        {
            "task": asdict(Task("Steady beat", ("both_hands",), taps // TASKS_PER_SESSION, None)),
            "windows": asdict(Windows()),
            "level_id": "clinic-bench",
        }
    )
    started = time.perf_counter()
    for profile in range(profiles):
        skill = rng.uniform(0.2, 1.0)
        profile_code = store.create_profile(f"Child {profile:03d}")
        with store.transaction():  # one commit per profile: a bulk import, not a live session
            for session in range(sessions):
                day = f"2025-{1 + session * 12 // sessions:02d}-{1 + session % 28:02d}"
                session_id = store.start_session(
                    SessionRecord(
                        profile_code=profile_code,
                        level_id="standard" if session % 15 == 0 else "clinic-bench",
                        level_title="Clinic bench",
                        level_path="",
                        station="bench",
                        sample_rate_hz=SAMPLE_RATE_HZ,
                        input_offset_ms=10.0,
                        output_latency_ms=30.0,
                        started_at_utc=f"{day}T10:00:00+00:00",
                    )
                )
                for task_index in range(TASKS_PER_SESSION):
                    store.add_task(
                        TaskRecord(
                            session_id=session_id,
                            task_index=task_index,
                            task_name=f"Task {task_index + 1}",
                            tempo_bpm_start=60.0,
                            tempo_bpm_end=60.0,
                            start_frame=0,
                            settings_json=settings,
                        )
                    )
                # Children get better over the course: skill falls towards 0.
                beats, tap_columns = _session_columns(
                    rng, taps, 60.0, skill * (1 - session / sessions / 2)
                )
                store.add_beat_columns(session_id, beats)
                store.add_tap_columns(session_id, tap_columns)
                store.end_session(session_id, f"{day}T10:25:00+00:00", SESSION_COMPLETE)
        done = profile + 1
        if done % 20 == 0 or done == profiles:
            rate = done * sessions * taps / (time.perf_counter() - started)
            print(f"  generated {done}/{profiles} profiles ({rate / 1e3:.0f} k taps/s)", flush=True)


def _seconds(action) -> tuple[float, object]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def _numpy_sums(group, asynchrony_ms, is_sro, is_hit, ioi_ms, groups):
    """The kernel's sums with numpy: one bincount pass per sum (the baseline)."""
    magnitude = np.abs(asynchrony_ms)
    theta = 2 * np.pi * asynchrony_ms / ioi_ms
    weights = (
        np.ones_like(magnitude),
        is_sro,
        is_hit,
        asynchrony_ms < 0,
        asynchrony_ms > 0,
        magnitude,
        asynchrony_ms,
        asynchrony_ms * asynchrony_ms,
        np.cos(theta),
        np.sin(theta),
    )
    return [np.bincount(group, w.astype(np.float64), minlength=groups) for w in weights]


def kernel_versus_numpy() -> tuple[float, float]:
    rng = np.random.default_rng(1)
    groups = 40_000
    group = np.sort(rng.integers(0, groups, KERNEL_TAPS))
    asynchrony_ms = rng.normal(-20, 30, KERNEL_TAPS)
    judgement = rng.integers(Judgement.SRO, Judgement.OFF + 1, KERNEL_TAPS).astype(np.int8)
    is_sro, is_hit = judgement == Judgement.SRO, hit_flags(judgement)
    ioi_ms = rng.choice([950.0, 1000.0, 1050.0], KERNEL_TAPS)  # each tap its own, as adapted

    def kernel() -> None:
        counts = np.zeros((groups, 6), dtype=np.int64)
        sums = np.zeros((groups, 5))
        limb_sums_kernel(group, asynchrony_ms, is_sro, is_hit, ioi_ms, counts, sums)

    kernel()  # compile (or load from cache) outside the timing
    kernel_s = min(_seconds(kernel)[0] for _ in range(3))
    numpy_s = min(
        _seconds(lambda: _numpy_sums(group, asynchrony_ms, is_sro, is_hit, ioi_ms, groups))[0]
        for _ in range(3)
    )
    return kernel_s, numpy_s


def profile_count(opened: Callable[[], Store]) -> int:
    store = opened()
    try:
        return len(store.list_profiles())
    finally:
        store.close()


def _bare_read_s(server: str | None, database: Path | None, cold: int) -> float:
    """Seconds the driver alone takes to read the asynchronies of the first ``cold``
    sessions into numpy: the floor under any store."""
    if server:
        import psycopg

        address = server.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(address) as connection:
            return _seconds(
                lambda: np.fromiter(
                    (row[0] for row in connection.execute(
                        "SELECT asynchrony_ms FROM taps WHERE session_id <= %s", (cold,)
                    )),
                    dtype=np.float64,
                )
            )[0]  # fmt: skip
    connection = sqlite3.connect(database)
    try:
        return _seconds(
            lambda: np.fromiter(
                (row[0] for row in connection.execute(
                    "SELECT asynchrony_ms FROM taps WHERE session_id <= ?", (cold,)
                )),
                dtype=np.float64,
            )
        )[0]  # fmt: skip
    finally:
        connection.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=200)
    parser.add_argument("--sessions", type=int, default=45)
    parser.add_argument("--taps", type=int, default=2000)
    parser.add_argument(
        "--fresh", action="store_true", help="generate the clinic again (on SQLite)"
    )
    parser.add_argument(
        "--server", help="generate and measure on this PostgreSQL server's (empty) database"
    )
    args = parser.parse_args(argv)

    shape = f"{args.profiles}x{args.sessions}x{args.taps}"
    total_taps = args.profiles * args.sessions * args.taps
    print(f"clinic_scale: {args.profiles} profiles × {args.sessions} sessions × {args.taps} taps")
    if args.server:
        where = "the server"
        opened: Callable[[], Store] = lambda: open_server_store(  # noqa: E731
            args.server, read_only=False, upgrade=True
        )
        held = profile_count(opened)
        # Generating adds profiles: into a database that holds some, the clinic would not
        # have the shape asked for (a generation that was stopped leaves part of one).
        if held and (args.fresh or held != args.profiles):
            print(
                f"clinic_scale: the server's database holds {held} profiles, not "
                f"{args.profiles}: give the bench an empty database of its own",
                file=sys.stderr,
            )
            return 2
        fresh = not held
    else:
        data_dir = Path(tempfile.gettempdir()) / f"onbeat-bench-clinic-{shape}-v{newest_version()}"
        where = str(data_dir)
        opened = lambda: open_store(data_dir)  # noqa: E731
        # Fewer profiles than asked for: a generation was stopped part way (one commit per
        # profile); measuring that part would say nothing about the clinic asked for.
        fresh = args.fresh or not store_exists(data_dir) or profile_count(opened) != args.profiles
        if fresh and data_dir.exists():
            for path in data_dir.iterdir():
                path.unlink()
    if fresh:
        store = opened()
        generate_s, _ = _seconds(lambda: generate(store, args.profiles, args.sessions, args.taps))
        store.close()
        print(f"  generated {total_taps / 1e6:.1f} M taps in {generate_s:.0f} s into {where}")
        store = opened()
        sums_s, computed = _seconds(lambda: refresh_limb_stats(store))
        store.close()
        print(f"  progress sums of {computed} sessions from their taps: {sums_s:.0f} s (once)")
    else:
        print(f"  reusing {where} (--fresh to generate again)")

    # Cold: recompute the sums of some sessions from their taps, against reading those taps.
    store = opened()
    # Untimed: the sums a generation stopped during its sums left out, so that only the
    # sessions marked here are computed in the timing.
    refresh_limb_stats(store)
    cold = min(COLD_SESSIONS, args.profiles * args.sessions)
    store.mark_limb_stats_stale(range(1, cold + 1))
    cold_s, _ = _seconds(lambda: refresh_limb_stats(store))
    store.close()
    read_s = _bare_read_s(args.server, None if args.server else data_dir / DATABASE_FILE_NAME, cold)

    # Warm: what a therapist's clinic overview does.
    open_s, store = _seconds(opened)
    load_s, _ = _seconds(lambda: (store.list_profiles(), store.list_sessions()))
    clinic_s, clinic = _seconds(lambda: clinic_progress(store))
    stats_read_s, _ = _seconds(store.limb_stats)
    code = store.list_profiles()[0].code
    profile_s, _ = _seconds(lambda: profile_progress(store, code))
    store.close()
    kernel_s, numpy_s = kernel_versus_numpy()

    print(f"  open + list {args.profiles} profiles and {args.profiles * args.sessions} sessions: "
          f"{(open_s + load_s) * 1e3:.0f} ms")  # fmt: skip
    print(
        f"  clinic progress (first and latest Task Average and SRO % of "
        f"{len(clinic.profile_code)} profile-limb pairs over {total_taps / 1e6:.1f} M taps): "
        f"{clinic_s * 1e3:.0f} ms = {clinic_s / stats_read_s:.1f}× reading the stored sums alone"
    )
    print(
        f"  one profile's progress report data ({args.sessions} sessions): {profile_s * 1e3:.0f} ms"
    )
    per_session_ms = cold_s / cold * 1e3
    print(
        f"  sums from taps, {cold} sessions: {cold_s:.2f} s ({per_session_ms:.1f} ms a session) "
        f"= {cold_s / read_s:.1f}× a bare read of their asynchronies ({read_s:.2f} s)"
    )
    print(
        f"  numba sums kernel, {KERNEL_TAPS / 1e6:.0f} M taps: {kernel_s * 1e3:.1f} ms "
        f"= {numpy_s / kernel_s:.1f}× faster than numpy bincount passes ({numpy_s * 1e3:.0f} ms)"
    )
    total_s = open_s + load_s + clinic_s
    print(f"  load + clinic progress (metrics version {METRICS_VERSION}): {total_s:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
