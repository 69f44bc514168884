"""Frame draw time of the play scene, per theme and window size, with input pumped at 1 kHz.

Each measurement runs in a process of its own, as the game does: the real play scene,
painter and theme on a real SDL window, the real frame loop (60 frames a second, input pumped
every millisecond and between the phases of a frame), the real audio clock on SDL's dummy
audio driver, and autoplay taps spread over every judgement (so reactions, praise and streaks
are drawn). Timed for every frame after the first second:

- draw: the scene's on_draw, i.e. what the stage and the HUD cost (wall time, and the CPU time
  of the drawing thread: on a busy machine the difference is time spent preempted);
- draw+present: on_draw plus showing the changed rects (on x11: handing them to the X server).

Baseline, in the same process and window, in one-second turns with the scene (so that both
meet the same load from other processes): a plain full-window fill and flip each frame, the
least a scene that redraws and presents the whole window would pay. The ratio is p99 of
draw+present over p99 of the baseline.

    .venv/bin/python bench/frame_draw.py [--seconds 8] [--drivers dummy x11 x11-native]

x11 runs on an Xvfb started for the purpose (skipped when Xvfb is not installed), twice:
"x11" with SDL's default window framebuffer, which on X11 is a texture of an accelerated
renderer and is presented whole on every update, changed rects or not; and "x11-native" with
SDL_FRAMEBUFFER_ACCELERATION=0, SDL's own X11 framebuffer (MIT-SHM), which presents only the
rects given.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LEVEL = ROOT / "bench" / "levels" / "steady-beat.yaml"
THEMES = ("pond", "space", "parade")
SIZES = ((1280, 720), (1920, 1080))
WARM_UP_S = 1.0  # art for the window size is made in the first frames; not measured
BLOCK_S = 1.0  # scene and baseline take turns, so that both meet the same machine load
FRAME_RATE_HZ = 60.0
GOAL_P99_MS = 4.0


def _percentiles(samples_ns: list[int]) -> dict[str, float]:
    import numpy as np

    values_ms = np.asarray(samples_ns, dtype=np.float64) / 1e6
    return {
        "p50": float(np.percentile(values_ms, 50)),
        "p99": float(np.percentile(values_ms, 99)),
        "max": float(values_ms.max()),
    }


def measure_one(theme: str, size: tuple[int, int], seconds: float) -> dict:
    """In this process: play the bench level in ``theme`` at ``size``; frame times in ms."""
    import pygame

    from engine.audio.output import AudioSettings, SdlAudioOutput
    from engine.config.user_settings import UserSettings
    from engine.input.mapping import load_input_mapping
    from engine.input.pump import InputPump, UiEvent
    from engine.levels.load import load_level
    from engine.scoring.kernels import warm_up
    from engine.store.recorder import Recorder
    from engine.store.records import AUDIO_SILENT
    from engine.timing.host_clock import RealClock
    from game.audio_rig import AudioRig
    from game.autoplay import AutoTapper
    from game.context import GameContext
    from game.director import Director
    from game.frame_loop import FrameLoop, present_window
    from game.scene import Goto

    pygame.display.init()
    pygame.font.init()
    surface = pygame.display.set_mode(size)
    warm_up()
    level = load_level(LEVEL)
    # Alternating limbs, so that cues of two kinds travel the lane.
    task = dataclasses.replace(level.tasks[0], limbs=("right_hand", "left_hand"))
    level = dataclasses.replace(level, theme=theme, tasks=(task,))
    rig = AudioRig.create(AudioSettings())
    output = SdlAudioOutput(rig.ring)
    clock = RealClock()
    pump = InputPump(load_input_mapping(), clock)
    with tempfile.TemporaryDirectory() as data_dir:
        recorder = Recorder(Path(data_dir))
        context = GameContext(
            surface,
            recorder,
            rig,
            profile=recorder.station_profile("Bench"),
            autoplay=AutoTapper(mean_ms=-10.0, sd_ms=45.0, seed=3),
            # Frame times do not depend on hearing the clicks: play on whatever the machine has.
            settings=UserSettings(audio_device=AUDIO_SILENT),
        )
        # The director keeps the clock fitted and the device fed; the scene starts the session.
        director = Director(
            context,
            Goto("play", level=level, alone=True, exit_when_done=False, results_hold_s=4.0),
        )
        scene = director.scene
        draw_ns: list[int] = []
        draw_cpu_ns: list[int] = []
        present_ns: list[int] = []
        baseline_ns: list[int] = []
        scene_draw = scene.on_draw
        drawn_ns = drawn_cpu_ns = 0
        measuring = False

        def timed_draw(now_ns: int) -> list[pygame.Rect] | None:
            nonlocal drawn_ns, drawn_cpu_ns
            start_ns, start_cpu_ns = time.perf_counter_ns(), time.thread_time_ns()
            changed = scene_draw(now_ns)
            drawn_ns = time.perf_counter_ns() - start_ns
            drawn_cpu_ns = time.thread_time_ns() - start_cpu_ns
            return changed

        def timed_present(changed: list[pygame.Rect] | None) -> None:
            start_ns = time.perf_counter_ns()
            present_window(changed)
            # A whole-window frame (the first after a baseline block) is not a play frame.
            if measuring and changed is not None:
                draw_ns.append(drawn_ns)
                draw_cpu_ns.append(drawn_cpu_ns)
                present_ns.append(drawn_ns + time.perf_counter_ns() - start_ns)

        scene.on_draw = timed_draw
        rig.ring.fill_ahead(rig.track.render)
        output.open()
        output.start()
        loop = FrameLoop(clock, pump, timed_present, frame_rate_hz=FRAME_RATE_HZ)
        block_frames = round(BLOCK_S * FRAME_RATE_HZ)
        polls, scene_ns = 0, 0
        try:
            loop.run(director, max_frames=round(WARM_UP_S * FRAME_RATE_HZ))
            for _ in range(max(1, round(seconds / BLOCK_S))):
                measuring = True
                polls_before, started_ns = pump.polls, time.perf_counter_ns()
                loop.run(director, max_frames=loop.frames + block_frames)
                polls += pump.polls - polls_before
                scene_ns += time.perf_counter_ns() - started_ns
                measuring = False
                baseline_ns += _baseline(surface, clock, pump, BLOCK_S)
                # The baseline painted over the scene: it draws its whole window again.
                scene.on_input([], [UiEvent("resize")], clock.now_ns())
        finally:
            director.close()
            output.close()
            recorder.close()
        pump_hz = polls / (scene_ns / 1e9)
    return {
        "theme": theme,
        "size": f"{size[0]}x{size[1]}",
        "frames": len(draw_ns),
        "pump_hz": pump_hz,
        "draw": _percentiles(draw_ns),
        "draw_cpu": _percentiles(draw_cpu_ns),
        "draw_present": _percentiles(present_ns),
        "baseline": _percentiles(baseline_ns),
    }


def _baseline(surface, clock, pump, seconds: float) -> list[int]:
    """Full-window fill and flip each frame, paced and pumped like the game's loop."""
    import pygame

    samples_ns: list[int] = []
    period_ns = int(1e9 / FRAME_RATE_HZ)
    next_frame_ns = clock.now_ns()
    end_ns = next_frame_ns + int(seconds * 1e9)
    frame = 0
    while clock.now_ns() < end_ns:
        start_ns = time.perf_counter_ns()
        surface.fill((20 + frame % 2, 30, 60))
        pygame.display.flip()
        samples_ns.append(time.perf_counter_ns() - start_ns)
        frame += 1
        next_frame_ns += period_ns
        while clock.now_ns() < next_frame_ns:
            clock.sleep_until_ns(min(next_frame_ns, clock.now_ns() + 1_000_000))
            pump.pump()
    return samples_ns


