"""Taps and menu presses as two ideas (mapping, pump, menu), the on-screen keyboard, text that
wraps inside the window, the limb badges in the child's language, and the sound settings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pygame
import pytest

from engine.audio.devices import OutputStatus
from engine.audio.output import AudioSettings
from engine.audio.synth import ear_check_sound
from engine.config.user_settings import UserSettings
from engine.input.mapping import InputConfigError, load_input_mapping
from engine.input.pump import InputPump, UiEvent
from engine.store.records import AUDIO_SILENT
from game.audio_rig import AudioRig
from game.context import GameContext
from game.harness import VirtualClock
from game.icons import limb_icon
from game.look import Look
from game.router import build_scene
from game.scene import Goto
from game.sound import FixedOutput
from game.text import font, wrap_lines
from game.widgets import HOLD_NS, Button, Menu, OnScreenKeyboard, edit_text

MS = 1_000_000


@pytest.fixture
def window():
    pygame.display.init()
    surface = pygame.display.set_mode((1280, 720))
    pygame.event.clear()
    yield surface
    pygame.display.quit()


# --- the mapping and the pump -----------------------------------------------------------------
def test_no_tap_key_is_a_menu_key_in_the_shipped_mapping() -> None:
    mapping = load_input_mapping()
    assert set(mapping.keys).isdisjoint(mapping.menu.keys)
    assert mapping.menu.keys["return"] == "confirm" and mapping.menu.keys["escape"] == "back"
    assert mapping.menu.gamepad_buttons[7] == "confirm"  # Start: a menu press, never a tap
    assert 7 not in mapping.gamepad_buttons


def test_an_unknown_menu_action_is_named_with_its_place(tmp_path: Path) -> None:
    path = tmp_path / "input.yaml"
    path.write_text("menu:\n  keys:\n    return: confirm\n    x: jump\n", encoding="utf-8")
    with pytest.raises(InputConfigError, match=r"menu\.keys\.x: unknown menu action 'jump'"):
        load_input_mapping(path)


def test_the_pump_says_what_a_press_means_to_a_menu_and_whether_it_was_a_tap(window) -> None:
    clock = VirtualClock()
    pump = InputPump(load_input_mapping(), clock)
    for event in (
        pygame.event.Event(pygame.KEYDOWN, key=pygame.K_SPACE, mod=0, scancode=0),
        pygame.event.Event(pygame.KEYUP, key=pygame.K_SPACE, mod=0, scancode=0),
        pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RETURN, mod=0, scancode=0),
        pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(10, 20), button=4, touch=False),  # wheel
        pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(10, 20), button=1, touch=False),
        pygame.event.Event(pygame.MOUSEBUTTONUP, pos=(10, 20), button=1, touch=False),
        pygame.event.Event(pygame.JOYBUTTONDOWN, button=0, instance_id=0, joy=0),
        pygame.event.Event(pygame.JOYBUTTONDOWN, button=7, instance_id=0, joy=0),
        pygame.event.Event(pygame.JOYHATMOTION, value=(0, -1), hat=0, instance_id=0, joy=0),
    ):
        pygame.event.post(event)
    clock.spend(MS)
    pump.pump()
    events = [(e.kind, e.key, e.action, e.tap) for e in pump.drain_ui()]
    assert events == [
        ("key", "space", "", True),  # a clap: no menu action at all
        ("key_up", "space", "", False),
        ("key", "return", "confirm", False),
        ("pointer", "", "confirm", True),
        ("pointer_up", "", "", False),
        ("button", "0", "confirm", True),  # A: a tap and a confirm at once
        ("button", "7", "confirm", False),  # Start: a confirm only
        ("key", "down", "down", False),  # the d-pad
    ]
    assert [tap.channel for tap in pump.drain_taps()] == ["both_hands"] * 3


# --- the menu's care with taps ----------------------------------------------------------------
def two_buttons(hold_taps: bool) -> Menu:
    return Menu(
        [
            Button("continue", "Continue", pygame.Rect(0, 0, 100, 50)),
            Button("again", "Again", pygame.Rect(200, 0, 100, 50)),
        ],
        hold_taps=hold_taps,
    )


def test_a_tap_press_must_be_held_where_a_choice_must_be_deliberate() -> None:
    menu = two_buttons(hold_taps=True)
    click = UiEvent("pointer", pos=(250, 20), action="confirm", tap=True)
    assert menu.handle(click, now_ns=0) is None  # a click starts a hold, chooses nothing
    assert menu.update(HOLD_NS // 2) is None
    assert menu.hold_progress(HOLD_NS // 2) == (1, 0.5)
    assert menu.update(HOLD_NS) == "again"
    assert menu.update(2 * HOLD_NS) is None  # once
    # Let go too soon: a clap, not a choice.
    menu.handle(click, now_ns=0)
    menu.handle(UiEvent("pointer_up", pos=(250, 20)), now_ns=HOLD_NS // 3)
    assert menu.update(HOLD_NS) is None
    # Enter is never a clap: it chooses at once.
    assert menu.handle(UiEvent("key", key="return", action="confirm"), now_ns=0) == "again"


def test_tap_presses_are_ignored_in_the_quiet_time_and_menu_keys_are_not() -> None:
    menu = two_buttons(hold_taps=False)
    quiet_until = 1_000 * MS
    a_button = UiEvent("button", key="0", action="confirm", tap=True)
    assert menu.handle(a_button, now_ns=500 * MS, quiet_until_ns=quiet_until) is None
    assert menu.handle(a_button, now_ns=1_500 * MS, quiet_until_ns=quiet_until) == "continue"
    start = UiEvent("button", key="7", action="confirm", tap=False)
    assert menu.handle(start, now_ns=500 * MS, quiet_until_ns=quiet_until) == "continue"


# --- the on-screen keyboard -------------------------------------------------------------------
def press_key(keyboard: OnScreenKeyboard, key: str) -> str | None:
    [button] = [b for b in keyboard.menu.buttons if b.key == key]
    return keyboard.handle(UiEvent("pointer", pos=button.rect.center, action="confirm", tap=True))


def test_the_on_screen_keyboard_types_the_letters_spanish_needs() -> None:
    keyboard = OnScreenKeyboard({"shift": "ABC", "space": "space", "delete": "del", "done": "ok"})
    keyboard.layout(pygame.Rect(0, 300, 1100, 400))
    keys = {b.key for b in keyboard.menu.buttons}
    assert {f"char:{c}" for c in "ñáéíóúü"} <= keys
    name = ""
    for key in ("shift", "char:ñ", "shift", "char:a", "char:n", "char:d", "char:ú"):
        typed = press_key(keyboard, key)
        if typed is not None:
            name = edit_text(name, typed)
    assert name == "Ñandú"
    name = edit_text(name, press_key(keyboard, "delete"))
    assert name == "Ñand"
    assert press_key(keyboard, "done") == "done"
    # The d-pad and A type too: from "q", right once is "w".
    keyboard.menu.focus = [b.key for b in keyboard.menu.buttons].index("char:q")
    keyboard.handle(UiEvent("key", key="right", action="right"))
    assert keyboard.handle(UiEvent("button", key="0", action="confirm", tap=True)) == "w"
    assert keyboard.handle(UiEvent("key", key="escape", action="back")) == "done"


def test_the_name_box_opens_the_keyboard_and_the_name_is_typed_on_it(window, tmp_path) -> None:
    context = GameContext(window, None, None, data_dir=tmp_path / "data")
    scene = build_scene(context, Goto("new_profile"))
    scene.on_draw(0)
    [box] = [b for b in scene.menu.buttons if b.key == "name"]
    scene.on_input([], [UiEvent("pointer", pos=box.rect.center, action="confirm", tap=True)], 0)
    assert scene.keyboard is not None
    for char in ("char:m", "char:í", "char:a"):
        [key] = [b for b in scene.keyboard.menu.buttons if b.key == char]
        scene.on_input([], [UiEvent("pointer", pos=key.rect.center, action="confirm")], 0)
    scene.on_draw(0)
    assert scene.name == "mía"
    scene.on_input([], [UiEvent("key", key="escape", action="back")], 0)
    assert scene.keyboard is None and scene.next is None  # Esc closed the keyboard only


# --- text inside the window -------------------------------------------------------------------
def test_a_long_problem_line_wraps_inside_the_width_even_inside_a_long_path() -> None:
    pygame.font.init()
    line = (
        "/home/clinic/levels/" + "very-long-folder-name/" * 6 + "frog.yaml:3:5: tasks[0].limb: "
        "must be one of both_hands, right_hand, left_hand (got the text 'both_hand')"
    )
    lines = wrap_lines(line, 22, 600)
    assert len(lines) > 2
    assert all(font(22).size(part)[0] <= 600 for part in lines)
    assert "".join(lines).replace(" ", "") == line.replace(" ", "")
    assert lines[-1].endswith("(got the text 'both_hand')")


def test_watch_mode_problems_stay_inside_the_window(window, tmp_path: Path) -> None:
    from engine.store.recorder import Recorder
    from tests.game_harness import GameHarness
    from tests.test_child_path import library

    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "format: 1\nid: broken\ntitle: Broken\ntheme: pond\ntempo_bpm: 100\ntasks:\n"
        "  - {name: Hop, limb: both_hand, length: {beats: 8}}\n",
        encoding="utf-8",
    )
    recorder = Recorder(tmp_path / "data")
    game = GameHarness(
        tmp_path / "data",
        recorder,
        library(tmp_path),
        first=Goto("play", level=broken, alone=True, watch=True),
    )
    game.run(seconds=0.5)
    recorder.close()
    surface = game.context.surface
    width, height = surface.get_size()
    assert game.director.scene.problems
    background = tuple(surface.get_at((width - 2, height - 2)))
    right_edge = {
        tuple(surface.get_at((x, y))) for x in range(width - 12, width) for y in range(height)
    }
    assert right_edge == {background}  # nothing runs past the right edge


# --- limb badges in the child's language ------------------------------------------------------
def test_limb_badges_carry_the_letters_of_the_language() -> None:
    pygame.font.init()
    english = pygame.surfarray.array3d(limb_icon("left_hand", 80, Look()))
    spanish = pygame.surfarray.array3d(limb_icon("left_hand", 80, Look(side_letters=("I", "D"))))
    assert not np.array_equal(english, spanish)
    context = GameContext(
        pygame.Surface((10, 10)), None, None, settings=UserSettings(language="es")
    )
    assert context.look.side_letters == ("I", "D")


# --- the sound settings -----------------------------------------------------------------------
def test_the_output_picker_goes_through_every_output_then_silent(window, tmp_path) -> None:
    sound = FixedOutput(OutputStatus("Speakers"), ("Speakers", "USB Headset"))
    context = GameContext(window, None, None, data_dir=tmp_path / "data", sound=sound)
    scene = build_scene(context, Goto("settings", back_to="profiles"))
    seen = []
    for _ in range(4):
        scene.activate("audio_device")
        seen.append((context.settings.audio_device, sound.status.device))
    assert seen == [
        ("Speakers", "Speakers"),
        ("USB Headset", "USB Headset"),
        (AUDIO_SILENT, "USB Headset"),  # silent is a choice, not an output
        ("", "USB Headset"),  # back to the system default
    ]


def test_the_headphone_check_plays_left_then_right_then_both(window, tmp_path) -> None:
    rig = AudioRig.create(AudioSettings())
    context = GameContext(
        window, None, rig, data_dir=tmp_path / "data", sound=FixedOutput(OutputStatus("Phones"))
    )
    scene = build_scene(context, Goto("sound_check"))
    scene.on_enter()
    rate = rig.settings.sample_rate_hz
    heard = []
    for start in scene.starts:
        block = np.zeros((int(0.7 * rate), 2), dtype=np.float32)
        rig.track.render(start, block)
        heard.append(tuple(bool(np.abs(block[:, side]).max() > 0.05) for side in (0, 1)))
    assert heard == [(True, False), (False, True), (True, True)]
    tone = ear_check_sound(rate, "right")
    assert np.abs(tone[:, 0]).max() == 0 and np.abs(tone[:, 1]).max() > 0.1
    scene.on_exit()
