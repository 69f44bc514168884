"""`run.py clinic` as stations run it: real processes, real SQLite files, a real PostgreSQL
server. Several stations at once, a server that stops and starts again, a sync killed in
the middle, a station's role that may add rows but change none, and reports that read the
same from the server as on the station."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import psycopg
import pytest

from engine.store.columns import BeatColumns, TapColumns
from engine.store.opening import open_store
from engine.store.records import SESSION_COMPLETE, TaskRecord
from tests.fault_rigs import ROOT, Home, make_home, run_cli
from tests.pg_cluster import Cluster, running_cluster
from tests.pg_stores import fresh_database
from tests.records_factory import session_record

POLL_S = 0.01  # how often a test looks at the server while a sync runs
WAIT_S = 120.0


def plain(url: str) -> str:
    """A SQLAlchemy URL as libpq takes it (for psycopg.connect)."""
    return url.replace("postgresql+psycopg://", "postgresql://")


def server_rows(url: str, sql: str) -> list[tuple]:
    with psycopg.connect(plain(url), autocommit=True) as connection:
        return connection.execute(sql).fetchall()


def server_command(url: str, sql: str) -> None:
    with psycopg.connect(plain(url), autocommit=True) as connection:
        connection.execute(sql)


def station_taps(data_dir: Path) -> dict[str, int]:
    """Session UUID -> number of taps, of every ended session of a station."""
    store = open_store(data_dir, read_only=True)
    try:
        return {
            session.session_uuid: store.session_counts(session.session_id).tap_count
            for session in store.list_sessions()
            if session.status != "running"
        }
    finally:
        store.close()


def server_taps(url: str) -> dict[str, int]:
    rows = server_rows(
        url,
        "SELECT s.uuid, COUNT(t.tap_index) FROM sessions s "
        "LEFT JOIN taps t ON t.session_id = s.id GROUP BY s.uuid",
    )
    return dict(rows)


def start_cli(home: Home, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, str(ROOT / "run.py"), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYGAME_HIDE_SUPPORT_PROMPT="1", **home.env()),
        cwd=ROOT,
    )


def finish(process: subprocess.Popen) -> tuple[int, str, str]:
    stdout, stderr = process.communicate(timeout=WAIT_S)
    return process.returncode, stdout, stderr


def demo(home: Home, data_dir: Path) -> subprocess.Popen:
    return start_cli(home, "demo", "--level", str(home.level), "--data-dir", str(data_dir))


def test_three_stations_record_and_sync_at_once_and_each_tap_arrives_once(
    tmp_path: Path, postgres: Cluster
) -> None:
    url = fresh_database(postgres)
    home = make_home(tmp_path)
    stations = [tmp_path / f"room-{number}" for number in (1, 2, 3)]
    for status, _, stderr in map(finish, [demo(home, station) for station in stations]):
        assert status == 0, stderr
    for number, station in enumerate(stations, 1):
        joined = run_cli(
            home, "clinic", "join", "--server", url, "--station", f"room-{number}",
            "--data-dir", str(station),
        )  # fmt: skip
        assert joined.returncode == 0, joined.stderr
    syncs = [start_cli(home, "clinic", "sync", "--data-dir", str(s)) for s in stations]
    for status, stdout, stderr in map(finish, syncs):
        assert status == 0, stderr
        assert "Synced with" in stdout

    expected: dict[str, int] = {}
    for station in stations:
        expected.update(station_taps(station))
    assert len(expected) == 3 and all(expected.values())
    assert server_taps(url) == expected
    # No tap twice: the key of each tap is unique on the server too.
    [(taps, distinct)] = server_rows(
        url,
        "SELECT COUNT(*), COUNT(DISTINCT (session_id, task_index, tap_index)) FROM taps",
    )
    assert taps == distinct == sum(expected.values())
    # One profile of each station's demo child, each once.
    [(profiles,)] = server_rows(url, "SELECT COUNT(*) FROM profiles")
    assert profiles == 3


@pytest.fixture
def own_cluster() -> Iterator[Cluster]:
    """A cluster of this test's own, which it may stop and start."""
    from tests.pg_cluster import PostgresUnavailable, postgres_bindir

    try:
        postgres_bindir()
    except PostgresUnavailable as missing:
        if os.environ.get("ONBEAT_REQUIRE_POSTGRES"):
            pytest.fail(f"{missing} (ONBEAT_REQUIRE_POSTGRES is set)")
        pytest.skip(str(missing))
    with running_cluster() as cluster:
        yield cluster


