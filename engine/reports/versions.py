"""Which OnBeat made a report, and which versions of its levels the sessions played.

OnBeat's version is the one in pyproject.toml (the checkout's) or, installed, the package's.
A level has no version number of its own, so its version is what was played: the first 8 hex
digits of a SHA-256 over the task and level settings every session snapshots when it plays
(the tasks' settings_json), so two sessions share a version exactly when they played the
same level file content.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import tomllib
from collections.abc import Sequence
from pathlib import Path

from engine.store.protocol import Store
from engine.store.records import SessionRecord

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
VERSION_DIGITS = 8


@functools.cache
def onbeat_version() -> str:
    try:
        return str(tomllib.loads(PYPROJECT.read_text("utf-8"))["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        try:
            return importlib.metadata.version("onbeat")
        except importlib.metadata.PackageNotFoundError:
            return "unknown"


def level_version(store: Store, session_id: int) -> str:
    """The played content's fingerprint of a session's level ("–" without tasks)."""
    snapshots = [task.settings_json for task in store.iter_tasks(session_id)]
    if not snapshots:
        return "–"
    digest = hashlib.sha256("\n".join(snapshots).encode("utf-8")).hexdigest()
    return digest[:VERSION_DIGITS]


def versions_line(store: Store, sessions: Sequence[SessionRecord]) -> str:
    """Like "OnBeat 0.1.0; levels as played: frog-hop 3f2a9c1e, standard 0b7d11aa"."""
    played: dict[str, list[str]] = {}
    for session in sessions:
        version = level_version(store, session.session_id)
        if version not in played.setdefault(session.level_id, []):
            played[session.level_id].append(version)
    levels = ", ".join(f"{level} {'/'.join(versions)}" for level, versions in played.items())
    return f"OnBeat {onbeat_version()}; levels as played: {levels or 'none'}"
