"""Linux evdev: key and button presses stamped by the kernel, read on a thread.

The kernel stamps every input event when its driver reports it, in microseconds. Once the
EVIOCSCLOCKID ioctl asks for CLOCK_MONOTONIC, that is the clock of `time.perf_counter_ns()`
and the stamp is the tap's host time as it is; without it (an old kernel, a pipe) stamps are
CLOCK_REALTIME and are moved onto our clock by the offset between the two at read time.

Records are read as packed `struct input_event` (two native longs of timeval, u16 type, u16
code, s32 value) straight from a file descriptor, so the reader needs no python-evdev and
the same code reads a device or a pipe of records in tests. A configured device is grabbed
(EVIOCGRAB) by default, so the X server and SDL no longer see it: its presses come only
from here, never twice.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
import select
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from engine.input.evdev_codes import (
    EV_KEY,
    EV_SYN,
    KEY_PRESSED,
    SYN_DROPPED,
    SYN_REPORT,
)
from engine.input.evdev_devices import EvdevDevice, find_evdev_devices, matching_devices
from engine.input.mapping import InputMapping
from engine.input.rescan import RESCAN_PERIOD_S, PeriodicThread
from engine.input.tap import Tap, TapQueue
from engine.store.records import STAMP_EVDEV

log = logging.getLogger(__name__)

INPUT_EVENT = struct.Struct("@llHHi")  # struct input_event as this machine's kernel writes it
READ_EVENTS = 64  # records per read(); the kernel hands out whole records only
STOP_TIMEOUT_S = 1.0

KERNEL_CLOCK_MONOTONIC = "monotonic"
KERNEL_CLOCK_REALTIME = "realtime"

PERMISSION_HINT = (
    "add yourself to the 'input' group (sudo usermod -aG input $USER), then log out and in"
)

_IOC_WRITE = 1
_IOC_READ = 2


def _evdev_ioctl(direction: int, number: int, size: int) -> int:
    """An ioctl request number of the evdev family ('E'), as the kernel's _IOC macro builds it."""
    return (direction << 30) | (size << 16) | (ord("E") << 8) | number


EVIOCGRAB = _evdev_ioctl(_IOC_WRITE, 0x90, 4)
EVIOCSCLOCKID = _evdev_ioctl(_IOC_WRITE, 0xA0, 4)
NAME_BUFFER_BYTES = 256
EVIOCGNAME = _evdev_ioctl(_IOC_READ, 0x06, NAME_BUFFER_BYTES)


@dataclass(frozen=True)
class KeyPress:
    host_ns: int  # CLOCK_MONOTONIC ns, from the kernel's stamp
    code: int  # KEY_* or BTN_* code


class InputEventParser:
    """Packed `input_event` bytes in, key and button presses out, in order.

    Presses are handed out when the packet that carries them is closed by SYN_REPORT. After
    SYN_DROPPED (the kernel's buffer overflowed) events are discarded up to and including
    the next SYN_REPORT, as the evdev protocol asks; ``dropped_packets`` counts those.
    A read may end inside a record (a pipe can split one); the rest waits for the next read.
    """

    def __init__(self, kernel_clock: str = KERNEL_CLOCK_MONOTONIC) -> None:
        if kernel_clock not in (KERNEL_CLOCK_MONOTONIC, KERNEL_CLOCK_REALTIME):
            raise ValueError(f"kernel_clock: {kernel_clock!r} is neither monotonic nor realtime")
        self.kernel_clock = kernel_clock
        self._partial = b""
        self._packet: list[KeyPress] = []
        self._dropping = False
        self.dropped_packets = 0

    def feed(self, data: bytes, realtime_to_host_ns: int = 0) -> list[KeyPress]:
        """Presses completed by ``data``.

        ``realtime_to_host_ns``: our clock minus CLOCK_REALTIME now, used only when the
        kernel stamps in real time.
        """
        data = self._partial + data
        whole = len(data) - len(data) % INPUT_EVENT.size
        self._partial = data[whole:]
        shift_ns = realtime_to_host_ns if self.kernel_clock == KERNEL_CLOCK_REALTIME else 0
        presses: list[KeyPress] = []
        for seconds, microseconds, kind, code, value in INPUT_EVENT.iter_unpack(data[:whole]):
            if kind == EV_SYN and code == SYN_DROPPED:
                self._packet.clear()
                self._dropping = True
                self.dropped_packets += 1
            elif kind == EV_SYN and code == SYN_REPORT:
                if not self._dropping:
                    presses.extend(self._packet)
                self._packet.clear()
                self._dropping = False
            elif kind == EV_KEY and value == KEY_PRESSED and not self._dropping:
                # Releases and autorepeats (value 0 and 2) are not taps.
                host_ns = seconds * 1_000_000_000 + microseconds * 1_000 + shift_ns
                self._packet.append(KeyPress(host_ns, code))
        return presses


