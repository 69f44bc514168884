"""`run.py clinic`: a station of a clinic with a PostgreSQL server of record (docs/clinic.md).

init makes or upgrades the server's schema; join links this station's data folder to the
server under a name; sync sends what the server lacks and brings down the clinic's profiles
and plans (exit 0 when in sync, 1 with one line when the server cannot be reached: nothing
recorded here is lost); status says where things stand. The server's URL comes from
--server, else ONBEAT_CLINIC_URL, else what the station joined; its password is never shown.
"""

from __future__ import annotations

import argparse
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
    for parser in (join, sync, status):
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
    from engine.store.clinic.station import sync_station

    result = sync_station(_data_dir(args), args.server)
    counts = result.counts
    waiting = (
        f"; {counts.sessions_waiting} running session(s) go up once they end"
        if counts.sessions_waiting
        else ""
    )
    if not counts.changed:
        print(f"In sync with {result.server}{waiting}.")
        return 0
    print(
        f"Synced with {result.server}: sent {counts.sessions_sent} session(s) "
        f"({counts.taps_sent} taps), {counts.profiles_sent} profile(s), {counts.plans_sent} "
        f"plan(s), {counts.notes_sent} note(s), {counts.audit_rows_sent} audit row(s); "
        f"received {counts.profiles_received} profile(s), {counts.plans_received} plan(s), "
        f"{counts.assignments_received} plan assignment(s){waiting}."
    )
    return 0


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
