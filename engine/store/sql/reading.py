"""What a store opened for reading only does differently: progress sums it may not store.

Export and report only read, so they open the database read-only (they then work from
read-only media and never wait for, or take, a write lock). A progress report still needs
the sums of sessions that lack them (engine.metrics.progress.refresh_limb_stats); such a
store keeps the sums it computes in memory for as long as it is open, in place of the stored
ones, and leaves the file as it is. The next store opened for writing stores them.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from engine.store.columns import LimbStatColumns
from engine.store.sql.connected import Connected


def _rows(stats: LimbStatColumns, keep: np.ndarray) -> LimbStatColumns:
    return LimbStatColumns(
        session_id=stats.session_id[keep],
        task_index=stats.task_index[keep],
        limb=stats.limb[keep],
        counts=stats.counts[keep],
        sums=stats.sums[keep],
    )


def _joined(parts: list[LimbStatColumns]) -> LimbStatColumns:
    joined = LimbStatColumns(
        session_id=np.concatenate([part.session_id for part in parts]),
        task_index=np.concatenate([part.task_index for part in parts]),
        limb=np.concatenate([part.limb for part in parts]),
        counts=np.concatenate([part.counts for part in parts]),
        sums=np.concatenate([part.sums for part in parts]),
    )
    # Session and task order, as the stored rows come; stable, so limbs keep their order.
    order = np.lexsort((joined.task_index, joined.session_id))
    return _rows(joined, order)


class LimbStatsInMemory(Connected):
    """Mixed in before the SQLite tables: limb stats computed while reading stay in memory."""

    read_only = True

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._fresh_stats: dict[int, LimbStatColumns] = {}
        self._fresh_profile: dict[int, str] = {}

    def sessions_lacking_limb_stats(self, metrics_version: int) -> list[int]:
        lacking = super().sessions_lacking_limb_stats(metrics_version)  # type: ignore[misc]
        return [session_id for session_id in lacking if session_id not in self._fresh_stats]

    def replace_limb_stats(
        self, session_ids: Iterable[int], stats: LimbStatColumns, metrics_version: int
    ) -> None:
        for session_id in (int(session_id) for session_id in session_ids):
            self._fresh_stats[session_id] = _rows(stats, stats.session_id == session_id)
            self._fresh_profile[session_id] = self.session(session_id).profile_code  # type: ignore[attr-defined]

    def limb_stats(self, profile_code: str | None = None) -> LimbStatColumns:
        stored = super().limb_stats(profile_code)  # type: ignore[misc]
        if not self._fresh_stats:
            return stored
        fresh_ids = np.fromiter(self._fresh_stats, dtype=np.int64)
        parts = [_rows(stored, ~np.isin(stored.session_id, fresh_ids))]
        parts += [
            stats
            for session_id, stats in self._fresh_stats.items()
            if profile_code is None or self._fresh_profile[session_id] == profile_code
        ]
        return _joined(parts)
