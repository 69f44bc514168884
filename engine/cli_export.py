"""`run.py export`: recorded taps to a file."""

from __future__ import annotations

import argparse
from pathlib import Path

from engine.cli_common import AddCommand, UserError, data_dir_of


def register(add_command: AddCommand) -> None:
    export = add_command("export", "write recorded taps to a file")
    export.add_argument("--format", choices=["csv"], default="csv")
    export.add_argument("--out", required=True, help="file to write")
    export.add_argument("--session", type=int, help="only this session (default: all)")
    export.set_defaults(handler=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from engine.export import export_taps_csv
    from engine.store import Store

    data_dir = data_dir_of(args)
    if not (data_dir / "onbeat.sqlite3").exists():
        raise UserError(f"{data_dir}: no OnBeat data here; give the folder with --data-dir")
    store = Store.open(data_dir)
    try:
        rows = export_taps_csv(store, Path(args.out), session_id=args.session)
    except LookupError:
        raise UserError(f"session {args.session}: no such session in {data_dir}") from None
    finally:
        store.close()
    print(f"Wrote {rows} taps to {args.out}")
    return 0
