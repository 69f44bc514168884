"""`run.py play` (one level in a window) and bare `run.py` (the whole game)."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.common import (
    DEFAULT_LEVEL,
    PROFILE_HELP,
    AddCommand,
    UserError,
    data_dir_of,
    float_between,
    load_level_file,
    profile_name_argument,
    profile_of,
)
from engine.config.user_settings import default_settings_path

NO_DISPLAY = "No display to open the game window on ({}); try `make demo` for a headless autoplay."
STATION_PROFILE = "Player"  # recorded under when no --profile is given
# The autoplayer's spread of asynchronies: from a metronome (0) to a child who barely keeps up.
MAX_AUTOPLAY_SD_MS = 100.0


def register(add_command: AddCommand) -> None:
    play = add_command("play", "play one level in a window")
    play.add_argument("level", nargs="?", default=str(DEFAULT_LEVEL), help="level YAML file")
    play.add_argument(
        "--profile",
        type=profile_name_argument,
        help=f"{PROFILE_HELP} (default: the profile called {STATION_PROFILE})",
    )
    play.add_argument("--exit-when-done", action="store_true", help="quit after the results")
    play.add_argument(
        "--watch", action="store_true", help="restart the level whenever its file is saved"
    )
    play.add_argument("--autoplay", action="store_true", help="the level plays itself")
    play.add_argument(
        "--jitter-ms",
        type=float_between(0.0, MAX_AUTOPLAY_SD_MS, " ms"),
        default=20.0,
        help=f"autoplay timing spread (SD), 0–{MAX_AUTOPLAY_SD_MS:g} ms",
    )
    play.add_argument(
        "--silent",
        action="store_true",
        help="play even without a sound output (the session records 'silent')",
    )
    play.set_defaults(handler=cmd_play)


def cmd_play(args: argparse.Namespace) -> int:
    # pygame and the game load only when a window is wanted, not for `run.py levels list`.
    from game.app import NoDisplayError, check_display, play_level
    from game.autoplay import AutoTapper

    level_path = Path(args.level)
    if not args.watch:
        load_level_file(args.level)  # a broken level is reported here, before any window opens
    elif not level_path.exists():
        raise UserError(f"{level_path}: no such level file")
    autoplay = AutoTapper(sd_ms=args.jitter_ms) if args.autoplay else None
    try:
        check_display()  # before the profile: refused here, nothing is recorded
    except NoDisplayError as error:
        raise UserError(NO_DISPLAY.format(error)) from error
    profile = profile_of(data_dir_of(args), args.profile, STATION_PROFILE)
    try:
        session_ids = play_level(
            level_path,
            data_dir_of(args),
            profile,
            args.exit_when_done,
            args.watch,
            autoplay,
            silent=args.silent,
        )
    except NoDisplayError as error:
        raise UserError(NO_DISPLAY.format(error)) from error
    if not session_ids and not args.watch:
        raise UserError(
            "no session recorded: the level did not start without sound; plug in speakers "
            "or headphones (`run.py devices` lists them), or give --silent to play without"
        )
    for session_id in session_ids:
        print(f"Session {session_id} of {profile.code} saved in {data_dir_of(args)}")
    return 0


def cmd_game(args: argparse.Namespace) -> int:
    """Bare `run.py`: the title, profiles, level map and the rest; options from cli/main.py."""
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
    except NoDisplayError as error:
        raise UserError(NO_DISPLAY.format(error)) from error
    return 0
