"""The game's scenes driven from title to results and back (virtual clock, dummy video)."""

from __future__ import annotations

from pathlib import Path

from engine.config.user_settings import UserSettings
from engine.levels.library import discover_levels
from engine.store.opening import open_store
from engine.store.recorder import Recorder
from tests.game_harness import GameHarness

LEVEL = """\
format: 1
id: tiny-pond
title: Tiny Pond
theme: pond
tempo_bpm: 120
count_in: 2
tasks:
  - name: Claps
    limb: both_hands
    length: {beats: 8}
"""


def make_library(tmp_path: Path):
    builtin = tmp_path / "levels" / "pond"
    builtin.mkdir(parents=True)
    (builtin / "tiny.yaml").write_text(LEVEL, encoding="utf-8")
    return discover_levels(builtin_dir=tmp_path / "levels", user_dir=tmp_path / "user-levels")


def test_title_to_results_and_back_with_a_new_profile(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    recorder = Recorder(data_dir)
    # A child who taps every beat on time, with Space (the key of both hands).
    game = GameHarness(data_dir, recorder, make_library(tmp_path), child=lambda g, i, r: 0.0)
    seen = {}
    game.press_at(1.0, "return")  # title: "Play" -> profiles
    game.press_at(1.5, "return")  # "New player" has the focus (there is nobody yet)
    game.type_at(2.0, "Ana")
    game.press_at(2.2, "down")  # from the avatars down to "Let's go!"
    game.press_at(2.4, "return")  # -> Ana's level map
    game.press_at(3.5, "return")  # the first level -> play
    game.at(13.0, lambda now_ns: seen.setdefault("results", game.director.scene))
    game.press_at(13.5, "return")  # results -> level map
    game.at(14.5, lambda now_ns: seen.setdefault("map", game.director.scene))
    game.run(seconds=15.0)
    recorder.close()

    assert game.director.history == [
        "TitleScene",
        "ProfilesScene",
        "NewProfileScene",
        "LevelMapScene",
        "PlayScene",
        "ResultsScene",
        "LevelMapScene",
    ]
    results = seen["results"]
    assert results.stars == 3 and results.overall.paired_taps == 8
    assert "first-star" in results.new_stickers
    assert seen["map"].progress.stars_by_level == {"tiny-pond": 3}
    store = open_store(data_dir)
    try:
        [profile] = store.list_profiles()
        [session] = store.list_sessions(profile.code)
    finally:
        store.close()
    assert (profile.display_name, profile.avatar, session.status) == ("Ana", "frog", "complete")


def test_pausing_and_leaving_a_level_goes_back_to_the_map(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    recorder = Recorder(data_dir)
    game = GameHarness(
        data_dir, recorder, make_library(tmp_path), settings=UserSettings(language="es")
    )
    game.press_at(1.0, "return")
    game.press_at(1.5, "return")
    game.press_at(2.0, "down")
    game.press_at(2.2, "return")  # a profile named after the frog avatar, and its map
    game.press_at(3.5, "return")  # play
    game.press_at(5.0, "escape")  # pause
    game.press_at(6.0, "escape")  # leave the level
    game.run(seconds=7.0)
    recorder.close()
    assert game.director.history[-2:] == ["PlayScene", "LevelMapScene"]
    store = open_store(data_dir)
    try:
        [profile] = store.list_profiles()
        [session] = store.list_sessions(profile.code)
    finally:
        store.close()
    assert profile.display_name == "Rana"  # the Spanish name of the default avatar
    assert session.status == "incomplete"
