"""The kiosk's scenes on the virtual clock: the ways out that lead nowhere, the PIN pad and its
lockouts with their audit rows, a three-level plan from the attract screen to the
celebration with its break, idle pauses and the attract screen, the therapist's screens."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pygame
import pytest

from engine.config.kiosk import KioskConfig
from engine.session.pin_gate import PinGate
from engine.store.clinic.settings import join
from engine.store.opening import open_store
from game.autoplay import AutoTapper
from game.context import GameContext
from game.i18n import load_catalogue
from game.kiosk.state import (
    CALL_THERAPIST,
    GAME,
    KIOSK_CATALOGUE_DIR,
    QUIT_STATION,
    RETRY_GAME,
    KioskState,
)
from game.router import build_scene
from tests.kiosk_harness import (
    PIN,
    Station,
    audit_rows,
    harness,
    kiosk_station,
    open_pad,
    type_pin,
)

PLAN = """\
format: 1
title: Three stops
levels: [stop-one, stop-two, stop-three]
assessment_every: 0
breaks:
  after: [2]
  seconds: 20
"""


def _give_plan(station: Station, tmp_path: Path) -> int:
    """Give the station's child the three-stop PLAN; its plan id."""
    from engine.session.plans import load_plan, plan_json

    data_dir, _, library, code = station
    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text(PLAN, encoding="utf-8")
    plan = load_plan(plan_file, {level.id for level in library.levels})
    store = open_store(data_dir)
    plan_id = store.assign_plan(code, plan.title, plan.steps, None, plan_json(plan), PLAN)
    store.close()
    return plan_id


@pytest.fixture
def station(tmp_path: Path) -> Iterator[Station]:
    with kiosk_station(tmp_path) as made:
        yield made


def test_quit_close_escape_and_f11_lead_nowhere(station) -> None:
    kiosk = harness(station)
    kiosk.post(pygame.event.Event(pygame.QUIT))
    kiosk.post(pygame.event.Event(pygame.WINDOWCLOSE), 0.1)
    kiosk.keys("escape", "f11", "escape", "q", gap_s=0.2)
    kiosk.key("f4", 1.0)  # Alt+F4 without a window manager is just a key
    kiosk.run(2.0)
    assert not kiosk.director.done
    assert kiosk.scene_name in ("kiosk_attract", "kiosk_players")
    kiosk.close()


def test_five_wrong_pins_lock_out_and_the_right_one_unlocks_each_audited(station) -> None:
    data_dir = station[0]
    kiosk = harness(station)
    open_pad(kiosk)
    assert kiosk.scene_name == "kiosk_pin"
    for wrong in ("1111", "2222", "3333", "4444", "5555"):
        type_pin(kiosk, wrong)
    pad = kiosk.director.scene
    assert kiosk.kiosk.gate.wait_s(kiosk.clock.now_ns()) > 110
    type_pin(kiosk, PIN)  # the right PIN, but the pad waits: not even checked
    assert kiosk.scene_name == "kiosk_pin" and not kiosk.kiosk.gate.is_open
    assert not pad.menu.buttons[0].enabled  # the pad's keys are off while it waits
    kiosk.run(120.0)  # a therapist's finger keeps the kiosk from idling back...
    assert kiosk.scene_name == "kiosk_attract"  # ...but nobody was there: idle, back to start
    open_pad(kiosk)
    type_pin(kiosk, PIN)
    assert kiosk.scene_name == "kiosk_menu" and kiosk.kiosk.gate.is_open
    assert audit_rows(data_dir) == [
        ("pin_failed", "1 of 5"),
        ("pin_failed", "2 of 5"),
        ("pin_failed", "3 of 5"),
        ("pin_failed", "4 of 5"),
        ("pin_failed", "5 of 5"),
        ("locked_out", "120 s"),
        ("unlocked", ""),
    ]
    kiosk.close()


