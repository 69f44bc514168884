"""A throwaway PostgreSQL cluster for the tests: `initdb` into a temporary folder, `pg_ctl`
start on a free loopback port, and a URL for SQLAlchemy (psycopg 3). Stopped and deleted at
the end.

The server binaries are Debian's `postgresql` package (`pg_config --bindir` names their
folder; `.ci/run` installs it when missing). initdb refuses to run as root, so as root the
cluster belongs to an unprivileged user (`nobody`) and its processes run as that user.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

UNPRIVILEGED_USER = "nobody"
SUPERUSER = "onbeat_test"
START_TIMEOUT_S = 60  # pg_ctl -w waits until the server accepts connections, at most this


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server binaries are not on this machine."""


def postgres_bindir() -> Path:
    """The folder of initdb, pg_ctl and postgres, or PostgresUnavailable saying how to get it."""
    candidates: list[Path] = []
    if os.environ.get("ONBEAT_PG_BINDIR"):
        candidates.append(Path(os.environ["ONBEAT_PG_BINDIR"]))
    pg_config = shutil.which("pg_config")
    if pg_config:
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if result.returncode == 0:
            candidates.append(Path(result.stdout.strip()))
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    raise PostgresUnavailable(
        "PostgreSQL server binaries not found (initdb, pg_ctl); "
        "install Debian's `postgresql` package or set ONBEAT_PG_BINDIR"
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_cluster_owner(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    runuser = shutil.which(
        "runuser", path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
    )
    if runuser is None:
        raise PostgresUnavailable("running as root, and `runuser` (util-linux) is missing")
    return [runuser, "-u", UNPRIVILEGED_USER, "--", *command]


@dataclass(frozen=True)
class Cluster:
    folder: Path
    port: int

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the cluster's `postgres` database as its superuser."""
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/postgres"

    def database_url(self, name: str, user: str = SUPERUSER) -> str:
        return f"postgresql+psycopg://{user}@127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        """Start the server (again) and wait until it accepts connections."""
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg_ctl("-l", str(self.folder / "server.log"), "-o", options, "-w", "-t",
                     str(START_TIMEOUT_S), "start")  # fmt: skip

    def stop(self) -> None:
        """Stop the server, as a crash or a switched-off machine would (no clean shutdown)."""
        self._pg_ctl("-m", "immediate", "-w", "stop")

    def _pg_ctl(self, *arguments: str) -> None:
        command = [str(postgres_bindir() / "pg_ctl"), "-D", str(self.folder / "data"), *arguments]
        subprocess.run(_as_cluster_owner(command), check=True, capture_output=True)


@contextmanager
def running_cluster() -> Iterator[Cluster]:
    """Start a fresh cluster; stop it and delete its files when the block ends."""
    bindir = postgres_bindir()
    folder = Path(tempfile.mkdtemp(prefix="onbeat-pg-"))
    data = folder / "data"
    if os.geteuid() == 0:
        shutil.chown(folder, UNPRIVILEGED_USER)
    port = _free_port()
    try:
        subprocess.run(
            _as_cluster_owner(
                [
                    str(bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    SUPERUSER,
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--no-sync",  # a throwaway cluster needs no fsync of its files
                ]
            ),
            check=True,
            capture_output=True,
        )
        cluster = Cluster(folder, port)
        cluster.start()
        yield cluster
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                _as_cluster_owner(
                    [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]
                ),
                capture_output=True,
            )
        shutil.rmtree(folder, ignore_errors=True)
