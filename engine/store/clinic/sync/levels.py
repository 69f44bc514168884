"""The clinic's shared levels come down: each level file published to the server
(``run.py clinic levels publish``, table clinic_levels) is kept as ``<id>.yaml`` in the
station's clinic levels folder, where the game's level discovery finds it.

The folder belongs to the sync: a file there whose text differs from the server's (an older
publication of that level) is replaced by the server's. Each file is written under a hidden
name (discovery skips those), checked by the caller's ``check_level(path, level_id)`` (the
level loader, which engine/store may not import; it returns a problem or None), and only then
moved into place: a half-written or invalid file is never found by the game. A level that
fails the check is reported in the sync's counts and left out, and the copy kept from before,
if any, stays.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select

from engine.store.clinic.sync.keyed import SyncCounts
from engine.store.sql import tables as t
from engine.store.sql.store import SqlStore

LEVEL_SUFFIX = ".yaml"
# A level id as the level format allows it; anything else from a server is never made a
# file name.
_LEVEL_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


def text_sha256(yaml_text: str) -> str:
    return hashlib.sha256(yaml_text.encode("utf-8")).hexdigest()


def _kept_sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def _write_checked(
    folder: Path, level_id: str, yaml_text: str, check_level: Callable[[Path, str], str | None]
) -> str | None:
    """Write the level atomically into ``folder`` once it passes the check; its problem if
    it does not."""
    folder.mkdir(parents=True, exist_ok=True)
    hidden = folder / f".{level_id}{LEVEL_SUFFIX}.incoming"
    try:
        with open(hidden, "w", encoding="utf-8", newline="") as file:
            file.write(yaml_text)
            file.flush()
            os.fsync(file.fileno())
        problem = check_level(hidden, level_id)
        if problem is not None:
            return problem
        os.replace(hidden, folder / f"{level_id}{LEVEL_SUFFIX}")
    finally:
        hidden.unlink(missing_ok=True)
    return None


def receive_levels(
    server: SqlStore,
    folder: Path,
    check_level: Callable[[Path, str], str | None],
    counts: SyncCounts,
) -> None:
    c = t.clinic_levels.c
    problems = []
    for level_id, yaml_text, sha256 in server._fetch_rows(
        select(c.level_id, c.yaml_text, c.sha256).order_by(c.level_id)
    ):
        if not _LEVEL_ID.fullmatch(level_id):
            problems.append(f"{level_id!r}: not a level id; not written")
            continue
        if text_sha256(yaml_text) != sha256:
            problems.append(f"{level_id}: its text does not match its sha256 on the server")
            continue
        if _kept_sha256(folder / f"{level_id}{LEVEL_SUFFIX}") == sha256:
            continue
        problem = _write_checked(folder, level_id, yaml_text, check_level)
        if problem is None:
            counts.levels_received += 1
        else:
            problems.append(f"{level_id}: {problem}")
    counts.level_problems = tuple(problems)
