"""Shared pieces of the command line: errors people can act on, and the data folder."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

# add_command(name, help) -> the subcommand's parser, with --data-dir already on it.
AddCommand = Callable[[str, str], argparse.ArgumentParser]


class UserError(Exception):
    """A problem the person at the keyboard can fix; printed as one line, no traceback."""


def data_dir_of(args: argparse.Namespace) -> Path:
    if getattr(args, "data_dir", None) is not None:
        return Path(args.data_dir).expanduser()
    from engine.store.opening import default_data_dir

    return default_data_dir()
