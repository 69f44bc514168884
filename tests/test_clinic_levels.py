"""Levels shared with a clinic: published to its server from one station, brought down into
every station's data folder by its sync, found by the level discovery, checked before they
are written. Real processes, real SQLite files, a real PostgreSQL server."""

from __future__ import annotations

from pathlib import Path

from engine.levels.library import clinic_level_problem, discover_levels
from engine.levels.paths import clinic_levels_dir
from engine.store.clinic.station import publish_level
from engine.store.clinic.sync import sync
from engine.store.opening import open_server_store, open_store
from tests.fault_rigs import TINY_LEVEL, make_home, run_cli
from tests.pg_cluster import Cluster
from tests.pg_stores import fresh_database

PLAN = "format: 1\ntitle: Clinic week\nlevels:\n  - tiny\n"


def test_a_published_level_reaches_another_station_and_a_plan_naming_it_is_set(
    tmp_path: Path, postgres: Cluster
) -> None:
    home = make_home(tmp_path)
    url = fresh_database(postgres)
    one, two = tmp_path / "room-1", tmp_path / "room-2"
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY_LEVEL.replace("tempo_bpm: 120", "tempo_bpm: fast"), encoding="utf-8")
    refused = run_cli(home, "clinic", "levels", "publish", str(bad), "--server", url,
                      "--data-dir", str(one))  # fmt: skip
    assert refused.returncode == 1 and "Traceback" not in refused.stderr
    assert "not published" in refused.stderr and "tempo_bpm" in refused.stderr

    published = run_cli(home, "clinic", "levels", "publish", str(home.level), "--server", url,
                        "--data-dir", str(one))  # fmt: skip
    assert published.returncode == 0, published.stderr
    assert "Published level tiny" in published.stdout
    listed = run_cli(home, "clinic", "levels", "list", "--server", url, "--data-dir", str(one))
    assert "  tiny  published" in listed.stdout and "bad" not in listed.stdout

    synced = run_cli(home, "clinic", "sync", "--server", url, "--data-dir", str(two))
    assert synced.returncode == 0, synced.stderr
    assert "1 shared level(s)" in synced.stdout
    kept = clinic_levels_dir(two) / "tiny.yaml"
    assert kept.read_text(encoding="utf-8") == TINY_LEVEL
    assert [p.name for p in kept.parent.iterdir()] == ["tiny.yaml"]  # no half-written file
    levels = run_cli(home, "levels", "list", "--data-dir", str(two))
    assert "The clinic's shared levels:" in levels.stdout and "tiny" in levels.stdout

    code = run_cli(home, "profiles", "add", "Mia", "--data-dir", str(two)).stdout.split()[-1]
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN, encoding="utf-8")
    assigned = run_cli(home, "plans", "set", code, str(plan), "--data-dir", str(two))
    assert assigned.returncode == 0, assigned.stderr
    elsewhere = run_cli(home, "plans", "set", code, str(plan), "--data-dir", str(tmp_path / "x"))
    assert elsewhere.returncode != 0  # a station that never synced does not know the level

    again = run_cli(home, "clinic", "sync", "--server", url, "--data-dir", str(two))
    assert again.returncode == 0 and "shared level" not in again.stdout, again.stdout
    assert "sent 1 profile(s), 1 plan(s), 1 audit row(s); received nothing" in again.stdout
    last = run_cli(home, "clinic", "sync", "--server", url, "--data-dir", str(two))
    assert last.stdout.startswith("In sync with"), last.stdout


def test_a_newer_publication_replaces_the_copy_and_a_bad_one_is_reported_not_written(
    tmp_path: Path, postgres: Cluster
) -> None:
    url = fresh_database(postgres)
    station_dir = tmp_path / "room-2"
    folder = clinic_levels_dir(station_dir)
    station, server = open_store(station_dir), open_server_store(url, read_only=False)
    try:
        publish_level(tmp_path / "room-1", "tiny", TINY_LEVEL, url)
        assert sync(station, server, "room-2", folder, clinic_level_problem).levels_received == 1
        newer = TINY_LEVEL.replace("Tiny", "Tiny, faster").replace("120", "132")
        publish_level(tmp_path / "room-1", "tiny", newer, url)
        assert sync(station, server, "room-2", folder, clinic_level_problem).levels_received == 1
        assert (folder / "tiny.yaml").read_text(encoding="utf-8") == newer

        # A publication this station's loader refuses (another level's id under this name,
        # then a file that does not load) is reported, and the good copy stays.
        publish_level(tmp_path / "room-1", "tiny", TINY_LEVEL.replace("id: tiny", "id: tidy"), url)
        counts = sync(station, server, "room-2", folder, clinic_level_problem)
        assert counts.levels_received == 0
        assert counts.level_problems == ("tiny: the file is level 'tidy', not 'tiny'",)
        publish_level(tmp_path / "room-1", "tiny", "format: 1\nid: tiny\n", url)
        [problem] = sync(station, server, "room-2", folder, clinic_level_problem).level_problems
        assert problem.startswith("tiny: line ")
        assert (folder / "tiny.yaml").read_text(encoding="utf-8") == newer
        assert [p.name for p in folder.iterdir()] == ["tiny.yaml"]
        library = discover_levels(user_dir=tmp_path / "user-levels", clinic_dir=folder)
        assert [level.title for level in library.levels if level.id == "tiny"] == ["Tiny, faster"]
    finally:
        station.close()
        server.close()
