"""`run.py report`: a session report, a profile's progress report or flow sheets, to a file."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from cli.common import PROFILE_HELP, USAGE_STATUS, AddCommand, UserError, data_dir_of, profile_of


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-01-31") from None


def register(add_command: AddCommand) -> None:
    report = add_command("report", "write a session report, progress report or flow sheets")
    which = report.add_mutually_exclusive_group(required=True)
    which.add_argument("--session", type=int, help="report on this session")
    which.add_argument("--profile", help=f"progress report of this profile: {PROFILE_HELP}")
    report.add_argument("--from", dest="from_date", type=_date, help="first day (YYYY-MM-DD)")
    report.add_argument("--to", dest="to_date", type=_date, help="last day (YYYY-MM-DD)")
    report.add_argument(
        "--format",
        choices=["html", "pdf", "csv", "json"],
        help="default: the one the --out suffix names (html without a suffix); a suffix "
        "naming another format is an error",
    )
    report.add_argument("--out", required=True, help="file to write, e.g. robin.pdf")
    report.add_argument(
        "--flow-sheet",
        action="store_true",
        help="one printable page per session for the chart, with a signature line",
    )
    report.add_argument(
        "--assessment-level",
        action="append",
        metavar="LEVEL_ID",
        help="level id of the standard assessment (repeatable; default: standard, "
        "standard-assessment)",
    )
    report.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from engine.metrics.progress import ASSESSMENT_LEVEL_IDS
    from engine.reports.service import ReportError, ReportRequest, format_for, write_report
    from engine.store.opening import open_store, store_exists

    data_dir = data_dir_of(args)
    out = Path(args.out)
    try:
        format_name = format_for(out, args.format)
    except ReportError as error:
        raise UserError(str(error), USAGE_STATUS) from None
    if not store_exists(data_dir):
        raise UserError(f"{data_dir}: no OnBeat data here; give the folder with --data-dir")
    if not out.parent.is_dir():
        raise UserError(f"{out}: the folder {out.parent} does not exist; make it first")
    profile_code = None
    if args.profile is not None:
        profile_code = profile_of(data_dir, args.profile, None).code
    request = ReportRequest(
        format=format_name,
        session_id=args.session,
        profile_code=profile_code,
        from_date=args.from_date,
        to_date=args.to_date,
        flow_sheet=args.flow_sheet,
        assessment_level_ids=tuple(args.assessment_level or ASSESSMENT_LEVEL_IDS),
    )
    store = open_store(data_dir)
    try:
        write_report(store, request, out)
    except ReportError as error:
        raise UserError(str(error)) from None
    except LookupError as error:
        hint = "list profiles and sessions with `run.py export --what sessions`"
        raise UserError(f"{error}; {hint}") from None
    finally:
        store.close()
    print(f"Wrote {out}")
    return 0
