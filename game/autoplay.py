"""Autoplay: the level plays itself in real time, so a therapist can see and hear it.

Taps are planned on the audio clock (target frame + a human-like asynchrony), turned into
host time with the clock map, and handed to the session when that time comes, stamped with
the planned instant (`stamp_source` = scripted).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from engine.clock import ClockMap
from engine.input_pump import Tap
from engine.limbs import CHANNELS, accept_mask
from engine.play_session import PlaySession
from engine.records import STAMP_SCRIPTED


def channel_for_limb(limb: str) -> str:
    """The channel a player would use for a limb (its own, or the first one it accepts)."""
    if limb in CHANNELS:
        return limb
    mask = accept_mask(limb)
    return next(channel for index, channel in enumerate(CHANNELS) if mask >> index & 1)


@dataclass(frozen=True)
class _PlannedTap:
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
    _grids_planned: int = 0

    def __post_init__(self) -> None:
        self._rng = np.random.default_rng(self.seed)

    def due_taps(self, session: PlaySession, clock_map: ClockMap, now_ns: int) -> list[Tap]:
        """Taps whose time has come (planning any task the session queued meanwhile).

        Taps are planned on the audio clock and turned into host time only when due, with the
        clock map as it is fitted then.
        """
        if session is not self._session:
            self._session, self._grids_planned, self._planned = session, 0, []
        for grid in session.grids[self._grids_planned :]:
            for index, frame in enumerate(grid.target_frames):
                asynchrony_ms = float(self._rng.normal(self.mean_ms, self.sd_ms))
                tap_frame = float(frame) + asynchrony_ms * grid.sample_rate_hz / 1000.0
                channel = channel_for_limb(grid.limb_of_target(index))
                self._planned.append(_PlannedTap(tap_frame, channel))
            self._planned.sort(key=lambda tap: tap.audio_frame)
        self._grids_planned = len(session.grids)
        due = []
        while self._planned:
            host_ns = round(clock_map.frame_to_host_ns(self._planned[0].audio_frame))
            if host_ns > now_ns:
                break
            due.append(Tap(host_ns, self._planned.pop(0).channel, STAMP_SCRIPTED))
        return due
