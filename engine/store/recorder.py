"""The recorder: the live loop hands records over without waiting; one thread commits them.

Records go through an unbounded queue to a writer thread that owns its own Store. The writer
commits in small transactions, at most ``commit_interval_s`` after a record arrives, so a
crash loses well under a second of taps. When the database cannot take a commit (disk full,
I/O error, locked), the records stay in memory and are retried; committed data is never
touched. A record the database rejects (a bug upstream) is logged in full and dropped, so it
cannot hold the good ones back. Either way the error shows in ``Recorder.error`` and makes the
next ``flush()`` or ``close()`` raise RecorderError.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar, cast

from engine.store.opening import open_store
from engine.store.profile_choice import station_profile
from engine.store.protocol import Store
from engine.store.records import (
    AdaptationStep,
    BeatRecord,
    ProfileRecord,
    SessionRecord,
    TapRecord,
    TaskRecord,
)

log = logging.getLogger(__name__)

COMMIT_INTERVAL_S = 0.25
# Longer than the store's busy timeout, so a lock held elsewhere shows as the database's own
# error rather than as a timeout here.
WAIT_TIMEOUT_S = 10.0

T = TypeVar("T")


class RecorderError(Exception):
    """Records could not be stored; the message says how many and why."""


class _Reply(Generic[T]):
    """The writer's answer to one request from the caller's thread."""

    def __init__(self) -> None:
        self._done = threading.Event()
        self._value: T | None = None
        self._error: BaseException | None = None

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def succeed(self, value: T) -> None:
        self._value = value
        self._done.set()

    def fail(self, error: BaseException) -> None:
        self._error = error
        self._done.set()

    def result(self, timeout_s: float | None, doing: str) -> T:
        if not self._done.wait(timeout_s):
            raise RecorderError(
                f"the recorder's writer did not finish {doing} within {timeout_s} s; the disk "
                "may be very slow, or another program may hold the database locked"
            )
        if self._error is not None:
            raise self._error
        return cast(T, self._value)


@dataclass(frozen=True)
class _SessionEnd:
    session_id: int
    ended_at_utc: str
    status: str


@dataclass(frozen=True)
class _StationProfile:
    display_name: str
    reply: _Reply[ProfileRecord]


@dataclass(frozen=True)
class _StartSession:
    session: SessionRecord
    reply: _Reply[int]


@dataclass(frozen=True)
class _Flush:
    reply: _Reply[None]


@dataclass(frozen=True)
class _Close:
    reply: _Reply[None]


_Write = TaskRecord | tuple[BeatRecord, ...] | TapRecord | AdaptationStep | _SessionEnd
_WRITE_TYPES = (TaskRecord, tuple, TapRecord, AdaptationStep, _SessionEnd)
# What only the writer can answer: the caller waits for these.
_Request = _StationProfile | _StartSession
_Message = _Write | _Request | _Flush | _Close


def _apply(store: Store, write: _Write) -> None:
    if isinstance(write, TapRecord):
        store.add_taps((write,))
    elif isinstance(write, TaskRecord):
        store.add_task(write)
    elif isinstance(write, AdaptationStep):
        store.add_adaptation_steps((write,))
    elif isinstance(write, _SessionEnd):
        store.end_session(write.session_id, write.ended_at_utc, write.status)
    else:
        store.add_beats(write)


def _caused_by(error: RecorderError, cause: BaseException) -> RecorderError:
    error.__cause__ = cause
    return error


class Recorder:
    """Stores a session's records from the live loop without ever making it wait.

    Only ``station_profile``, ``start_session``, ``flush`` and ``close`` wait for the writer;
    call them outside the frame loop. ``task``, ``beats``, ``tap``, ``adaptation_step`` and
    ``end_session`` only enqueue.
    """

    def __init__(
        self,
        data_dir: Path,
        commit_interval_s: float = COMMIT_INTERVAL_S,
        open_store: Callable[[Path], Store] = open_store,
    ) -> None:
        """Open the store in ``data_dir`` with ``open_store`` on a new writer thread; raises
        the store's StoreError (e.g. SchemaTooNewError) if it cannot be opened."""
        self._messages: queue.SimpleQueue[_Message] = queue.SimpleQueue()
        self._error: Exception | None = None
        self._closed = False
        opened: _Reply[None] = _Reply()
        # daemon: a program that exits without close() must not hang on this thread; it then
        # loses what a crash would, the records of the last commit interval.
        self._thread = threading.Thread(
            target=self._run,
            args=(open_store, Path(data_dir), commit_interval_s, opened),
            name="onbeat-recorder",
            daemon=True,
        )
        self._thread.start()
        opened.result(None, "opening the database")

    @property
    def error(self) -> Exception | None:
        """The latest error the writer met (it stays set after the writer recovers)."""
        return self._error

    def station_profile(
        self, display_name: str, timeout_s: float = WAIT_TIMEOUT_S
    ) -> ProfileRecord:
        """The profile to record under when nobody chose one: the one in use called
        ``display_name``, made if there is none (engine/store/profile_choice.py). Waits for
        the writer, so call it before play starts, never per frame."""
        reply: _Reply[ProfileRecord] = _Reply()
        self._put(_StationProfile(display_name, reply))
        return reply.result(timeout_s, "finding the profile")

    def start_session(self, session: SessionRecord, timeout_s: float = WAIT_TIMEOUT_S) -> int:
        """Store a new running session (of a profile that exists) and return its
        id. Waits for the writer (which first commits what is queued), so call it before play
        starts, never per frame."""
        reply: _Reply[int] = _Reply()
        self._put(_StartSession(session, reply))
        return reply.result(timeout_s, "starting the session")

    def task(self, task: TaskRecord) -> None:
        self._put(task)

    def beats(self, beats: Sequence[BeatRecord]) -> None:
        # A tuple, so that the caller may reuse its list while the record waits in the queue.
        self._put(tuple(beats))

    def tap(self, tap: TapRecord) -> None:
        self._put(tap)

    def adaptation_step(self, step: AdaptationStep) -> None:
        self._put(step)

    def end_session(self, session_id: int, ended_at_utc: str, status: str) -> None:
        """Queue the end of a session: status 'complete' or 'incomplete', ISO 8601 time."""
        self._put(_SessionEnd(session_id, ended_at_utc, status))

    def flush(self, timeout_s: float = WAIT_TIMEOUT_S) -> None:
        """Wait until everything queued so far is committed. Raises RecorderError if some of it
        is not: kept for a retry (disk full...) or rejected by the database since the last
        flush."""
        reply: _Reply[None] = _Reply()
        self._put(_Flush(reply))
        reply.result(timeout_s, "flushing")

    def close(self, timeout_s: float = WAIT_TIMEOUT_S) -> None:
        """Commit everything queued, close the database and stop the writer. Raises
        RecorderError if records were lost. Closing twice does nothing."""
        if self._closed:
            return
        reply: _Reply[None] = _Reply()
        self._put(_Close(reply))
        self._closed = True
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            raise RecorderError(
                f"the recorder's writer did not stop within {timeout_s} s; records still "
                "queued may be lost"
            )
        if not reply.done:
            raise RecorderError(
                f"the recorder's writer stopped early ({self._error}); records still queued "
                "are lost"
            )
        reply.result(0.0, "closing")

    def _put(self, message: _Message) -> None:
        if self._closed:
            raise RecorderError("the recorder is closed; nothing more can be recorded")
        self._messages.put(message)

    def _note_error(self, error: Exception) -> None:
        self._error = error

    def _run(
        self,
        open_store: Callable[[Path], Store],
        data_dir: Path,
        commit_interval_s: float,
        opened: _Reply[None],
    ) -> None:
        try:
            store = open_store(data_dir)
        except Exception as error:
            self._note_error(error)
            opened.fail(error)
            return
        opened.succeed(None)
        try:
            _Writer(store, self._messages, commit_interval_s, self._note_error).serve()
        except Exception as error:
            # Only a bug gets here; the callers' waits then end in their timeouts.
            log.exception("%s: the recorder's writer stopped", store.path)
            self._note_error(error)
        finally:
            store.close()


