"""What the engine keeps and decides for a child: each session's sound and whether the program
played it (a schema migration that loses nothing), autoplayed sessions counting for nothing,
the unlocks, the praise, one definition of a run, and the levels' words in Spanish."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

import tests.legacy_schema as legacy_schema
from engine.levels.library import discover_levels
from engine.levels.load import LevelError, load_level
from engine.levels.progression import map_levels
from engine.levels.text import level_in_language
from engine.metrics.progress import clinic_progress
from engine.metrics.progress import profile_progress as clinical_progress
from engine.session.play import PlaySession
from engine.session.praise import praise_kind
from engine.session.rewards import profile_progress, unlocked_level_ids
from engine.session.streak import MISSED, Streak, longest_run
from engine.store.migrations.runner import newest_version
from engine.store.opening import open_store
from engine.store.recorder import Recorder
from engine.store.records import AUDIO_SILENT
from engine.store.sqlite.store import DATABASE_FILE_NAME
from game.harness import run_headless
from tests.level_factory import make_level, make_task
from tests.records_factory import make_database_of_schema, session_record

SHIPPED = Path(__file__).resolve().parent.parent / "levels"


# --- the migration ----------------------------------------------------------------------------
def test_a_database_from_before_keeps_every_session_and_reads_them_as_not_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The schema just before the migration that added these columns, wherever it ends up.
    before = legacy_schema.MIGRATIONS.index(legacy_schema._migration_7_session_sound_and_autoplay)
    make_database_of_schema(tmp_path, before, monkeypatch)
    with sqlite3.connect(tmp_path / DATABASE_FILE_NAME) as connection:  # as that OnBeat did
        connection.execute(
            "INSERT INTO profiles (code, display_name, created_at_utc) "
            "VALUES ('P-ROBIN2', 'Robin', '2026-01-05T09:00:00+00:00')"
        )
    code = "P-ROBIN2"
    # The sessions as the OnBeat before this schema wrote them: its columns, no more.
    with sqlite3.connect(tmp_path / DATABASE_FILE_NAME) as connection:
        connection.executemany(
            "INSERT INTO sessions (profile_id, level_id, level_title, level_path, station, "
            "sample_rate_hz, input_offset_ms, output_latency_ms, started_at_utc, ended_at_utc, "
            "status, calibration_json) VALUES (1, ?, ?, ?, 'room-2', 48000, 12.5, 23.25, ?, ?, "
            "?, NULL)",
            [
                ("frog-hop", "Frog Hop", "levels/pond/frog-hop.yaml",
                 "2026-01-05T10:00:00+00:00", "2026-01-05T10:07:00+00:00", "complete"),
                ("duck-paddle", "Duck Paddle", "levels/pond/duck-paddle.yaml",
                 "2026-01-06T10:00:00+00:00", None, "incomplete"),
            ],
        )  # fmt: skip
        rows_before = connection.execute("SELECT * FROM sessions ORDER BY id").fetchall()

    store = open_store(tmp_path)
    assert store.schema_version() == newest_version()
    sessions = store.list_sessions(code)
    store.close()
    assert [s.level_id for s in sessions] == ["frog-hop", "duck-paddle"]
    assert [(s.audio_device, s.autoplayed) for s in sessions] == [(None, False), (None, False)]
    with sqlite3.connect(tmp_path / DATABASE_FILE_NAME) as connection:
        rows_after = connection.execute("SELECT * FROM sessions ORDER BY id").fetchall()
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert [row[: len(rows_before[0])] for row in rows_after] == rows_before


def test_a_session_keeps_its_sound_and_whether_the_program_played_it(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    code = store.create_profile("Ana")
    silent = store.start_session(session_record(code, "a", audio_device=AUDIO_SILENT))
    played = store.start_session(
        session_record(code, "b", audio_device="USB Headset", autoplayed=True)
    )
    assert store.session(silent).audio_device == AUDIO_SILENT
    assert not store.session(silent).autoplayed
    assert (store.session(played).audio_device, store.session(played).autoplayed) == (
        "USB Headset",
        True,
    )
    store.close()


# --- autoplayed sessions count for nothing ---------------------------------------------------
def test_autoplayed_sessions_never_count_in_rewards_or_progress(tmp_path: Path) -> None:
    level = make_level(make_task(beats=8), level_id="counted")
    recorder = Recorder(tmp_path)
    run_headless(level, recorder, lambda g, i, r: 0.0, profile_name="Leo")  # the child
    played_by_program = run_headless(
        level, recorder, lambda g, i, r: 0.0, profile_name="Leo", simulated_player=True
    )
    recorder.close()
    store = open_store(tmp_path)
    try:
        [profile] = store.list_profiles()
        sessions = store.list_sessions(profile.code)
        assert [s.autoplayed for s in sessions] == [False, True]
        rewards = profile_progress(store, profile.code, {"pond": (level,)})
        progress = clinical_progress(store, profile.code)
        clinic = clinic_progress(store)
    finally:
        store.close()
    assert rewards.stars_by_level == {"counted": 3}
    assert [s.session_id for s in progress.sessions] == [sessions[0].session_id]
    assert played_by_program.session.session_id not in {p.session_id for p in progress.overall}
    assert clinic.sessions.tolist() == [1]


def test_only_autoplayed_sessions_earn_no_stars(tmp_path: Path) -> None:
    level = make_level(make_task(beats=8), level_id="only-autoplayed")
    recorder = Recorder(tmp_path)
    run_headless(level, recorder, lambda g, i, r: 0.0, simulated_player=True)
    recorder.close()
    store = open_store(tmp_path)
    try:
        [profile] = store.list_profiles()
        rewards = profile_progress(store, profile.code, {"pond": (level,)})
    finally:
        store.close()
    assert rewards.stars_by_level == {} and "first-star" not in rewards.stickers


# --- unlocks --------------------------------------------------------------------------------
def test_tadpole_tap_comes_first_and_three_stars_on_frog_hop_open_the_next() -> None:
    library = discover_levels(builtin_dir=SHIPPED, user_dir=SHIPPED / "no-user-levels")
    pond = map_levels(library.levels_by_theme)["pond"]
    order = [level.id for level in pond]
    assert order[:2] == ["tadpole-tap", "frog-hop"]
    by_theme = {"pond": pond}
    assert unlocked_level_ids(by_theme, {}) == {"tadpole-tap", "frog-hop"}
    after_frog_hop = unlocked_level_ids(by_theme, {"frog-hop": 3})
    assert after_frog_hop == {"tadpole-tap", "frog-hop", order[2], order[3]}
    # A star on the first level opens something new too.
    assert order[2] in unlocked_level_ids(by_theme, {"tadpole-tap": 1})


# --- praise ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("hits", "targets", "kind"),
    [
        (0, 48, "try_again"),
        (0, 0, "try_again"),
        (10, 48, "keep_going"),
        (30, 48, "good"),
        (36, 48, "great"),
        (48, 48, "super"),
    ],
)
def test_praise_fits_what_happened(hits: int, targets: int, kind: str) -> None:
    assert praise_kind(hits, targets) == kind


# --- one definition of a run -----------------------------------------------------------------
def test_a_run_is_hits_in_a_row_that_extra_taps_leave_alone() -> None:
    outcomes = ["sro", "good", "extra", "good", "ok", "sro", MISSED, "good", "good"]
    assert longest_run(outcomes) == 3  # sro, good, (an extra tap), good; then "ok" ends it
    assert longest_run(["sro", "unscored", "sro", "off", "good"]) == 2
    streak = Streak()
    for outcome in outcomes[:4]:
        streak.add(outcome)
    assert streak.current == 3
    streak.new_task()
    assert (streak.current, streak.longest) == (0, 3)


# --- the levels' words in Spanish -------------------------------------------------------------
def test_every_shipped_level_speaks_spanish_to_the_child() -> None:
    library = discover_levels(builtin_dir=SHIPPED, user_dir=SHIPPED / "no-user-levels")
    assert len(library.levels) == 25
    for level in library.levels:
        [spanish] = [text for text in level.translations if text.language == "es"]
        assert spanish.title and spanish.instruction and spanish.description, level.id
        assert len(spanish.task_names) == len(level.tasks), level.id
        assert all(spanish.task_names), level.id
        shown = level_in_language(level, "es")
        assert shown.title == spanish.title and shown.id == level.id
        assert shown.tasks[0].limbs == level.tasks[0].limbs  # words change, nothing else


def test_untranslated_words_fall_back_to_the_levels_own(tmp_path: Path) -> None:
    path = tmp_path / "half.yaml"
    path.write_text(
        "format: 1\nid: half\ntitle: Frog Party\ntheme: pond\ntempo_bpm: 100\n"
        "instruction: Clap!\ntasks:\n"
        "  - {name: One, limb: both_hands, length: {beats: 8}}\n"
        "  - {name: Two, limb: both_hands, length: {beats: 8}, instruction: Again!}\n"
        "translations:\n  es:\n    title: Fiesta de ranas\n    tasks:\n      - {}\n"
        "      - {name: Dos}\n",
        encoding="utf-8",
    )
    level = load_level(path)
    spanish = level_in_language(level, "es")
    assert spanish.title == "Fiesta de ranas" and spanish.instruction == "Clap!"
    assert [task.name for task in spanish.tasks] == ["One", "Dos"]
    assert spanish.tasks[1].instruction == "Again!"
    assert level_in_language(level, "fr") is level


def test_the_validator_names_a_bad_language_and_too_many_task_words(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "format: 1\nid: bad\ntitle: Frog Party\ntheme: pond\ntempo_bpm: 100\ntasks:\n"
        "  - {name: One, limb: both_hands, length: {beats: 8}}\n"
        "translations:\n  Spanish:\n    title: Fiesta\n  es:\n    tasks:\n"
        "      - {name: Uno}\n      - {name: Dos}\n",
        encoding="utf-8",
    )
    with pytest.raises(LevelError) as error:
        load_level(path)
    problems = [str(problem) for problem in error.value.problems]
    assert any("translations.Spanish" in p and "two lowercase letters" in p for p in problems)
    assert any(
        "translations.es.tasks" in p and "has 2 items but the level has 1 task" in p
        for p in problems
    )


def test_the_play_screen_shows_the_childs_language_and_the_record_keeps_the_levels_own(
    tmp_path: Path,
) -> None:
    path = tmp_path / "frog.yaml"
    path.write_text(
        "format: 1\nid: frog\ntitle: Frog Hop\ntheme: pond\ntempo_bpm: 120\ncount_in: 2\n"
        "tasks:\n  - {name: Hop, limb: both_hands, length: {beats: 4}}\n"
        "translations:\n  es:\n    title: Salto de rana\n    tasks:\n      - {name: ¡Salta!}\n",
        encoding="utf-8",
    )
    recorder = Recorder(tmp_path / "data")
    run = run_headless(load_level(path), recorder, lambda g, i, r: 0.0)
    recorder.close()
    store = open_store(tmp_path / "data")
    try:
        [task] = list(store.iter_tasks(run.session.session_id))
        session = store.session(run.session.session_id)
    finally:
        store.close()
    assert (session.level_title, task.task_name) == ("Frog Hop", "Hop")
    spanish = PlaySession(
        load_level(path), 1, run.rig.ring, run.rig.clock_map, run.rig.track, None, language="es"
    ).view(0)
    assert (spanish.level_title, spanish.task_name) == ("Salto de rana", "¡Salta!")
