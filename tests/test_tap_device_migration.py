"""Each tap's velocity and device: a database from before they were kept upgrades without
losing a row, its taps read and export as "not recorded", and new taps keep both."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

import pytest

from engine.reports.export import export_taps_csv
from engine.store.migrations.runner import newest_version
from engine.store.migrations.versions import r0010_tap_velocity_and_device as velocity_revision
from engine.store.opening import open_store
from engine.store.records import TapRecord
from engine.store.sqlite.store import DATABASE_FILE_NAME
from tests.records_factory import make_database_of_schema

OLD_TAPS = [
    # (tap_index, channel, host_ns, stamp_source, frame, beat, asynchrony, judgement, windows)
    (0, "left_hand", 5_000_000_000, "x11_server", 96_000, 0, -8.5, "sro", 13.5, 40.5, 90.0),
    (1, "right_toe", 5_600_000_000, "polled", 124_800, None, None, "extra", None, None, None),
    (2, "both_hands", 6_000_000_000, "evdev", 144_000, 1, 22.0, "good", 13.5, 40.5, 90.0),
]


def _old_database(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A database of the schema before taps kept their velocity and device, with one session
    of three taps written as the OnBeat of that schema wrote them: its columns, no more."""
    before = int(velocity_revision.down_revision)
    make_database_of_schema(data_dir, before, monkeypatch)
    with sqlite3.connect(data_dir / DATABASE_FILE_NAME) as connection:
        connection.execute(
            "INSERT INTO profiles (code, display_name, created_at_utc) "
            "VALUES ('P-ROBIN2', 'Robin', '2026-01-05T09:00:00+00:00')"
        )
        connection.execute(
            "INSERT INTO sessions (profile_id, level_id, level_title, level_path, station, "
            "sample_rate_hz, input_offset_ms, output_latency_ms, started_at_utc, ended_at_utc, "
            "status) VALUES (1, 'frog-hop', 'Frog Hop', 'levels/pond/frog-hop.yaml', 'room-2', "
            "48000, 12.5, 23.25, '2026-01-05T10:00:00+00:00', '2026-01-05T10:07:00+00:00', "
            "'complete')"
        )
        connection.execute(
            "INSERT INTO tasks (session_id, task_index, task_name, settings_json, "
            "tempo_bpm_start, tempo_bpm_end, start_frame) VALUES (1, 0, 'hop', '{}', 100, 100, 0)"
        )
        connection.executemany(
            "INSERT INTO beats (session_id, task_index, beat_index, limb, target_frame, scored, "
            "tempo_bpm, ioi_ms, sro_ms, good_ms, ok_ms) "
            "VALUES (1, 0, ?, 'any', ?, 1, 100, 600, 13.5, 40.5, 90)",
            [(0, 96_408), (1, 142_944)],
        )
        connection.executemany(
            "INSERT INTO taps (session_id, task_index, tap_index, channel, host_ns, stamp_source, "
            "audio_frame, audio_time_s, beat_index, asynchrony_ms, judgement, sro_ms, good_ms, "
            "ok_ms) VALUES (1, 0, ?, ?, ?, ?, ?, ? / 48000.0, ?, ?, ?, ?, ?, ?)",
            [(*tap[:5], tap[4], *tap[5:]) for tap in OLD_TAPS],
        )


def test_taps_from_before_keep_every_value_and_read_as_not_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _old_database(tmp_path, monkeypatch)
    with sqlite3.connect(tmp_path / DATABASE_FILE_NAME) as connection:
        rows_before = connection.execute("SELECT * FROM taps ORDER BY tap_index").fetchall()
    assert len(rows_before) == len(OLD_TAPS)

    store = open_store(tmp_path)
    try:
        assert store.schema_version() == newest_version()
        taps = [row.tap for row in store.iter_taps(1)]
        out = tmp_path / "taps.csv"
        assert export_taps_csv(store, out, 1) == len(OLD_TAPS)
    finally:
        store.close()
    assert [(tap.channel, tap.stamp_source, tap.judgement) for tap in taps] == [
        (channel, stamp, judgement) for _, channel, _, stamp, _, _, _, judgement, *_ in OLD_TAPS
    ]
    assert [(tap.velocity, tap.device) for tap in taps] == [(None, None)] * len(OLD_TAPS)
    with sqlite3.connect(tmp_path / DATABASE_FILE_NAME) as connection:
        rows_after = connection.execute("SELECT * FROM taps ORDER BY tap_index").fetchall()
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # Every value as it was; the two new columns at the end, empty.
    assert [row[: len(rows_before[0])] for row in rows_after] == rows_before
    assert {row[len(rows_before[0]) :] for row in rows_after} == {(None, None)}
    with out.open(newline="") as handle:
        exported = list(csv.DictReader(handle))
    assert [(row["host_ns"], row["velocity"], row["device"]) for row in exported] == [
        (str(tap[2]), "", "") for tap in OLD_TAPS
    ]


def test_after_the_upgrade_new_taps_keep_their_velocity_and_device(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _old_database(tmp_path, monkeypatch)
    store = open_store(tmp_path)
    try:
        store.add_taps(
            [
                TapRecord(
                    session_id=1,
                    task_index=0,
                    tap_index=3,
                    channel="right_toe",
                    host_ns=6_400_000_000,
                    stamp_source="midi",
                    audio_frame=163_200,
                    audio_time_s=3.4,
                    beat_index=None,
                    asynchrony_ms=None,
                    judgement="extra",
                    sro_ms=None,
                    good_ms=None,
                    ok_ms=None,
                    velocity=117,
                    device="TD-17:TD-17 MIDI 1 20:0",
                )
            ]
        )
        last = [row.tap for row in store.iter_taps(1)][-1]
    finally:
        store.close()
    assert (last.velocity, last.device) == (117, "TD-17:TD-17 MIDI 1 20:0")
