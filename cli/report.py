"""`run.py report`: a session report, a profile's progress report or flow sheets, to a file."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from cli.common import (
    PROFILE_HELP,
    USAGE_STATUS,
    AddCommand,
    UserError,
    add_server_argument,
    data_dir_of,
    open_for_reading,
    output_argument,
    profile_in,
    profile_name_argument,
    profile_of,
    session_argument,
)
from engine.billing.units import UNIT_RULES, UnitRule


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-01-31") from None


def register(add_command: AddCommand) -> None:
    report = add_command("report", "write a session report, progress report or flow sheets")
    which = report.add_mutually_exclusive_group(required=True)
    which.add_argument("--session", type=session_argument, help="report on this session")
    which.add_argument(
        "--profile",
        type=profile_name_argument,
        help=f"progress report of this profile: {PROFILE_HELP}",
    )
    report.add_argument("--from", dest="from_date", type=_date, help="first day (YYYY-MM-DD)")
    report.add_argument("--to", dest="to_date", type=_date, help="last day (YYYY-MM-DD)")
    report.add_argument(
        "--format",
        choices=["html", "pdf", "csv", "json"],
        help="default: the one the --out suffix names (html without a suffix); a suffix "
        "naming another format is an error",
    )
    report.add_argument(
        "--out",
        required=True,
        type=output_argument,
        help="file to write (replaced whole or not at all), a pipe or device, or - for stdout",
    )
    report.add_argument(
        "--flow-sheet",
        action="store_true",
        help="one printable page per date for the chart: minutes and units per code, tasks, "
        "goal progress, notes, signatures",
    )
    report.add_argument(
        "--reevaluation",
        action="store_true",
        help="a profile's goals, baseline against now, for a re-evaluation",
    )
    report.add_argument(
        "--rule",
        choices=UNIT_RULES,
        default=UnitRule.CMS.value,
        help="how minutes per code become units on flow sheets and progress reports "
        "(default: cms, the 8-minute rule)",
    )
    report.add_argument(
        "--assessment-level",
        action="append",
        metavar="LEVEL_ID",
        help="level id of the standard assessment (repeatable; default: standard, "
        "standard-assessment)",
    )
    add_server_argument(report)
    report.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from engine.metrics.progress import ASSESSMENT_LEVEL_IDS
    from engine.reports.output import output_target
    from engine.reports.service import ReportError, ReportRequest, format_for, write_report

    try:
        format_name = format_for(Path(args.out), args.format)
    except ReportError as error:
        raise UserError(str(error), USAGE_STATUS) from None
    # Read-only: no write lock, no migration; progress sums are computed in memory.
    store = open_for_reading(args)
    try:
        out = output_target(args.out)  # checked before the report is made
        profile_code = None
        if args.profile is not None and args.server:
            # The clinic's server chooses as a station does: a code, or a name only one
            # active profile of the clinic has.
            profile_code = profile_in(store, args.profile).code
        elif args.profile is not None:
            profile_code = profile_of(data_dir_of(args), args.profile, None).code
    except BaseException:
        store.close()
        raise
    request = ReportRequest(
        format=format_name,
        session_id=args.session,
        profile_code=profile_code,
        from_date=args.from_date,
        to_date=args.to_date,
        flow_sheet=args.flow_sheet,
        reevaluation=args.reevaluation,
        unit_rule=args.rule,
        assessment_level_ids=tuple(args.assessment_level or ASSESSMENT_LEVEL_IDS),
    )
    try:
        write_report(store, request, out)
    except ReportError as error:
        raise UserError(str(error)) from None
    except LookupError as error:
        hint = "list profiles and sessions with `run.py export --what sessions`"
        raise UserError(f"{error}; {hint}") from None
    finally:
        store.close()
    print(f"Wrote {out.given}", file=sys.stderr if out.is_stdout else sys.stdout)
    return 0
