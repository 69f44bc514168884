"""MIDI drum pads and pedals: note-ons (and pedal controllers) as taps with the driver's stamp.

python-rtmidi calls us with each message and the time since the previous message as the
driver stamped them: on Linux the ALSA sequencer stamps every event with its queue's real
time when the event arrives from the device, and RtMidi hands over the difference. (mido's
port callbacks drop that difference, so ports are opened with python-rtmidi itself and mido
only parses the bytes.) Summed, the differences are the driver's clock since the first
message; `DriverClock` puts that clock on ours. Ignored message types (sysex, clock, active
sensing) never reach RtMidi's difference, so the sum stays whole.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

try:
    import mido
except ImportError:  # a core dependency, but MIDI must not be what stops the game
    mido = None

from engine.input.mapping import InputMapping
from engine.input.rescan import RESCAN_PERIOD_S, PeriodicThread
from engine.input.tap import Tap, TapQueue
from engine.store.records import STAMP_MIDI

log = logging.getLogger(__name__)

CLIENT_NAME = "OnBeat"
# The driver clock is put on ours by the least delayed message of this long a window, so a
# slow drift between the two clocks is followed and one lucky message is not kept forever.
OFFSET_WINDOW_NS = 30_000_000_000
PEDAL_DOWN_VALUE = 64  # controller values 64-127 are "on" for switch pedals (sustain, ...)
PRESS_HISTORY = 256
ALSA_SEQUENCER_PATH = "/dev/snd/seq"
NOTE = "note"
CONTROL = "control"

MessageCallback = Callable[[Sequence[int], float, int], None]


class DriverClock:
    """The driver's stamps, given as differences between messages, on our clock (host ns).

    Each message arrives in our callback some time after the driver stamped it; so
    callback time − driver time is the offset between the clocks plus a delay that is
    never negative. The smallest such value over the last ``window_ns`` of messages is the
    best estimate of the offset (the message that waited least); a tap's time is its driver
    time plus that offset, and is never later than when its callback ran.
    """

    def __init__(self, window_ns: int = OFFSET_WINDOW_NS) -> None:
        self.window_ns = window_ns
        self._driver_ns: int | None = None
        # (received ns, offset ns), offsets increasing: the front is the window's minimum.
        self._offsets: deque[tuple[int, int]] = deque()

    def to_host_ns(self, delta_s: float, received_ns: int) -> int:
        """Host ns of a message ``delta_s`` after the previous one, received at ``received_ns``."""
        if self._driver_ns is None:
            self._driver_ns = 0  # RtMidi gives the first message a difference of 0
        else:
            self._driver_ns += max(0, round(delta_s * 1e9))
        offset_ns = received_ns - self._driver_ns
        while self._offsets and self._offsets[-1][1] >= offset_ns:
            self._offsets.pop()
        self._offsets.append((received_ns, offset_ns))
        while self._offsets[0][0] < received_ns - self.window_ns:
            self._offsets.popleft()
        return self._driver_ns + self._offsets[0][1]

    @property
    def callback_delay_ns(self) -> int:
        """How much later than the best message the latest one reached us (its delay)."""
        if not self._offsets:
            return 0
        return self._offsets[-1][1] - self._offsets[0][1]


@dataclass(frozen=True)
class MidiPress:
    """A pad hit or a pedal pressed down, mapped or not (MIDI learn and listings use these)."""

    host_ns: int
    port: str
    kind: str  # NOTE | CONTROL
    number: int  # note or controller number
    value: int  # velocity of a note; the controller's value for a pedal
    midi_channel: int  # 1-16


class MidiPortReader:
    """One open input port: messages in (from the driver's thread), taps and presses out."""

    def __init__(
        self,
        mapping: InputMapping,
        port: str,
        taps: TapQueue,
        on_press: Callable[[MidiPress], None] | None = None,
    ) -> None:
        self.port = port
        self.messages = 0
        self.clock = DriverClock()
        self._notes = mapping.midi_notes
        self._controls = mapping.midi_controls
        self._taps = taps
        self._on_press = on_press
        self._pedal_down: set[tuple[int, int]] = set()  # (MIDI channel, controller)

    def feed(self, message: Sequence[int], delta_s: float, received_ns: int) -> None:
        """One message as python-rtmidi delivers it, with the time our callback started."""
        # Every message moves the driver clock on, whether or not it becomes a tap.
        host_ns = self.clock.to_host_ns(delta_s, received_ns)
        self.messages += 1
        press = self._press(message, host_ns)
        if press is None:
            return
        if self._on_press is not None:
            self._on_press(press)
        if press.kind == NOTE:
            channel = self._notes.get(press.number)
            velocity = press.value
        else:
            channel = self._controls.get(press.number)
            velocity = None
        if channel is not None:
            self._taps.put(Tap(host_ns, channel, STAMP_MIDI, velocity, self.port))

    def _press(self, message: Sequence[int], host_ns: int) -> MidiPress | None:
        try:
            parsed = mido.Message.from_bytes(list(message))
        except (ValueError, TypeError):
            return None  # a partial or unknown message is no press
        if parsed.type == "note_on" and parsed.velocity > 0:  # velocity 0 is a note-off
            return MidiPress(
                host_ns, self.port, NOTE, parsed.note, parsed.velocity, parsed.channel + 1
            )
        if parsed.type == "control_change":
            pedal = (parsed.channel, parsed.control)
            if parsed.value < PEDAL_DOWN_VALUE:
                self._pedal_down.discard(pedal)
            elif pedal not in self._pedal_down:
                self._pedal_down.add(pedal)
                return MidiPress(
                    host_ns, self.port, CONTROL, parsed.control, parsed.value, parsed.channel + 1
                )
        return None


class MidiPortHandle(Protocol):
    def close(self) -> None: ...


class MidiBackend(Protocol):
    """Where MIDI input ports come from: python-rtmidi, or a stand-in in tests."""

    def list_ports(self) -> list[str]: ...

    def open(self, index: int, name: str, on_message: MessageCallback) -> MidiPortHandle: ...

    def close(self) -> None: ...


class MidiUnavailable(Exception):
    """MIDI input cannot work on this system; the message is one line a user can act on."""


class _RtMidiPort:
    def __init__(self, midi_in) -> None:
        self._midi_in = midi_in

    def close(self) -> None:
        self._midi_in.cancel_callback()
        self._midi_in.close_port()
        self._midi_in.delete()


class RtMidiBackend:
    """python-rtmidi: a probe client lists ports; each open port has its own MidiIn."""

    def __init__(self, client_name: str = CLIENT_NAME) -> None:
        try:
            import rtmidi
        except ImportError:
            rtmidi = None
        if rtmidi is None or mido is None:
            missing = "python-rtmidi" if rtmidi is None else "mido"
            raise MidiUnavailable(
                f"MIDI: {missing} is not installed; MIDI pads are off (pip install {missing})"
            )
        if sys.platform.startswith("linux") and not os.path.exists(ALSA_SEQUENCER_PATH):
            # Checked first because ALSA would also print its own error to the terminal.
            raise MidiUnavailable(
                f"MIDI: no ALSA sequencer ({ALSA_SEQUENCER_PATH}); MIDI pads are off "
                "(load the snd-seq kernel module)"
            )
        self._rtmidi = rtmidi
        self._client_name = client_name
        try:
            self._probe = rtmidi.MidiIn(name=client_name)
        except rtmidi.RtMidiError as error:
            raise MidiUnavailable(f"MIDI: {error}; MIDI pads are off") from None

    def list_ports(self) -> list[str]:
        return list(self._probe.get_ports())

    def open(self, index: int, name: str, on_message: MessageCallback) -> MidiPortHandle:
        midi_in = self._rtmidi.MidiIn(name=self._client_name)

        def callback(event: tuple[list[int], float], _data: object) -> None:
            received_ns = time.perf_counter_ns()  # first, before anything else can delay it
            message, delta_s = event
            try:
                on_message(message, delta_s, received_ns)
            except Exception:
                log.exception("MIDI message from %s could not be handled", name)

        midi_in.ignore_types(sysex=True, timing=True, active_sense=True)
        midi_in.set_callback(callback)
        try:
            midi_in.open_port(index, name=f"{self._client_name} in")
        except self._rtmidi.RtMidiError:
            midi_in.delete()
            raise
        return _RtMidiPort(midi_in)

    def close(self) -> None:
        self._probe.delete()


def wanted_port(name: str, wanted: Sequence[str]) -> bool:
    """Whether to listen to the port ``name``: the configured parts, or any real input."""
    if name.startswith("Midi Through") or name.startswith(f"{CLIENT_NAME}:"):
        return False  # the kernel's loop-back port, and our own client's ports
    return not wanted or any(part.casefold() in name.casefold() for part in wanted)


class MidiInputs:
    """Every wanted MIDI input port as one tap source; ports that come and go are followed.

    ``notify`` gets one line per port found or gone. With ``rescan_period_s`` set, a thread
    looks for new and vanished ports that often, so a pad plugged in during play works and a
    pad pulled out leaves the other inputs alone.
    """

    name = "midi"

    def __init__(
        self,
        mapping: InputMapping,
        backend: MidiBackend,
        notify: Callable[[str], None] = log.warning,
        rescan_period_s: float | None = RESCAN_PERIOD_S,
    ) -> None:
        self._mapping = mapping
        self._backend = backend
        self._notify = notify
        self._taps = TapQueue()
        self._presses: deque[MidiPress] = deque(maxlen=PRESS_HISTORY)
        self._lock = threading.Lock()
        self._open: dict[str, tuple[MidiPortHandle, MidiPortReader]] = {}
        self._closed = False
        self.rescan()
        self._watcher = (
            PeriodicThread("midi rescan", self.rescan, rescan_period_s) if rescan_period_s else None
        )

    @property
    def ports(self) -> list[str]:
        with self._lock:
            return list(self._open)

    def reader(self, port: str) -> MidiPortReader:
        with self._lock:
            return self._open[port][1]

    def rescan(self) -> None:
        """Open wanted ports not open yet; let go of ports that are gone."""
        try:
            names = self._backend.list_ports()
        except OSError as error:
            log.warning("MIDI: cannot list ports (%s); trying again later", error)
            return
        with self._lock:
            if self._closed:
                return
            for port in [port for port in self._open if port not in names]:
                handle, _reader = self._open.pop(port)
                handle.close()
                self._notify(f"MIDI: {port} is gone; the other inputs go on")
            for index, port in enumerate(names):
                if port in self._open or not wanted_port(port, self._mapping.midi_ports):
                    continue
                reader = MidiPortReader(self._mapping, port, self._taps, self._keep_press)
                try:
                    handle = self._backend.open(index, port, reader.feed)
                except OSError as error:  # rtmidi's errors are OSErrors
                    self._notify(f"MIDI: cannot open {port}: {error}")
                    continue
                self._open[port] = (handle, reader)
                self._notify(f"MIDI: listening to {port}")

    def _keep_press(self, press: MidiPress) -> None:
        self._presses.append(press)  # deque appends are atomic; the driver thread calls this

    def drain_taps(self, now_ns: int) -> list[Tap]:
        return self._taps.drain()

    def drain_presses(self) -> list[MidiPress]:
        """Every pad hit and pedal press since the last call, mapped or not (MIDI learn)."""
        presses = []
        while self._presses:
            presses.append(self._presses.popleft())
        return presses

    def wait(self, timeout_s: float, count: int = 1) -> bool:
        """Block until ``count`` mapped taps wait to be drained or ``timeout_s`` passes."""
        return self._taps.wait(timeout_s, count)

    def close(self) -> None:
        if self._watcher is not None:
            self._watcher.stop()
        with self._lock:
            self._closed = True
            for handle, _reader in self._open.values():
                handle.close()
            self._open.clear()
        self._backend.close()


def open_midi_inputs(
    mapping: InputMapping, notify: Callable[[str], None] = log.warning
) -> MidiInputs | None:
    """MIDI input from every wanted port, or None after one line saying why not."""
    try:
        backend = RtMidiBackend()
    except MidiUnavailable as reason:
        notify(str(reason))
        return None
    return MidiInputs(mapping, backend, notify)


def list_midi_ports() -> tuple[list[str], str]:
    """The MIDI input ports there are, and "" or one line saying why none can be listed."""
    try:
        backend = RtMidiBackend()
    except MidiUnavailable as reason:
        return [], str(reason)
    try:
        return backend.list_ports(), ""
    finally:
        backend.close()
