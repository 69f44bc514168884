"""`run.py calibrate`: measure this machine's input (or screen) latency and keep it."""

from __future__ import annotations

import argparse

from cli.common import AddCommand, UserError, data_dir_of
from engine.config.user_settings import default_settings_path


def register(add_command: AddCommand) -> None:
    calibrate = add_command("calibrate", "measure this machine's input (or screen) latency")
    calibrate.add_argument(
        "--visual", action="store_true", help="tap to flashes instead of clicks (screen offset)"
    )
    calibrate.set_defaults(handler=cmd_calibrate)


def cmd_calibrate(args: argparse.Namespace) -> int:
    # pygame and the game load only when a window is wanted, not for `run.py levels list`.
    from game.app import NoDisplayError, run_calibration

    try:
        run_calibration(
            data_dir_of(args), "visual" if args.visual else "input", default_settings_path()
        )
    except NoDisplayError as error:
        raise UserError(f"No display to open the calibration window on ({error}).") from error
    return 0
