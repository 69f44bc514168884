"""Headless by default: SDL's dummy video and audio drivers, no support banner. And the
fixtures the fault tests share (tests/fault_rigs.py)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from tests.pg_cluster import Cluster, PostgresUnavailable, postgres_bindir, running_cluster


@pytest.fixture(scope="session")
def postgres() -> Iterator[Cluster]:
    """A throwaway PostgreSQL cluster for the session's tests. Where the server binaries are
    missing the tests that need it are skipped, saying so, unless ONBEAT_REQUIRE_POSTGRES is
    set (CI sets it: there a skip would hide the clinic-database tests)."""
    try:
        postgres_bindir()
    except PostgresUnavailable as missing:
        if os.environ.get("ONBEAT_REQUIRE_POSTGRES"):
            pytest.fail(f"{missing} (ONBEAT_REQUIRE_POSTGRES is set)")
        pytest.skip(str(missing))
    with running_cluster() as cluster:
        yield cluster


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with one demo session recorded by run.py, once per module; tests take
    a copy (tests.fault_rigs.copy_of) rather than change it."""
    from tests.fault_rigs import make_home, record_demo

    root = tmp_path_factory.mktemp("recorded")
    record_demo(make_home(root), root / "data")
    return root / "data"