def test_holding_the_top_left_corner_for_three_seconds_opens_the_pad(station) -> None:
    kiosk = harness(station)
    kiosk.pointer.pressed, kiosk.pointer.pos = True, (20, 20)
    kiosk.run(2.5)
    assert kiosk.scene_name != "kiosk_pin"
    kiosk.run(0.6)
    assert kiosk.scene_name == "kiosk_pin"
    kiosk.pointer.pressed = False
    kiosk.key("escape")
    kiosk.run(0.5)
    assert kiosk.scene_name == "kiosk_attract"  # Cancel: back to the start, gate shut
    kiosk.pointer.pressed, kiosk.pointer.pos = True, (400, 20)  # not the corner
    kiosk.run(4.0)
    assert kiosk.scene_name != "kiosk_pin"
    kiosk.close()


def test_a_three_level_plan_runs_to_the_end_with_its_break(station, tmp_path: Path) -> None:
    data_dir, recorder, _, code = station
    plan_id = _give_plan(station, tmp_path)
    kiosk = harness(station, autoplay=AutoTapper(0.0, 0.0))
    # A child who presses Enter now and then: starts, picks Mia, Go!, Continue after each level.
    for second in range(0, 120, 2):
        kiosk.key("return", second + 0.5)
    kiosk.run_until("kiosk_celebration", max_seconds=120)
    kiosk.close()
    recorder.flush()

    scenes = [name for name in kiosk.director.history if name.startswith(("Kiosk", "Play", "Res"))]
    assert scenes == [
        "KioskAttractScene",
        "KioskPlayersScene",
        "KioskPlanScene",
        "PlayScene",
        "ResultsScene",
        "KioskPlanScene",
        "PlayScene",
        "ResultsScene",
        "KioskPlanScene",
        "KioskBreakScene",  # the plan asks for a break after its second level
        "KioskPlanScene",
        "PlayScene",
        "ResultsScene",
        "KioskPlanScene",
        "KioskCelebrationScene",
    ]
    store = open_store(data_dir)
    sessions = store.list_sessions(code)
    store.close()
    assert [(s.level_id, s.plan_id, s.plan_visit, s.plan_stop, s.status) for s in sessions] == [
        ("stop-one", plan_id, 1, 0, "complete"),
        ("stop-two", plan_id, 1, 1, "complete"),
        ("stop-three", plan_id, 1, 2, "complete"),
    ]


def test_a_break_cut_short_by_a_restart_comes_again_and_a_finished_one_does_not(
    station, tmp_path: Path
) -> None:
    data_dir, recorder, _, code = station
    _give_plan(station, tmp_path)

    def restarted(*until: str, max_seconds: float):
        kiosk = harness(station, autoplay=AutoTapper(0.0, 0.0))
        for second in range(0, int(max_seconds), 2):
            kiosk.key("return", second + 0.5)
        for scene in until:  # each in turn
            kiosk.run_until(scene, max_seconds=max_seconds)
        kiosk.close()  # the station goes down here
        recorder.flush()
        return [name for name in kiosk.director.history if name.startswith(("Kiosk", "Play"))]

    first = restarted("kiosk_break", max_seconds=80)
    assert first[-1] == "KioskBreakScene"  # after the second level; down in the middle of it
    # Restarted during the break: the child gets the whole break again, then the path.
    second = restarted("kiosk_break", "kiosk_plan", max_seconds=40)
    assert second == [
        "KioskAttractScene",
        "KioskPlayersScene",
        "KioskPlanScene",
        "KioskBreakScene",
        "KioskPlanScene",
    ]
    # Restarted after the break had run its time: straight on to the third level.
    third = restarted("kiosk_celebration", max_seconds=60)
    assert third == [
        "KioskAttractScene",
        "KioskPlayersScene",
        "KioskPlanScene",
        "PlayScene",
        "KioskPlanScene",
        "KioskCelebrationScene",
    ]
    store = open_store(data_dir)
    levels = [s.level_id for s in store.list_sessions(code)]
    store.close()
    assert levels == ["stop-one", "stop-two", "stop-three"]


