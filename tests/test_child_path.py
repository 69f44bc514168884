"""A child's whole path on the harness (virtual clock, real scenes, pump and store): with the
keyboard, the mouse or the gamepad alone, no dead end; clapping on after a level never starts
another; a round without hits is met with encouragement; no sound, no silent session."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pygame
import pytest

from engine.audio.devices import OutputStatus
from engine.config.user_settings import UserSettings
from engine.levels.library import discover_levels
from engine.store.opening import open_store
from engine.store.recorder import Recorder
from engine.store.records import AUDIO_SILENT, SessionRecord
from game.play_painter import PlayPainter
from game.scene import Goto
from game.sound import VIRTUAL_OUTPUT
from tests.game_harness import GameHarness
from tests.test_scenes import LEVEL

NS_PER_S = 1_000_000_000
SPACE, F, J = "space", "f", "j"  # both hands, left hand, right hand


def library(tmp_path: Path):
    folder = tmp_path / "levels" / "pond"
    folder.mkdir(parents=True)
    (folder / "tiny.yaml").write_text(LEVEL, encoding="utf-8")
    return discover_levels(builtin_dir=tmp_path / "levels", user_dir=tmp_path / "user-levels")


def on_time(grid, target_index, rng) -> float:
    return 0.0


def never(grid, target_index, rng) -> None:
    return None


def sessions_of(data_dir: Path) -> list[SessionRecord]:
    store = open_store(data_dir)
    try:
        return store.list_sessions()
    finally:
        store.close()


def make_game(tmp_path: Path, **options) -> tuple[GameHarness, Recorder, Path]:
    data_dir = tmp_path / "data"
    recorder = Recorder(data_dir)
    return GameHarness(data_dir, recorder, library(tmp_path), **options), recorder, data_dir


def to_the_map_by_keys(game: GameHarness) -> None:
    """Title -> profiles -> a new profile (the frog's name) -> its map, by Enter and arrows."""
    game.press_at(1.0, "return")  # "Play"
    game.press_at(1.5, "return")  # "New player"
    game.press_at(2.0, "down")  # to "Let's go!"
    game.press_at(2.2, "return")  # -> the map


def clap(game: GameHarness, from_s: float, until_s: float, keys=(SPACE, F, J)) -> None:
    """A child clapping on: a quick tap key every 0.3 s."""
    moment, index = from_s, 0
    while moment < until_s:
        game.press_at(moment, keys[index % len(keys)])
        moment += 0.3
        index += 1


# --- taps never drive menus by accident ------------------------------------------------------
def test_tap_keys_clapped_through_the_results_never_start_a_level(tmp_path: Path) -> None:
    game, recorder, data_dir = make_game(tmp_path, child=on_time)
    to_the_map_by_keys(game)
    game.press_at(3.0, "return")  # the one level a child chooses
    # The level ends about 9 s in; the child claps on, through the results, for 20 s.
    clap(game, 3.2, 30.0)
    # The gamepad's A and quick clicks are taps too: mashed, they choose nothing either.
    for moment in (12.0, 12.4, 16.0, 20.0):
        game.pad_at(moment, 0)
        game.click_at(moment + 0.1, (1100, 660))  # where "Continue" is
        game.click_at(moment + 0.2, (780, 660))  # where "Again" is
    game.run(seconds=31.0)
    recorder.close()

    assert game.director.history[-2:] == ["PlayScene", "ResultsScene"]
    assert game.director.history.count("PlayScene") == 1
    [session] = sessions_of(data_dir)
    assert session.status == "complete"


def test_a_deliberate_choice_leaves_the_results_and_claps_on_the_map_start_nothing(
    tmp_path: Path,
) -> None:
    game, recorder, data_dir = make_game(tmp_path, child=on_time)
    to_the_map_by_keys(game)
    game.press_at(3.0, "return")
    clap(game, 3.2, 40.0)
    game.click_at(16.0, (1100, 660), hold_s=1.2)  # "Continue", held: a choice, not a clap
    game.run(seconds=41.0)
    recorder.close()

    assert game.director.history[-3:] == ["PlayScene", "ResultsScene", "LevelMapScene"]
    assert len(sessions_of(data_dir)) == 1


def test_right_after_a_level_menus_ignore_taps_for_a_moment(tmp_path: Path) -> None:
    game, recorder, _ = make_game(tmp_path, child=on_time)
    to_the_map_by_keys(game)
    game.press_at(3.0, "return")
    seen = {}

    def watch_for_the_results(now_ns: int) -> None:
        if type(game.director.scene).__name__ != "ResultsScene":
            game.at(0.02, watch_for_the_results)
            return
        # The moment the results show, A is pressed and held long enough to choose: but it
        # began inside the quiet time, so it is not taken.
        seen["quiet_left_s"] = (game.context.taps_quiet_until_ns - now_ns) / NS_PER_S
        game.pad_at(0.0, 0, hold_s=1.2)

    game.at(5.0, watch_for_the_results)
    game.run(seconds=14.0)
    recorder.close()
    assert seen["quiet_left_s"] > 0.5
    assert game.director.history[-1] == "ResultsScene"


# --- results for children --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "encouragement"),
    [("en", "Let's try again!"), ("es", "¡Vamos a intentarlo otra vez!")],
)
def test_a_round_without_hits_is_met_with_encouragement(
    tmp_path: Path, language: str, encouragement: str
) -> None:
    game, recorder, _ = make_game(tmp_path, child=never, settings=UserSettings(language=language))
    to_the_map_by_keys(game)
    game.press_at(3.0, "return")
    seen = {}
    game.at(11.0, lambda now_ns: seen.setdefault("results", game.director.scene))
    game.run(seconds=11.5)
    recorder.close()

    results = seen["results"]
    assert type(results).__name__ == "ResultsScene"
    assert results.overall.hits == 0 and results.stars == 0
    assert results.headline() == encouragement
    assert "well done" not in results.headline().lower() + results.praise_line().lower()


