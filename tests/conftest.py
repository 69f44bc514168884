"""Headless by default: SDL's dummy video and audio drivers, no support banner. And the
fixtures the fault tests share (tests/fault_rigs.py)."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from tests.pg_cluster import Cluster, PostgresUnavailable, postgres_bindir, running_cluster


def _keep_tests_out_of_the_users_folders() -> None:
    """Point the per-user folders (settings, default database, logs, Documents where reports
    go) at a throwaway folder, so that no test, nor a run.py it starts, reads a developer's
    settings or writes a report or a child's record into their real home. Caches stay: the
    matplotlib font cache is slow to rebuild and holds nothing of ours."""
    home = Path(tempfile.mkdtemp(prefix="onbeat-test-home-"))
    atexit.register(shutil.rmtree, home, ignore_errors=True)
    for variable in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
        os.environ[variable] = str(home / variable.lower())
        Path(os.environ[variable]).mkdir()
    documents = home / "documents"
    documents.mkdir()
    (home / "xdg_config_home" / "user-dirs.dirs").write_text(
        f'XDG_DOCUMENTS_DIR="{documents}"\n', encoding="utf-8"
    )


_keep_tests_out_of_the_users_folders()


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
