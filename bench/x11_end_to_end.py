"""End-to-end tap stamp accuracy in a real X session: game window vs. a sending process.

Starts Xvfb (unless --display is given), runs `run.py play` on a 1280×720 window with the
play scene drawing, sends key presses from another process by XTest (each stamped by the
sender with perf_counter_ns() just before it is sent), then exports the game's taps and
compares their host_ns with the sender's stamps.

    .venv/bin/python bench/x11_end_to_end.py --count 300

Prints p50/p99/max of |game host_ns − sender stamp| and the stamp sources seen.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
LEVEL = ROOT / "bench" / "levels" / "steady-beat.yaml"
PYTHON = sys.executable


def free_display() -> str:
    for number in range(90, 140):
        if not Path(f"/tmp/.X11-unix/X{number}").exists():
            return f":{number}"
    raise SystemExit("no free X display number between :90 and :139")


def wait_for(condition, timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.05)


def window_exists(display: str) -> bool:
    from Xlib import display as xdisplay

    connection = xdisplay.Display(display)
    try:
        net_wm_name = connection.intern_atom("_NET_WM_NAME")
        for window in connection.screen().root.query_tree().children:
            name = window.get_full_property(net_wm_name, 0)
            if name is not None and name.value in (b"OnBeat", "OnBeat"):
                return True
        return False
    finally:
        connection.close()


def measure(display: str, count: int, interval_ms: float, work_dir: Path) -> dict:
    env = dict(os.environ, DISPLAY=display, SDL_VIDEODRIVER="x11", SDL_AUDIODRIVER="dummy")
    data_dir = work_dir / "data"
    game = subprocess.Popen(
        [
            PYTHON,
            str(ROOT / "run.py"),
            "--data-dir",
            str(data_dir),
            "play",
            str(LEVEL),
            "--exit-when-done",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for(lambda: window_exists(display), 60, "the game window")
        time.sleep(2.0)  # title, JIT warm-up and the audio clock settling before taps count
        sends_csv = work_dir / "sends.csv"
        subprocess.run(
            [
                PYTHON,
                str(ROOT / "bench" / "x11_stamp_sender.py"),
                "--display",
                display,
                "--key",
                "j",
                "--count",
                str(count),
                "--interval-ms",
                str(interval_ms),
                "--out",
                str(sends_csv),
                "--seed",
                "7",
            ],
            check=True,
            env=env,
        )
        time.sleep(0.5)
    finally:
        game.terminate()  # SDL turns SIGTERM into a quit: the session is closed and saved
        output, _ = game.communicate(timeout=60)
    taps_csv = work_dir / "taps.csv"
    subprocess.run(
        [
            PYTHON,
            str(ROOT / "run.py"),
            "export",
            "--data-dir",
            str(data_dir),
            "--format",
            "csv",
            "--out",
            str(taps_csv),
        ],
        check=True,
        env=env,
        capture_output=True,
    )
    with sends_csv.open() as handle:
        sent_ns = np.array([int(row["host_ns"]) for row in csv.DictReader(handle)])
    with taps_csv.open() as handle:
        rows = list(csv.DictReader(handle))
    rows.sort(key=lambda row: int(row["host_ns"]))
    game_ns = np.array([int(row["host_ns"]) for row in rows])
    sources = sorted({row["stamp_source"] for row in rows})
    # Pair each sent press with the nearest recorded tap.
    nearest = np.searchsorted(game_ns, sent_ns)
    errors_ms = []
    for sent, index in zip(sent_ns, nearest, strict=True):
        candidates = game_ns[max(index - 1, 0) : index + 1]
        errors_ms.append((candidates[np.argmin(np.abs(candidates - sent))] - sent) / 1e6)
    errors_ms = np.array(errors_ms)
    for index in np.flatnonzero(np.abs(errors_ms) > 2.0):
        print(f"press {index}: off by {errors_ms[index]:+.3f} ms")
    magnitude_ms = np.abs(errors_ms)
    return {
        "sent": len(sent_ns),
        "recorded": len(game_ns),
        "sources": sources,
        "p50_ms": float(np.percentile(magnitude_ms, 50)),
        "p99_ms": float(np.percentile(magnitude_ms, 99)),
        "max_ms": float(magnitude_ms.max()),
        "mean_signed_ms": float(errors_ms.mean()),
        "game_output": [line for line in output.splitlines() if not line.startswith("ALSA")],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--interval-ms", type=float, default=150.0)
    parser.add_argument("--display", help="use this X display instead of starting Xvfb")
    args = parser.parse_args()
    if args.display is None and shutil.which("Xvfb") is None:
        print("Xvfb is not installed (apt-get install xvfb); or pass --display")
        return 2
    display = args.display or free_display()
    server = None
    if args.display is None:
        server = subprocess.Popen(
            ["Xvfb", display, "-screen", "0", "1280x720x24", "-nolisten", "tcp", "-noreset"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(lambda: Path(f"/tmp/.X11-unix/X{display[1:]}").exists(), 10, "Xvfb")
    try:
        with tempfile.TemporaryDirectory() as work:
            result = measure(display, args.count, args.interval_ms, Path(work))
    finally:
        if server is not None:
            server.terminate()
    print("\n".join(result["game_output"]))
    print(
        f"presses sent: {result['sent']}, taps recorded: {result['recorded']}, "
        f"stamp sources: {', '.join(result['sources'])}"
    )
    print(
        f"|game host_ns - sender stamp|: p50 {result['p50_ms']:.3f} ms, "
        f"p99 {result['p99_ms']:.3f} ms, max {result['max_ms']:.3f} ms "
        f"(mean signed {result['mean_signed_ms']:+.3f} ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