def test_a_stopped_server_fails_the_sync_in_one_line_and_the_next_sync_catches_up(
    tmp_path: Path, own_cluster: Cluster
) -> None:
    home = make_home(tmp_path)
    station = tmp_path / "room-1"
    url = fresh_database(own_cluster)
    # The password is never shown (this cluster trusts local connections and ignores it).
    with_password = url.replace("onbeat_test@", "onbeat_test:s3cret-pass@")
    finish(demo(home, station))
    assert run_cli(home, "clinic", "join", "--server", with_password, "--station", "room-1",
                   "--data-dir", str(station)).returncode == 0  # fmt: skip
    first = run_cli(home, "clinic", "sync", "--data-dir", str(station))
    assert first.returncode == 0, first.stderr

    own_cluster.stop()
    status, _, stderr = finish(demo(home, station))
    assert status == 0, stderr
    failed = run_cli(home, "clinic", "sync", "--data-dir", str(station))
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr
    [line] = failed.stderr.strip().splitlines()
    assert "cannot reach the clinic's server" in line and "nothing recorded here is lost" in (
        line.lower()
    )

    own_cluster.start()
    caught_up = run_cli(home, "clinic", "sync", "--data-dir", str(station))
    assert caught_up.returncode == 0, caught_up.stderr
    assert server_taps(url) == station_taps(station)
    assert len(station_taps(station)) == 2
    again = run_cli(home, "clinic", "sync", "--data-dir", str(station))
    assert again.returncode == 0 and again.stdout.startswith("In sync with")
    assert server_taps(url) == station_taps(station)

    status_run = run_cli(home, "clinic", "status", "--data-dir", str(station))
    assert "Ended sessions the server lacks: 0" in status_run.stdout
    for run in (first, failed, caught_up, again, status_run):
        assert "s3cret-pass" not in run.stdout + run.stderr
    assert "s3cret-pass" not in home.log_file.read_text(encoding="utf-8")


def _fill(data_dir: Path, sessions: int, taps_each: int) -> None:
    """A station with many ended sessions, made through the store's bulk API."""
    store = open_store(data_dir)
    code = store.create_profile("Robin")
    rng = np.random.default_rng(7)
    count = taps_each
    for number in range(sessions):
        session_id = store.start_session(
            session_record(code, started_at_utc=f"2026-02-01T10:{number:02d}:00+00:00")
        )
        store.add_task(
            TaskRecord(
                session_id=session_id, task_index=0, task_name="Steady", tempo_bpm_start=60.0,
                tempo_bpm_end=60.0, start_frame=0, settings_json="{}",
            )
        )  # fmt: skip
        frames = np.arange(count, dtype=np.int64) * 48_000 + 96_000
        store.add_beat_columns(
            session_id,
            BeatColumns(
                task_index=np.zeros(count), beat_index=np.arange(count),
                limb=np.full(count, "both_hands", dtype=object), target_frame=frames,
                tempo_bpm=np.full(count, 60.0), ioi_ms=np.full(count, 1000.0),
                sro_ms=np.full(count, 15.0), good_ms=np.full(count, 45.0),
                ok_ms=np.full(count, 100.0), scored=np.ones(count, dtype=bool),
            ),
        )  # fmt: skip
        asynchrony_ms = rng.normal(-10.0, 5.0, count)
        store.add_tap_columns(
            session_id,
            TapColumns(
                task_index=np.zeros(count), tap_index=np.arange(count),
                channel=np.full(count, "left_hand", dtype=object),
                host_ns=frames * 20_833 + 10**15,
                stamp_source=np.full(count, "scripted", dtype=object),
                audio_frame=frames, audio_time_s=frames / 48_000.0,
                beat_index=np.arange(count), asynchrony_ms=asynchrony_ms,
                judgement=np.full(count, "sro", dtype=object),
                sro_ms=np.full(count, 15.0), good_ms=np.full(count, 45.0),
                ok_ms=np.full(count, 100.0), velocity=np.full(count, 96),
                device=np.full(count, "TD-17 MIDI 1", dtype=object),
            ),
        )  # fmt: skip
        store.end_session(session_id, f"2026-02-01T10:{number:02d}:30+00:00", SESSION_COMPLETE)
    store.close()


def test_a_sync_killed_in_the_middle_loses_and_doubles_nothing(
    tmp_path: Path, postgres: Cluster
) -> None:
    home = make_home(tmp_path)
    station = tmp_path / "room-1"
    sessions = 30
    _fill(station, sessions, 4_000)
    url = fresh_database(postgres)
    sync = start_cli(home, "clinic", "sync", "--server", url, "--data-dir", str(station))
    deadline = time.monotonic() + WAIT_S
    arrived = 0
    while arrived == 0 and sync.poll() is None and time.monotonic() < deadline:
        [(arrived,)] = server_rows(url, "SELECT COUNT(*) FROM sessions")
        time.sleep(POLL_S)
    sync.send_signal(signal.SIGKILL)
    sync.communicate(timeout=WAIT_S)
    [(at_kill,)] = server_rows(url, "SELECT COUNT(*) FROM sessions")
    # Killed between sessions or inside one: whole sessions only, never a part of one.
    assert server_taps(url) == {
        key: taps for key, taps in station_taps(station).items() if key in server_taps(url)
    }
    assert at_kill < sessions, "the sync finished before it could be killed"

    again = run_cli(home, "clinic", "sync", "--server", url, "--data-dir", str(station))
    assert again.returncode == 0, again.stderr
    assert server_taps(url) == station_taps(station)
    assert len(server_taps(url)) == sessions


