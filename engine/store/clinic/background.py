"""Syncs of a joined station that run beside the game, never in its frame loop.

A daemon thread syncs once at the start and then every ``every_s`` seconds (or when woken),
each time with stores of its own; a server that cannot be reached is logged and tried again
next time (what was recorded stays in the station's file meanwhile). Stopping waits a
moment for a sync under way and otherwise leaves it: a sync cut short loses nothing
(engine/store/clinic/sync.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from engine.store.clinic import settings
from engine.store.clinic.station import sync_station
from engine.store.opening import open_store, server_address, store_exists
from engine.store.protocol import StoreError

log = logging.getLogger(__name__)

SYNC_EVERY_S = 300.0
# Where the clinic's shared levels go and how each is checked first (sync/levels.py).
LevelIntake = tuple[Path, Callable[[Path, str], str | None]]
STOP_WAIT_S = 2.0  # how long closing the game waits for a sync under way


class BackgroundSync:
    """Syncs the station in ``data_dir`` with ``url`` from a thread of its own."""

    def __init__(
        self,
        data_dir: Path,
        url: str | None,
        every_s: float = SYNC_EVERY_S,
        levels: LevelIntake | None = None,
    ) -> None:
        self._data_dir = data_dir
        self._url = url
        self._levels = levels
        self._every_s = every_s
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self.syncs_done = 0  # for the curious (and the tests): syncs that reached the server
        self.last_problem: str | None = None
        self._thread = threading.Thread(target=self._run, name="clinic-sync", daemon=True)

    def start(self) -> BackgroundSync:
        self._thread.start()
        return self

    def wake(self) -> None:
        """Sync soon (a session has just ended), without waiting for it."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        self._thread.join(STOP_WAIT_S)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._sync_once()
            self._wake.wait(self._every_s)
            self._wake.clear()

    def _sync_once(self) -> None:
        try:
            levels_dir, check_level = self._levels or (None, None)
            result = sync_station(self._data_dir, self._url, levels_dir, check_level)
        except StoreError as problem:
            self.last_problem = str(problem)
            log.warning("clinic sync: %s", problem)
            return
        except Exception:  # a bug must not end the game: logged in full, tried next time
            log.exception("clinic sync failed")
            return
        self.syncs_done += 1
        self.last_problem = None
        counts = result.counts
        if counts.changed:
            log.info(
                "clinic sync with %s: %d session(s) sent, %d profile(s), %d plan(s), "
                "%d profile edit(s), %d chart row(s) and %d level(s) received",
                result.server,
                counts.sessions_sent,
                counts.profiles_received,
                counts.plans_received,
                counts.profile_edits_received,
                counts.chart_rows_received,
                counts.levels_received,
            )
        for problem in counts.level_problems:
            log.warning("clinic level not taken: %s", problem)


def start_background_sync(
    data_dir: Path, levels: LevelIntake | None = None
) -> BackgroundSync | None:
    """A running BackgroundSync for the station in ``data_dir`` if it joined a clinic (or
    ONBEAT_CLINIC_URL names one); None otherwise. With ``levels`` (the folder and the check,
    engine/store/clinic/sync/levels.py), the clinic's shared levels come down too."""
    if not store_exists(data_dir):
        return None
    try:
        station = open_store(data_dir, read_only=True)
    except StoreError as problem:  # the game says so itself, where it opens the store
        log.warning("clinic sync not started: %s", problem)
        return None
    try:
        url = settings.server_url_of(None, station)
    finally:
        station.close()
    if url is None:
        return None
    log.info("clinic sync with %s in the background", server_address(url))
    return BackgroundSync(data_dir, url, levels=levels).start()