def pack_input_event(host_ns: int, kind: int, code: int, value: int) -> bytes:
    """One `input_event` record stamped at ``host_ns`` (truncated to µs, as the kernel does)."""
    seconds, rest_ns = divmod(host_ns, 1_000_000_000)
    return INPUT_EVENT.pack(seconds, rest_ns // 1_000, kind, code, value)


def pack_key_press(host_ns: int, code: int) -> bytes:
    """A press of ``code`` as the kernel writes it: the key event and the report that ends it."""
    return pack_input_event(host_ns, EV_KEY, code, KEY_PRESSED) + pack_input_event(
        host_ns, EV_SYN, SYN_REPORT, 0
    )


def realtime_to_host_ns() -> int:
    """Our clock (CLOCK_MONOTONIC) minus CLOCK_REALTIME, now."""
    return time.perf_counter_ns() - time.time_ns()


class EvdevReader:
    """Reads one evdev file descriptor on a daemon thread; mapped presses go to ``queue``.

    ``keys`` maps key codes to channels; other keys are read and ignored. The reader owns
    ``fd`` and closes it when stopped. When the device goes away (unplugged, the pipe's
    writer closed it) the thread ends, ``gone`` says why, and ``on_gone`` is told once.
    """

    def __init__(
        self,
        fd: int,
        keys: dict[int, str],
        queue: TapQueue,
        device_name: str,
        kernel_clock: str = KERNEL_CLOCK_MONOTONIC,
        on_gone: Callable[[str], None] | None = None,
    ) -> None:
        self.device_name = device_name
        self.keys = dict(keys)
        self.gone: str | None = None
        self.presses_read = 0
        self._fd = fd
        self._queue = queue
        self._parser = InputEventParser(kernel_clock)
        self._on_gone = on_gone
        self._stopping = threading.Event()
        # Writing to this pipe wakes the thread out of select() at once when stopping.
        self._wake_read_fd, self._wake_write_fd = os.pipe()
        self._thread = threading.Thread(target=self._run, name=f"evdev {device_name}", daemon=True)
        self._thread.start()

    @property
    def dropped_packets(self) -> int:
        return self._parser.dropped_packets

    def stop(self) -> None:
        """End the thread and close the descriptor; safe to call more than once."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        os.write(self._wake_write_fd, b"\0")
        self._thread.join(STOP_TIMEOUT_S)
        if self._thread.is_alive():
            log.warning(
                "evdev reader of %s did not stop within %.1f s", self.device_name, STOP_TIMEOUT_S
            )
            return  # it still uses the descriptors; the process exit closes them
        for fd in (self._fd, self._wake_read_fd, self._wake_write_fd):
            os.close(fd)

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                ready, _, _ = select.select([self._fd, self._wake_read_fd], [], [])
                if self._fd not in ready:
                    continue
                try:
                    data = os.read(self._fd, READ_EVENTS * INPUT_EVENT.size)
                except BlockingIOError:
                    continue  # select woke for nothing; the descriptor is non-blocking
                if not data:
                    self._went_away("closed")
                    return
                self._take(data)
        except OSError as error:
            if not self._stopping.is_set():
                reason = "unplugged" if error.errno == errno.ENODEV else error.strerror
                self._went_away(reason or str(error))

    def _take(self, data: bytes) -> None:
        for press in self._parser.feed(data, realtime_to_host_ns()):
            self.presses_read += 1
            channel = self.keys.get(press.code)
            if channel is not None:
                self._queue.put(Tap(press.host_ns, channel, STAMP_EVDEV, device=self.device_name))

    def _went_away(self, reason: str) -> None:
        self.gone = reason
        message = f"evdev: {self.device_name} {reason}; the other inputs go on"
        if self._on_gone is not None:
            self._on_gone(message)
        else:
            log.warning("%s", message)


class EvdevUnavailable(Exception):
    """A device cannot be read; the message is one line a user can act on."""


@dataclass(frozen=True)
class OpenedDevice:
    fd: int
    name: str
    kernel_clock: str
    grabbed: bool


def open_evdev_device(path: str, grab: bool = True) -> OpenedDevice:
    """Open ``path`` (/dev/input/eventN) for reading, on our clock, grabbed if asked.

    Raises `EvdevUnavailable` with the fix when it cannot be opened.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except PermissionError:
        raise EvdevUnavailable(
            f"evdev: cannot read {path}: permission denied; {PERMISSION_HINT}"
        ) from None
    except FileNotFoundError:
        raise EvdevUnavailable(f"evdev: {path} does not exist (unplugged?)") from None
    except OSError as error:
        raise EvdevUnavailable(f"evdev: cannot open {path}: {error.strerror}") from None
    try:
        fcntl.ioctl(fd, EVIOCSCLOCKID, struct.pack("i", time.CLOCK_MONOTONIC))
        kernel_clock = KERNEL_CLOCK_MONOTONIC
    except OSError:
        kernel_clock = KERNEL_CLOCK_REALTIME  # kernels before 3.4 only stamp in real time
    try:
        raw_name = fcntl.ioctl(fd, EVIOCGNAME, bytes(NAME_BUFFER_BYTES))
        name = bytes(raw_name).split(b"\0", 1)[0].decode("utf-8", "replace") or path
    except OSError:
        name = path
    grabbed = False
    if grab:
        try:
            fcntl.ioctl(fd, EVIOCGRAB, 1)
            grabbed = True
        except OSError as error:
            log.warning(
                "evdev: cannot grab %s (%s): SDL sees its presses too; keep its keys out of "
                "the 'keys' mapping",
                name,
                error.strerror,
            )
    return OpenedDevice(fd, name, kernel_clock, grabbed)


class EvdevInputs:
    """The configured evdev devices as one tap source; devices that come and go are followed.

    ``notify`` gets one line per device opened, refused (with the fix) or gone. With
    ``rescan_period_s`` set, a thread looks for configured devices again that often, so a
    foot switch plugged in during play is read and one pulled out leaves the rest alone.
    """

    name = "evdev"

    def __init__(
        self,
        mapping: InputMapping,
        notify: Callable[[str], None] = log.warning,
        list_devices: Callable[[], tuple[list[EvdevDevice], str]] = find_evdev_devices,
        rescan_period_s: float | None = RESCAN_PERIOD_S,
    ) -> None:
        self._mapping = mapping
        self._notify = notify
        self._list_devices = list_devices
        self._taps = TapQueue()
        self._lock = threading.Lock()
        self._readers: dict[str, EvdevReader] = {}  # device path -> its reader
        self._said: set[str] = set()  # problems already told, told once
        self._closed = False
        self.rescan()
        self._watcher = None
        if rescan_period_s and mapping.evdev_devices:
            self._watcher = PeriodicThread("evdev rescan", self.rescan, rescan_period_s)

    @property
    def readers(self) -> list[EvdevReader]:
        with self._lock:
            return list(self._readers.values())

    def add_reader(
        self,
        fd: int,
        keys: dict[int, str],
        device_name: str,
        kernel_clock: str = KERNEL_CLOCK_MONOTONIC,
    ) -> EvdevReader:
        """Read an already open descriptor (a device opened elsewhere, or a pipe)."""
        reader = EvdevReader(fd, keys, self._taps, device_name, kernel_clock, self._notify)
        with self._lock:
            self._readers[f"fd:{fd}"] = reader
        return reader

    def rescan(self) -> None:
        """Open configured devices not being read; let go of those that went away."""
        if not self._mapping.evdev_devices:
            return
        devices, problem = self._list_devices()
        if problem:
            self._tell_once(problem)
        with self._lock:
            if self._closed:
                return
            for path, reader in list(self._readers.items()):
                if reader.gone is not None:
                    reader.stop()
                    del self._readers[path]
            for entry in self._mapping.evdev_devices:
                found = matching_devices(entry.match, devices)
                if not found and not problem:
                    self._tell_once(
                        f"evdev: no device matches {entry.match!r} "
                        "(`run.py devices` lists the devices there are)"
                    )
                for device in found:
                    if device.event_path not in self._readers:
                        self._open(device.event_path, entry.keys, entry.grab)

    def _open(self, path: str, keys: dict[int, str], grab: bool) -> None:
        try:
            opened = open_evdev_device(path, grab)
        except EvdevUnavailable as reason:
            self._tell_once(str(reason))
            return
        self._readers[path] = EvdevReader(
            opened.fd, keys, self._taps, opened.name, opened.kernel_clock, self._notify
        )
        how = ", ".join(
            [f"kernel stamps in {opened.kernel_clock} time"]
            + (["grabbed"] if opened.grabbed else [])
        )
        self._notify(f"evdev: reading {opened.name} ({path}; {how})")

    def _tell_once(self, message: str) -> None:
        if message not in self._said:
            self._said.add(message)
            self._notify(message)

    def drain_taps(self, now_ns: int) -> list[Tap]:
        return self._taps.drain()

    def wait(self, timeout_s: float, count: int = 1) -> bool:
        """Block until ``count`` mapped taps wait to be drained or ``timeout_s`` passes."""
        return self._taps.wait(timeout_s, count)

    def close(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
        with self._lock:
            self._closed = True
            for reader in self._readers.values():
                reader.stop()
            self._readers.clear()