def _without_own_numbers(value: object) -> object:
    """A report with each database's own numbers (ids of sessions, notes, plans, profiles)
    left out: what stays must be the same on the station and on the server."""
    if isinstance(value, dict):
        return {
            key: _without_own_numbers(item)
            for key, item in value.items()
            if not (key.endswith("_id") and isinstance(item, int))
        }
    if isinstance(value, list):
        return [_without_own_numbers(item) for item in value]
    return value


def test_a_report_from_the_server_reads_as_the_one_on_the_station(
    tmp_path: Path, postgres: Cluster
) -> None:
    home = make_home(tmp_path)
    station = tmp_path / "room-1"
    finish(demo(home, station))
    url = fresh_database(postgres)
    assert (
        run_cli(home, "clinic", "sync", "--server", url, "--data-dir", str(station)).returncode == 0
    )
    [here] = open_store(station, read_only=True).list_sessions()
    [(there,)] = server_rows(url, f"SELECT id FROM sessions WHERE uuid = '{here.session_uuid}'")
    json_report = ("report", "--format", "json", "--session")
    local = run_cli(home, *json_report, str(here.session_id), "--data-dir", str(station),
                    "--out", str(tmp_path / "station.json"))  # fmt: skip
    remote = run_cli(home, *json_report, str(there), "--server", url,
                     "--out", str(tmp_path / "server.json"))  # fmt: skip
    assert local.returncode == 0 and remote.returncode == 0, local.stderr + remote.stderr
    station_report = json.loads((tmp_path / "station.json").read_text(encoding="utf-8"))
    server_report = json.loads((tmp_path / "server.json").read_text(encoding="utf-8"))
    assert _without_own_numbers(server_report) == _without_own_numbers(station_report)
    assert station_report != {}
    listed = run_cli(home, "profiles", "list", "--server", url)
    assert here.profile_code in listed.stdout


def test_a_stations_role_adds_rows_but_changes_none(tmp_path: Path, postgres: Cluster) -> None:
    home = make_home(tmp_path)
    station = tmp_path / "room-1"
    url = fresh_database(postgres, "clinic_roles")
    server_command(postgres.url, "CREATE ROLE room_station LOGIN")
    assert run_cli(home, "clinic", "init", "--server", url, "--station-role",
                   "room_station").returncode == 0  # fmt: skip
    finish(demo(home, station))
    as_station = postgres.database_url("clinic_roles", user="room_station")
    synced = run_cli(home, "clinic", "sync", "--server", as_station, "--data-dir", str(station))
    assert synced.returncode == 0, synced.stderr
    assert server_taps(url) == station_taps(station)
    with psycopg.connect(plain(as_station), autocommit=True) as connection:
        for statement in ("DELETE FROM taps", "UPDATE sessions SET status = 'incomplete'"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                connection.execute(statement)
    assert server_taps(url) == station_taps(station)


def test_a_report_from_the_server_takes_a_profile_by_name_as_the_station_does(
    tmp_path: Path, postgres: Cluster
) -> None:
    home = make_home(tmp_path)
    station = tmp_path / "room-1"
    url = fresh_database(postgres)
    add = ("profiles", "add", "--data-dir", str(station))
    mia = run_cli(home, *add[:2], "Mia", *add[2:]).stdout.split()[-1]
    leo = [run_cli(home, *add[:2], "Leo", *add[2:]).stdout.split()[-1] for _ in range(2)]
    synced = run_cli(home, "clinic", "sync", "--server", url, "--data-dir", str(station))
    assert synced.returncode == 0, synced.stderr

    by_name = run_cli(home, "report", "--server", url, "--profile", "Mia", "--format", "json",
                      "--out", str(tmp_path / "mia.json"))  # fmt: skip
    assert by_name.returncode == 0, by_name.stderr
    report = json.loads((tmp_path / "mia.json").read_text(encoding="utf-8"))
    assert report["profile"]["code"] == mia
    by_code = run_cli(home, "report", "--server", url, "--profile", mia.lower(), "--format",
                      "json", "--out", str(tmp_path / "code.json"))  # fmt: skip
    assert by_code.returncode == 0, by_code.stderr
    ambiguous = run_cli(home, "report", "--server", url, "--profile", "Leo",
                        "--out", str(tmp_path / "leo.json"))  # fmt: skip
    assert ambiguous.returncode == 2
    assert all(code in ambiguous.stderr for code in leo)
    assert not (tmp_path / "leo.json").exists()
