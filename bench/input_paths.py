"""How precise each input path is on this machine, on the real clock (docs/hardware.md).

- polled: gaps between the pump's polls at its 1 kHz target; a polled stamp is the middle
  of the gap in which SDL reported the press, so it is off by up to half a gap;
- evdev: presses stamped with perf_counter_ns() are written as packed input_event records
  into a pipe (as the kernel writes them into /dev/input/eventN) at random intervals by
  another thread; the game's reader thread reads them and the 1 kHz pump hands them over.
  Reported: stamp error (the µs truncation only) and the delay from stamp to pump;
- MIDI clock map: a "driver" thread stamps a message, wakes the reader's thread through a
  pipe (as ALSA wakes RtMidi's thread), which hands it to the real port reader with RtMidi's
  difference; the delay is the wake-up plus waiting for the GIL while the main thread pumps.
  Reported: that callback delay, and the error of the stamps the clock map gives.

Run alone: `.venv/bin/python bench/input_paths.py --seconds 5`.
"""

from __future__ import annotations

import argparse
import os
import random
import select
import sys
import threading
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import pygame

from engine.input.devices import listen
from engine.input.evdev_codes import KEY_CODES
from engine.input.evdev_source import EvdevInputs, pack_key_press
from engine.input.mapping import InputMapping, load_input_mapping
from engine.input.midi import MidiPortReader
from engine.input.pump import InputPump
from engine.input.tap import TapQueue
from engine.timing.host_clock import RealClock

KEY_A = KEY_CODES["KEY_A"]
NOTE_ON = [0x99, 36, 100]
MS = 1e6


def _percentiles(values_ns: list[int] | np.ndarray) -> str:
    p50, p99, worst = np.percentile(np.asarray(values_ns, dtype=float) / MS, [50, 99, 100])
    return f"p50 {p50:7.3f} ms  p99 {p99:7.3f} ms  max {worst:7.3f} ms"


class GapPump(InputPump):
    """The real pump, remembering every gap between its polls."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.gaps_ns: list[int] = []

    def pump(self) -> None:
        before_ns = self._last_poll_ns
        super().pump()
        self.gaps_ns.append(self._last_poll_ns - before_ns)


def _write_presses(write_fd: int, seconds: float, written_ns: list[int]) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        time.sleep(random.uniform(0.005, 0.030))  # a child's taps come when they come
        stamp_ns = time.perf_counter_ns()
        written_ns.append(stamp_ns)
        os.write(write_fd, pack_key_press(stamp_ns, KEY_A))


def polled_and_evdev(seconds: float) -> None:
    clock = RealClock()
    inputs = EvdevInputs(InputMapping(), rescan_period_s=None)
    read_fd, write_fd = os.pipe()
    inputs.add_reader(read_fd, {KEY_A: "left_toe"}, "pipe")
    pump = GapPump(load_input_mapping(), clock, sources=[inputs])
    written_ns: list[int] = []
    writer = threading.Thread(target=_write_presses, args=(write_fd, seconds, written_ns))
    taps = []
    writer.start()
    listen(pump, clock, seconds + 0.1, lambda tap, delay: taps.append((tap, delay)))
    writer.join()
    inputs.close()
    os.close(write_fd)
    print(f"  polled: gaps between polls      {_percentiles(pump.gaps_ns[1:])}")
    print("          (a polled stamp is off by up to half its gap)")
    errors = [tap.host_ns - stamp for (tap, _), stamp in zip(taps, written_ns, strict=False)]
    print(f"  evdev:  {len(taps)} of {len(written_ns)} presses; stamp error "
          f"{min(errors) / 1e3:+.3f} to {max(errors) / 1e3:+.3f} µs")  # fmt: skip
    print(f"          delay, stamp to pump      {_percentiles([d for _, d in taps])}")


def midi_clock_map(seconds: float) -> None:
    read_fd, write_fd = os.pipe()
    taps = TapQueue()
    reader = MidiPortReader(load_input_mapping(), "bench", taps)
    stamped_ns: list[int] = []
    delays_ns: list[int] = []
    stopping = threading.Event()

    def driver_side() -> None:
        last_ns = None
        while not stopping.is_set():
            if not select.select([read_fd], [], [], 0.1)[0]:
                continue
            os.read(read_fd, 1)
            received_ns = time.perf_counter_ns()  # where RtMidi's callback would start
            driver_ns = stamped_ns[len(delays_ns)]
            delays_ns.append(received_ns - driver_ns)
            delta_s = 0.0 if last_ns is None else (driver_ns - last_ns) / 1e9
            last_ns = driver_ns
            reader.feed(NOTE_ON, delta_s, received_ns)

    callback_thread = threading.Thread(target=driver_side)
    callback_thread.start()
    clock = RealClock()
    pump = InputPump(load_input_mapping(), clock)
    end_ns = time.perf_counter_ns() + int(seconds * 1e9)
    next_tap_ns = time.perf_counter_ns()
    while time.perf_counter_ns() < end_ns:  # the main thread pumps, as in play
        clock.sleep_until_ns(time.perf_counter_ns() + 1_000_000)
        pump.pump()
        if time.perf_counter_ns() >= next_tap_ns:
            stamped_ns.append(time.perf_counter_ns())
            os.write(write_fd, b"\0")
            next_tap_ns += int(random.uniform(0.005, 0.030) * 1e9)
    stopping.set()
    callback_thread.join()
    result = taps.drain()
    errors = [tap.host_ns - stamp for tap, stamp in zip(result, stamped_ns, strict=False)]
    print(f"  MIDI:   callback delay            {_percentiles(delays_ns)}")
    print(f"          clock-map stamp error     {_percentiles(errors)}  ({len(errors)} taps)")
    os.close(read_fd)
    os.close(write_fd)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args(argv)
    pygame.display.init()
    pygame.display.set_mode((64, 64))
    load = os.getloadavg()[0]
    print(f"Input paths on the real clock, {args.seconds:g} s each (load average {load:.1f})")
    polled_and_evdev(args.seconds)
    midi_clock_map(args.seconds)
    pygame.display.quit()


if __name__ == "__main__":
    main()
