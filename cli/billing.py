"""`run.py billing units`: the units a session's minutes per code bill, by the CMS 8-minute
rule or the per-code rule.

stdout holds one `CODE UNITS` line per code and then `total N`. A code the billing
configuration does not list, or a broken configuration, exits 1 with its lines on stderr;
arguments that are not CODE=MINUTES exit 2 (argparse's status for usage errors).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.common import AddCommand, UserError

# No session of one child lasts a day; more is a typing mistake (minutes for seconds...).
MAX_MINUTES = 24 * 60
_USAGE_ERROR = 2


def register(add_command: AddCommand) -> None:
    billing = add_command("billing", "billing codes and units of therapy minutes")
    actions = billing.add_subparsers(dest="billing_action", metavar="ACTION", required=True)
    help_text = "units that minutes per code bill (CMS 8-minute rule or per code)"
    units = actions.add_parser("units", help=help_text, description=help_text)
    units.add_argument(
        "minutes",
        nargs="+",
        type=_code_minutes,
        metavar="CODE=MINUTES",
        help="a code and the whole minutes spent on it in one session, like 97110=23",
    )
    units.add_argument(
        "--rule",
        choices=["cms", "per-code"],
        default="cms",
        help="cms: timed minutes added up across codes (Medicare); "
        "per-code: each code counted alone (default: cms)",
    )
    units.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="billing configuration to use (default: the clinic's billing.yaml in the OnBeat "
        "config folder, else config/billing.yaml)",
    )
    units.set_defaults(handler=cmd_units)


def _code_minutes(text: str) -> tuple[str, int]:
    code, equals, minutes_text = text.partition("=")
    code = code.strip().upper()
    if not equals or not code:
        raise argparse.ArgumentTypeError(f"'{text}': write CODE=MINUTES, like 97110=23")
    if not (minutes_text.isascii() and minutes_text.isdigit()):
        raise argparse.ArgumentTypeError(
            f"'{text}': minutes must be a whole number, like {code}=23"
        )
    minutes = int(minutes_text)
    if minutes > MAX_MINUTES:
        raise argparse.ArgumentTypeError(
            f"'{text}': more than {MAX_MINUTES} minutes (a day) is not one session"
        )
    return code, minutes


def cmd_units(args: argparse.Namespace) -> int:
    from engine.billing.codes import BillingConfigError, billing_config_path, load_billing_config
    from engine.billing.units import UnitRule, UnknownCodeError, session_units

    minutes_by_code: dict[str, int] = {}
    for code, minutes in args.minutes:
        if code in minutes_by_code:
            print(
                f"run.py billing units: {code} is given twice; add up its minutes", file=sys.stderr
            )
            return _USAGE_ERROR
        minutes_by_code[code] = minutes
    config_path = args.config if args.config is not None else billing_config_path()
    try:
        config = load_billing_config(config_path)
        result = session_units(minutes_by_code, config, UnitRule(args.rule))
    except BillingConfigError as error:
        raise UserError(str(error)) from None
    except UnknownCodeError as error:
        known = ", ".join(entry.code for entry in config.codes)
        raise UserError(
            f"{error.code}: not a code in {error.config_path}; add it there, or use one of {known}"
        ) from None
    for line in result.codes:
        print(f"{line.code} {line.units}")
    print(f"total {result.total_units}")
    return 0
