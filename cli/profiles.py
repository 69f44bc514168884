"""`run.py profiles list | add | rename | archive`: the children of a station, by code.

A profile is its code; display names may repeat (two children called Mia). `add` always
makes a new profile and prints its code alone on the last line, for scripts. `rename` and
`archive` take a code only: a name could mean another child.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.common import (
    USAGE_STATUS,
    AddCommand,
    UserError,
    add_server_argument,
    data_dir_of,
    open_for_reading,
)

HEADINGS = ("code", "name", "avatar", "birth year", "sessions", "last session", "archived")


def register(add_command: AddCommand) -> None:
    profiles = add_command("profiles", "list, add, rename or archive the children's profiles")
    actions = profiles.add_subparsers(dest="action", required=True, metavar="ACTION")

    listing = actions.add_parser("list", help="every profile, archived ones marked")
    listing.add_argument(
        "--active", action="store_true", help="only the profiles in use (not archived)"
    )
    add_server_argument(listing)
    listing.set_defaults(handler=cmd_list)

    add = actions.add_parser("add", help="make a new profile; prints its code last")
    add.add_argument("name", help="display name (a first name or a nickname)")
    add.add_argument("--avatar", help="avatar: frog, cat, owl, robot, fox or bear")
    add.add_argument("--birth-year", type=int, help="year of birth, e.g. 2018")
    add.set_defaults(handler=cmd_add)

    rename = actions.add_parser("rename", help="give a profile another display name")
    rename.add_argument("code", help="profile code (P-XXXXXX)")
    rename.add_argument("name", help="the new display name")
    rename.set_defaults(handler=cmd_rename)

    archive = actions.add_parser(
        "archive", help="take a profile off the child's list; its data and reports stay"
    )
    archive.add_argument("code", help="profile code (P-XXXXXX)")
    archive.set_defaults(handler=cmd_archive)

    for action in (listing, add, rename, archive):
        # `run.py profiles list --data-dir D` as well as `run.py --data-dir D profiles list`.
        action.add_argument(
            "--data-dir", default=argparse.SUPPRESS, help="folder of the OnBeat database"
        )


def _open(data_dir: Path, must_exist: bool = True):
    from engine.store.opening import open_store, store_exists

    if must_exist and not store_exists(data_dir):
        raise UserError(f"{data_dir}: no OnBeat data here; give the folder with --data-dir")
    return open_store(data_dir)


def _known_code(store, text: str) -> str:
    """``text`` as the code of an existing profile; a name is refused (it may mean several)."""
    code = text.strip().upper()
    try:
        store.profile(code)
    except LookupError:
        named = store.active_profiles_named(text)
        hint = "; the codes: " + ", ".join(p.code for p in named) if named else ""
        raise UserError(
            f"{text}: no profile has this code (give a code like P-ABC234, from "
            f"`run.py profiles list`){hint}",
            USAGE_STATUS,
        ) from None
    return code


def cmd_list(args: argparse.Namespace) -> int:
    # With --server, the clinic's profiles, read-only.
    store = open_for_reading(args) if args.server else _open(data_dir_of(args))
    where = store.path if args.server else data_dir_of(args)
    try:
        profiles = store.list_profiles(include_archived=not args.active)
    finally:
        store.close()
    if not profiles:
        print(f"No profiles in {where}; add one with `run.py profiles add NAME`")
        return 0
    rows = [
        (
            profile.code,
            profile.display_name,
            profile.avatar or "–",
            "–" if profile.birth_year is None else str(profile.birth_year),
            str(profile.session_count),
            (profile.last_session_started_at_utc or "–")[:10],
            (profile.archived_at_utc or "")[:10],
        )
        for profile in profiles
    ]
    widths = [max(len(row[i]) for row in (HEADINGS, *rows)) for i in range(len(HEADINGS))]
    for row in (HEADINGS, *rows):
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        print("  ".join(cells).rstrip())
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    from game.avatars import AVATARS

    if args.avatar is not None and args.avatar not in AVATARS:
        raise UserError(
            f"--avatar {args.avatar}: not an avatar; choose one of {', '.join(AVATARS)}",
            USAGE_STATUS,
        )
    store = _open(data_dir_of(args), must_exist=False)
    try:
        same_name = store.active_profiles_named(args.name)
        code = store.create_profile(args.name, args.birth_year, args.avatar)
    except ValueError as error:
        raise UserError(f"profiles add {args.name!r}: {error}") from None
    finally:
        store.close()
    if same_name:
        others = ", ".join(f"{p.code} ({p.avatar or 'no avatar'})" for p in same_name)
        print(f"Also called {args.name.strip()}: {others}. Tell them apart by code.")
    print(code)
    return 0


def cmd_rename(args: argparse.Namespace) -> int:
    store = _open(data_dir_of(args))
    try:
        code = _known_code(store, args.code)
        before = store.profile(code).display_name
        store.rename_profile(code, args.name)
    except ValueError as error:
        raise UserError(f"profiles rename {args.code}: {error}") from None
    finally:
        store.close()
    print(f"{code}: renamed from {before} to {args.name.strip()}")
    return 0


def cmd_archive(args: argparse.Namespace) -> int:
    store = _open(data_dir_of(args))
    try:
        code = _known_code(store, args.code)
        store.archive_profile(code)
        profile = store.profile(code)
    except ValueError as error:
        raise UserError(f"profiles archive {args.code}: {error}") from None
    finally:
        store.close()
    print(
        f"{code} ({profile.display_name}) archived: off the child's list; its "
        f"{profile.session_count} sessions stay, and `run.py report --profile {code}` works"
    )
    return 0
