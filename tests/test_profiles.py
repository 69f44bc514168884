"""Profiles are their codes: two children called Mia stay apart in the game, on the command
line, in exports and in reports; archived profiles leave the child's list but keep their data."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pygame
import pytest

from cli.main import main
from engine.levels.library import discover_levels
from engine.store.opening import open_store
from engine.store.profile_choice import ProfileChoiceError, choose_profile, station_profile
from engine.store.recorder import Recorder
from game.autoplay import AutoTapper
from game.context import GameContext
from game.scenes.profiles import ProfilesScene
from game.scenes.therapist import TherapistProfilesScene
from tests.game_harness import GameHarness
from tests.test_cli import TINY_LEVEL, run_cli

POND_LEVEL = """\
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


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    """run.py in this process: the exit status, stdout lines and stderr."""
    status = main(list(args))
    captured = capsys.readouterr()
    return status, captured.out.splitlines(), captured.err


# --- the store's rule for names typed by a person ---------------------------------------------
def test_a_name_means_a_profile_only_when_one_profile_in_use_has_it(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    first = store.create_profile("Mia", avatar="cat")
    second = store.create_profile("Mia", avatar="fox")
    leo = store.create_profile("Leo")
    assert choose_profile(store, first).code == first
    assert choose_profile(store, first.lower()).code == first  # codes in any case
    assert choose_profile(store, " Leo ").code == leo
    with pytest.raises(ProfileChoiceError) as several:
        choose_profile(store, "Mia")
    assert [p.code for p in several.value.matches] == [first, second]
    assert first in str(several.value) and "cat" in str(several.value)
    with pytest.raises(ProfileChoiceError, match="no profile in use") as none:
        choose_profile(store, "Zoe")
    assert none.value.matches == ()

    store.archive_profile(second)
    assert choose_profile(store, "Mia").code == first  # the archived Mia is not a candidate
    assert choose_profile(store, second).code == second  # but its code still finds it
    # The station's default player is made once and then found, never duplicated.
    player = station_profile(store, "Player")
    assert station_profile(store, "Player") == player
    store.create_profile("Player")
    with pytest.raises(ProfileChoiceError, match="2 profiles in use are called 'Player'"):
        station_profile(store, "Player")
    store.close()


# --- the game: a new profile is always new, and the avatars differ ------------------------------
def make_library(tmp_path: Path):
    builtin = tmp_path / "levels" / "pond"
    builtin.mkdir(parents=True, exist_ok=True)
    (builtin / "tiny.yaml").write_text(POND_LEVEL, encoding="utf-8")
    return discover_levels(builtin_dir=tmp_path / "levels", user_dir=tmp_path / "user-levels")


def play_as_a_new_mia(tmp_path: Path, data_dir: Path, cards_before: int, seen: dict) -> None:
    """From the title: make a new player called Mia, choose the Mia card made last, play the
    first level (autoplayed) and look at the results."""
    recorder = Recorder(data_dir)
    game = GameHarness(data_dir, recorder, make_library(tmp_path), autoplay=AutoTapper(0.0, 0.0))
    game.press_at(1.0, "return")  # title -> profiles
    for step in range(cards_before):  # past the profiles already there, to "New player"
        game.press_at(1.2 + 0.05 * step, "right")
    game.press_at(1.5, "return")  # -> new profile
    game.type_at(2.0, "Mia")
    game.at(2.1, lambda now_ns: seen.setdefault("new_profile", []).append(game.director.scene))
    game.press_at(2.2, "down")  # from the avatars down to "Let's go!"
    game.press_at(2.4, "return")  # -> this new child's level map
    game.press_at(3.0, "return")  # the first level -> play
    game.press_at(13.5, "return")  # results -> level map
    game.run(seconds=14.0)
    recorder.close()
    assert game.director.history[-3:] == ["PlayScene", "ResultsScene", "LevelMapScene"]
    seen.setdefault("played_as", []).append(game.context.profile)


def look_at_the_picker(tmp_path: Path, data_dir: Path, seen: dict) -> None:
    """From the title to "Who is playing?", and keep that scene."""
    recorder = Recorder(data_dir)
    game = GameHarness(data_dir, recorder, make_library(tmp_path))
    game.press_at(1.0, "return")  # title "Play" -> profiles
    game.at(1.5, lambda now_ns: seen.setdefault("profiles", []).append(game.director.scene))
    game.run(seconds=2.0)
    recorder.close()


def test_two_children_called_mia_keep_apart_through_the_game(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    seen: dict = {}
    play_as_a_new_mia(tmp_path, data_dir, 0, seen)
    play_as_a_new_mia(tmp_path, data_dir, 1, seen)
    look_at_the_picker(tmp_path, data_dir, seen)

    store = open_store(data_dir)
    try:
        profiles = store.list_profiles()
        sessions = {p.code: store.list_sessions(p.code) for p in profiles}
    finally:
        store.close()
    # Two profiles, both Mia, told apart by avatar; each played once, under its own code.
    assert sorted((p.display_name, p.avatar) for p in profiles) == [("Mia", "cat"), ("Mia", "frog")]
    first, second = seen["played_as"]
    assert first.code != second.code and (first.avatar, second.avatar) == ("frog", "cat")
    assert {code: len(rows) for code, rows in sessions.items()} == {first.code: 1, second.code: 1}
    # Making the second Mia, the first Mia's avatar could not be chosen.
    second_new = seen["new_profile"][1]
    assert second_new.taken_avatars() == {"frog"} and second_new.avatar == "cat"
    frog_button = next(b for b in second_new.menu.buttons if b.key == "avatar:frog")
    assert not frog_button.enabled
    # The picker shows both cards, by code, with their own avatars.
    [picker] = seen["profiles"]
    assert sorted((p.display_name, p.avatar, p.code) for p in picker.profiles) == sorted(
        [("Mia", "frog", first.code), ("Mia", "cat", second.code)]
    )
    assert [b.key for b in picker.menu.buttons[:2]] == [
        f"profile:{p.code}" for p in picker.profiles
    ]


def test_archived_profiles_leave_the_childs_list_but_not_the_therapists(tmp_path: Path) -> None:
    store = open_store(tmp_path)
    kept = store.create_profile("Mia", avatar="cat")
    gone = store.create_profile("Mia", avatar="fox")
    store.archive_profile(gone)
    store.close()
    context = GameContext(pygame.Surface((1280, 720)), None, None, data_dir=tmp_path)
    picker = ProfilesScene(context)
    picker.on_enter()
    assert [p.code for p in picker.profiles] == [kept]
    therapist = TherapistProfilesScene(context)
    therapist.on_enter()
    therapist.relayout()
    labels = {b.key: b.label for b in therapist.menu.buttons}
    assert "archived" in labels[f"profile:{gone}"] and gone in labels[f"profile:{gone}"]
    assert "archived" not in labels[f"profile:{kept}"]


# --- the command line -----------------------------------------------------------------------
def test_profiles_add_prints_the_new_code_last_and_never_reuses_a_name(tmp_path: Path) -> None:
    first = run_cli("profiles", "add", "Mia", "--avatar", "cat", "--data-dir", str(tmp_path))
    assert first.returncode == 0, first.stderr
    second = run_cli(
        "profiles", "add", "Mia", "--avatar", "fox", "--birth-year", "2018",
        "--data-dir", str(tmp_path),
    )  # fmt: skip
    assert second.returncode == 0, second.stderr
    first_code = first.stdout.strip().splitlines()[-1]
    second_code = second.stdout.strip().splitlines()[-1]
    assert first_code != second_code
    assert f"Also called Mia: {first_code} (cat)" in second.stdout
    played = run_cli("play", "--profile", "Mia", "--data-dir", str(tmp_path))
    assert played.returncode == 2
    assert first_code in played.stderr and second_code in played.stderr
    assert "give the code instead" in played.stderr and "Traceback" not in played.stderr
    store = open_store(tmp_path)
    try:
        assert store.list_sessions() == []  # nothing recorded
        assert [p.birth_year for p in store.active_profiles_named("Mia")] == [None, 2018]
    finally:
        store.close()


def test_two_mias_stay_apart_through_demo_exports_and_reports(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ("--data-dir", str(tmp_path))
    level = tmp_path / "tiny.yaml"
    level.write_text(TINY_LEVEL, encoding="utf-8")
    codes = []
    for avatar in ("cat", "fox"):
        status, out, _ = run(capsys, "profiles", "add", "Mia", "--avatar", avatar, *data)
        assert status == 0
        codes.append(out[-1])
    first, second = codes

    # By name: refused, listing both codes; nothing recorded. By code: each their own session.
    for command in (("demo", "--level", str(level)), ("report", "--out", "p.html")):
        status, _, err = run(capsys, *command, "--profile", "Mia", *data)
        assert status == 2 and first in err and second in err
    sessions = {}
    for code in (first, second, second):
        status, out, _ = run(capsys, "demo", "--level", str(level), "--profile", code, *data)
        assert status == 0 and f"of {code} (Mia)" in out[0]
        sessions.setdefault(code, []).append(int(out[0].split()[2]))
    assert sessions == {first: [1], second: [2, 3]}

    status, _, _ = run(
        capsys, "export", "--what", "sessions", "--out", str(tmp_path / "s.csv"), *data
    )
    assert status == 0
    with (tmp_path / "s.csv").open(newline="", encoding="utf-8") as handle:
        exported = {int(row["session_id"]): row["profile_code"] for row in csv.DictReader(handle)}
    assert exported == {1: first, 2: second, 3: second}

    for code in (first, second):
        out_path = tmp_path / f"{code}.json"
        status, _, err = run(capsys, "report", "--profile", code, "--out", str(out_path), *data)
        assert status == 0, err
        report = json.loads(out_path.read_text(encoding="utf-8"))
        assert report["profile"]["code"] == code
        # Demo sessions are autoplayed: they never count in a child's progress.
        assert report["sessions"] == []
        other = second if code == first else first
        for session_id in sessions[code]:
            out_path = tmp_path / f"session-{session_id}.json"
            status, _, err = run(
                capsys, "report", "--session", str(session_id), "--out", str(out_path), *data
            )
            assert status == 0, err
            text = out_path.read_text(encoding="utf-8")
            assert code in text and other not in text

    # Renamed, the second Mia no longer answers to "Mia": the name now means the first.
    status, out, _ = run(capsys, "profiles", "rename", second, "Mia B.", *data)
    assert status == 0 and "renamed from Mia to Mia B." in out[-1]
    status, out, _ = run(capsys, "demo", "--level", str(level), "--profile", "Mia", *data)
    assert status == 0 and f"of {first} (Mia)" in out[0]

    # Archived, the first Mia cannot be picked by name, but its reports remain, by code.
    status, out, _ = run(capsys, "profiles", "archive", first, *data)
    assert status == 0 and "2 sessions stay" in out[-1]
    status, _, err = run(capsys, "demo", "--level", str(level), "--profile", "Mia", *data)
    assert status == 2 and "no profile in use" in err
    out_path = tmp_path / "archived.json"
    status, _, _ = run(capsys, "report", "--profile", first, "--out", str(out_path), *data)
    assert status == 0
    assert json.loads(out_path.read_text(encoding="utf-8"))["profile"]["archived_at_utc"]
    status, out, _ = run(capsys, "profiles", "list", *data)
    rows = {line.split()[0]: line for line in out[1:]}
    assert set(rows) == {first, second} and rows[first].split()[-1][:2] == "20"
    status, out, _ = run(capsys, "profiles", "list", "--active", *data)
    assert [line.split()[0] for line in out[1:]] == [second]


def test_profile_commands_take_codes_and_say_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = ("--data-dir", str(tmp_path))
    status, out, _ = run(capsys, "profiles", "add", "Leo", *data)
    code = out[-1]
    status, _, err = run(capsys, "profiles", "archive", "Leo", *data)
    assert status == 2 and f"the codes: {code}" in err  # a name is refused, with the code
    status, _, err = run(capsys, "profiles", "add", "Sam", "--avatar", "dragon", *data)
    assert status == 2 and "frog" in err
    status, _, err = run(capsys, "profiles", "add", " ", *data)
    assert status == 1 and "not blank" in err
    status, _, _ = run(capsys, "profiles", "archive", code.lower(), *data)
    assert status == 0
    status, _, err = run(capsys, "profiles", "archive", code, *data)
    assert status == 1 and "archived already" in err


def test_the_player_picker_puts_recent_players_first_then_the_rest_by_name() -> None:
    from engine.store.profile_choice import picker_order
    from engine.store.records import ProfileRecord

    def child(code: str, name: str, last: str | None) -> ProfileRecord:
        return ProfileRecord(0, code, name, None, None, "2026-01-01T00:00:00+00:00", 0, last)

    players = [
        child("P-ZZZZZZ", "Omar", None),
        child("P-AAAAAA", "fay", None),
        child("P-MMMMMM", "Dev", "2026-03-01T10:00:00+00:00"),
        child("P-BBBBBB", "Cleo", None),
        child("P-CCCCCC", "Ari", "2026-03-02T10:00:00+00:00"),
    ]
    assert [p.display_name for p in picker_order(players)] == ["Ari", "Dev", "Cleo", "fay", "Omar"]