def test_results_show_one_big_figure_and_the_run_the_play_screen_counted(tmp_path: Path) -> None:
    # On time except the fourth beat: runs of 3 and then 4, as the play screen counted them.
    def miss_the_fourth(grid, target_index, rng) -> float | None:
        return None if target_index == 3 else 0.0

    game, recorder, _ = make_game(tmp_path, child=miss_the_fourth)
    to_the_map_by_keys(game)
    game.press_at(3.0, "return")
    seen = {}
    game.at(11.0, lambda now_ns: seen.setdefault("results", game.director.scene))
    game.run(seconds=11.5)
    recorder.close()

    results = seen["results"]
    assert results.headline() == "7 on the beat!"
    assert results.longest_run == results.session.streak.longest == 4


# --- sound is part of the therapy -------------------------------------------------------------
def test_with_no_sound_output_a_level_does_not_start_silently(tmp_path: Path) -> None:
    no_sound = OutputStatus(None, "No sound device (unplugged).")
    game, recorder, data_dir = make_game(tmp_path, child=on_time, sound=no_sound)
    to_the_map_by_keys(game)
    game.press_at(3.0, "return")  # choose the level: the stop screen instead
    seen = {}
    game.at(4.0, lambda now_ns: seen.setdefault("scene", game.director.scene))
    game.press_at(5.0, "return")  # "Try again": still no sound, the stop screen stays
    game.at(6.0, lambda now_ns: seen.setdefault("after_retry", game.director.scene))
    game.run(seconds=7.0)
    recorder.close()

    stop = seen["scene"]
    assert type(stop).__name__ == "NoSoundScene"
    assert seen["after_retry"] is stop
    assert sessions_of(data_dir) == []
    reason_line = stop.therapist_line()
    assert "(No sound device (unplugged))." in reason_line and "Settings" in reason_line


def test_a_therapist_may_choose_silent_and_the_session_says_so(tmp_path: Path) -> None:
    game, recorder, data_dir = make_game(
        tmp_path,
        child=on_time,
        sound=OutputStatus(None, "no sound device"),
        settings=UserSettings(audio_device=AUDIO_SILENT),
    )
    to_the_map_by_keys(game)
    game.press_at(3.0, "return")
    game.run(seconds=10.0)
    recorder.close()
    [session] = sessions_of(data_dir)
    assert session.audio_device == AUDIO_SILENT and not session.autoplayed


def test_every_session_records_its_sound_output(tmp_path: Path) -> None:
    game, recorder, data_dir = make_game(tmp_path, child=on_time)
    to_the_map_by_keys(game)
    game.press_at(3.0, "return")
    game.run(seconds=10.0)
    recorder.close()
    [session] = sessions_of(data_dir)
    assert session.audio_device == VIRTUAL_OUTPUT


# --- the pause leaves nothing behind ---------------------------------------------------------
def test_after_pause_and_resume_no_pixel_of_the_overlay_remains(tmp_path: Path) -> None:
    game, recorder, _ = make_game(tmp_path, child=on_time)
    to_the_map_by_keys(game)
    game.press_at(3.0, "return")
    game.press_at(5.5, "escape")  # pause
    game.press_at(7.0, "return")  # "Go on" has the focus
    compared = {}

    def compare_with_an_unpaused_frame(now_ns: int) -> None:
        scene = game.director.scene
        assert not scene.session.paused
        shown = game.context.surface
        scene.on_draw(now_ns)  # the scene's next frame, drawn as the loop draws it
        fresh = pygame.Surface(shown.get_size())
        PlayPainter(
            scene.session,
            fresh,
            press_enter_hint=False,
            look=game.context.look,
            messages=game.context.messages,
            results_table=False,
        ).draw(now_ns)  # the same instant, painted whole by a painter that never paused
        width, height = shown.get_size()
        overlay = pygame.Rect(0, int(height * 0.2), width, int(height * 0.65))  # title to hints
        differing = sum(
            shown.get_at((x, y)) != fresh.get_at((x, y))
            for x in range(overlay.left, overlay.right, 3)
            for y in range(overlay.top, overlay.bottom, 3)
        )
        compared["differing"] = differing

    game.at(8.0, compare_with_an_unpaused_frame)
    game.run(seconds=8.5)
    recorder.close()
    assert compared["differing"] == 0


