"""Audio output on our own callback; the frames it hands out are the master clock.

pygame.mixer cannot say where playback is, so OnBeat opens an SDL audio device with a
callback (`pygame._sdl2.audio.AudioDevice`). The callback only copies a slice of a ring of
pre-rendered samples, records (host ns, frames handed) for the clock map and counts
underruns. The main thread keeps the ring filled a little ahead with `fill_ahead()`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.audio.devices import SILENT_DRIVERS, OutputStatus
from engine.timing.clock import NS_PER_S, ClockMap

CHANNELS = 2


@dataclass(frozen=True)
class AudioSettings:
    sample_rate_hz: int = 48_000
    buffer_frames: int = 256
    lookahead_ms: float = 200.0  # the ring is kept filled this far ahead of the device
    output_offset_ms: float = 0.0  # calibrated extra output latency beyond the buffer estimate
    ring_seconds: float = 2.0
    device_name: str | None = None

    @property
    def output_latency_ns(self) -> int:
        """Buffer estimate (the device plays one buffer while we fill the next) plus offset."""
        buffer_ns = 2 * self.buffer_frames * NS_PER_S // self.sample_rate_hz
        return int(buffer_ns + self.output_offset_ms * 1_000_000)


class AudioRing:
    """Samples by absolute frame number; written ahead by the main thread, read by the callback."""

    def __init__(self, settings: AudioSettings, clock: ClockMap) -> None:
        self.settings = settings
        self.clock = clock
        capacity = int(settings.sample_rate_hz * settings.ring_seconds)
        self._ring = np.zeros((capacity, CHANNELS), dtype=np.float32)
        self._block = np.zeros((settings.buffer_frames * 4, CHANNELS), dtype=np.float32)
        self.frames_handed = 0  # the audio clock
        self.written_until = 0  # frames [.., written_until) are in the ring
        self.underruns = 0
        self.callbacks = 0

    # --- audio thread -------------------------------------------------------------------
    def fill_stream(self, host_ns: int, stream: memoryview | bytearray) -> None:
        """Hand the next frames to the device. Runs on the audio thread: copy, count, return."""
        out = np.frombuffer(stream, dtype=np.float32).reshape(-1, CHANNELS)
        start = self.frames_handed
        n_frames = out.shape[0]
        self.clock.observe(host_ns, start)
        available = min(max(self.written_until - start, 0), n_frames)
        if available:
            self._copy_out(start, out[:available])
        if available < n_frames:
            out[available:] = 0.0
            self.underruns += 1
        self.frames_handed = start + n_frames
        self.callbacks += 1

    def _copy_out(self, start: int, out: np.ndarray) -> None:
        capacity = self._ring.shape[0]
        head = start % capacity
        first = min(out.shape[0], capacity - head)
        out[:first] = self._ring[head : head + first]
        if first < out.shape[0]:
            out[first:] = self._ring[: out.shape[0] - first]

    # --- main thread --------------------------------------------------------------------
    def fill_until(self, until_frame: int, render: Callable[[int, np.ndarray], None]) -> None:
        """Render frames up to ``until_frame`` into the ring with ``render(start, out)``.

        After an underrun the device has moved past what we wrote; writing resumes at the
        device position so that every sample stays at its absolute frame.
        """
        capacity = self._ring.shape[0]
        start = max(self.written_until, self.frames_handed)
        # Never overwrite what the device has not read yet.
        until_frame = min(until_frame, self.frames_handed + capacity - self._block.shape[0])
        while start < until_frame:
            n_frames = min(self._block.shape[0], until_frame - start)
            block = self._block[:n_frames]
            render(start, block)
            head = start % capacity
            first = min(n_frames, capacity - head)
            self._ring[head : head + first] = block[:first]
            if first < n_frames:
                self._ring[: n_frames - first] = block[first:]
            start += n_frames
            self.written_until = start  # published after the samples are in place

    def mix_in(self, start_frame: int, samples: np.ndarray) -> int:
        """Add ``samples`` into what is already rendered from ``start_frame`` on.

        For sounds that must be heard now (a guide tone): the part not yet rendered is the
        track's to render. Returns the first frame at which mixing was safe.
        """
        safe_from = max(start_frame, self.frames_handed + 2 * self.settings.buffer_frames)
        until = min(self.written_until, start_frame + samples.shape[0])
        capacity = self._ring.shape[0]
        for frame in range(safe_from, until, self._block.shape[0]):
            count = min(self._block.shape[0], until - frame)
            head = frame % capacity
            first = min(count, capacity - head)
            offset = frame - start_frame
            self._ring[head : head + first] += samples[offset : offset + first]
            if first < count:
                self._ring[: count - first] += samples[offset + first : offset + count]
        return safe_from

    def discard_ahead(self) -> None:
        """Forget what is rendered beyond the next two buffers, so it is rendered again.

        The two buffers nearest the device stay: the callback may be copying them right now.
        """
        keep_until = self.frames_handed + 2 * self.settings.buffer_frames
        self.written_until = min(self.written_until, keep_until)

    def lookahead_frames(self) -> int:
        return int(self.settings.sample_rate_hz * self.settings.lookahead_ms / 1000.0)

    def fill_ahead(self, render: Callable[[int, np.ndarray], None]) -> None:
        self.fill_until(self.frames_handed + self.lookahead_frames(), render)


class AudioOutputError(RuntimeError):
    """No audio output could be opened at all; the message says what to check."""


class SdlAudioOutput:
    """The real output device: SDL calls `AudioRing.fill_stream` from its audio thread."""

    def __init__(self, ring: AudioRing) -> None:
        self.ring = ring
        self._device = None

    def open(self, device_name: str | None = None) -> OutputStatus:
        """Open the output device (``device_name`` as SDL lists it, or the settings' one, or
        the system default); says where the sound goes, or why none is heard.

        With no sound device (a headless station, a broken driver) the clock still runs on
        SDL's dummy driver, which keeps time without sound, and the status says so.
        """
        from pygame._sdl2 import sdl2

        name = device_name or self.ring.settings.device_name
        try:
            # Inside the try: an SDL_AUDIODRIVER that names no driver fails already here.
            sdl2.init_subsystem(sdl2.INIT_AUDIO)
            self._device = self._open_device(name)
        except Exception as error:  # pygame raises its own error type, varying by version
            reason = str(error).strip() or type(error).__name__
            return self._open_silent(reason)
        driver = _current_driver()
        if driver in SILENT_DRIVERS:
            return OutputStatus(None, f"SDL's {driver!r} audio driver plays no sound")
        return OutputStatus(self._device.devicename or name or "default output")

    def _open_silent(self, reason: str) -> OutputStatus:
        """No output could be opened: keep the clock on SDL's dummy driver, which keeps time
        without sound; AudioOutputError when not even that starts."""
        sdl = _sdl_library()
        try:
            if sdl is None:
                raise AudioOutputError("SDL's library was not found")
            sdl.SDL_AudioQuit()
            if sdl.SDL_AudioInit(b"dummy") != 0:
                raise AudioOutputError("SDL's silent driver would not start")
            self._device = self._open_device(None)
        except Exception as silent_error:
            raise AudioOutputError(
                f"No audio output could be opened ({reason}), not even a silent one "
                f"({silent_error}); check the sound settings, or unset SDL_AUDIODRIVER."
            ) from silent_error
        return OutputStatus(None, f"no sound device ({reason})")

    def reopen(self, device_name: str | None) -> OutputStatus:
        """Move the sound to another output (None: the system default). The ring and its
        frame count go on, so the audio clock stays one clock; the clock map forgets the old
        device's callbacks and fits the new one's."""
        self.close()
        self.ring.clock.forget()
        sdl = _sdl_library()
        if sdl is not None:
            # Start over with SDL's own choice of driver: after a fallback to the silent
            # dummy driver, a device plugged in since would otherwise never be found.
            sdl.SDL_AudioQuit()
            sdl.SDL_AudioInit(None)
        status = self.open(device_name)
        self.start()
        return status

    def _open_device(self, device_name: str | None):  # -> pygame._sdl2.audio.AudioDevice
        # Only the audio subsystem: pygame.init() would open the mixer and take the device.
        from pygame._sdl2 import audio as sdl_audio

        settings = self.ring.settings
        return sdl_audio.AudioDevice(
            devicename=device_name,
            iscapture=False,
            frequency=settings.sample_rate_hz,
            audioformat=sdl_audio.AUDIO_F32,
            numchannels=CHANNELS,
            chunksize=settings.buffer_frames,
            allowed_changes=0,  # SDL converts for us; our clock counts frames at our rate
            callback=self._callback,
        )

    def _callback(self, _device: object, stream: memoryview) -> None:
        self.ring.fill_stream(time.perf_counter_ns(), stream)

    def start(self) -> None:
        if self._device is not None:
            self._device.pause(0)

    def close(self) -> None:
        """Stop the device without deadlocking on the GIL.

        SDL holds the device lock while our callback waits for the GIL, and pygame's pause()
        and close() wait for that lock while holding the GIL. So the pause goes through ctypes,
        which lets go of the GIL; once paused SDL no longer calls us and close() is safe.
        """
        if self._device is None:
            return
        sdl = _sdl_library()
        if sdl is not None:
            sdl.SDL_PauseAudioDevice(ctypes.c_uint32(self._device.deviceid), ctypes.c_int(1))
        else:
            self._device.pause(1)
        self._device.close()
        self._device = None


def _current_driver() -> str:
    """The audio driver SDL runs (e.g. "pulseaudio", "alsa", "dummy"); "" if unknown."""
    sdl = _sdl_library()
    if sdl is None:
        return ""
    sdl.SDL_GetCurrentAudioDriver.restype = ctypes.c_char_p
    name = sdl.SDL_GetCurrentAudioDriver()
    return name.decode() if name else ""


@functools.cache
def _sdl_library() -> ctypes.CDLL | None:
    """The SDL2 library that pygame has loaded (dlopen of the same file returns the same one)."""
    import pygame

    package_dir = Path(pygame.__file__).resolve().parent
    patterns = ("libSDL2-2*.so*", "libSDL2-2.0.so*", "libSDL2*.dylib", "SDL2.dll")
    for folder in (package_dir, package_dir.parent / "pygame_ce.libs", package_dir / ".dylibs"):
        for pattern in patterns:
            for candidate in sorted(folder.glob(pattern)):
                try:
                    return ctypes.CDLL(str(candidate))
                except OSError:
                    continue
    found = ctypes.util.find_library("SDL2")
    return ctypes.CDLL(found) if found else None