def test_idle_pauses_the_level_then_saves_it_incomplete_and_shows_the_attract_screen(
    station,
) -> None:
    data_dir, recorder, library, code = station
    config = KioskConfig(idle_pause_s=5, idle_attract_s=15)
    long_level = next(level for level in library.levels if level.id == "long-walk")
    kiosk = harness(station, config=config)
    kiosk.keys("return", "return", gap_s=0.5)  # start, Mia (no plan: the level map)
    kiosk.run_until("level_map", 3)
    kiosk.director.show(_goto("play", level=long_level))
    kiosk.run(6.0)  # nobody taps
    assert kiosk.director.scene.session.paused
    kiosk.run_until("kiosk_attract", 12)
    recorder.flush()
    store = open_store(data_dir)
    [session] = store.list_sessions(code)
    store.close()
    assert session.status == "incomplete"
    assert kiosk.context.profile is None
    kiosk.close()


def test_therapist_screens_need_the_pin_and_lock_again_when_left_alone(station) -> None:
    data_dir = station[0]
    kiosk = harness(station, config=KioskConfig(therapist_lock_s=60))
    kiosk.director.show(kiosk.director.route(_goto("settings", back_to="kiosk_menu")))
    assert kiosk.scene_name == "kiosk_pin"  # not the settings
    type_pin(kiosk, PIN)
    kiosk.keys("down", "return", gap_s=0.2)  # the second item: Players (therapist_profiles)
    kiosk.run(0.6)
    assert kiosk.scene_name == "therapist_profiles"
    kiosk.run(61.0)
    assert kiosk.scene_name == "kiosk_attract" and not kiosk.kiosk.gate.is_open
    assert audit_rows(data_dir)[-2:] == [("unlocked", ""), ("locked", "idle")]
    kiosk.close()


def test_settings_changed_behind_the_pin_are_audited_and_quit_ends_the_kiosk(station) -> None:
    data_dir = station[0]
    kiosk = harness(station)
    open_pad(kiosk)
    type_pin(kiosk, PIN)
    menu = kiosk.director.scene
    menu.activate("settings")
    kiosk.run(0.3)
    assert kiosk.scene_name == "settings"
    kiosk.key("return")  # the first setting (metronome volume) steps
    kiosk.key("escape", 0.3)  # back to the menu
    kiosk.run(0.8)
    assert kiosk.scene_name == "kiosk_menu"
    kiosk.director.scene.activate("quit")
    kiosk.run(0.2)
    assert not kiosk.director.done  # the first press only asks
    kiosk.director.scene.activate("quit")
    kiosk.run(0.2)
    assert kiosk.director.done and kiosk.kiosk.ending == QUIT_STATION
    assert audit_rows(data_dir)[-2:] == [
        ("settings", "metronome_volume"),
        ("quit", "by the therapist"),
    ]


def _goto(name: str, **params):
    from game.scene import Goto

    return Goto(name, **params)


def test_the_kiosk_catalogues_match_and_hold_every_key_the_kiosk_says(tmp_path: Path) -> None:
    languages = sorted(path.stem for path in KIOSK_CATALOGUE_DIR.glob("*.yaml"))
    assert "es" in languages
    english = load_catalogue("en", KIOSK_CATALOGUE_DIR)
    placeholders = re.compile(r"{(\w+)}")
    for language in languages:
        other = load_catalogue(language, KIOSK_CATALOGUE_DIR)
        assert set(other) == set(english), language
        for key, text in english.items():
            assert set(placeholders.findall(other[key])) == set(placeholders.findall(text)), key
    said = set()
    for source in (Path(__file__).resolve().parent.parent / "game").rglob("*.py"):
        said |= set(re.findall(r'say\(\s*"([a-z_.]+)"', source.read_text(encoding="utf-8")))
    # The menu's items are said as f"menu.{item}".
    for mode in (GAME, CALL_THERAPIST):
        gate = PinGate(lambda pin: False, 60.0, 0)
        kiosk = KioskState(KioskConfig(), tmp_path, gate, mode)
        context = GameContext(pygame.Surface((1280, 720)), None, None, data_dir=tmp_path)
        said |= {
            f"menu.{item}"
            for item in build_scene(context, _goto("kiosk_menu", kiosk=kiosk))._items()
        }
    assert len(said) > 30
    assert sorted(key for key in said if key not in english) == []


