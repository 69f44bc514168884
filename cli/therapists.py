"""`run.py therapists`: register the therapists who sign notes, minutes and codes, list them,
give one a PIN of their own (to be known by it at a shared station), retire one."""

from __future__ import annotations

import argparse
import getpass
import sys

from cli.common import AddCommand, UserError, data_dir_of


def register(add_command: AddCommand) -> None:
    therapists = add_command("therapists", "the therapists who sign notes, minutes and codes")
    actions = therapists.add_subparsers(dest="therapists_action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="register a therapist")
    add.add_argument("--name", required=True, help="name as signed, like 'Kim Lee'")
    add.add_argument(
        "--credentials", required=True, help="as signed after the name: OTR/L, PT, CCC-SLP..."
    )
    add.add_argument("--npi", help="National Provider Identifier, 10 digits (optional)")
    add.add_argument("--discipline", help="OT, PT or SLP (optional)")
    add.add_argument(
        "--pin-stdin",
        action="store_true",
        help="read a PIN of their own (4-8 digits) from the first line of stdin",
    )
    add.set_defaults(handler=cmd_add)
    listing = actions.add_parser("list", help="list the therapists (id, name, credentials)")
    listing.set_defaults(handler=cmd_list)
    pin = actions.add_parser("pin", help="set or clear a therapist's own PIN")
    pin.add_argument("therapist", help="therapist id or name")
    pin.add_argument("--clear", action="store_true", help="take the PIN away")
    pin.add_argument("--pin-stdin", action="store_true", help="read the PIN from stdin")
    pin.set_defaults(handler=cmd_pin)
    retire = actions.add_parser("retire", help="offer a therapist no more (signatures stay)")
    retire.add_argument("therapist", help="therapist id or name")
    retire.set_defaults(handler=cmd_retire)
    for action in (add, listing, pin, retire):
        action.add_argument(
            "--data-dir", default=argparse.SUPPRESS, help="folder of the OnBeat database"
        )


def open_for_writing(args: argparse.Namespace):
    """The store of ``--data-dir`` for a command that writes; it must exist already."""
    from engine.store.opening import open_store, store_exists

    data_dir = data_dir_of(args)
    if not store_exists(data_dir):
        raise UserError(f"{data_dir}: no OnBeat data here; give the folder with --data-dir")
    return open_store(data_dir)


def therapist_named(store, text: str):
    from engine.billing.session_billing import find_therapist

    try:
        return find_therapist(store, text)
    except LookupError as error:
        raise UserError(f"--therapist {error.args[0]}") from None


def read_pin(from_stdin: bool, prompt: str) -> str:
    """A PIN from the first line of stdin, or typed unseen at a terminal."""
    if from_stdin:
        return sys.stdin.readline().strip()
    if not sys.stdin.isatty():
        raise UserError("a PIN is needed: give --pin-stdin and the PIN on stdin")
    return getpass.getpass(prompt).strip()


def cmd_add(args: argparse.Namespace) -> int:
    from engine.billing.people import (
        credentials_problem,
        discipline_problem,
        name_problem,
        npi_problem,
    )
    from engine.session.station_pin import hash_pin, pin_problem

    name, credentials = " ".join(args.name.split()), args.credentials.strip()
    discipline = None if args.discipline is None else args.discipline.strip().upper()
    problems = [
        name_problem(name),
        credentials_problem(credentials),
        None if args.npi is None else npi_problem(args.npi.strip()),
        None if discipline is None else discipline_problem(discipline),
    ]
    problem = next((p for p in problems if p is not None), None)
    if problem is not None:
        raise UserError(f"run.py therapists add: {problem}")
    pin_hash = None
    if args.pin_stdin:
        pin = read_pin(True, "")
        if (problem := pin_problem(pin)) is not None:
            raise UserError(f"run.py therapists add: {problem}")
        pin_hash = hash_pin(pin)
    store = open_for_writing(args)
    try:
        with store.transaction():
            npi = None if args.npi is None else args.npi.strip()
            therapist = store.add_therapist(name, credentials, npi, discipline)
            if pin_hash is not None:
                store.set_therapist_pin_hash(therapist.therapist_id, pin_hash)
    finally:
        store.close()
    print(f"{therapist.therapist_id} {therapist.signed_name}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from engine.store.opening import open_store, store_exists

    data_dir = data_dir_of(args)
    if not store_exists(data_dir):
        raise UserError(f"{data_dir}: no OnBeat data here; give the folder with --data-dir")
    store = open_store(data_dir, read_only=True)
    try:
        therapists = store.therapists()
    finally:
        store.close()
    for t in therapists:
        extras = [f"NPI {t.npi}" if t.npi else "", t.discipline or "", "PIN" if t.has_pin else ""]
        if t.retired_at_utc:
            extras.append(f"retired {t.retired_at_utc[:10]}")
        print("\t".join([str(t.therapist_id), t.signed_name, *[e for e in extras if e]]))
    if not therapists:
        print("no therapists yet; add one with `run.py therapists add`", file=sys.stderr)
    return 0


def cmd_pin(args: argparse.Namespace) -> int:
    from engine.session.station_pin import hash_pin, pin_problem

    store = open_for_writing(args)
    try:
        therapist = therapist_named(store, args.therapist)
        if args.clear:
            store.set_therapist_pin_hash(therapist.therapist_id, None)
            print(f"{therapist.signed_name}: PIN taken away")
            return 0
        pin = read_pin(args.pin_stdin, f"New PIN for {therapist.signed_name}: ")
        if (problem := pin_problem(pin)) is not None:
            raise UserError(f"run.py therapists pin: {problem}")
        store.set_therapist_pin_hash(therapist.therapist_id, hash_pin(pin))
    finally:
        store.close()
    print(f"{therapist.signed_name}: PIN set")
    return 0


def cmd_retire(args: argparse.Namespace) -> int:
    store = open_for_writing(args)
    try:
        therapist = therapist_named(store, args.therapist)
        try:
            store.retire_therapist(therapist.therapist_id)
        except ValueError as error:
            raise UserError(f"run.py therapists retire: {error}") from None
    finally:
        store.close()
    print(f"{therapist.signed_name}: retired; their signatures stay")
    return 0
