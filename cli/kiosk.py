"""`run.py kiosk`: a clinic's station that a child cannot leave; `run.py kiosk setup` sets its
therapist PIN.

The kiosk runs as two processes: a supervisor (this command) that starts the game full
screen and starts it again whenever it dies, and the game itself (`--role game`, started by
the supervisor, never by hand). docs/kiosk.md describes the station around them.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from cli.common import ROOT, AddCommand, UserError, data_dir_of

ROLE_SUPERVISOR = "supervisor"
ROLE_GAME = "game"
ROLE_CALL_THERAPIST = "call-therapist"


def register(add_command: AddCommand) -> None:
    kiosk = add_command("kiosk", "run this computer as a kiosk station for children")
    kiosk.add_argument(
        "--config", help="kiosk settings file (default: config/kiosk.yaml and this station's)"
    )
    # The supervisor starts the game and the "call your therapist" screen with this.
    kiosk.add_argument(
        "--role",
        choices=(ROLE_SUPERVISOR, ROLE_GAME, ROLE_CALL_THERAPIST),
        default=ROLE_SUPERVISOR,
        help=argparse.SUPPRESS,
    )
    kiosk.set_defaults(handler=cmd_kiosk)
    actions = kiosk.add_subparsers(dest="kiosk_action")
    setup = actions.add_parser(
        "setup",
        help="set the therapist PIN of this station",
        description="Set the therapist PIN (4 to 8 digits). From a terminal it is asked twice "
        "without echo; otherwise one line is read from standard input.",
    )
    setup.add_argument(
        "--data-dir", default=argparse.SUPPRESS, help="folder of the OnBeat database"
    )
    setup.add_argument("--config", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    setup.set_defaults(handler=cmd_setup)


def kiosk_config_of(args: argparse.Namespace):
    """The kiosk settings the command line points at, or a UserError with every problem."""
    from engine.config.kiosk import load_kiosk_config
    from engine.levels.yaml_reader import LevelError

    config_path = getattr(args, "config", None)
    try:
        if config_path is not None:
            path = Path(config_path)
            if not path.exists():
                raise UserError(f"{path}: no such kiosk settings file")
            return load_kiosk_config(station_path=path)
        return load_kiosk_config()
    except LevelError as error:
        raise UserError("\n".join(str(problem) for problem in error.problems)) from None


def read_new_pin() -> str:
    """The new PIN: asked twice without echo at a terminal, else one line of stdin."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("New therapist PIN (4 to 8 digits): ")
    second = getpass.getpass("The same PIN again: ")
    if first != second:
        raise UserError("kiosk setup: the two PINs differ; nothing was changed, try again")
    return first


def cmd_setup(args: argparse.Namespace) -> int:
    from engine.session.audit import audit
    from engine.session.station_pin import pin_problem, save_station_pin, station_pin_hash
    from engine.store.opening import open_store

    config = kiosk_config_of(args)
    pin = read_new_pin()
    problem = pin_problem(pin)
    if problem is not None:
        raise UserError(f"kiosk setup: {problem}; nothing was changed")
    data_dir = data_dir_of(args)
    keep_private(data_dir)
    store = open_store(data_dir)
    try:
        had_pin = station_pin_hash(store) is not None
        with store.transaction():
            save_station_pin(store, pin)
            audit(store, config.station_name, "pin_set", "changed" if had_pin else "first set")
    finally:
        store.close()
    print(f"Therapist PIN {'changed' if had_pin else 'set'} for the station in {data_dir}")
    return 0


def keep_private(data_dir: Path) -> None:
    """Patient data stays the station account's alone: files this process and its children
    make are private (umask 077), and the data folder (0700) and database files (0600) are
    made so again if someone loosened them."""
    import os
    import stat

    from engine.store.opening import store_files

    os.umask(0o077)
    if not data_dir.is_dir():
        return
    try:
        data_dir.chmod(stat.S_IRWXU)
        for path in store_files(data_dir):
            path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    except OSError as error:
        raise UserError(
            f"{data_dir}: cannot make the data private ({error.strerror}); the folder must "
            "belong to the account the kiosk runs as"
        ) from None


def require_station_pin(data_dir: Path) -> None:
    """Refuse to run a kiosk on a station without a therapist PIN, saying how to set one."""
    from engine.session.station_pin import station_pin_hash
    from engine.store.opening import open_store, store_exists

    has_pin = False
    if store_exists(data_dir):  # no data yet: no PIN either, and no folder made to say so
        store = open_store(data_dir)
        try:
            has_pin = station_pin_hash(store) is not None
        finally:
            store.close()
    if not has_pin:
        raise UserError(
            f"{data_dir}: this station has no therapist PIN, and a kiosk without one could "
            f"never be stopped; set one with `run.py kiosk setup --data-dir {data_dir}`"
        )


def cmd_kiosk(args: argparse.Namespace) -> int:
    data_dir = data_dir_of(args)
    config = kiosk_config_of(args)  # a broken settings file is reported before anything starts
    keep_private(data_dir)
    require_station_pin(data_dir)
    if args.role == ROLE_GAME:
        return _run_game(data_dir, config)
    if args.role == ROLE_CALL_THERAPIST:
        return _run_call_screen(data_dir, config)
    from game.app import display_available
    from game.kiosk.supervisor import Supervisor

    if not display_available():
        raise UserError(
            "run.py kiosk: no display to show the kiosk on; start it in the station's graphical "
            "session (docs/kiosk.md)"
        )

    def command(role: str) -> list[str]:
        line = [sys.executable, str(ROOT / "run.py"), "kiosk", "--data-dir", str(data_dir)]
        if getattr(args, "config", None) is not None:
            line += ["--config", str(Path(args.config).resolve())]
        return [*line, "--role", role]

    print(f"Kiosk station on the data in {data_dir}; the therapist's PIN stops it")
    return Supervisor(command(ROLE_GAME), command(ROLE_CALL_THERAPIST)).run()


def _exit_status(ending: str | None) -> int:
    from game.kiosk.state import QUIT_STATION, RETRY_GAME
    from game.kiosk.supervisor import QUIT_STATION_EXIT, RETRY_GAME_EXIT

    # Any other end is a death to the supervisor, which starts the game again.
    return {QUIT_STATION: QUIT_STATION_EXIT, RETRY_GAME: RETRY_GAME_EXIT}.get(ending, 1)


def _run_game(data_dir: Path, config) -> int:
    from engine.config.user_settings import default_settings_path
    from game.app import NoDisplayError
    from game.kiosk.app import run_kiosk_game

    try:
        ending = run_kiosk_game(data_dir, [], default_settings_path(), config)
    except NoDisplayError:
        print("No display to open the kiosk on; start it in the station's graphical session")
        return 2
    return _exit_status(ending)


def _run_call_screen(data_dir: Path, config) -> int:
    from engine.config.user_settings import default_settings_path
    from game.app import NoDisplayError
    from game.kiosk.app import run_call_screen

    try:
        ending = run_call_screen(data_dir, default_settings_path(), config)
    except NoDisplayError:
        print("No display to open the kiosk on; start it in the station's graphical session")
        return 2
    return _exit_status(ending)
