"""`run.py audit`: the station's append-only audit log (PIN use, lockouts, changes, reports and
exports saved) as CSV or JSON, with the columns at_utc, station, action, detail."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.common import AddCommand, UserError, data_dir_of


def register(add_command: AddCommand) -> None:
    audit = add_command("audit", "write the station's audit log (PIN use, changes, exports)")
    audit.add_argument("--format", choices=("csv", "json"), default="csv")
    audit.add_argument("--out", help="file to write (default: standard output)")
    audit.set_defaults(handler=cmd_audit)


def cmd_audit(args: argparse.Namespace) -> int:
    from engine.reports.audit import audit_bytes, write_audit
    from engine.store.opening import open_store, store_exists

    data_dir = data_dir_of(args)
    if not store_exists(data_dir):
        raise UserError(f"{data_dir}: no OnBeat data here; give the folder with --data-dir")
    store = open_store(data_dir)
    try:
        entries = store.audit_entries()
    finally:
        store.close()
    if args.out is None:
        sys.stdout.write(audit_bytes(entries, args.format).decode("utf-8"))
        return 0
    out_path = Path(args.out)
    try:
        write_audit(entries, args.format, out_path)
    except OSError as error:
        raise UserError(f"{out_path}: cannot write the audit log ({error.strerror})") from None
    print(f"{len(entries)} audit entries written to {out_path}")
    return 0