def _free_display() -> str:
    for number in range(90, 140):
        if not Path(f"/tmp/.X11-unix/X{number}").exists():
            return f":{number}"
    raise SystemExit("no free X display number between :90 and :139")


# Environment of each kind of run; x11 runs also get the DISPLAY of the Xvfb.
DRIVER_ENV: dict[str, dict[str, str]] = {
    "dummy": {"SDL_VIDEODRIVER": "dummy"},
    "x11": {"SDL_VIDEODRIVER": "x11"},
    "x11-native": {"SDL_VIDEODRIVER": "x11", "SDL_FRAMEBUFFER_ACCELERATION": "0"},
}


def _run_child(driver: str, theme: str, size: tuple[int, int], seconds: float, env: dict) -> dict:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        theme,
        f"{size[0]}x{size[1]}",
        "--seconds",
        str(seconds),
    ]
    env = dict(env, **DRIVER_ENV[driver], SDL_AUDIODRIVER="dummy", PYGAME_HIDE_SUPPORT_PROMPT="1")
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False, cwd=ROOT)
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"frame_draw {driver} {theme} {size}: failed\n{done.stderr[-2000:]}")
    return dict(json.loads(lines[-1]), driver=driver)


def _table(results: list[dict]) -> str:
    header = (
        "| driver | window | theme | frames | pump Hz | draw p50 / p99 ms | draw CPU p99 ms "
        "| draw+present p50 / p99 ms | baseline p50 / p99 ms | p99 ratio |"
    )
    rows = [header, "|" + "---|" * 10]
    for result in results:
        draw, shown, base = result["draw"], result["draw_present"], result["baseline"]
        rows.append(
            f"| {result['driver']} | {result['size']} | {result['theme']} | {result['frames']} "
            f"| {result['pump_hz']:.0f} | {draw['p50']:.2f} / {draw['p99']:.2f} "
            f"| {result['draw_cpu']['p99']:.2f} "
            f"| {shown['p50']:.2f} / {shown['p99']:.2f} | {base['p50']:.2f} / {base['p99']:.2f} "
            f"| {shown['p99'] / base['p99']:.2f} |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="measured time per run")
    parser.add_argument("--drivers", nargs="+", default=list(DRIVER_ENV), choices=list(DRIVER_ENV))
    parser.add_argument("--child", nargs=2, metavar=("THEME", "WxH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        theme, size_text = args.child
        width, height = (int(part) for part in size_text.split("x"))
        print(json.dumps(measure_one(theme, (width, height), args.seconds)))
        return 0
    results = []
    for driver in args.drivers:
        env = dict(os.environ)
        xvfb = None
        if driver.startswith("x11"):
            if not shutil.which("Xvfb"):
                print("frame_draw x11: skipped, Xvfb is not installed (apt-get install xvfb)")
                continue
            display = _free_display()
            xvfb = subprocess.Popen(
                ["Xvfb", display, "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            env["DISPLAY"] = display
            time.sleep(1.0)
        try:
            for size in SIZES:
                for theme in THEMES:
                    results.append(_run_child(driver, theme, size, args.seconds, env))
        finally:
            if xvfb is not None:
                xvfb.terminate()
                xvfb.wait(timeout=10)
    print(f"Play scene frame time (goal: draw+present p99 <= {GOAL_P99_MS} ms)")
    print(_table(results))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