# --- no dead end, whatever the child holds ----------------------------------------------------
CHILD_PATH = [
    "TitleScene",
    "ProfilesScene",
    "NewProfileScene",
    "LevelMapScene",
    "PlayScene",
    "ResultsScene",
    "LevelMapScene",
    "ProfilesScene",
    "TitleScene",
]


def button_centre(game: GameHarness, wanted: Callable[[str], bool]) -> tuple[int, int]:
    scene = game.director.scene
    scene.relayout()
    [button] = [b for b in scene.menu.buttons if wanted(b.key)]
    return button.rect.center


def click_button(
    game: GameHarness, seconds: float, wanted: Callable[[str], bool], hold_s: float = 0.05
) -> None:
    """At ``seconds``, click (and hold) the current scene's button whose key ``wanted``."""

    def click(now_ns: int) -> None:
        pos = button_centre(game, wanted)
        game.click_at(0.0, pos, hold_s=hold_s)

    game.at(seconds, click)


def test_the_whole_path_with_the_keyboard_alone(tmp_path: Path) -> None:
    game, recorder, _ = make_game(tmp_path, child=on_time)
    to_the_map_by_keys(game)
    game.press_at(3.0, "return")  # play; the level ends about 9 s in
    game.press_at(12.0, "return")  # results: Enter chooses at once -> the map
    game.press_at(13.0, "escape")  # -> profiles
    game.press_at(13.5, "escape")  # -> the title
    game.press_at(14.0, "escape")  # the focus goes to "Leave the game"
    game.press_at(14.5, "return")  # leave
    game.run(seconds=16.0)
    recorder.close()
    assert game.director.history == CHILD_PATH
    assert game.director.done


def test_the_whole_path_with_the_mouse_alone(tmp_path: Path) -> None:
    game, recorder, _ = make_game(tmp_path)
    click_button(game, 1.0, lambda key: key == "play")
    click_button(game, 1.5, lambda key: key == "new")
    click_button(game, 2.0, lambda key: key == "done")
    click_button(game, 3.0, lambda key: key.startswith("level:"))
    # The level plays itself out (no taps); the results want a held click.
    click_button(game, 12.0, lambda key: key == "continue", hold_s=1.0)
    click_button(game, 14.0, lambda key: key == "back")  # the map's Back
    click_button(game, 14.5, lambda key: key == "back")  # the profiles' Back
    click_button(game, 15.0, lambda key: key == "quit")
    game.run(seconds=16.0)
    recorder.close()
    assert game.director.history == CHILD_PATH
    assert game.director.done


def test_the_whole_path_with_the_gamepad_alone(tmp_path: Path) -> None:
    game, recorder, _ = make_game(tmp_path)
    game.pad_at(1.0, 0)  # A: "Play"
    game.pad_at(1.5, 0)  # A: "New player"
    game.dpad_at(2.0, "down")  # to "Let's go!"
    game.pad_at(2.2, 0)  # A -> the map
    game.pad_at(3.0, 0)  # A: the level
    game.pad_at(12.0, 0, hold_s=1.0)  # results: A held -> the map
    game.pad_at(14.0, 1)  # B -> profiles
    game.pad_at(14.5, 1)  # B -> the title
    game.pad_at(15.0, 1)  # B: the focus goes to "Leave the game"
    game.pad_at(15.5, 0)  # A: leave
    game.run(seconds=17.0)
    recorder.close()
    assert game.director.history == CHILD_PATH
    assert game.director.done


def test_leaving_a_therapist_started_assessment_returns_to_the_therapist(tmp_path: Path) -> None:
    assessment = tmp_path / "levels" / "assessment"
    assessment.mkdir(parents=True)
    (assessment / "mini.yaml").write_text(LEVEL.replace("tiny-pond", "mini"), encoding="utf-8")
    data_dir = tmp_path / "data"
    store = open_store(data_dir)
    profile = store.profile(store.create_profile("Robin"))
    store.close()
    recorder = Recorder(data_dir)
    levels = discover_levels(builtin_dir=tmp_path / "levels", user_dir=tmp_path / "user-levels")
    game = GameHarness(
        data_dir, recorder, levels, first=Goto("therapist_sessions", profile=profile)
    )
    game.press_at(0.5, "return")  # "Run the standard assessment" (no sessions listed yet)
    game.press_at(2.0, "escape")  # pause
    game.press_at(2.5, "escape")  # leave the assessment
    game.run(seconds=3.0)
    recorder.close()
    assert game.director.history == [
        "TherapistSessionsScene",
        "PlayScene",
        "TherapistSessionsScene",
    ]
