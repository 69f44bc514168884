"""Send key presses to an X display by XTest and write down when each one was sent.

The reference side of a press-stamp measurement: compare the CSV this writes with the stamps
the game (or `engine.input.x11.X11PressSource`) gave the same presses. Each send stamp is
``time.perf_counter_ns()`` (CLOCK_MONOTONIC, the game's host clock) read immediately before
the XTest press request, which is flushed to the server right after. Presses come at the
given interval plus uniform random jitter, so that they do not lock onto a frame or beat.

    .venv/bin/python bench/x11_stamp_sender.py --key j --count 300 --out /tmp/sends.csv

The CSV has one row per press: index (0, 1, ...) and host_ns.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path

from Xlib import XK, X
from Xlib import display as xdisplay
from Xlib import error as xerror

MS_NS = 1_000_000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Send timed XTest key presses and write their send stamps as CSV."
    )
    parser.add_argument(
        "--key", default="j", help="X keysym name of the key, e.g. j, space, Return (default j)"
    )
    parser.add_argument("--count", type=int, default=300, help="presses to send (default 300)")
    parser.add_argument(
        "--interval-ms", type=float, default=250.0, help="mean press interval (default 250)"
    )
    parser.add_argument(
        "--jitter-ms",
        type=float,
        default=50.0,
        help="each press moves by up to this much either way, at random (default 50)",
    )
    parser.add_argument(
        "--hold-ms", type=float, default=40.0, help="time from press to release (default 40)"
    )
    parser.add_argument(
        "--start-delay-ms",
        type=float,
        default=1000.0,
        help="wait before the first press, e.g. to focus the game window (default 1000)",
    )
    parser.add_argument("--seed", type=int, help="seed for the jitter, to repeat a run exactly")
    parser.add_argument("--display", help="X display to send to (default $DISPLAY)")
    parser.add_argument("--out", type=Path, required=True, help="CSV file to write")
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error(f"--count must be at least 1, not {args.count}")
    if min(args.jitter_ms, args.hold_ms, args.start_delay_ms) < 0:
        parser.error("--jitter-ms, --hold-ms and --start-delay-ms cannot be negative")
    if args.interval_ms - 2 * args.jitter_ms <= args.hold_ms:
        parser.error(
            f"presses would overlap: --interval-ms ({args.interval_ms:g}) must exceed "
            f"--hold-ms ({args.hold_ms:g}) plus twice --jitter-ms ({args.jitter_ms:g})"
        )
    return args


def press_offsets_ns(
    count: int, interval_ms: float, jitter_ms: float, start_delay_ms: float, rng: random.Random
) -> list[int]:
    """When to send each press, in ns from the start: an even grid moved by uniform jitter."""
    return [
        round((start_delay_ms + index * interval_ms + rng.uniform(-jitter_ms, jitter_ms)) * MS_NS)
        for index in range(count)
    ]


def sleep_until_ns(target_ns: int) -> None:
    # Oversleeping only delays a press; its stamp is read after waking, so it stays exact.
    remaining_ns = target_ns - time.perf_counter_ns()
    if remaining_ns > 0:
        time.sleep(remaining_ns / 1e9)


def send_presses(
    connection: xdisplay.Display, keycode: int, offsets_ns: list[int], hold_ns: int
) -> list[int]:
    """Press and release ``keycode`` at each offset; return the send stamp of each press."""
    sent_ns: list[int] = []
    start_ns = time.perf_counter_ns()
    for offset_ns in offsets_ns:
        sleep_until_ns(start_ns + offset_ns)
        # Release even when interrupted while the key is down, or it stays stuck down.
        try:
            press_ns = time.perf_counter_ns()
            connection.xtest_fake_input(X.KeyPress, keycode)
            connection.flush()
            sent_ns.append(press_ns)
            sleep_until_ns(press_ns + hold_ns)
        finally:
            connection.xtest_fake_input(X.KeyRelease, keycode)
            connection.flush()
    return sent_ns


def write_stamps_csv(path: Path, sent_ns: list[int]) -> None:
    with path.open("w", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["index", "host_ns"])
        writer.writerows(enumerate(sent_ns))


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        connection = xdisplay.Display(args.display)
    except (xerror.DisplayError, xerror.ConnectionClosedError, OSError) as exc:
        print(f"cannot open the X display: {exc}; set DISPLAY or pass --display", file=sys.stderr)
        return 2
    try:
        if not connection.has_extension("XTEST"):
            print(f"X display {connection.get_display_name()} has no XTEST", file=sys.stderr)
            return 2
        keycode = connection.keysym_to_keycode(XK.string_to_keysym(args.key))
        if not keycode:
            print(
                f"no key {args.key!r} on this keyboard map; use an X keysym name "
                "such as j, space or Return (see `xmodmap -pke`)",
                file=sys.stderr,
            )
            return 2
        offsets_ns = press_offsets_ns(
            args.count,
            args.interval_ms,
            args.jitter_ms,
            args.start_delay_ms,
            random.Random(args.seed),
        )
        sent_ns = send_presses(connection, keycode, offsets_ns, round(args.hold_ms * MS_NS))
    finally:
        connection.close()
    write_stamps_csv(args.out, sent_ns)
    print(f"sent {len(sent_ns)} presses of {args.key!r}; stamps in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
