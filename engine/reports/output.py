"""Where an export or a report goes (``--out``), written so that nothing is clobbered.

- ``-`` is the standard output, and so is a path that names it (``/dev/stdout``).
- A pipe (FIFO) or a device (``/dev/null``, a printer) is written through: opened for
  writing as it is, never replaced by a file.
- A regular file, new or old, is written whole or not at all: a file readable by its owner
  only (exports hold patient data) is written beside it, flushed to disk, then renamed over
  it. A symbolic link stays a link: the file it points to is the one replaced.
- An empty name, a folder or a socket is refused with an ``OutputError`` that says what to
  give instead, before anything is written.
"""

from __future__ import annotations

import errno
import io
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

STDOUT_NAME = "-"

Kind = Literal["stdout", "stream", "file"]


class OutputError(Exception):
    """An output cannot be written where it was asked; the message says what to do."""


@dataclass(frozen=True)
class OutputTarget:
    """A checked ``--out``: what was given, how it is written and the path written."""

    given: str
    kind: Kind
    path: Path | None  # the stream to open, or the regular file to replace; None: stdout

    @property
    def is_stdout(self) -> bool:
        """Whether the data goes to the standard output (so messages must not)."""
        return self.kind == "stdout"


def _same_file(info: os.stat_result, descriptor: int) -> bool:
    try:
        other = os.fstat(descriptor)
    except OSError:
        return False
    return (info.st_dev, info.st_ino) == (other.st_dev, other.st_ino)


def output_target(given: str | Path) -> OutputTarget:
    """Check where ``given`` (a path, or ``-``) would be written; raise OutputError if it
    cannot be, before any work is done."""
    text = str(given)
    if text == STDOUT_NAME:
        return OutputTarget(text, "stdout", None)
    if not text.strip():
        raise OutputError("--out is empty: give a file name, or - for the standard output.")
    path = Path(text).expanduser()
    try:
        info = path.stat()  # through links: what would be written
    except FileNotFoundError:
        info = None
    except OSError as error:
        raise _write_failure(error, path, whole=True) from error
    if info is not None:
        if _same_file(info, 1):  # /dev/stdout, /dev/fd/1, or the file stdout goes to
            return OutputTarget(text, "stdout", None)
        if stat.S_ISDIR(info.st_mode):
            raise OutputError(
                f"{path} is a folder: give a file name inside it, like {path / 'onbeat.csv'}."
            )
        if stat.S_ISSOCK(info.st_mode):
            raise OutputError(f"{path} is a socket, which OnBeat cannot write to; give a file.")
        if not stat.S_ISREG(info.st_mode):
            return OutputTarget(text, "stream", path)
    # A link stays: the file it points to is replaced (or made, if the link dangles).
    real = Path(os.path.realpath(path)) if path.is_symlink() else path
    if not real.parent.is_dir():
        raise OutputError(f"{path}: the folder {real.parent} does not exist; make it first.")
    return OutputTarget(text, "file", real)


@contextmanager
def open_output(target: OutputTarget | str | Path, *, text: bool) -> Iterator[OutputStream]:
    """A stream to write the output into: UTF-8 text (newlines as written) or bytes. A file
    appears only when the block ends without an exception. Raises OutputError."""
    if not isinstance(target, OutputTarget):
        target = output_target(target)
    where = target.path if target.path is not None else Path(STDOUT_NAME)
    whole = target.kind == "file"
    if target.kind == "stdout":
        opened = _stdout(text)
    elif target.kind == "stream":
        opened = _through(target.path, text)
    else:
        opened = _whole_file(target.path, text)
    failed_in_block = False
    try:
        with opened as stream:
            try:
                yield OutputStream(stream, where, whole)
            except BaseException:
                failed_in_block = True  # the caller's own error (reading the store...)
                raise
    except BrokenPipeError:
        raise  # the reader went away: nothing to advise
    except OSError as error:
        if failed_in_block:
            raise
        raise _write_failure(error, where, whole) from error


class OutputStream:
    """The stream handed to the caller: a failed write says what to do (OutputError)."""

    def __init__(self, stream: IO, where: Path, whole: bool) -> None:
        self._stream = stream
        self._where = where
        self._whole = whole

    def write(self, data: str | bytes) -> int:
        try:
            return self._stream.write(data)
        except BrokenPipeError:
            raise
        except OSError as error:
            raise _write_failure(error, self._where, self._whole) from error


def write_output(target: OutputTarget | str | Path, content: bytes) -> None:
    """Write ``content`` to ``target`` (see open_output)."""
    with open_output(target, text=False) as stream:
        stream.write(content)


@contextmanager
def _stdout(text: bool) -> Iterator[IO]:
    sys.stdout.flush()
    binary = sys.stdout.buffer
    if not text:
        yield binary
        binary.flush()
        return
    wrapper = io.TextIOWrapper(binary, encoding="utf-8", newline="", write_through=True)
    try:
        yield wrapper
        wrapper.flush()
    finally:
        wrapper.detach()  # sys.stdout keeps its buffer open


@contextmanager
def _through(path: Path, text: bool) -> Iterator[IO]:
    # No O_CREAT or O_TRUNC: a pipe or device is used as it is. A pipe waits for a reader.
    descriptor = os.open(path, os.O_WRONLY)
    mode = "w" if text else "wb"
    options = {"encoding": "utf-8", "newline": ""} if text else {}
    with open(descriptor, mode, **options) as stream:
        yield stream


@contextmanager
def _whole_file(path: Path, text: bool) -> Iterator[IO]:
    # mkstemp makes the file readable by its owner only, which suits patient data.
    descriptor, temp_name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
    )
    try:
        mode = "w" if text else "wb"
        options = {"encoding": "utf-8", "newline": ""} if text else {}
        with open(descriptor, mode, **options) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise


def _write_failure(error: OSError, path: Path, whole: bool) -> OutputError:
    number = error.errno
    if number in (errno.ENOSPC, errno.EDQUOT):
        what = "the disk is full; free some space or choose another place with --out"
    elif number == errno.EROFS:
        what = "it is on read-only media; choose another place with --out"
    elif number in (errno.EACCES, errno.EPERM):
        what = "this user may not write there; choose another place with --out"
    elif number == errno.ENXIO:
        what = "no program is reading from that pipe or device; start the reader first"
    else:
        what = f"{error.strerror or error}; choose another place with --out"
    kept = " Nothing was changed there." if whole else ""
    return OutputError(f"Cannot write {path}: {what}.{kept}")
