"""A kiosk station keeps patient data private: the data folder 0700 and the database files 0600
(made so, and repaired when loosened), reports and exports 0600 and only behind the PIN."""

from __future__ import annotations

import contextlib
import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.store.sqlite.store import DATABASE_FILE_NAME
from game.kiosk.director import PIN_PAD, THERAPIST_ONLY
from game.scene import Goto
from tests.kiosk_harness import (
    PIN,
    KioskHarness,
    Station,
    audit_rows,
    harness,
    kiosk_station,
    open_pad,
    type_pin,
)
from tests.test_cli import run_cli
from tests.test_cli_kiosk import setup_with_stdin


def listening_ports(pids: list[int]) -> list[str]:
    """TCP sockets listening, and UDP sockets bound, that belong to the processes ``pids``."""
    inodes = set()
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[len("socket:[") : -1])
    found = []
    for table in ("tcp", "tcp6", "udp", "udp6"):
        lines = Path(f"/proc/net/{table}").read_text().splitlines()[1:]
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            listening = state == "0A" if table.startswith("tcp") else True  # 0A: LISTEN
            if inode in inodes and listening:
                found.append(f"{table} {local}")
    return found


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux's /proc")
def test_the_port_check_sees_a_listening_socket() -> None:
    """Guards the kiosk's "nothing listens" check (tests/test_kiosk_x11.py) against passing
    because it looked at nothing."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        assert listening_ports([os.getpid()]) == []
        server.listen()
        assert len(listening_ports([os.getpid()])) == 1


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def database_files(data_dir: Path) -> list[Path]:
    return sorted(data_dir.glob(f"{DATABASE_FILE_NAME}*"))


@pytest.fixture
def station(tmp_path: Path) -> Iterator[Station]:
    with kiosk_station(tmp_path) as made:
        yield made


@pytest.fixture
def loose_umask():
    """Files made by the commands would be world-readable if they left the umask alone."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


@pytest.mark.usefixtures("loose_umask")
def test_setup_makes_the_data_folder_and_database_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "station"
    assert setup_with_stdin(data_dir, "2468\n").returncode == 0
    assert mode_of(data_dir) == 0o700
    files = database_files(data_dir)
    assert files and all(mode_of(path) == 0o600 for path in files)


@pytest.mark.usefixtures("loose_umask")
def test_the_kiosk_repairs_loosened_modes_before_anything_else(tmp_path: Path) -> None:
    data_dir = tmp_path / "station"
    assert setup_with_stdin(data_dir, "2468\n").returncode == 0
    data_dir.chmod(0o755)
    for path in database_files(data_dir):
        path.chmod(0o644)
    result = run_cli(
        "kiosk",
        "--data-dir",
        str(data_dir),
        env_changes={"DISPLAY": None, "WAYLAND_DISPLAY": None, "SDL_VIDEODRIVER": None},
    )
    assert result.returncode == 1 and "no display" in result.stderr
    assert mode_of(data_dir) == 0o700
    assert all(mode_of(path) == 0o600 for path in database_files(data_dir))


@pytest.mark.parametrize("name", sorted(THERAPIST_ONLY))
def test_every_therapist_screen_is_behind_the_pin(station, name: str) -> None:
    kiosk = harness(station)
    assert kiosk.director.route(Goto(name)).name == PIN_PAD
    kiosk.close()


def test_reports_and_exports_saved_behind_the_pin_are_private_and_audited(
    station, tmp_path: Path
) -> None:
    data_dir = station[0]
    reports = tmp_path / "reports"
    kiosk: KioskHarness = harness(station, reports_dir=reports)
    open_pad(kiosk)
    type_pin(kiosk, PIN)
    kiosk.director.scene.activate("reports")
    kiosk.run(0.3)
    assert kiosk.scene_name == "kiosk_reports"
    screen = kiosk.director.scene
    screen.activate("export:sessions")
    screen.activate(f"player:{station[3]}")
    screen.activate("report:html")
    saved = sorted(reports.iterdir())
    assert sorted(path.suffix for path in saved) == [".csv", ".html"]
    assert all(mode_of(path) == 0o600 for path in saved)
    assert audit_rows(data_dir)[-2:] == [
        ("export_saved", next(p.name for p in saved if p.suffix == ".csv")),
        ("report_saved", next(p.name for p in saved if p.suffix == ".html")),
    ]
    kiosk.close()
