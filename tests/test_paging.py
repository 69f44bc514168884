"""Long lists a page at a time (game/paging.py) on the therapist's screens, with a real store:
every profile and session reachable, the oldest session opened and its note read, the page
kept on the way back, arrows across a page edge turning it, every billing code editable."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pygame
import pytest

from engine.config.kiosk import KioskConfig
from engine.config.user_settings import UserSettings
from engine.input.pump import UiEvent
from engine.session.pin_gate import PinGate
from engine.store.chart_records import CodeShare
from engine.store.opening import open_store
from engine.store.recorder import Recorder
from game.director import Director
from game.kiosk.state import KioskState
from game.paging import Pages, page_key, parse_page_key, rows_between
from game.scene import Goto
from tests.clinic_factory import TaskSpec, add_session
from tests.test_therapist_screens import context_for, entered

QUICK = (TaskSpec(beats=4),)  # sessions only need to exist, and to open


def key(name: str, action: str | None = None) -> UiEvent:
    return UiEvent("key", key=name, action=name if action is None else action)


def press(scene, *events: UiEvent) -> None:
    for event in events:
        scene.on_input([], [event], 0)


def click(scene, key_of_button: str) -> None:
    """A mouse click on the button ``key_of_button`` where the scene drew it."""
    [button] = [b for b in scene.menu.buttons if b.key == key_of_button]
    scene.on_input([], [UiEvent("pointer", pos=button.rect.center, action="confirm")], 0)


def focused(scene) -> str:
    return scene.menu.buttons[scene.menu.focus].key


def shown(scene, prefix: str) -> list[str]:
    return [b.key.split(":", 1)[1] for b in scene.menu.buttons if b.key.startswith(prefix)]


def enabled(scene, key_of_button: str) -> bool:
    return next(b.enabled for b in scene.menu.buttons if b.key == key_of_button)


def test_pages_give_the_slice_the_controls_and_the_page_asked_for() -> None:
    pages = Pages("things")
    assert pages.fit(40, 16) == range(0, 16) and pages.pages == 3
    back, on = pages.controls(pygame.Rect(0, 0, 600, 50), "Back", "On", "Page 1 of 3")
    assert (back.key, back.enabled, on.key, on.enabled) == (
        page_key("things", -1), False, page_key("things", 1), True,
    )  # fmt: skip
    assert parse_page_key(on.key) == ("things", 1) and parse_page_key("things:1") is None
    assert pages.turn(1) and pages.turn(1) and not pages.turn(1)
    assert pages.fit(40, 16) == range(32, 40)
    assert pages.fit(20, 16) == range(16, 20)  # the list shrank: still within it
    pages.show(3)
    assert pages.fit(20, 16) == range(0, 16)
    assert pages.fit(0, 16) == range(0) and pages.pages == 1
    assert pages.controls(pygame.Rect(0, 0, 600, 50), "Back", "On", "") == []  # all fits
    assert rows_between(100, 600, 50, 60) == 8  # the 8th ends at 570, a 9th would at 630
    assert rows_between(100, 120, 50, 60) == 1  # a tiny window still shows one row


@pytest.fixture
def clinic(tmp_path: Path):
    """40 children; the first of them with 45 sessions, a note on the oldest."""
    data_dir = tmp_path / "data"
    store = open_store(data_dir)
    codes = [store.create_profile(f"Child {number:02d}") for number in range(40)]
    rng = np.random.default_rng(7)
    first = store.profile(codes[0]).display_name
    sessions = [
        add_session(
            store, rng, first, f"2026-01-{1 + day // 2:02d}T{10 + day % 2}:00:00+00:00", QUICK
        )
        for day in range(45)
    ]
    store.add_note("Tired after school; stopped after one task.", "therapist", sessions[0])
    store.close()
    recorder = Recorder(data_dir)
    yield data_dir, recorder, codes, sessions
    recorder.close()


def test_every_profile_is_reached_by_the_page_buttons_and_more_show_in_a_taller_window(
    clinic, tmp_path: Path
) -> None:
    _data_dir, recorder, codes, _sessions = clinic
    pygame.display.set_mode((1280, 720))
    context = context_for(tmp_path, recorder, UserSettings())
    scene = entered(context, "therapist_profiles")
    scene.on_draw(0)
    seen = shown(scene, "profile:")
    assert not enabled(scene, "page:profiles:-1") and scene.pages.line == "Page 1 of 3"
    while enabled(scene, "page:profiles:1"):
        click(scene, "page:profiles:1")
        seen += shown(scene, "profile:")
    assert seen == sorted(codes) and len(set(seen)) == 40
    assert scene.pages.line == "Page 3 of 3" and enabled(scene, "page:profiles:-1")
    per_page_720 = scene.pages.per_page
    pygame.display.set_mode((1280, 1024))
    scene.on_draw(0)
    assert scene.pages.per_page > per_page_720
    assert scene.pages.line == "Page 2 of 2"  # still on the last profiles


def test_the_oldest_of_45_sessions_opens_with_its_note_and_back_keeps_the_page(
    clinic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import game.scenes.therapist as therapist_screens

    _data_dir, recorder, codes, sessions = clinic
    pygame.display.set_mode((1280, 720))
    context = context_for(tmp_path, recorder, UserSettings())
    director = Director(context, Goto("therapist_profiles", code=codes[0]))
    profiles = director.scene
    profiles.on_draw(0)
    assert focused(profiles) == f"profile:{codes[0]}"
    press(profiles, key("return", "confirm"))
    director.on_update(0)
    scene = director.scene
    scene.on_draw(0)
    per_page = scene.pages.per_page
    assert focused(scene) == f"session:{sessions[-1]}"  # newest first
    # Down, one row at a time: every page edge turns the page and the focus stays on a row.
    for _ in range(44):
        press(scene, key("down"))
        assert focused(scene).startswith("session:")
    assert focused(scene) == f"session:{sessions[0]}"
    assert scene.pages.page == scene.pages.pages - 1 == (45 - 1) // per_page
    press(scene, key("down"))  # off the last row of the last page: the page buttons
    assert not focused(scene).startswith("session:")

    said: list[str] = []
    drawn = therapist_screens.draw_text

    def spy(surface, text, *args, **kwargs):
        said.append(text)
        return drawn(surface, text, *args, **kwargs)

    monkeypatch.setattr(therapist_screens, "draw_text", spy)
    press(scene, key("up"), key("return", "confirm"))
    director.on_update(0)
    session = director.scene
    assert session.session_id == sessions[0]
    session.on_draw(0)
    assert any("Tired after school; stopped after one task." in line for line in said)

    press(session, key("escape", "back"))
    director.on_update(0)
    back = director.scene
    back.on_draw(0)
    assert back.pages.page == back.pages.pages - 1  # not page 1
    assert focused(back) == f"session:{sessions[0]}"
    # Up from the top row of this page: the page before, on its bottom row.
    top = shown(back, "session:")[0]
    while focused(back) != f"session:{top}":
        press(back, key("up"))
    press(back, key("up"))
    assert back.pages.page == back.pages.pages - 2
    bottom = sessions[45 - (back.pages.pages - 1) * per_page]  # newest first
    assert focused(back) == f"session:{bottom}" and shown(back, "session:")[-1] == str(bottom)
    press(back, key("page up"))
    assert back.pages.page == back.pages.pages - 3
    # Back from the sessions: the child's page of profiles, with the focus on the child.
    press(back, key("escape", "back"))
    director.on_update(0)
    director.scene.on_draw(0)
    assert focused(director.scene) == f"profile:{codes[0]}"


def test_six_codes_on_the_billing_screen_are_all_editable(clinic, tmp_path: Path) -> None:
    data_dir, recorder, codes, sessions = clinic
    store = open_store(data_dir)
    store.add_therapist("Kim Lee", "OTR/L")
    store.set_default_codes(codes[0], [CodeShare("97110", 100)])
    profile = store.profile(codes[0])
    store.close()
    pygame.display.set_mode((1280, 720))
    context = context_for(tmp_path, recorder, UserSettings())
    scene = entered(context, "therapist_billing", profile=profile, session_id=sessions[0])
    scene.on_draw(0)
    for _ in range(5):
        click(scene, "add_code")
    assert len(scene.minutes) == 6 and scene.message == ""
    assert scene.code_pages.pages == 2  # four rows fit a 1280×720 window
    assert shown(scene, "plus:") == list(scene.minutes)[4:]  # the page of the code added
    click(scene, "page:codes:-1")
    stepped = []
    while True:
        for code in shown(scene, "plus:"):
            click(scene, f"plus:{code}")
            stepped.append(code)
        if not enabled(scene, "page:codes:1"):
            break
        click(scene, "page:codes:1")
    assert stepped == list(scene.minutes) and set(scene.minutes.values()) == {1}
    scene.on_input([], [UiEvent("text", key="six codes, one minute each")], 0)
    click(scene, "save")
    click(scene, "therapist:1")
    store = open_store(data_dir, read_only=True)
    try:
        assert store.session_minutes(sessions[0]).as_mapping() == dict.fromkeys(stepped, 1)
    finally:
        store.close()
    # Codes are added until the billing file has no more; only then "no more codes".
    scene.on_draw(0)
    while "No more" not in scene.message:
        click(scene, "add_code")
    assert len(scene.minutes) == len(scene.config.codes)


@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080), (1024, 768), (1280, 1024)])
def test_long_lists_fit_the_window_without_overlaps(clinic, tmp_path: Path, size) -> None:
    data_dir, recorder, codes, sessions = clinic
    store = open_store(data_dir)
    profile = store.profile(codes[0])
    for number in range(12):
        store.add_therapist(f"Therapist {number}", "PT")
    store.close()
    surface = pygame.display.set_mode(size)
    context = context_for(tmp_path, recorder, UserSettings(large_text=True))
    screens = [
        entered(context, "therapist_profiles"),
        entered(context, "therapist_sessions", profile=profile),
        entered(context, "therapist_billing", profile=profile, session_id=sessions[0]),
    ]
    goals = entered(context, "therapist_sessions", profile=profile)
    goals.activate("goals")
    picking = entered(context, "therapist_billing", profile=profile, session_id=sessions[0])
    picking.mode = "pick"
    for scene in (*screens, goals, picking):
        scene.on_draw(0)
        rects = [button.rect for button in scene.menu.buttons]
        for index, rect in enumerate(rects):
            assert surface.get_rect().contains(rect), (type(scene).__name__, rect)
            for other in rects[index + 1 :]:
                assert not rect.colliderect(other), (type(scene).__name__, rect, other)
    assert any(scene.pagers[0].line for scene in screens[:2])  # the lists do have pages


def kiosk_screen(context, data_dir: Path, name: str, **params):
    kiosk = KioskState(KioskConfig(), data_dir, PinGate(lambda pin: False, 60.0, 0))
    return entered(context, name, kiosk=kiosk, **params)


def test_the_kiosks_players_are_paged_and_back_from_one_keeps_their_page(
    clinic, tmp_path: Path
) -> None:
    data_dir, recorder, codes, _sessions = clinic
    pygame.display.set_mode((1280, 720))
    context = context_for(tmp_path, recorder, UserSettings())
    for name in ("kiosk_plans", "kiosk_reports"):
        scene = kiosk_screen(context, data_dir, name)
        scene.on_draw(0)
        rows = scene.player_pages.per_page // 2  # two columns
        first_page = shown(scene, "player:")
        for _ in range(rows):  # down the left column and over the page's edge
            press(scene, key("down"))
        second_page = shown(scene, "player:")
        assert scene.player_pages.page == 1 and focused(scene) == f"player:{second_page[0]}"
        assert not set(first_page) & set(second_page)
        press(scene, key("right"))
        assert focused(scene) == f"player:{second_page[rows]}"  # the right column's top
        press(scene, key("page down"))
        assert scene.player_pages.page == 2
        chosen = focused(scene).split(":", 1)[1]
        press(scene, key("return", "confirm"))
        assert scene.player is not None and scene.player.code == chosen
        press(scene, key("escape", "back"))
        assert scene.player is None and scene.player_pages.page == 2
        assert focused(scene) == f"player:{chosen}"
        every = []
        click(scene, "page:players:-1")
        click(scene, "page:players:-1")
        assert not enabled(scene, "page:players:-1")
        every += shown(scene, "player:")
        while enabled(scene, "page:players:1"):
            click(scene, "page:players:1")
            every += shown(scene, "player:")
        assert sorted(every) == sorted(codes), name


def test_the_plan_editor_pages_its_levels_with_the_shared_pages(clinic, tmp_path: Path) -> None:
    data_dir, recorder, codes, _sessions = clinic
    pygame.display.set_mode((1280, 720))
    context = context_for(tmp_path, recorder, UserSettings())
    store = open_store(data_dir)
    profile = store.profile(codes[0])
    store.close()
    scene = kiosk_screen(context, data_dir, "kiosk_plan_edit", profile=profile)
    scene.on_draw(0)
    assert not enabled(scene, "page:catalogue:-1")  # the first page: no going round
    catalogue = shown(scene, "add:")
    while enabled(scene, "page:catalogue:1"):
        click(scene, "page:catalogue:1")
        catalogue += shown(scene, "add:")
    assert catalogue == [level.id for level in scene.catalogue]
    click(scene, "page:catalogue:-1")
    rows = None
    for level_id in shown(scene, "add:")[:3] * 3:
        click(scene, f"add:{level_id}")
        rows = rows or scene.stop_pages.per_page
    assert len(scene.plan.levels) == 9 > rows == 7
    assert scene.stop_pages.page == 1 and shown(scene, "up:") == ["7", "8"]  # the new one
    moved = scene.plan.levels[7]
    click(scene, "up:7")  # up across the page's edge: the level and the focus go together
    assert scene.plan.levels[6] == moved and scene.stop_pages.page == 0
    assert focused(scene) == "up:6"


@pytest.mark.parametrize("size", [(1280, 720), (1024, 768)])
def test_every_child_finds_their_card_and_no_card_runs_under_the_buttons(
    clinic, tmp_path: Path, size
) -> None:
    """The child's pickers (game and kiosk) used to cut at twelve cards, the third row
    drawn under the buttons at the foot; now every card is on a page that fits."""
    data_dir, recorder, codes, _sessions = clinic
    surface = pygame.display.set_mode(size)
    context = context_for(tmp_path, recorder, UserSettings())
    for scene, prefix in (
        (entered(context, "profiles"), "profile:"),
        (kiosk_screen(context, data_dir, "kiosk_players"), "player:"),
    ):
        scene.on_draw(0)
        seen = shown(scene, prefix)
        while enabled(scene, f"page:{scene.pages.name}:1"):
            for button in scene.menu.buttons:
                assert surface.get_rect().contains(button.rect)
                others = [b.rect for b in scene.menu.buttons if b is not button]
                assert button.rect.collidelist(others) == -1, button.key
            click(scene, f"page:{scene.pages.name}:1")
            seen += shown(scene, prefix)
        assert sorted(seen) == sorted(codes)
