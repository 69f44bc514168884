"""`run.py chart`: the chart fields a clinic may keep for a child (MRN, date of birth,
ICD-10 diagnosis codes). Off unless the clinic turns them on; shown on therapist screens and
reports only, never to a child."""

from __future__ import annotations

import argparse
from datetime import date

from cli.common import AddCommand, UserError, data_dir_of, profile_name_argument, profile_of


def register(add_command: AddCommand) -> None:
    chart = add_command("chart", "chart fields (MRN, date of birth, ICD-10 codes); off by default")
    actions = chart.add_subparsers(dest="chart_action", metavar="ACTION", required=True)
    enable = actions.add_parser("enable", help="keep and show chart fields in this clinic")
    enable.set_defaults(handler=cmd_switch, turn_on=True)
    disable = actions.add_parser("disable", help="hide chart fields (what is kept stays)")
    disable.set_defaults(handler=cmd_switch, turn_on=False)
    set_fields = actions.add_parser("set", help="set a profile's chart fields")
    set_fields.add_argument("--profile", required=True, type=profile_name_argument)
    set_fields.add_argument("--mrn", help="medical record number")
    set_fields.add_argument("--dob", help="date of birth, YYYY-MM-DD")
    set_fields.add_argument(
        "--dx", action="append", help="ICD-10 codes, comma-separated (repeatable), like F82,R27.8"
    )
    set_fields.set_defaults(handler=cmd_set)
    show = actions.add_parser("show", help="a profile's chart fields")
    show.add_argument("--profile", required=True, type=profile_name_argument)
    show.set_defaults(handler=cmd_show)
    for action in (enable, disable, set_fields, show):
        action.add_argument(
            "--data-dir", default=argparse.SUPPRESS, help="folder of the OnBeat database"
        )


def _enabled(store) -> bool:
    from engine.store.chart_records import CHART_FIELDS_ON, CHART_FIELDS_SETTING

    return store.station_setting(CHART_FIELDS_SETTING) == CHART_FIELDS_ON


def _refuse_when_off(store) -> None:
    if not _enabled(store):
        raise UserError(
            "chart fields are off in this clinic; turn them on with `run.py chart enable`"
        )


def cmd_switch(args: argparse.Namespace) -> int:
    from cli.therapists import open_for_writing
    from engine.store.chart_records import CHART_FIELDS_ON, CHART_FIELDS_SETTING

    store = open_for_writing(args)
    try:
        store.set_station_setting(CHART_FIELDS_SETTING, CHART_FIELDS_ON if args.turn_on else "off")
    finally:
        store.close()
    shown = "on: therapist screens and reports show them" if args.turn_on else "off"
    print(f"chart fields {shown}")
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    from cli.therapists import open_for_writing
    from engine.billing.chart_fields import birth_date_problem, diagnosis_codes, mrn_problem

    code = profile_of(data_dir_of(args), args.profile, None).code
    mrn = None if args.mrn is None else args.mrn.strip()
    if mrn is not None and (problem := mrn_problem(mrn)) is not None:
        raise UserError(f"--mrn {problem}", 2)
    born = None
    if args.dob is not None:
        try:
            born = date.fromisoformat(args.dob.strip())
        except ValueError:
            raise UserError(f"--dob '{args.dob}': write the date as YYYY-MM-DD", 2) from None
        if (problem := birth_date_problem(born, date.today())) is not None:
            raise UserError(f"--dob {problem}", 2)
    try:
        codes = diagnosis_codes(args.dx) if args.dx else None
    except ValueError as error:
        raise UserError(f"--dx {error}", 2) from None
    store = open_for_writing(args)
    try:
        _refuse_when_off(store)
        before = store.chart_fields(code)
        store.set_chart_fields(
            code,
            mrn if mrn is not None else (before.mrn if before else None),
            born.isoformat() if born else (before.date_of_birth if before else None),
            codes if codes is not None else (before.diagnosis_codes if before else ()),
        )
        _print(code, store.chart_fields(code))
    finally:
        store.close()
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from engine.store.opening import open_store

    code = profile_of(data_dir_of(args), args.profile, None).code
    store = open_store(data_dir_of(args), read_only=True)
    try:
        _refuse_when_off(store)
        _print(code, store.chart_fields(code))
    finally:
        store.close()
    return 0


def _print(code: str, fields) -> None:
    if fields is None:
        print(f"{code}: no chart fields yet")
        return
    print(f"{code}\tMRN {fields.mrn or '–'}\tborn {fields.date_of_birth or '–'}\t"
          f"ICD-10 {', '.join(fields.diagnosis_codes) or '–'}")  # fmt: skip
