"""Shared pieces of the command line: errors people can act on, the data folder, the
default level, loading a level file with its problems as one message, and the checks of
arguments that run before anything is recorded (argparse types: a bad value is a usage
error, exit status 2, with a line that says what to give).
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from engine.levels.model import Level
    from engine.store.protocol import Store
    from engine.store.records import ProfileRecord

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LEVEL = ROOT / "levels" / "pond" / "frog-hop.yaml"

# add_command(name, help) -> the subcommand's parser, with --data-dir already on it.
AddCommand = Callable[[str, str], argparse.ArgumentParser]
# SQLite's integers are 64-bit signed; a session id beyond them can name nothing.
MAX_SESSION_ID = 2**63 - 1


# user:password@ in a URL (the clinic's server): what hide_passwords blanks out.
_URL_PASSWORD = re.compile(r"(?P<start>://[^:/@\s]*):[^@\s]*@")


def hide_passwords(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ***, for logs."""
    return _URL_PASSWORD.sub(r"\g<start>:***@", text)


def data_dir_argument(text: str) -> str:
    """--data-dir: a folder; an empty text would silently mean the current folder."""
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty; give a folder, or leave --data-dir out")
    return text


def session_argument(text: str) -> int:
    """--session: a session id, a whole number from 1."""
    stripped = text.strip()
    if not (stripped.isascii() and stripped.isdigit()) or not 1 <= int(stripped) <= MAX_SESSION_ID:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a session number; give a whole number such as 12 "
            "(`run.py export --what sessions` lists them)"
        )
    return int(stripped)


def output_argument(text: str) -> str:
    """--out: a file to write, or - for the standard output. Only what is wrong whatever the
    disk holds is a usage error here; engine/reports/output.py checks the rest."""
    if not text.strip():
        raise argparse.ArgumentTypeError("is empty; give a file name, or - for the standard output")
    if text != "-" and Path(text).expanduser().is_dir():
        raise argparse.ArgumentTypeError(
            f"{text} is a folder; give a file name inside it, like {Path(text) / 'onbeat.csv'}"
        )
    return text


def profile_name_argument(text: str) -> str:
    """--profile of the game: a profile's display name."""
    from engine.store.records import profile_name_problem

    problem = profile_name_problem(text)
    if problem is not None:
        raise argparse.ArgumentTypeError(problem)
    return text


def float_between(low: float, high: float, unit: str = "") -> Callable[[str], float]:
    """An argparse type: a finite number from ``low`` to ``high`` (the help says which)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and low <= value <= high):
            raise argparse.ArgumentTypeError(
                f"{text!r}: give a number from {low:g} to {high:g}{unit}"
            )
        return value

    return parse


def whole_number_from(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        stripped = text.strip()
        digits = stripped.removeprefix("-")
        if not (digits.isascii() and digits.isdigit()) or not low <= int(stripped) <= high:
            raise argparse.ArgumentTypeError(f"{text!r}: give a whole number from {low} to {high}")
        return int(stripped)

    return parse


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


def clinic_levels_of(args: argparse.Namespace) -> Path:
    """The folder of the clinic's shared levels in the station's data folder."""
    from engine.levels.paths import clinic_levels_dir

    return clinic_levels_dir(data_dir_of(args))


SERVER_HELP = (
    "read the clinic's PostgreSQL server (postgresql://USER@HOST/DATABASE) instead of this "
    "station's data (docs/clinic.md)"
)


def add_server_argument(parser: argparse.ArgumentParser) -> None:
    """--server on a command that only reads: the clinic's server in place of --data-dir."""
    parser.add_argument("--server", metavar="URL", help=SERVER_HELP)


def open_for_reading(args: argparse.Namespace):
    """The store a reading command reads: the clinic's server given with --server, opened
    read-only, or the data folder's, read-only (UserError when it holds no data)."""
    from engine.store.opening import open_server_store, open_store, store_exists

    if getattr(args, "server", None):
        return open_server_store(args.server, read_only=True)
    data_dir = data_dir_of(args)
    if not store_exists(data_dir):
        raise UserError(f"{data_dir}: no OnBeat data here; give the folder with --data-dir")
    return open_store(data_dir, read_only=True)


def profile_of(data_dir: Path, text: str | None, station_name: str | None) -> ProfileRecord:
    """The profile ``--profile`` names: a code, or a name exactly one profile in use has.
    Without --profile (``text`` None), the station's profile called ``station_name`` (made if
    there is none). Anything else is a UserError with status 2 that lists the codes that fit;
    it is raised before anything is recorded."""
    from engine.store.opening import open_store
    from engine.store.profile_choice import ProfileChoiceError, choose_profile, station_profile

    # Choosing an existing profile only reads (reports work from read-only media); the
    # station's default profile may have to be made.
    store = open_store(data_dir, read_only=station_name is None)
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


def profile_in(store: Store, text: str) -> ProfileRecord:
    """The profile ``--profile`` names in an open store (a station's or the clinic's server):
    a code, or a name exactly one profile in use has; else a UserError with status 2 that
    lists the codes that fit."""
    from engine.store.profile_choice import ProfileChoiceError, choose_profile

    try:
        return choose_profile(store, text)
    except ProfileChoiceError as error:
        raise UserError(f"--profile {text}: {error}", USAGE_STATUS) from None


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
