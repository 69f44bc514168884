"""The parser built from the command families, and the one error boundary (cli/errors.py):
every expected failure, of the command line and of the game alike, becomes one or two
sentences on stderr and exit status 1 (usage errors: 2, argparse's own; Ctrl-C: 130), with
the details in the log. `run.py` calls `main`.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from cli import (
    audit,
    bench,
    billing,
    calibrate,
    chart,
    clinic,
    demo,
    devices,
    export,
    goals,
    kiosk,
    levels,
    plans,
    play,
    profiles,
    report,
    therapists,
)
from cli.common import data_dir_argument, data_dir_of, hide_passwords
from cli.errors import quiet_stdout, report_failure, start_log

DESCRIPTION = (
    "OnBeat command line. Bare `run.py` starts the game; `run.py --help` lists the commands."
)
# Each family's register(add_command) adds its subcommands; --help lists them in this order.
FAMILIES = (
    play,
    profiles,
    kiosk,
    calibrate,
    bench,
    demo,
    export,
    levels,
    plans,
    report,
    billing,
    therapists,
    goals,
    chart,
    devices,
    audit,
    clinic,
)


def _window_size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: give the size as WIDTHxHEIGHT") from None
    if not (320 <= width <= 7680 and 240 <= height <= 4320):
        raise argparse.ArgumentTypeError(f"{text}: from 320x240 to 7680x4320")
    return width, height


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="run.py", description=DESCRIPTION)
    parser.add_argument(
        "--data-dir",
        type=data_dir_argument,
        help="folder of the OnBeat database (default: user data dir)",
    )
    # The game's own options, for bare `run.py` (cli/play.py's cmd_game reads them).
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

    def add_command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        # SUPPRESS: `run.py --data-dir D export ...` keeps D unless the subcommand gives one.
        sub.add_argument(
            "--data-dir",
            type=data_dir_argument,
            default=argparse.SUPPRESS,
            help="folder of the OnBeat database",
        )
        return sub

    for family in FAMILIES:
        family.register(add_command)
    return parser


def _data_dir_or_none(args: argparse.Namespace) -> Path | None:
    try:
        return data_dir_of(args)
    except Exception:  # only for a message; the failure being reported matters more
        return None


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command is None:
        args.handler = play.cmd_game
    run_log = start_log()
    logging.getLogger("onbeat").info(
        "run.py %s", hide_passwords(" ".join(sys.argv[1:] if argv is None else argv))
    )
    try:
        return args.handler(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        quiet_stdout()  # the reader of our output went away; nothing to tell it
        return 1
    except Exception as error:
        return report_failure(error, _data_dir_or_none(args), run_log)
    finally:
        run_log.close()
