"""A month of one child's sessions played through the real game on the harness (virtual
clock, scripted taps, the real play scene, scorer and recorder), with known numbers: session
k of the month taps the both-hands task exactly BOTH_HANDS_MS[k] ms off every beat, and the
right-hand task SRO_TAPS[k] of its beats within the SRO window (5 ms late), the rest 40 ms
late. The wall clock the play scene stamps sessions with follows the virtual clock from
noon UTC of each session's day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

import game.scenes.play as play_scene
from engine.store.opening import open_store
from engine.store.recorder import Recorder
from engine.timing.schedule import TaskGrid
from game.harness import (
    EVIDENCE_FRAME_RATE_HZ,
    EVIDENCE_POLL_PERIOD_MS,
    VIRTUAL_START_NS,
    Harness,
)
from tests.level_factory import make_level, make_task

DAYS: tuple[date, ...] = tuple(
    date(2026, 3, day) for day in (2, 4, 6, 9, 11, 13, 16, 18, 20, 23, 25, 27)
)
BEATS = 60
TEMPO_BPM = 60.0
BOTH_HANDS_MS: tuple[float, ...] = tuple(60.0 - 3.0 * k for k in range(len(DAYS)))
SRO_TAPS: tuple[int, ...] = tuple(15 + 3 * k for k in range(len(DAYS)))  # of BEATS
IN_SRO_MS, OUT_OF_SRO_MS = 5.0, 40.0
LEVEL = make_level(
    make_task(BEATS, ("both_hands",), name="Both hands"),
    make_task(BEATS, ("right_hand",), name="Right hand"),
    tempo_bpm=TEMPO_BPM,
    level_id="steady-month",
)


def _plan(k: int):
    def plan(grid: TaskGrid, target_index: int, rng: np.random.Generator) -> float:
        if grid.task_index == 0:  # alternately early and late: |asynchrony| is the same
            return BOTH_HANDS_MS[k] * (1 if target_index % 2 else -1)
        return IN_SRO_MS if target_index < SRO_TAPS[k] else OUT_OF_SRO_MS

    return plan


def play_month(data_dir: Path, monkeypatch) -> str:
    """Play the month into ``data_dir``; return the child's profile code."""
    store = open_store(data_dir)
    code = store.create_profile("Robin", 2019)
    profile = store.profile(code)
    store.close()
    recorder = Recorder(data_dir)
    running: list[Harness] = []

    def wall_clock() -> str:
        # The scene stamps the start while the harness is being built: no time has passed.
        elapsed_ns = running[-1].clock.now_ns() - VIRTUAL_START_NS if running else 0
        return (noon + timedelta(microseconds=elapsed_ns / 1000)).isoformat(timespec="seconds")

    monkeypatch.setattr(play_scene, "utc_now_iso", wall_clock)
    try:
        for k, day in enumerate(DAYS):
            running.clear()
            noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
            harness = Harness(
                recorder,
                _plan(k),
                level=LEVEL,
                seed=k,
                data_dir=data_dir,
                window_size=(320, 240),
                profile=profile,
                frame_rate_hz=EVIDENCE_FRAME_RATE_HZ,
                poll_period_ms=EVIDENCE_POLL_PERIOD_MS,
            )
            running.append(harness)
            harness.run()
    finally:
        recorder.close()
    return code
