"""run.py as a person uses it: real processes, real files, no tracebacks."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from engine.store.opening import open_store
from engine.store.sqlite.store import DATABASE_FILE_NAME

ROOT = Path(__file__).resolve().parent.parent

TINY_LEVEL = """\
format: 1
id: tiny
title: Tiny
theme: space
tempo_bpm: 120
count_in: 1
tasks:
  - name: Four taps
    limb: both_hands
    length: {beats: 4}
"""


def run_cli(
    *args: str,
    env_changes: dict[str, str | None] | None = None,
    timeout_s: float = 180,
    **options: object,
) -> subprocess.CompletedProcess:
    """run.py with ``args``, in this environment changed by ``env_changes`` (None unsets)."""
    env = dict(os.environ, PYGAME_HIDE_SUPPORT_PROMPT="1")
    for key, value in (env_changes or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run(
        [sys.executable, str(ROOT / "run.py"), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout_s,
        cwd=ROOT,
        **options,
    )


def test_play_without_a_display_says_so_in_one_line(tmp_path) -> None:
    result = run_cli(
        "play",
        "--data-dir",
        str(tmp_path),
        env_changes={"DISPLAY": None, "WAYLAND_DISPLAY": None, "SDL_VIDEODRIVER": None},
    )
    assert result.returncode == 1  # an expected failure, like every other (cli/errors.py)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "make demo" in lines[0]
    assert "Traceback" not in result.stderr


def test_play_runs_a_level_in_a_window_and_records_it(tmp_path) -> None:
    level = tmp_path / "tiny.yaml"
    level.write_text(TINY_LEVEL, encoding="utf-8")
    data_dir = tmp_path / "data"
    # SDL's dummy audio driver plays no sound: only a therapist's --silent plays then.
    result = run_cli(
        "play", str(level), "--data-dir", str(data_dir), "--exit-when-done", "--silent"
    )
    assert result.returncode == 0, result.stderr
    # Recorded under the station's own profile, named by its code.
    assert re.search(r"Session 1 of P-[A-Z2-9]{6} saved", result.stdout), result.stdout
    export = run_cli("export", "--data-dir", str(data_dir), "--out", str(tmp_path / "t.csv"))
    assert export.returncode == 0, export.stderr
    assert "Wrote 0 taps" in export.stdout  # nobody tapped; the session itself is stored


def test_play_without_sound_records_nothing_and_says_what_to_do(tmp_path) -> None:
    level = tmp_path / "tiny.yaml"
    level.write_text(TINY_LEVEL, encoding="utf-8")
    data_dir = tmp_path / "data"
    result = run_cli("play", str(level), "--data-dir", str(data_dir), "--exit-when-done")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "no session recorded" in line and "--silent" in line
    assert "audio driver plays no sound" in result.stdout  # the reason, for the therapist
    export = run_cli("export", "--data-dir", str(data_dir), "--out", str(tmp_path / "t.csv"))
    assert "Wrote 0 taps" in export.stdout


def test_demo_prints_a_summary_and_its_data_exports(tmp_path) -> None:
    level = tmp_path / "tiny.yaml"
    level.write_text(TINY_LEVEL.replace("beats: 4", "beats: 24"), encoding="utf-8")
    result = run_cli(
        "demo", "--level", str(level), "--data-dir", str(tmp_path), "--jitter-ms", "25"
    )
    assert result.returncode == 0, result.stderr
    assert "Demo session 1" in result.stdout
    assert "Task Average:" in result.stdout and "SRO:" in result.stdout
    assert str(tmp_path) in result.stdout
    out = tmp_path / "taps.csv"
    export = run_cli("export", "--data-dir", str(tmp_path), "--format", "csv", "--out", str(out))
    assert export.returncode == 0, export.stderr
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    recorded = int(result.stdout.split("taps recorded:")[1].split()[0])
    assert len(rows) == recorded > 15
    assert {row["stamp_source"] for row in rows} == {"scripted"}


def test_demo_without_a_data_dir_writes_to_a_throwaway_folder_and_says_where(tmp_path) -> None:
    level = tmp_path / "tiny.yaml"
    level.write_text(TINY_LEVEL, encoding="utf-8")
    user_data = tmp_path / "user-data"
    result = run_cli("demo", "--level", str(level), env_changes={"XDG_DATA_HOME": str(user_data)})
    assert result.returncode == 0, result.stderr
    said = result.stdout.split("throwaway folder: ")[1].split(" (")[0]
    throwaway = Path(said)
    try:
        assert (throwaway / DATABASE_FILE_NAME).exists()
        assert not (user_data / "OnBeat").exists()  # the station's own records are untouched
        store = open_store(throwaway)
        try:
            [session] = store.list_sessions()
        finally:
            store.close()
        assert session.autoplayed  # a simulated child is nobody's progress
    finally:
        shutil.rmtree(throwaway, ignore_errors=True)


def test_a_broken_level_gives_its_place_and_no_traceback(tmp_path) -> None:
    level = tmp_path / "broken.yaml"
    level.write_text(TINY_LEVEL.replace("tempo_bpm: 120", "tempo: 120"), encoding="utf-8")
    result = run_cli("play", str(level), "--data-dir", str(tmp_path))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert f"{level}:5:1:" in result.stderr and "tempo_bpm" in result.stderr


def test_missing_level_file_and_missing_data(tmp_path) -> None:
    result = run_cli("play", str(tmp_path / "nope.yaml"), "--data-dir", str(tmp_path))
    assert result.returncode == 1 and "no such level file" in result.stderr
    result = run_cli("export", "--data-dir", str(tmp_path / "empty"), "--out", str(tmp_path / "x"))
    assert result.returncode == 1 and "no OnBeat data" in result.stderr
