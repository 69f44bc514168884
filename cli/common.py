"""Shared pieces of the command line: errors people can act on, the data folder, the
default level, and loading a level file with its problems as one message.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.levels.model import Level
    from engine.store.records import ProfileRecord

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LEVEL = ROOT / "levels" / "pond" / "frog-hop.yaml"

# add_command(name, help) -> the subcommand's parser, with --data-dir already on it.
AddCommand = Callable[[str, str], argparse.ArgumentParser]


class UserError(Exception):
    """A problem the person at the keyboard can fix; printed as one line, no traceback, and
    the program ends with ``exit_status``."""

    def __init__(self, message: str, exit_status: int = 1) -> None:
        super().__init__(message)
        self.exit_status = exit_status


PROFILE_HELP = "profile code (P-XXXXXX), or a name that only one profile in use has"
# Options that fit nothing, fit several things or contradict each other: a usage problem,
# with argparse's status (a --profile that names no profile or several; --format and --out).
USAGE_STATUS = 2


def data_dir_of(args: argparse.Namespace) -> Path:
    if getattr(args, "data_dir", None) is not None:
        return Path(args.data_dir).expanduser()
    from engine.store.opening import default_data_dir

    return default_data_dir()


def profile_of(data_dir: Path, text: str | None, station_name: str | None) -> ProfileRecord:
    """The profile ``--profile`` names: a code, or a name exactly one profile in use has.
    Without --profile (``text`` None), the station's profile called ``station_name`` (made if
    there is none). Anything else is a UserError with status 2 that lists the codes that fit;
    it is raised before anything is recorded."""
    from engine.store.opening import open_store
    from engine.store.profile_choice import ProfileChoiceError, choose_profile, station_profile

    store = open_store(data_dir)
    try:
        if text is None:
            assert station_name is not None, "give --profile or a station name"
            return station_profile(store, station_name)
        return choose_profile(store, text)
    except ProfileChoiceError as error:
        where = f"--profile {text}" if text is not None else "without --profile"
        raise UserError(f"{where}: {error}", USAGE_STATUS) from None
    finally:
        store.close()


def load_level_file(path_text: str) -> Level:
    """The level at ``path_text``, or a `UserError` that lists every problem with its place."""
    # pydantic comes with the loader; only the commands that play a level pay for it.
    from engine.levels.load import LevelError, load_level

    path = Path(path_text)
    if not path.exists():
        raise UserError(f"{path}: no such level file; list shipped levels with `ls levels/`")
    try:
        return load_level(path)
    except LevelError as error:
        raise UserError("\n".join(str(problem) for problem in error.problems)) from None
