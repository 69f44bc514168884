"""What playing the kiosk by hand found (a child with a mouse and a finger, a therapist behind
the PIN), one test each, on the kiosk harness with clicks where the screen has buttons."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pygame
import pytest

from engine.session.plans import parse_plan, plan_json
from engine.store.opening import open_store
from game.context import GameContext
from game.router import build_scene
from game.scene import Goto
from game.sound import FixedOutput
from tests.kiosk_harness import (
    PIN,
    Station,
    audit_rows,
    harness,
    kiosk_station,
    open_pad,
    type_pin,
)

PLAN = "format: 1\ntitle: Two stops\nlevels: [stop-one, stop-two]\nassessment_every: 0\n"


@pytest.fixture
def station(tmp_path: Path) -> Iterator[Station]:
    with kiosk_station(tmp_path) as made:
        yield made


def unlock(kiosk) -> None:
    open_pad(kiosk)
    type_pin(kiosk, PIN)
    assert kiosk.scene_name == "kiosk_menu"


def test_the_sound_screens_a_therapist_opens_keep_the_gate_open(station) -> None:
    kiosk = harness(station)
    kiosk.context.sound = FixedOutput()  # a station with no sound output
    unlock(kiosk)
    kiosk.click("calibration")  # tapping with clicks nobody hears: the sound stop screen
    assert kiosk.scene_name == "no_sound" and kiosk.kiosk.gate.is_open
    kiosk.click("back")  # was: the gate closed on the way in, and Back led to the PIN pad
    assert kiosk.scene_name == "kiosk_menu"
    kiosk.click("settings")
    kiosk.click("sound_check")
    assert kiosk.scene_name == "sound_check" and kiosk.kiosk.gate.is_open
    kiosk.click("back")
    assert kiosk.scene_name == "settings"
    assert ("locked", "back to the child") not in audit_rows(station[0])
    kiosk.close()


def test_the_kiosks_settings_have_no_full_screen_button(station, tmp_path: Path) -> None:
    kiosk = harness(station)
    unlock(kiosk)
    kiosk.click("settings")
    keys = {button.key for button in kiosk.director.scene.menu.buttons}
    assert "fullscreen" not in keys and "audio_device" in keys
    kiosk.click("reports_dir")  # and on the way back from a setting's own screen
    kiosk.click("back")
    assert "fullscreen" not in {button.key for button in kiosk.director.scene.menu.buttons}
    kiosk.close()
    # The ordinary game's settings keep it.
    context = GameContext(pygame.Surface((1280, 720)), None, None, data_dir=tmp_path)
    game_settings = build_scene(context, Goto("settings"))
    assert "fullscreen" in {button.key for button in game_settings.layout(1280, 720)}


def test_a_therapist_adds_a_player_at_the_station(station) -> None:
    data_dir = station[0]
    kiosk = harness(station)
    unlock(kiosk)
    kiosk.click("players")
    kiosk.click("new")  # was: no way to add a player in the kiosk
    assert kiosk.scene_name == "new_profile"
    kiosk.post(pygame.event.Event(pygame.TEXTINPUT, text="Zoe"))
    kiosk.run(0.2)
    kiosk.click("done")
    store = open_store(data_dir)
    try:
        [zoe] = [p for p in store.list_profiles() if p.display_name == "Zoe"]
    finally:
        store.close()
    assert ("profiles", f"added {zoe.code}") in audit_rows(data_dir)
    assert kiosk.scene_name == "level_map" and not kiosk.kiosk.gate.is_open  # Zoe plays
    kiosk.close()


def test_back_to_the_child_returns_to_the_childs_path(station) -> None:
    data_dir, _recorder, _library, code = station
    store = open_store(data_dir)
    plan = parse_plan(PLAN, Path("plan.yaml"))
    store.assign_plan(code, plan.title, plan.steps, None, plan_json(plan), PLAN)
    store.close()
    kiosk = harness(station)
    kiosk.click_at((640, 360))  # the attract screen: any touch
    kiosk.run(0.3)
    kiosk.click(f"player:{code}")
    assert kiosk.scene_name == "kiosk_plan"
    unlock(kiosk)
    kiosk.click("back_to_child")  # was: the attract screen, the child's place lost
    assert kiosk.scene_name == "kiosk_plan" and not kiosk.kiosk.gate.is_open
    assert kiosk.context.profile.code == code
    unlock(kiosk)
    kiosk.click("lock")  # Lock still starts over for the next child
    assert kiosk.scene_name == "kiosk_attract" and kiosk.context.profile is None
    kiosk.close()


def test_a_finger_goes_back_from_the_path_and_the_players(station) -> None:
    data_dir, _recorder, _library, code = station
    store = open_store(data_dir)
    plan = parse_plan(PLAN, Path("plan.yaml"))
    store.assign_plan(code, plan.title, plan.steps, None, plan_json(plan), PLAN)
    store.close()
    kiosk = harness(station)
    kiosk.click_at((640, 360))
    kiosk.run(0.3)
    kiosk.click(f"player:{code}")
    kiosk.click("back")  # was: Esc only
    assert kiosk.scene_name == "kiosk_players"
    kiosk.click("back")
    assert kiosk.scene_name == "kiosk_attract"
    kiosk.close()
