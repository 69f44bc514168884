"""`run.py clinic`: a station of a clinic with a PostgreSQL server of record (docs/clinic.md).

init makes or upgrades the server's schema; join links this station's data folder to the
server under a name; sync sends what the server lacks and brings down the clinic's profiles,
plans, chart and shared levels, settling edits by the later one (exit 0 when in sync, 1 with
one line when the server cannot be reached: nothing recorded here is lost); status says
where things stand. `clinic levels publish FILE.yaml` shares a level file with every station
of the clinic (checked by the level loader first), `clinic levels list` lists what was
shared. The server's URL comes from --server, else ONBEAT_CLINIC_URL, else what the station
joined; its password is never shown.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.common import AddCommand, UserError, data_dir_argument, data_dir_of


def register(add_command: AddCommand) -> None:
    clinic = add_command("clinic", "a station of a clinic: join its server and sync with it")
    commands = clinic.add_subparsers(dest="clinic_command", required=True, metavar="COMMAND")
    init = commands.add_parser("init", help="make or upgrade the schema of the clinic's server")
    init.add_argument("--server", required=True, help="postgresql://USER@HOST:5432/DATABASE")
    init.add_argument(
        "--station-role",
        help="an existing database role to give a station's rights (add rows, change none)",
    )
    init.set_defaults(handler=cmd_init)
    join = commands.add_parser("join", help="link this station's data to the clinic's server")
    join.add_argument("--server", required=True, help="postgresql://USER@HOST:5432/DATABASE")
    join.add_argument("--station", required=True, help="this station's name, such as room-2")
    join.set_defaults(handler=cmd_join)
    sync = commands.add_parser("sync", help="send the server what it lacks, bring down plans")
    sync.add_argument("--server", help="the server (default: ONBEAT_CLINIC_URL, or as joined)")
    sync.set_defaults(handler=cmd_sync)
    status = commands.add_parser("status", help="the station's server, last sync, what waits")
    status.add_argument("--server", help="the server (default: ONBEAT_CLINIC_URL, or as joined)")
    status.set_defaults(handler=cmd_status)
    levels = commands.add_parser("levels", help="level files shared with the whole clinic")
    level_commands = levels.add_subparsers(dest="levels_command", required=True, metavar="WHAT")
    publish = level_commands.add_parser(
        "publish", help="share a level file with every station (replaces its earlier copy)"
    )
    publish.add_argument("file", type=Path, metavar="FILE.yaml", help="the level file")
    publish.set_defaults(handler=cmd_levels_publish)
    listing = level_commands.add_parser("list", help="the levels shared with the clinic")
    listing.set_defaults(handler=cmd_levels_list)
    for parser in (publish, listing):
        parser.add_argument(
            "--server", help="the server (default: ONBEAT_CLINIC_URL, or as joined)"
        )
    for parser in (join, sync, status, publish, listing):
        parser.add_argument(
            "--data-dir",
            dest="clinic_data_dir",
            type=data_dir_argument,
            help="the station's data folder",
        )


def _data_dir(args: argparse.Namespace) -> Path:
    if args.clinic_data_dir:
        args.data_dir = args.clinic_data_dir
    return data_dir_of(args)


def cmd_init(args: argparse.Namespace) -> int:
    from engine.store.clinic.station import init_server

    address = init_server(args.server, args.station_role)
    granted = f"; role {args.station_role} may add rows" if args.station_role else ""
    print(f"The clinic's server {address} is ready{granted}.")
    return 0


def cmd_join(args: argparse.Namespace) -> int:
    from engine.store.clinic.station import join

    try:
        address = join(_data_dir(args), args.server, args.station)
    except ValueError as error:
        raise UserError(f"--station: {error}") from None
    print(f"Station {args.station.strip()} joined {address}; `run.py clinic sync` sends its data.")
    return 0


def cmd_sync(args: argparse.Namespace) -> int:
    from engine.levels.library import clinic_level_problem
    from engine.levels.paths import clinic_levels_dir
    from engine.store.clinic.station import sync_station

    data_dir = _data_dir(args)
    result = sync_station(data_dir, args.server, clinic_levels_dir(data_dir), clinic_level_problem)
    counts = result.counts
    for problem in counts.level_problems:
        print(f"Clinic level not taken: {problem}", file=sys.stderr)
    waiting = (
        f"; {counts.sessions_waiting} running session(s) go up once they end"
        if counts.sessions_waiting
        else ""
    )
    if not counts.changed:
        print(f"In sync with {result.server}{waiting}.")
        return 0
    sent = _moved(
        (counts.sessions_sent, f"session(s) ({counts.taps_sent} taps)"),
        (counts.profiles_sent, "profile(s)"),
        (counts.plans_sent, "plan(s)"),
        (counts.notes_sent, "note(s)"),
        (counts.audit_rows_sent, "audit row(s)"),
        (counts.profile_edits_sent, "profile edit(s)"),
        (counts.chart_rows_sent, "chart row(s)"),
    )
    received = _moved(
        (counts.profiles_received, "profile(s)"),
        (counts.plans_received, "plan(s)"),
        (counts.assignments_received, "plan assignment(s)"),
        (counts.profile_edits_received, "profile edit(s)"),
        (counts.chart_rows_received, "chart row(s)"),
        (counts.levels_received, "shared level(s)"),
    )
    print(f"Synced with {result.server}: sent {sent}; received {received}{waiting}.")
    return 0


def _moved(*counted: tuple[int, str]) -> str:
    """What moved one way, naming only what did: "2 session(s) (90 taps), 1 profile(s)"."""
    return ", ".join(f"{count} {what}" for count, what in counted if count) or "nothing"


def cmd_status(args: argparse.Namespace) -> int:
    from engine.store.clinic.station import station_status

    status = station_status(_data_dir(args), args.server)
    print(f"Station: {status.station_name or '(not joined)'}")
    print(f"Server: {status.server or '(none: run.py clinic join --server URL --station NAME)'}")
    print(f"Last sync: {status.last_sync_utc or 'never'}")
    print(f"Sessions here: {status.sessions_here}")
    if status.sessions_not_sent is not None:
        print(f"Ended sessions the server lacks: {status.sessions_not_sent}")
    elif status.server_problem:
        print(f"Server: {status.server_problem}")
    return 0


def cmd_levels_publish(args: argparse.Namespace) -> int:
    from engine.levels.load import load_level, load_levels
    from engine.levels.paths import BUILTIN_LEVELS_DIR
    from engine.levels.yaml_reader import LevelError
    from engine.store.clinic.station import publish_level

    path: Path = args.file
    try:
        level = load_level(path)
        text = path.read_text(encoding="utf-8")
    except LevelError as error:
        raise UserError(
            f"{path}: not published, the level has problems (fix them, then publish "
            f"again):\n" + "\n".join(str(problem) for problem in error.problems)
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(f"{path}: cannot read it ({error}); nothing was published") from None
    shipped, _ = load_levels([BUILTIN_LEVELS_DIR])
    if level.id in {known.id for known in shipped}:
        raise UserError(
            f"{path}: level id {level.id!r} is a level OnBeat ships; give yours an id of its "
            "own, then publish it"
        )
    address, stored = publish_level(_data_dir(args), level.id, text, args.server)
    print(
        f"Published level {level.id} to {address} (sha256 {stored.sha256[:12]}); stations "
        "take it at their next sync."
    )
    return 0


def cmd_levels_list(args: argparse.Namespace) -> int:
    from engine.store.clinic.station import clinic_levels

    address, levels = clinic_levels(_data_dir(args), args.server)
    if not levels:
        print(f"No levels shared with the clinic at {address}.")
        return 0
    print(f"Levels shared with the clinic at {address}:")
    for level in levels:
        print(
            f"  {level.level_id}  published {level.published_at_utc} from {level.station} "
            f"(sha256 {level.sha256[:12]})"
        )
    return 0