def test_the_call_screen_opens_to_a_retry_behind_the_pin_and_nothing_else(station) -> None:
    kiosk = harness(station, mode=CALL_THERAPIST)
    assert kiosk.scene_name == "kiosk_call"
    kiosk.keys("return", "escape", "space", gap_s=0.2)
    kiosk.post(pygame.event.Event(pygame.QUIT), 0.7)
    kiosk.run(1.0)
    assert kiosk.scene_name == "kiosk_call" and not kiosk.director.done
    kiosk.director.show(_goto("kiosk_players"))  # nothing but the call screen in this mode
    assert kiosk.scene_name == "kiosk_call"
    open_pad(kiosk)
    type_pin(kiosk, PIN)
    assert kiosk.scene_name == "kiosk_menu"
    assert [b.key for b in kiosk.director.scene.menu.buttons] == ["retry", "quit"]
    kiosk.key("return")  # the first item: start the game again
    kiosk.run(0.5)
    assert kiosk.director.done and kiosk.kiosk.ending == RETRY_GAME


def test_the_pointer_shows_while_the_mouse_moves_and_hides_after(station) -> None:
    kiosk = harness(station, config=KioskConfig(cursor_hide_s=3))
    assert kiosk.pointer.shown == [False]  # hidden from the start
    kiosk.pointer.moves = 1
    kiosk.run(0.2)
    assert kiosk.pointer.shown == [False, True]
    kiosk.run(2.5)
    assert kiosk.pointer.shown == [False, True]  # still within 3 s of the move
    kiosk.run(0.5)
    assert kiosk.pointer.shown == [False, True, False]
    kiosk.close()


def test_only_the_players_the_station_names_appear(station) -> None:
    data_dir, _, _, mia = station
    store = open_store(data_dir)
    store.create_profile("Leo")
    store.close()
    everyone = harness(station)
    everyone.key("return")
    everyone.run_until("kiosk_players", 2)
    assert sorted(p.display_name for p in everyone.director.scene.players) == ["Leo", "Mia"]
    everyone.close()
    only_mia = harness(station, config=KioskConfig(profiles=(mia,)))
    only_mia.key("return")
    only_mia.run_until("kiosk_players", 2)
    assert [p.display_name for p in only_mia.director.scene.players] == ["Mia"]
    only_mia.close()


def test_quitting_from_a_levels_pause_goes_back_to_the_childs_map(station) -> None:
    data_dir, recorder, library, code = station
    long_level = next(level for level in library.levels if level.id == "long-walk")
    kiosk = harness(station)
    kiosk.keys("return", "return", gap_s=0.5)  # start, Mia (no plan: the level map)
    kiosk.run_until("level_map", 3)
    kiosk.director.show(_goto("play", level=long_level))
    kiosk.keys("escape", "q", gap_s=0.5)  # pause, then Q, which ends the ordinary game
    kiosk.run_until("level_map", 3)
    assert not kiosk.director.done and kiosk.context.profile.code == code
    recorder.flush()
    store = open_store(data_dir)
    assert [s.status for s in store.list_sessions(code)] == ["incomplete"]
    store.close()
    kiosk.close()


def test_a_station_that_joined_a_clinic_audits_under_the_name_it_joined_with(station) -> None:
    data_dir = station[0]
    store = open_store(data_dir)
    try:
        join(store, "postgresql://onbeat@clinic.invalid/onbeat", "room-2")
    finally:
        store.close()
    kiosk = harness(station)
    open_pad(kiosk)
    type_pin(kiosk, PIN)
    assert kiosk.scene_name == "kiosk_menu"
    kiosk.close()
    store = open_store(data_dir)
    try:
        assert [(e.station, e.action) for e in store.audit_entries()] == [("room-2", "unlocked")]
    finally:
        store.close()
