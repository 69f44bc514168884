#!/usr/bin/env python3
"""OnBeat command line. Bare `run.py` starts the game; `run.py --help` lists the commands."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from cli.common import UserError, data_dir_of

ROOT = Path(__file__).resolve().parent
DEFAULT_LEVEL = ROOT / "levels" / "pond" / "frog-hop.yaml"
# Each module has register(add_command) that adds its subcommands (cli/common.py).
COMMAND_MODULES = ("cli.devices", "cli.export", "cli.levels", "cli.report")


def _load_level(path_text: str):
    from engine.levels.load import LevelError, load_level

    path = Path(path_text)
    if not path.exists():
        raise UserError(f"{path}: no such level file; list shipped levels with `ls levels/`")
    try:
        return load_level(path)
    except LevelError as error:
        raise UserError("\n".join(str(problem) for problem in error.problems)) from None


def cmd_play(args: argparse.Namespace) -> int:
    from game.app import NoDisplayError, play_level
    from game.autoplay import AutoTapper

    level_path = Path(args.level)
    if not args.watch:
        _load_level(args.level)  # a broken level is reported here, before any window opens
    elif not level_path.exists():
        raise UserError(f"{level_path}: no such level file")
    autoplay = AutoTapper(sd_ms=args.jitter_ms) if args.autoplay else None
    try:
        session_ids = play_level(
            level_path, data_dir_of(args), args.profile, args.exit_when_done, args.watch, autoplay
        )
    except NoDisplayError:
        print("No display to open the game window on; try `make demo` for a headless autoplay.")
        return 2
    for session_id in session_ids:
        print(f"Session {session_id} saved in {data_dir_of(args)}")
    return 0


def cmd_game(args: argparse.Namespace) -> int:
    from engine.config.user_settings import default_settings_path
    from game.app import NoDisplayError, run_game
    from game.autoplay import AutoTapper

    try:
        run_game(
            data_dir_of(args),
            [Path(p) for p in args.levels_dir],
            default_settings_path(),
            window_size=args.window,
            autoplay=AutoTapper() if args.autoplay else None,
        )
    except NoDisplayError:
        print("No display to open the game window on; try `make demo` for a headless autoplay.")
        return 2
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    from engine.config.user_settings import default_settings_path
    from game.app import NoDisplayError, run_calibration

    try:
        run_calibration(
            data_dir_of(args), "visual" if args.visual else "input", default_settings_path()
        )
    except NoDisplayError:
        print("No display to open the calibration window on.")
        return 2
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from bench.__main__ import main as run_benchmarks

    return run_benchmarks()


def cmd_demo(args: argparse.Namespace) -> int:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    from engine.scoring.kernels import warm_up
    from engine.store.recorder import Recorder
    from engine.store.sqlite import Store
    from game.harness import human_like, run_headless

    level = _load_level(args.level)
    data_dir = data_dir_of(args)
    warm_up()
    recorder = Recorder(data_dir)
    try:
        run = run_headless(
            level, recorder, human_like(), frame_jitter_ms=args.jitter_ms, seed=args.seed
        )
    finally:
        recorder.close()
    session = run.session
    overall = session.overall()
    store = Store.open(data_dir)
    try:
        stored_taps = store.session_summary(session.session_id).tap_count
    finally:
        store.close()
    print(f"Demo session {session.session_id}: {level.title} ({level.id}), autoplayed headless")
    print(
        f"  taps recorded: {stored_taps}   targets: {overall.targets}"
        f"   missed: {overall.missed_targets}"
    )
    print(f"  Task Average: {overall.task_average_ms:.1f} ms   SRO: {overall.sro_percent:.0f}%")
    print(
        f"  frames: {run.loop.frames}, input polls: {run.pump.polls},"
        f" audio underruns: {run.rig.ring.underruns}"
    )
    print(f"  data: {store.path}")
    print(f"  export: .venv/bin/python run.py export --data-dir {data_dir} --out taps.csv")
    return 0


def _window_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give the size as WIDTHxHEIGHT") from None
    if not (320 <= width <= 7680 and 240 <= height <= 4320):
        raise argparse.ArgumentTypeError(f"{text}: from 320x240 to 7680x4320")
    return width, height


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="run.py", description=__doc__)
    parser.add_argument("--data-dir", help="folder of the OnBeat database (default: user data dir)")
    parser.add_argument(
        "--levels-dir", action="append", default=[], help="another folder of levels (repeatable)"
    )
    parser.add_argument(
        "--window", type=_window_size, default=(1280, 720), help="window size, e.g. 1920x1080"
    )
    parser.add_argument(
        "--autoplay", action="store_true", help="levels play themselves (demonstrations)"
    )
    commands = parser.add_subparsers(dest="command")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument(
            "--data-dir", default=argparse.SUPPRESS, help="folder of the OnBeat database"
        )
        return sub

    play = command("play", "play one level in a window")
    play.add_argument("level", nargs="?", default=str(DEFAULT_LEVEL), help="level YAML file")
    play.add_argument("--profile", default="Player", help="profile (display name) to record under")
    play.add_argument("--exit-when-done", action="store_true", help="quit after the results")
    play.add_argument(
        "--watch", action="store_true", help="restart the level whenever its file is saved"
    )
    play.add_argument("--autoplay", action="store_true", help="the level plays itself")
    play.add_argument(
        "--jitter-ms", type=float, default=20.0, help="autoplay timing spread (SD, ms)"
    )
    play.set_defaults(handler=cmd_play)

    calibrate = command("calibrate", "measure this machine's input (or screen) latency")
    calibrate.add_argument(
        "--visual", action="store_true", help="tap to flashes instead of clicks (screen offset)"
    )
    calibrate.set_defaults(handler=cmd_calibrate)

    bench = command("bench", "timing and speed benchmarks (the same as make bench)")
    bench.set_defaults(handler=cmd_bench)

    demo = command("demo", "autoplay a level headless through the real scorer and recorder")
    demo.add_argument("--level", default=str(DEFAULT_LEVEL), help="level YAML file")
    demo.add_argument("--jitter-ms", type=float, default=10.0, help="frame time jitter, 0–25 ms")
    demo.add_argument("--seed", type=int, default=1, help="random seed of the autoplayer")
    demo.set_defaults(handler=cmd_demo)

    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(command)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args.handler = cmd_game
    try:
        return args.handler(args)
    except UserError as error:
        print(error, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
