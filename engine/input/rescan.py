"""A thread that calls one function every few seconds until stopped: device back-ends use it
to notice devices plugged in or pulled out during play without the frame loop waiting."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

RESCAN_PERIOD_S = 2.0
STOP_TIMEOUT_S = 1.0


class PeriodicThread:
    def __init__(self, name: str, action: Callable[[], None], period_s: float) -> None:
        self._action = action
        self._period_s = period_s
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if threading.current_thread() is not self._thread:
            self._thread.join(STOP_TIMEOUT_S)

    def _run(self) -> None:
        while not self._stopping.wait(self._period_s):
            try:
                self._action()
            except Exception:
                # A failing scan must not end hot-plug for the rest of the session.
                log.exception(
                    "%s failed; trying again in %.0f s", self._thread.name, self._period_s
                )
