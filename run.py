#!/usr/bin/env python3
"""OnBeat command line. Bare `run.py` starts the game; `run.py --help` lists the commands."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from pathlib import Path

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from engine.cli_common import UserError, data_dir_of

ROOT = Path(__file__).resolve().parent
DEFAULT_LEVEL = ROOT / "levels" / "pond" / "frog-hop.yaml"
# Each module has register(add_command) that adds its subcommands (engine/cli_common.py).
COMMAND_MODULES = ("engine.cli_export",)


def _load_level(path_text: str):
    from engine.level_load import LevelError, load_level

    path = Path(path_text)
    if not path.exists():
        raise UserError(f"{path}: no such level file; list shipped levels with `ls levels/`")
    try:
        return load_level(path)
    except LevelError as error:
        raise UserError("\n".join(str(problem) for problem in error.problems)) from None


def cmd_play(args: argparse.Namespace) -> int:
    from game.app import NoDisplayError, play_level

    level = _load_level(args.level)
    try:
        session_id = play_level(level, data_dir_of(args), args.profile, args.exit_when_done)
    except NoDisplayError:
        print("No display to open the game window on; try `make demo` for a headless autoplay.")
        return 2
    print(f"Session {session_id} saved in {data_dir_of(args)}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    from engine.recorder import Recorder
    from engine.scoring import warm_up
    from engine.store import Store
    from game.harness import human_like, run_headless

    level = _load_level(args.level)
    data_dir = data_dir_of(args)
    warm_up()
    recorder = Recorder(data_dir)
    try:
        run = run_headless(
            level, recorder, human_like(), frame_jitter_ms=args.jitter_ms, seed=args.seed
        )
        session_id = run.rig.session.session_id
        status = "complete" if run.rig.session.finished else "incomplete"
        recorder.end_session(session_id, _utc_now(), status)
    finally:
        recorder.close()
    overall = run.rig.session.overall()
    store = Store.open(data_dir)
    try:
        stored_taps = store.session_summary(session_id).tap_count
    finally:
        store.close()
    print(f"Demo session {session_id}: {level.title} ({level.id}), autoplayed headless")
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
    print(f"  export: python run.py export --data-dir {data_dir} --format csv --out taps.csv")
    return 0


def _utc_now() -> str:
    from game.play_setup import utc_now_iso

    return utc_now_iso()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="run.py", description=__doc__)
    parser.add_argument("--data-dir", help="folder of the OnBeat database (default: user data dir)")
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
    play.set_defaults(handler=cmd_play)

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
        args = parser.parse_args(["play", *(argv or [])])
    try:
        return args.handler(args)
    except UserError as error:
        print(error, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
