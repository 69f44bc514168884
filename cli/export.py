"""`run.py export`: recorded taps, beats, tasks or sessions to a CSV or JSON file."""

from __future__ import annotations

import argparse
import sys

from cli.common import (
    AddCommand,
    UserError,
    add_server_argument,
    open_for_reading,
    output_argument,
    session_argument,
)


def register(add_command: AddCommand) -> None:
    export = add_command("export", "write recorded taps, beats, tasks or sessions to a file")
    export.add_argument("--what", choices=["taps", "beats", "tasks", "sessions"], default="taps")
    export.add_argument("--format", choices=["csv", "json"], default="csv")
    export.add_argument(
        "--out",
        required=True,
        type=output_argument,
        help="file to write (replaced whole or not at all), a pipe or device, or - for stdout",
    )
    export.add_argument(
        "--session", type=session_argument, help="only this session (default: the clinic)"
    )
    add_server_argument(export)
    export.add_argument(
        "--profile", metavar="CODE", help="only this profile's sessions, like P-ABC234"
    )
    export.set_defaults(handler=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from engine.reports.export import count_rows, export
    from engine.reports.output import output_target

    if args.session is not None and args.profile is not None:
        raise UserError("give --session or --profile, not both")
    # Read-only: no write lock, no migration; works beside a recording OnBeat and from
    # read-only media (or on the clinic's server, with --server).
    store = open_for_reading(args)
    try:
        out = output_target(args.out)  # checked before the data is read
        # With the data on stdout, the bar and the summary go to stderr.
        messages = sys.stderr if out.is_stdout else sys.stdout
        # A bar only for a person watching; pipes and logs get the one summary line.
        show_bar = messages.isatty()
        total = count_rows(store, args.what, args.session, args.profile) if show_bar else None
        with tqdm(total=total, unit=" rows", disable=not show_bar, file=messages) as bar:
            rows = export(
                store, out, args.what, args.format, args.session, bar.update, args.profile
            )
    except LookupError:
        if args.profile is not None:
            raise UserError(
                f"{args.profile}: no such profile in {store.path}; `run.py profiles list` "
                "shows the codes"
            ) from None
        raise UserError(f"session {args.session}: no such session in {store.path}") from None
    finally:
        store.close()
    print(f"Wrote {rows} {args.what} to {args.out}", file=messages)
    return 0
