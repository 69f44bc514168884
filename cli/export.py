"""`run.py export`: recorded taps, beats, tasks or sessions to a CSV or JSON file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.common import AddCommand, UserError, data_dir_of


def register(add_command: AddCommand) -> None:
    export = add_command("export", "write recorded taps, beats, tasks or sessions to a file")
    export.add_argument("--what", choices=["taps", "beats", "tasks", "sessions"], default="taps")
    export.add_argument("--format", choices=["csv", "json"], default="csv")
    export.add_argument("--out", required=True, help="file to write")
    export.add_argument("--session", type=int, help="only this session (default: the clinic)")
    export.set_defaults(handler=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from engine.reports.export import count_rows, export
    from engine.store.opening import open_store, store_exists

    data_dir = data_dir_of(args)
    if not store_exists(data_dir):
        raise UserError(f"{data_dir}: no OnBeat data here; give the folder with --data-dir")
    out = Path(args.out)
    if not out.parent.is_dir():
        raise UserError(f"{out}: the folder {out.parent} does not exist; make it first")
    store = open_store(data_dir)
    try:
        # A bar only for a person watching; pipes and logs get the one summary line.
        show_bar = sys.stdout.isatty()
        total = count_rows(store, args.what, args.session) if show_bar else None
        with tqdm(total=total, unit=" rows", disable=not show_bar, file=sys.stdout) as bar:
            rows = export(store, out, args.what, args.format, args.session, progress=bar.update)
    except LookupError:
        raise UserError(f"session {args.session}: no such session in {data_dir}") from None
    finally:
        store.close()
    print(f"Wrote {rows} {args.what} to {args.out}")
    return 0
