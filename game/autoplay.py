"""Autoplay: the level plays itself in real time, so a therapist can see and hear it.

Taps are planned on the audio clock (target frame + a human-like asynchrony), turned into
host time with the clock map, and handed to the session when that time comes, stamped with
the planned instant (`stamp_source` = scripted).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.input.pump import Tap
from engine.levels.limbs import CHANNELS, accept_mask
from engine.session.play import PlaySession
from engine.store.records import STAMP_SCRIPTED
from engine.timing.clock import ClockMap
from engine.timing.schedule import TaskGrid

AUTOPLAY_DEVICE = "autoplay"  # the device its taps name: no device, the game itself


def channel_for_limb(limb: str) -> str:
    """The channel a player would use for a limb (its own, or the first one it accepts)."""
    if limb in CHANNELS:
        return limb
    mask = accept_mask(limb)
    return next(channel for index, channel in enumerate(CHANNELS) if mask >> index & 1)


@dataclass(frozen=True)
class _PlannedTap:
    task_index: int
    audio_frame: float
    channel: str


@dataclass
class AutoTapper:
    mean_ms: float = -15.0
    sd_ms: float = 20.0
    seed: int = 1
    _rng: np.random.Generator = field(init=False)
    _planned: list[_PlannedTap] = field(default_factory=list)
    _session: PlaySession | None = None
    _grids: dict[int, TaskGrid] = field(default_factory=dict)  # the grid each task was planned on
    _asynchrony_ms: dict[tuple[int, int], float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._rng = np.random.default_rng(self.seed)

    def _plan(self, grid: TaskGrid, from_frame: float) -> None:
        """Plan the task's taps from ``from_frame`` on; one asynchrony per target, kept. Taps
        already due but not yet made stay as they were planned."""
        self._planned = [
            tap
            for tap in self._planned
            if tap.task_index != grid.task_index or tap.audio_frame < from_frame
        ]
        for index, frame in enumerate(grid.target_frames):
            key = (grid.task_index, index)
            if key not in self._asynchrony_ms:
                self._asynchrony_ms[key] = float(self._rng.normal(self.mean_ms, self.sd_ms))
            tap_frame = float(frame) + self._asynchrony_ms[key] * grid.sample_rate_hz / 1000.0
            if tap_frame >= from_frame:
                channel = channel_for_limb(grid.limb_of_target(index))
                self._planned.append(_PlannedTap(grid.task_index, tap_frame, channel))
        self._planned.sort(key=lambda tap: tap.audio_frame)
        self._grids[grid.task_index] = grid

    def due_taps(self, session: PlaySession, clock_map: ClockMap, now_ns: int) -> list[Tap]:
        """Taps whose time has come, planning tasks queued or laid out anew meanwhile.

        Taps are planned on the audio clock and turned into host time only when due, with the
        clock map as it is fitted then. Nothing is tapped during a pause.
        """
        if session is not self._session:
            self._session, self._planned, self._grids = session, [], {}
            self._asynchrony_ms = {}
        now_frame = clock_map.host_ns_to_frame(now_ns)
        for grid in session.grids:
            if self._grids.get(grid.task_index) is not grid:
                self._plan(grid, now_frame)
        if session.paused:
            return []
        due = []
        while self._planned:
            host_ns = round(clock_map.frame_to_host_ns(self._planned[0].audio_frame))
            if host_ns > now_ns:
                break
            due.append(
                Tap(host_ns, self._planned.pop(0).channel, STAMP_SCRIPTED, device=AUTOPLAY_DEVICE)
            )
        return due
