"""The one error boundary of the command line and the game, and the log behind it.

Every failure a person can meet (the database locked, full, damaged or on read-only media; a
broken config file; no sound device or no display; an output that cannot be written) ends in
one or two sentences on stderr that say what happened and what to do, and exit status 1.
The details (the traceback) go to a log file in the user log folder, readable by its owner
only, since it may name children. Anything else is a bug: the person is told that, and where
the log is that holds the details to send.
"""

from __future__ import annotations

import errno
import logging
import logging.handlers
import os
import sys
import threading
from pathlib import Path
from typing import IO

import platformdirs

log = logging.getLogger("onbeat")

LOG_FILE_NAME = "onbeat.log"
LOG_FILE_BYTES = 1024 * 1024
LOG_FILES_KEPT = 3
EXIT_FAILURE = 1

# The errors whose message already says what to do, by module and class. Looked up in the
# modules already imported: an error of a module never loaded cannot have been raised, and
# `run.py levels list` need not load pygame to know game.app's errors.
EXPECTED_ERRORS = (
    ("cli.common", "UserError"),
    ("engine.store.protocol", "StoreError"),
    ("engine.store.recorder", "RecorderError"),
    ("engine.reports.output", "OutputError"),
    ("engine.reports.service", "ReportError"),
    ("engine.config.checked", "ConfigError"),
    ("engine.input.mapping", "InputConfigError"),
    ("engine.audio.output", "AudioOutputError"),
    ("engine.levels.yaml_reader", "LevelError"),
    ("game.app", "NoDisplayError"),
    ("game.i18n", "CatalogueError"),
)

_FILE_ADVICE = {
    errno.ENOSPC: "the disk is full; free some space and try again",
    errno.EDQUOT: "the disk quota is used up; free some space and try again",
    errno.EROFS: "it is on read-only media; choose a writable place",
    errno.EACCES: "this user may not use it; check its permissions or choose another place",
    errno.EPERM: "this user may not use it; check its permissions or choose another place",
    errno.ENOENT: "it does not exist; check the name",
    errno.ENOTDIR: "a part of the path is a file, not a folder; check the name",
    errno.EISDIR: "it is a folder; give a file",
    errno.EIO: "the disk reported an error; check the disk",
}


def log_folder() -> Path:
    return Path(platformdirs.user_log_dir("OnBeat", appauthor=False))


class _PrivateLogFile(logging.handlers.RotatingFileHandler):
    """A rotating log whose every file, the ones made at rollover too, is 0600."""

    def _open(self) -> IO[str]:  # logging calls it for each new file
        descriptor = os.open(self.baseFilename, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        return open(descriptor, self.mode, encoding=self.encoding, errors=self.errors)


class RunLog:
    """The log of one run: ``path`` is the file (None if it could not be opened, then
    errors go to stderr and ``problem`` says why). Close it when the run ends."""

    def __init__(
        self, handler: logging.Handler, path: Path | None, problem: str | None, level: int
    ) -> None:
        self.handler = handler
        self.path = path
        self.problem = problem
        self._level_before = level

    def close(self) -> None:
        root = logging.getLogger()
        root.removeHandler(self.handler)
        root.setLevel(self._level_before)
        self.handler.close()
        threading.excepthook = threading.__excepthook__


def start_log() -> RunLog:
    """Send log records (and uncaught errors of threads) to the log file in the user log
    folder (0700; the file 0600)."""
    path = log_folder() / LOG_FILE_NAME
    root = logging.getLogger()
    level_before = root.level
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.parent.chmod(0o700)  # OnBeat's own folder; the log may name children
        handler: logging.Handler = _PrivateLogFile(
            path, maxBytes=LOG_FILE_BYTES, backupCount=LOG_FILES_KEPT, encoding="utf-8"
        )
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
        )
        root.setLevel(logging.INFO)
        opened, reason = path, None
    except OSError as error:
        handler = logging.StreamHandler(sys.stderr)
        handler.setLevel(logging.ERROR)
        opened, reason = None, f"{path}: {error.strerror or error}"
    root.addHandler(handler)
    threading.excepthook = _log_thread_failure
    return RunLog(handler, opened, reason, level_before)


def _log_thread_failure(failure: threading.ExceptHookArgs) -> None:
    name = failure.thread.name if failure.thread is not None else "a thread"
    log.error(
        "%s stopped on an error",
        name,
        exc_info=(failure.exc_type, failure.exc_value, failure.exc_traceback),
    )


def _is_expected(error: BaseException) -> bool:
    for module_name, class_name in EXPECTED_ERRORS:
        module = sys.modules.get(module_name)
        kind = getattr(module, class_name, None) if module is not None else None
        if kind is not None and isinstance(error, kind):
            return True
    return False


def explain(error: BaseException, data_dir: Path | None) -> str | None:
    """One or two sentences for an expected failure; None for a bug."""
    if _is_expected(error):
        return str(error)
    if data_dir is not None and "engine.store.opening" in sys.modules:
        from engine.store.opening import explain_store_failure

        explained = explain_store_failure(error, data_dir)  # the database's own errors
        if explained is not None:
            return str(explained)
    if isinstance(error, MemoryError):
        return "OnBeat ran out of memory; close other programs and try again."
    if isinstance(error, OSError):
        where = error.filename if error.filename is not None else "a file"
        advice = _FILE_ADVICE.get(error.errno, f"{error.strerror or error}; check it")
        return f"Cannot use {where}: {advice}."
    return None


def report_failure(error: BaseException, data_dir: Path | None, run_log: RunLog) -> int:
    """Tell the person what went wrong (stderr), keep the details (log); the exit status."""
    message = explain(error, data_dir)
    if message is not None:
        log.error("%s", message, exc_info=error)
        print(message, file=sys.stderr)
        return getattr(error, "exit_status", EXIT_FAILURE)  # a UserError may name its own
    log.critical("unexpected error", exc_info=error)
    where = (
        f"The details are in {run_log.path}; please send that file with a note of what you did."
        if run_log.path is not None
        else f"No log could be written ({run_log.problem}); please report this message."
    )
    print(
        f"OnBeat stopped on an unexpected problem ({type(error).__name__}: {error}). {where}",
        file=sys.stderr,
    )
    return EXIT_FAILURE


def quiet_stdout() -> None:
    """After the reader of stdout went away (`run.py export --out - | head`): send what is
    still buffered nowhere, so that Python's exit does not complain about the pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
