"""The one converter for time: host ns <-> audio frames <-> ms.

The audio clock is the master clock: the count of sample frames handed to the output device.
(Where beats fall on it is the tempo map's business: engine/timing/tempo_map.py.)
The audio callback records (host ns, frames handed) pairs; `ClockMap` fits a line through
them and answers "which audio frame is audible at this host instant?" and the reverse.
Nobody else does this arithmetic.
"""

from __future__ import annotations

import numpy as np

NS_PER_S = 1_000_000_000
MS_PER_S = 1000.0
ON_TIME_SHARE = 0.25
# The line changes slowly; refitting after this many new callbacks (~85 ms at 256-frame
# buffers) keeps the frame loop from spending half a millisecond on it every frame.
REFIT_AFTER_OBSERVATIONS = 16  # the fit's slope comes from the quarter of callbacks least late
REFINE_ROUNDS = 4


def frames_to_ms(frames: float, sample_rate_hz: float) -> float:
    return frames * MS_PER_S / sample_rate_hz


def ms_to_frames(ms: float, sample_rate_hz: float) -> float:
    return ms * sample_rate_hz / MS_PER_S


def frames_to_s(frames: float, sample_rate_hz: float) -> float:
    return frames / sample_rate_hz


class ClockMap:
    """Host time <-> audio frames, fitted from the audio callback's observations.

    Model: at host time t the device has been handed ``f0 + rate·(t − t0)`` frames, with
    callbacks arriving on time or late, never early. Late callbacks (the thread was not
    scheduled, the GIL was busy) would drag a least-squares line, so the fit keeps the
    earliest points: an ordinary fit, then a few refits on the quarter of points that arrived
    least late by the previous line, then the line is shifted to pass under the on-time ones.
    The frame audible at host time t is the frame handed at t − output latency.
    """

    def __init__(
        self,
        sample_rate_hz: float,
        output_latency_ns: int,
        capacity: int = 512,
    ) -> None:
        self.sample_rate_hz = float(sample_rate_hz)
        self.output_latency_ns = int(output_latency_ns)
        self._host_ns = np.zeros(capacity, dtype=np.int64)
        self._frames = np.zeros(capacity, dtype=np.int64)
        self._count = 0  # written last by observe(), so readers never see a half entry
        # Line through (t0_ns, f0): frames = f0 + rate_per_ns * (t - t0_ns)
        self._t0_ns = 0
        self._f0 = 0.0
        self._rate_per_ns = self.sample_rate_hz / NS_PER_S
        self._fitted = False
        self._fitted_at_count = 0

    def observe(self, host_ns: int, frames_handed: int) -> None:
        """Audio callback: by ``host_ns`` the device had been handed ``frames_handed`` frames."""
        slot = self._count % self._host_ns.shape[0]
        self._host_ns[slot] = host_ns
        self._frames[slot] = frames_handed
        self._count += 1

    def forget(self) -> None:
        """Drop every observation: the output moved to another device, with its own pace and
        latency, so the line is fitted again from that device's callbacks alone. Call it
        while no callback runs (between closing one device and starting the next)."""
        self._count = 0
        self._fitted = False
        self._fitted_at_count = 0

    @property
    def ready(self) -> bool:
        return self._fitted

    @property
    def observations(self) -> int:
        return self._count

    def refit(self) -> None:
        """Refit the line from the latest observations, when enough new ones have come.

        Call it as often as you like from the main thread (every frame).
        """
        if self._fitted and self._count - self._fitted_at_count < REFIT_AFTER_OBSERVATIONS:
            return
        self._fitted_at_count = self._count
        count = min(self._count, self._host_ns.shape[0])
        if count == 0:
            return
        host_ns = self._host_ns[:count].copy()
        frames = self._frames[:count].astype(np.float64)
        t0_ns = int(host_ns.min())
        t_ns = (host_ns - t0_ns).astype(np.float64)
        rate_per_ns = self.sample_rate_hz / NS_PER_S
        if count >= 8 and np.ptp(t_ns) > 0:
            rate_per_ns = _slope(t_ns, frames)
            for _ in range(REFINE_ROUNDS):
                # Frames ahead of the line: on-time callbacks are highest, late ones lower.
                ahead = frames - rate_per_ns * t_ns
                on_time = ahead >= np.quantile(ahead, 1.0 - ON_TIME_SHARE)
                if on_time.sum() < 4 or np.ptp(t_ns[on_time]) == 0:
                    break
                rate_per_ns = _slope(t_ns[on_time], frames[on_time])
        # Shift the line so that the earliest callbacks lie on it: they show the true pace.
        frames_ahead = frames - rate_per_ns * t_ns
        f0 = float(np.quantile(frames_ahead, 0.95)) if count >= 8 else float(frames_ahead.max())
        self._t0_ns, self._f0, self._rate_per_ns = t0_ns, f0, rate_per_ns
        self._fitted = True

    def host_ns_to_frame(self, host_ns: int | float) -> float:
        """Audio frame audible at host time ``host_ns`` (fractional)."""
        return self._f0 + self._rate_per_ns * (host_ns - self.output_latency_ns - self._t0_ns)

    def frame_to_host_ns(self, frame: float) -> float:
        """Host time at which audio frame ``frame`` is audible."""
        return (frame - self._f0) / self._rate_per_ns + self._t0_ns + self.output_latency_ns


def _slope(x: np.ndarray, y: np.ndarray) -> float:
    x_centered = x - x.mean()
    return float((x_centered * (y - y.mean())).sum() / (x_centered * x_centered).sum())


def _intercept(x: np.ndarray, y: np.ndarray, slope: float) -> float:
    return float(y.mean() - slope * x.mean())
