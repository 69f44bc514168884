"""Noticing that a level file was saved, for the live preview (`run.py play --watch`)."""

from __future__ import annotations

import hashlib
from pathlib import Path

POLL_INTERVAL_NS = 250_000_000


class LevelFileWatcher:
    """Polls a file's size, modification time and content; says when it changed."""

    def __init__(self, path: Path, poll_interval_ns: int = POLL_INTERVAL_NS) -> None:
        self.path = path
        self.poll_interval_ns = poll_interval_ns
        self._next_poll_ns = 0
        self._stat = self._read_stat()
        self._digest = self._read_digest()

    def _read_stat(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def _read_digest(self) -> bytes | None:
        try:
            return hashlib.sha256(self.path.read_bytes()).digest()
        except OSError:
            return None

    def changed(self, now_ns: int) -> bool:
        """True once per save (checked at most every poll interval)."""
        if now_ns < self._next_poll_ns:
            return False
        self._next_poll_ns = now_ns + self.poll_interval_ns
        stat = self._read_stat()
        if stat == self._stat:
            return False
        self._stat = stat
        # Editors touch files without changing them; only new content counts.
        digest = self._read_digest()
        if digest == self._digest:
            return False
        self._digest = digest
        return True