class _Writer:
    """The writer thread's side: batches queued records and commits them."""

    def __init__(
        self,
        store: Store,
        messages: queue.SimpleQueue[_Message],
        commit_interval_s: float,
        note_error: Callable[[Exception], None],
    ) -> None:
        self.store = store
        self.messages = messages
        self.commit_interval_s = commit_interval_s
        self.note_error = note_error
        self.pending: list[_Write] = []
        self.commit_due: float | None = None  # time.monotonic() by which to commit pending
        self.kept_error: Exception | None = None  # why the pending records are not committed
        self.dropped_error: Exception | None = None  # a record dropped since the last flush

    def serve(self) -> None:
        while True:
            message = self._next_message()
            if isinstance(message, _WRITE_TYPES):
                self.pending.append(message)
                if self.commit_due is None:
                    self.commit_due = time.monotonic() + self.commit_interval_s
                if time.monotonic() < self.commit_due:
                    continue
            self._commit()
            if isinstance(message, _StationProfile | _StartSession):
                self._answer_request(message)
            elif isinstance(message, _Flush):
                self._answer(message.reply, closing=False)
            elif isinstance(message, _Close):
                self._answer(message.reply, closing=True)
                return

    def _next_message(self) -> _Message | None:
        """The next message, or None when the pending records are due for a commit."""
        if self.commit_due is None:
            return self.messages.get()
        try:
            return self.messages.get(timeout=max(0.0, self.commit_due - time.monotonic()))
        except queue.Empty:
            return None

    def _commit(self) -> None:
        if self.pending:
            try:
                with self.store.transaction():
                    for write in self.pending:
                        _apply(self.store, write)
                self.pending.clear()
            except Exception as error:
                if self.store.is_transient(error):
                    self._keep(error)
                else:
                    self._commit_one_by_one()
        if self.pending:
            self.commit_due = time.monotonic() + self.commit_interval_s
            return
        self.commit_due = None
        if self.kept_error is not None:
            log.warning("%s: commits work again; the kept records are stored", self.store.path)
            self.kept_error = None

    def _commit_one_by_one(self) -> None:
        # One bad record must not take the good ones down with it.
        while self.pending:
            write = self.pending[0]
            try:
                with self.store.transaction():
                    _apply(self.store, write)
            except Exception as error:
                if self.store.is_transient(error):
                    self._keep(error)
                    return
                log.error(
                    "%s: the database rejected a record, which is dropped (%s): %r",
                    self.store.path,
                    error,
                    write,
                )
                self.dropped_error = error
                self.note_error(error)
            del self.pending[0]

    def _keep(self, error: Exception) -> None:
        if self.kept_error is None:
            log.error(
                "%s: could not commit %d records (%s); keeping them and retrying every %.2f s",
                self.store.path,
                len(self.pending),
                error,
                self.commit_interval_s,
            )
        self.kept_error = error
        self.note_error(error)

    def _answer_request(self, message: _StationProfile | _StartSession) -> None:
        try:
            if isinstance(message, _StationProfile):
                message.reply.succeed(station_profile(self.store, message.display_name))
            else:
                message.reply.succeed(self.store.start_session(message.session))
        except Exception as error:
            if isinstance(message, _StationProfile):
                doing = f"find the profile {message.display_name!r}"
            else:
                doing = f"start the session of level {message.session.level_id!r}"
            log.error("%s: could not %s (%s)", self.store.path, doing, error)
            self.note_error(error)
            explained = self.store.explain(error)
            text = (
                f"Could not {doing}. {explained}"
                if explained is not None
                else f"{self.store.path}: could not {doing} ({error})"
            )
            message.reply.fail(_caused_by(RecorderError(text), error))

    def _answer(self, reply: _Reply[None], closing: bool) -> None:
        """Tell a flush or close whether everything queued before it is committed."""
        if self.pending:
            assert self.kept_error is not None
            fate = "are lost" if closing else "are kept in memory and retried"
            if closing:
                log.error("%s: %d records %s", self.store.path, len(self.pending), fate)
            explained = self.store.explain(self.kept_error)
            advice = (
                str(explained)
                if explained is not None
                else f"{self.store.path}: {self.kept_error}; free disk space or check the disk."
            )
            failure = RecorderError(
                f"The last {len(self.pending)} records could not be committed and {fate}; "
                f"everything recorded before them is kept. {advice}"
            )
            reply.fail(_caused_by(failure, self.kept_error))
        elif self.dropped_error is not None:
            failure = RecorderError(
                f"{self.store.path}: the database rejected a record, which was dropped "
                f"({self.dropped_error}); the log holds the record in full"
            )
            reply.fail(_caused_by(failure, self.dropped_error))
            self.dropped_error = None
        else:
            reply.succeed(None)
