"""`run.py billing`: the units minutes per code bill (CMS 8-minute rule or per code); a
session's minutes per code, assigned, shown and signed by a therapist; a profile's default
codes.

stdout holds one `CODE UNITS` line per code and then `total N`. A code the billing
configuration does not list, or a broken configuration, exits 1 with its lines on stderr;
arguments that are not CODE=MINUTES exit 2 (argparse's status for usage errors).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.common import AddCommand, UserError, profile_name_argument, session_argument
from engine.billing.codes import PERCENT
from engine.billing.units import UNIT_RULES, UnitRule

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
        choices=UNIT_RULES,
        default=UnitRule.CMS.value,
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

    assign = actions.add_parser(
        "assign",
        help="give a session's minutes to codes (default: the profile's codes share the "
        "active minutes)",
    )
    assign.add_argument("--session", required=True, type=session_argument, help="session id")
    assign.add_argument(
        "minutes",
        nargs="*",
        type=_code_minutes,
        metavar="CODE=MINUTES",
        help="minutes per code; none: the profile's default codes share the active minutes",
    )
    assign.add_argument("--therapist", required=True, help="therapist id or name")
    assign.add_argument(
        "--override-reason",
        metavar="WHY",
        help="bill more minutes than the measured active time allows, for this reason "
        "(kept with the session and printed on the flow sheet)",
    )
    assign.set_defaults(handler=cmd_assign)

    sign = actions.add_parser("sign", help="sign a session's minutes, codes and notes")
    sign.add_argument("--session", required=True, type=session_argument, help="session id")
    sign.add_argument("--therapist", required=True, help="therapist id or name")
    sign.add_argument(
        "--pin-stdin",
        action="store_true",
        help="the therapist's PIN on stdin, if they have one",
    )
    sign.set_defaults(handler=cmd_sign)

    show = actions.add_parser("show", help="a session's active time, minutes, units, signature")
    show.add_argument("--session", required=True, type=session_argument, help="session id")
    show.set_defaults(handler=cmd_show)

    defaults = actions.add_parser(
        "defaults", help="the codes a profile's active minutes go to unless assigned otherwise"
    )
    defaults.add_argument("--profile", required=True, type=profile_name_argument)
    defaults.add_argument(
        "shares",
        nargs="*",
        type=_code_share,
        metavar="CODE[=PERCENT]",
        help="codes and their share of the minutes in percent (adding up to 100); one code "
        "alone takes them all; none: show the defaults",
    )
    defaults.add_argument("--clear", action="store_true", help="take the defaults away")
    defaults.set_defaults(handler=cmd_defaults)
    for action in (units, assign, sign, show, defaults):
        action.add_argument(
            "--data-dir", default=argparse.SUPPRESS, help="folder of the OnBeat database"
        )
    for action in (assign, show, defaults):
        action.add_argument(
            "--config", type=Path, metavar="FILE", help="billing configuration to use"
        )
        action.add_argument(
            "--rule", choices=UNIT_RULES, default=UnitRule.CMS.value, help="unit rule (default cms)"
        )


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


def _code_share(text: str) -> tuple[str, int | None]:
    code, equals, percent_text = text.partition("=")
    code = code.strip().upper()
    if not code:
        raise argparse.ArgumentTypeError(f"'{text}': write CODE or CODE=PERCENT, like 97530=60")
    if not equals:
        return code, None
    if not (percent_text.isascii() and percent_text.isdigit() and 0 < int(percent_text) <= PERCENT):
        raise argparse.ArgumentTypeError(f"'{text}': the share is a whole percent from 1 to 100")
    return code, int(percent_text)


def _config(args: argparse.Namespace):
    from engine.billing.codes import BillingConfigError, billing_config_path, load_billing_config

    try:
        return load_billing_config(args.config if args.config else billing_config_path())
    except BillingConfigError as error:
        raise UserError(str(error)) from None


def _unknown_code(error, config) -> UserError:
    known = ", ".join(entry.code for entry in config.codes)
    return UserError(
        f"{error.code}: not a code in {error.config_path}; add it there, or use one of {known}"
    )


def _given_minutes(pairs: list[tuple[str, int]]) -> dict[str, int]:
    minutes_by_code: dict[str, int] = {}
    for code, minutes in pairs:
        if code in minutes_by_code:
            raise UserError(f"{code} is given twice; add up its minutes", _USAGE_ERROR)
        minutes_by_code[code] = minutes
    return minutes_by_code


def _session_store(args: argparse.Namespace, write: bool):
    """The store, for writing or only reading, with ``--session`` checked to exist."""
    from cli.common import data_dir_of
    from engine.store.opening import open_store, store_exists

    data_dir = data_dir_of(args)
    if not store_exists(data_dir):
        raise UserError(f"{data_dir}: no OnBeat data here; give the folder with --data-dir")
    store = open_store(data_dir, read_only=not write)
    try:
        store.session(args.session)
    except LookupError as error:
        store.close()
        raise UserError(f"--session {args.session}: {error}") from None
    return store


def _audit(args: argparse.Namespace, store, action: str, detail: str) -> None:
    """Add ``action`` to the station's audit log under the station's clinic name."""
    from cli.common import data_dir_of
    from engine.session.audit import audit
    from engine.store.clinic.settings import station_name_in

    audit(store, station_name_in(data_dir_of(args)), action, detail)


def cmd_assign(args: argparse.Namespace) -> int:
    from cli.therapists import therapist_named
    from engine.billing.session_billing import (
        BilledOverActiveError,
        BillingRecordError,
        assign_minutes,
        minutes_audit_detail,
    )
    from engine.billing.units import UnknownCodeError

    config = _config(args)
    given = _given_minutes(args.minutes) if args.minutes else None
    store = _session_store(args, write=True)
    try:
        therapist = therapist_named(store, args.therapist)
        try:
            lines = assign_minutes(
                store,
                args.session,
                therapist.therapist_id,
                config,
                given,
                override_reason=args.override_reason,
            )
        except UnknownCodeError as error:
            raise _unknown_code(error, config) from None
        except BilledOverActiveError as error:
            raise UserError(f'{error} (--override-reason "WHY"); nothing assigned') from None
        except BillingRecordError as error:
            raise UserError(str(error)) from None
        stored_minutes = {line.code: line.minutes for line in lines}
        detail = minutes_audit_detail(args.session, therapist.therapist_id, stored_minutes)
        _audit(args, store, "minutes_billed", detail)
        _print_session(store, args.session, config, args.rule)
    finally:
        store.close()
    return 0


def cmd_sign(args: argparse.Namespace) -> int:
    from cli.therapists import read_pin, therapist_named
    from engine.billing.session_billing import (
        BillingRecordError,
        sign_session,
        signature_audit_detail,
    )
    from engine.session.station_pin import pin_matches

    store = _session_store(args, write=True)
    try:
        therapist = therapist_named(store, args.therapist)
        pin_hash = store.therapist_pin_hash(therapist.therapist_id)
        if pin_hash is not None:
            pin = read_pin(args.pin_stdin, f"PIN of {therapist.signed_name}: ")
            if not pin_matches(pin_hash, pin):
                raise UserError(f"that is not the PIN of {therapist.signed_name}; nothing signed")
        try:
            signature = sign_session(store, args.session, therapist)
        except BillingRecordError as error:
            raise UserError(str(error)) from None
        detail = signature_audit_detail(args.session, therapist.therapist_id)
        _audit(args, store, "signed", detail)
    finally:
        store.close()
    print(f"session {args.session} signed by {therapist.signed_name} at {signature.signed_at_utc}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    config = _config(args)
    store = _session_store(args, write=False)
    try:
        _print_session(store, args.session, config, args.rule)
    finally:
        store.close()
    return 0


def _print_session(store, session_id: int, config, rule: str) -> None:
    """What the session bills: active time, minutes and units per code, the signature."""
    from engine.billing.active_time import whole_minutes
    from engine.billing.session_billing import measured_active_seconds, signature_state
    from engine.billing.units import UnitRule, UnknownCodeError, session_units

    seconds = measured_active_seconds(store, session_id)
    print(f"active {seconds:.0f} s ({whole_minutes(seconds)} min)")
    assigned = store.session_minutes(session_id)
    if assigned is None:
        print("minutes not assigned to codes yet")
        return
    try:
        units = session_units(assigned.as_mapping(), config, UnitRule(rule))
    except UnknownCodeError as error:
        raise _unknown_code(error, config) from None
    for line in units.codes:
        print(f"{line.code} {line.minutes} min {line.units} units")
    print(f"total {units.treatment_minutes} min {units.total_units} units ({rule})")
    state = signature_state(store, session_id)
    if state is None:
        print("not signed")
    else:
        changed = "" if state.current else "; changed since: sign again"
        print(
            f"signed by {state.therapist.signed_name} at {state.signature.signed_at_utc}{changed}"
        )


def cmd_defaults(args: argparse.Namespace) -> int:
    from cli.common import data_dir_of, profile_of
    from cli.therapists import open_for_writing
    from engine.billing.session_billing import check_codes
    from engine.billing.units import UnknownCodeError
    from engine.store.chart_records import CodeShare

    code = profile_of(data_dir_of(args), args.profile, None).code
    config = _config(args)
    shares = None
    if args.clear:
        shares = []
    elif args.shares:
        if len(args.shares) == 1 and args.shares[0][1] is None:
            shares = [CodeShare(args.shares[0][0], PERCENT)]
        elif any(percent is None for _, percent in args.shares):
            raise UserError("with several codes give each its share: CODE=PERCENT", _USAGE_ERROR)
        else:
            shares = [CodeShare(c, p) for c, p in args.shares]
            if sum(s.percent for s in shares) != PERCENT:
                total = sum(s.percent for s in shares)
                raise UserError(f"the shares add up to {total} %, not 100 %", _USAGE_ERROR)
        try:
            check_codes([s.code for s in shares], config)
        except UnknownCodeError as error:
            raise _unknown_code(error, config) from None
    store = open_for_writing(args)
    try:
        if shares is not None:
            try:
                store.set_default_codes(code, shares)
            except ValueError as error:
                raise UserError(str(error)) from None
        shown = store.default_codes(code)
    finally:
        store.close()
    print(f"{code}: " + (" ".join(f"{s.code}={s.percent}" for s in shown) or "no default codes"))
    return 0
