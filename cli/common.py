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

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_LEVEL = ROOT / "levels" / "pond" / "frog-hop.yaml"

# add_command(name, help) -> the subcommand's parser, with --data-dir already on it.
AddCommand = Callable[[str, str], argparse.ArgumentParser]


class UserError(Exception):
    """A problem the person at the keyboard can fix; printed as one line, no traceback."""


def data_dir_of(args: argparse.Namespace) -> Path:
    if getattr(args, "data_dir", None) is not None:
        return Path(args.data_dir).expanduser()
    from engine.store.opening import default_data_dir

    return default_data_dir()


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
