"""Which process records a session, and whether that process still runs.

A session is 'running' while the program that records it is alive. After a crash or
``kill -9`` nothing ends it, so the next program that opens the store for writing must tell a
session left behind from one another program is recording right now (a second window, a
command on the same data folder). Each running session therefore keeps its owner: the
computer's name, the process id and a token of when that process started, since process ids
are reused. On Linux the token is the boot id and the process's start time in clock ticks
from /proc/PID/stat, which no other process of any boot can share.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

_PROC = Path("/proc")
_BOOT_ID = _PROC / "sys" / "kernel" / "random" / "boot_id"
# In /proc/PID/stat the fields after the command name (which may hold spaces and brackets)
# start with field 3, the state; the start time is field 22.
_STARTTIME_AFTER_COMMAND = 22 - 3


class OwnerState(Enum):
    ALIVE = "alive"
    GONE = "gone"
    UNKNOWN = "unknown"  # another computer's process: only that computer can tell


@dataclass(frozen=True)
class ProcessOwner:
    host: str
    pid: int
    # When the process started, as this module writes it; "" where the system cannot say
    # (then a live process id is taken for the owner itself).
    started: str


def _boot_id() -> str:
    try:
        return _BOOT_ID.read_text(encoding="ascii").strip()
    except OSError:
        return ""


def process_start_token(pid: int) -> str | None:
    """The start token of process ``pid``: "" where the system keeps no start times, None
    when no such process runs."""
    if not _PROC.joinpath("self").exists():
        return _token_without_proc(pid)  # a system without /proc
    try:
        stat_text = (_PROC / str(pid) / "stat").read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None
    except OSError:
        return _token_without_proc(pid)
    fields = stat_text.rpartition(")")[2].split()
    if len(fields) <= _STARTTIME_AFTER_COMMAND:
        return ""
    return f"{_boot_id()}:{fields[_STARTTIME_AFTER_COMMAND]}"


def _token_without_proc(pid: int) -> str | None:
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return None
    except PermissionError:
        return ""  # it exists, but belongs to someone else
    return ""


def this_host() -> str:
    return socket.gethostname()


def this_process() -> ProcessOwner:
    """The owner to record for a session this process starts."""
    pid = os.getpid()
    return ProcessOwner(this_host(), pid, process_start_token(pid) or "")


def owner_state(owner: ProcessOwner) -> OwnerState:
    """Whether the process that recorded a session still runs."""
    if owner.host != this_host():
        return OwnerState.UNKNOWN
    token = process_start_token(owner.pid)
    if token is None:
        return OwnerState.GONE
    if owner.started and token and token != owner.started:
        return OwnerState.GONE  # the id now belongs to a later process
    return OwnerState.ALIVE
