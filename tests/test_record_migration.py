"""A database written by the OnBeat before tempo maps (schema 3, tests/data/README.md) upgrades
without losing a row, and its sessions gain what was in force, exactly where it can be
recovered and with a note where it cannot."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from engine.reports.service import ReportRequest, render_report
from engine.store.migrations.runner import newest_version
from engine.store.opening import open_store
from engine.store.sqlite.store import DATABASE_FILE_NAME

FIXTURE = Path(__file__).resolve().parent / "data" / "schema3_sessions.sqlite3"
RATE_HZ = 48_000
RENAMED = {("tasks", "tempo_bpm"): "tempo_bpm_start"}
# Sessions of the fixture, by what their level adapted.
TEMPO_ADAPTIVE = (1, 2, 6)  # frog-hop, moon-walk, heel-toe-walk
WINDOW_ADAPTIVE = (3, 5)  # lily-pad-jump, astronaut-float
FIXED = (4,)  # drum-march


def rows_of_every_table(path: Path) -> dict[str, tuple[list[str], list[tuple]]]:
    connection = sqlite3.connect(path)
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'schema_version'"
            )
        ]
        result = {}
        for table in tables:
            columns = [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
            rows = connection.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
            result[table] = (columns, rows)
        return result
    finally:
        connection.close()


@pytest.fixture
def upgraded(tmp_path: Path) -> tuple[Path, dict]:
    shutil.copy(FIXTURE, tmp_path / DATABASE_FILE_NAME)
    before = rows_of_every_table(tmp_path / DATABASE_FILE_NAME)
    store = open_store(tmp_path)
    assert store.schema_version() == newest_version() >= 4
    store.close()
    return tmp_path, before


def test_every_row_and_value_survives_the_upgrade(upgraded: tuple[Path, dict]) -> None:
    data_dir, before = upgraded
    connection = sqlite3.connect(data_dir / DATABASE_FILE_NAME)
    try:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
        assert sum(len(rows) for _, rows in before.values()) > 600
        for table, (columns, rows) in before.items():
            names = [RENAMED.get((table, name), name) for name in columns]
            after = connection.execute(
                f"SELECT {', '.join(names)} FROM {table} ORDER BY rowid"
            ).fetchall()
            assert after == rows, table
    finally:
        connection.close()


def test_fixed_levels_get_their_tempo_and_windows_exactly(upgraded: tuple[Path, dict]) -> None:
    data_dir, _ = upgraded
    store = open_store(data_dir)
    try:
        for session_id in FIXED:
            beats = store.beat_columns(session_id)
            for task in store.iter_tasks(session_id):
                settings = json.loads(task.settings_json)
                windows, steps_per_beat = settings["windows"], settings["task"]["steps_per_beat"]
                mine = beats.task_index == task.task_index
                assert set(beats.tempo_bpm[mine]) == {task.tempo_bpm_start}
                assert task.tempo_bpm_end == task.tempo_bpm_start
                np.testing.assert_array_equal(
                    beats.ioi_ms[mine], 60_000.0 / task.tempo_bpm_start / steps_per_beat
                )
                for name in ("sro_ms", "good_ms", "ok_ms"):
                    assert set(getattr(beats, name)[mine]) == {windows[name]}
            assert store.migration_notes(session_id) == []
    finally:
        store.close()


def test_adaptive_tempo_is_recovered_from_the_frames_exactly(upgraded: tuple[Path, dict]) -> None:
    data_dir, _ = upgraded
    store = open_store(data_dir)
    try:
        for session_id in TEMPO_ADAPTIVE:
            beats = store.beat_columns(session_id)
            steps = store.adaptation_steps(session_id)
            tasks = list(store.iter_tasks(session_id))
            played = {task.tempo_bpm_start for task in tasks} | {s.tempo_bpm for s in steps}
            assert set(beats.tempo_bpm) <= played
            assert len(set(beats.tempo_bpm)) > 1
            for task in tasks:
                mine = beats.task_index == task.task_index
                spacing = np.diff(beats.target_frame[mine])
                ioi_frames = beats.ioi_ms[mine][:-1] * RATE_HZ / 1000.0
                # Frames are whole, and the older OnBeat laid the beats after a tempo change up
                # to a frame off the bar line: within two frames, each tempo is the one played.
                assert np.abs(spacing - ioi_frames).max() <= 2.0
                assert task.tempo_bpm_end == beats.tempo_bpm[mine][-1]
            assert store.migration_notes(session_id) == []
        # The second task of heel-toe-walk started at the level's 92 bpm although the child
        # was at 76: the record now shows that jump rather than hiding it.
        beats = store.beat_columns(6)
        second = beats.task_index == 1
        assert beats.tempo_bpm[second][0] == 92.0
        assert beats.tempo_bpm[second & (beats.beat_index == 31)][0] < 92.0
    finally:
        store.close()


def test_adaptive_windows_come_from_the_steps_and_the_unknown_start_is_said(
    upgraded: tuple[Path, dict],
) -> None:
    data_dir, _ = upgraded
    store = open_store(data_dir)
    try:
        for session_id in WINDOW_ADAPTIVE:
            beats = store.beat_columns(session_id)
            steps = store.adaptation_steps(session_id)
            first_step = steps[0].audio_frame
            unknown = beats.target_frame < first_step
            assert unknown.any() and np.isnan(beats.good_ms[unknown]).all()
            for step, following in zip(steps, [*steps[1:], None], strict=True):
                end = np.inf if following is None else following.audio_frame
                ruled = (beats.target_frame >= step.audio_frame) & (beats.target_frame < end)
                assert set(beats.good_ms[ruled]) <= {step.window_ms}
            [note] = store.migration_notes(session_id)
            assert note.task_index == 0
            assert f"windows of {int(unknown.sum())} target(s)" in note.note
            report = render_report(store, ReportRequest("html", session_id=session_id))
            assert b"Not in the record" in report
    finally:
        store.close()


def test_every_stored_judgement_follows_from_the_windows_filled_in(
    upgraded: tuple[Path, dict],
) -> None:
    data_dir, _ = upgraded
    store = open_store(data_dir)
    try:
        for session_id in (*TEMPO_ADAPTIVE, *WINDOW_ADAPTIVE, *FIXED):
            taps = store.tap_columns(session_id)
            beats = store.beat_columns(session_id)
            paired = taps.beat_index >= 0
            known = paired & ~np.isnan(taps.sro_ms)
            assert known.sum() > 0.8 * paired.sum()
            for tap in np.flatnonzero(known):
                distance = abs(taps.asynchrony_ms[tap])
                edges = (taps.sro_ms[tap], taps.good_ms[tap], taps.ok_ms[tap])
                expected = ("sro", "good", "ok", "off")[sum(distance > edge for edge in edges)]
                assert taps.judgement[tap] == expected
                beat = (beats.task_index == taps.task_index[tap]) & (
                    beats.beat_index == taps.beat_index[tap]
                )
                assert beats.sro_ms[beat][0] == taps.sro_ms[tap]
            assert np.isnan(taps.sro_ms[~paired]).all()
    finally:
        store.close()
