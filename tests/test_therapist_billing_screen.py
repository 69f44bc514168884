"""The therapist's minutes, signature, goals and chart fields in the game, on a real store; and
no chart field on any screen a child sees."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pygame
import pytest

from engine.billing.session_billing import OVERRIDE_NOTE_AUTHOR, signature_state
from engine.config.kiosk import KioskConfig
from engine.config.user_settings import UserSettings
from engine.input.pump import UiEvent
from engine.metrics.goals import parse_target
from engine.session.pin_gate import FIRST_LOCKOUT_S, NS_PER_S, PinGate
from engine.session.rewards import Progress
from engine.session.station_pin import hash_pin, therapist_gate_setting
from engine.store.chart_records import CHART_FIELDS_ON, CHART_FIELDS_SETTING, CodeShare, GoalRecord
from engine.store.opening import open_store
from engine.store.recorder import Recorder
from engine.store.records import ProfileRecord
from game.harness import run_headless
from game.kiosk.director import THERAPIST_ONLY
from game.kiosk.state import KioskState
from game.router import SCENES
from game.scene import Goto
from tests.level_factory import make_level, make_task
from tests.test_therapist_screens import context_for, entered

SAM_PIN = "4321"
MRN, BORN, DIAGNOSIS = "MR-0042", "2019-05-04", "R27.8"


def add_goal(store, profile_code: str, text: str, target: str) -> None:
    """A goal for ``profile_code`` by 2027-02-01, measured from 2020, with no therapist."""
    metric, comparison, value = parse_target(target)
    store.add_goal(
        GoalRecord(
            profile_code=profile_code,
            text=text,
            metric=metric,
            comparison=comparison.value,
            target_value=value,
            limbs=(),
            task_name=None,
            by_date="2027-02-01",
            baseline_from="2020-01-01",
            therapist_id=None,
        )
    )


def billing_screen(clinic, tmp_path: Path):
    """The billing screen of the clinic's session, entered."""
    context = context_for(tmp_path, clinic.recorder, UserSettings())
    return entered(
        context, "therapist_billing", profile=clinic.profile, session_id=clinic.session_id
    )


@dataclass
class Clinic:
    data_dir: Path
    recorder: Recorder
    profile: ProfileRecord
    session_id: int
    run: object


@pytest.fixture
def clinic(tmp_path: Path) -> Clinic:
    """One session played by Leo; Kim (no PIN) and Sam (own PIN); a default code, a goal,
    and chart fields turned on."""
    data_dir = tmp_path / "data"
    recorder = Recorder(data_dir)
    run = run_headless(
        make_level(make_task(beats=8)), recorder, lambda g, i, r: 12.0, profile_name="Leo"
    )
    recorder.flush()
    store = open_store(data_dir)
    profile = store.list_profiles()[0]
    store.add_therapist("Kim Lee", "OTR/L")
    sam = store.add_therapist("Sam Ortiz", "PT, DPT")
    store.set_therapist_pin_hash(sam.therapist_id, hash_pin(SAM_PIN))
    store.set_default_codes(profile.code, [CodeShare("97110", 100)])
    add_goal(
        store, profile.code, "Leo keeps a steady beat with both hands", "Task Average <= 40 ms"
    )
    store.set_station_setting(CHART_FIELDS_SETTING, CHART_FIELDS_ON)
    store.set_chart_fields(profile.code, MRN, BORN, ("F82", DIAGNOSIS))
    store.close()
    yield Clinic(data_dir, recorder, profile, run.session.session_id, run)
    recorder.close()


def keys(scene, *names: str, now_ns: int = 0) -> None:
    scene.on_input([], [UiEvent("key", key=name) for name in names], now_ns)


def test_minutes_step_bill_live_and_over_the_active_time_need_a_reason(
    clinic: Clinic, tmp_path: Path
) -> None:
    scene = billing_screen(clinic, tmp_path)
    # 8 beats are a few seconds: 0 active minutes, so the profile's code starts at 0.
    assert scene.minutes == {"97110": 0} and scene.limit_min == 2
    scene.on_draw(0)
    for _ in range(8):
        scene.activate("plus:97110")
    assert scene.units().total_units == 1  # 8 minutes: one unit by the 8-minute rule
    scene.activate("minus:97110")
    assert scene.units() is None or scene.units().total_units == 0
    scene.activate("save")
    assert scene.mode == "edit" and "7 min is more than the 0 active min" in scene.message
    assert any(button.key == "reason_box" for button in scene.menu.buttons)
    scene.on_input([], [UiEvent("text", key="set-up and coaching off the recording")], 0)
    scene.on_draw(0)
    scene.activate("save")
    assert scene.mode == "pick"
    scene.on_draw(0)
    scene.activate("therapist:1")
    assert scene.mode == "edit" and "assigned by Kim Lee, OTR/L" in scene.message
    store = open_store(clinic.data_dir, read_only=True)
    try:
        assert store.session_minutes(clinic.session_id).as_mapping() == {"97110": 7}
        override = [n for n in store.notes(session_id=clinic.session_id)]
        assert [n.author for n in override] == [OVERRIDE_NOTE_AUTHOR]
        assert override[0].body.endswith("Kim Lee, OTR/L: set-up and coaching off the recording")
    finally:
        store.close()
    # Back within the allowance, no reason is asked for and none is stored again.
    for _ in range(5):
        scene.activate("minus:97110")
    assert not scene.over_limit()
    assert not any(button.key == "reason_box" for button in scene.menu.buttons)
    scene.activate("rule")
    scene.on_draw(0)


def test_back_over_unsaved_minutes_warns_once_then_leaves_without_them(
    clinic: Clinic, tmp_path: Path
) -> None:
    scene = billing_screen(clinic, tmp_path)
    scene.activate("plus:97110")
    scene.activate("back")
    assert scene.message.startswith("These minutes are not saved")
    assert scene.next is None  # still here
    scene.activate("back")
    assert scene.next.name == "therapist_session"
    store = open_store(clinic.data_dir, read_only=True)
    assert store.session_minutes(clinic.session_id) is None
    store.close()
    # Saved minutes, or none changed: Back leaves at once.
    again = billing_screen(clinic, tmp_path)
    again.activate("back")
    assert again.next.name == "therapist_session"


def test_signing_asks_a_therapists_own_pin_with_the_pads_lockout(
    clinic: Clinic, tmp_path: Path
) -> None:
    context = context_for(tmp_path, clinic.recorder, UserSettings())
    scene = entered(
        context, "therapist_billing", profile=clinic.profile, session_id=clinic.session_id
    )
    scene.activate("plus:97110")
    scene.activate("sign")
    labels = [button.label for button in scene.menu.buttons]
    assert labels[:2] == ["Kim Lee, OTR/L", "Sam Ortiz, PT, DPT · own PIN"]
    scene.activate("therapist:2")
    assert scene.mode == "pin" and scene.title() == "PIN of Sam Ortiz, PT, DPT"
    keys(scene, "1", "1", "1", "1", "return")
    assert "not the PIN of Sam Ortiz, PT, DPT (1 of 5 tries)" in scene.message
    scene.on_draw(0)
    for _ in range(4):
        keys(scene, "9", "9", "9", "9", "return")
    assert scene.gate.wait_s(0) == FIRST_LOCKOUT_S
    scene.on_update(0)
    assert not any(button.enabled for button in scene.menu.buttons[:12])
    keys(scene, *SAM_PIN, "return")  # the right PIN is not even checked while locked
    store = open_store(clinic.data_dir, read_only=True)
    assert store.signatures(clinic.session_id) == []
    assert store.station_setting(therapist_gate_setting(2)) is not None  # kept for restarts
    store.close()
    scene.on_draw(0)
    later_ns = int((FIRST_LOCKOUT_S + 1) * NS_PER_S)
    scene.on_update(later_ns)
    keys(scene, *SAM_PIN, "return", now_ns=later_ns)
    assert scene.mode == "edit" and scene.message == "Signed by Sam Ortiz, PT, DPT."
    assert scene.signed_current and scene.signed_line.startswith("Signed by Sam Ortiz")
    store = open_store(clinic.data_dir, read_only=True)
    state = signature_state(store, clinic.session_id)
    assert state.current and state.therapist.name == "Sam Ortiz"
    assert store.session_minutes(clinic.session_id).as_mapping() == {"97110": 1}
    # The station's audit log has the minutes and the signature, naming no child.
    logged = [(entry.action, entry.detail) for entry in store.audit_entries()]
    session = clinic.session_id
    assert logged[-2:] == [
        ("minutes_billed", f"session {session} by therapist 2: 97110=1"),
        ("signed", f"session {session} by therapist 2"),
    ]
    store.close()
    # Kim (no PIN) changes the minutes: the screen says the signature no longer covers them.
    scene.activate("plus:97110")
    scene.activate("save")
    scene.activate("therapist:1")
    assert not scene.signed_current and "CHANGED AFTER SIGNING" in scene.signed_line
    session = entered(
        context, "therapist_session", profile=clinic.profile, session_id=clinic.session_id
    )
    assert "97110 2 min" in session.billing_line and "CHANGED AFTER SIGNING" in session.billing_line
    session.on_draw(0)


def test_the_profile_screen_shows_goals_and_the_chart_fields_only_when_on(
    clinic: Clinic, tmp_path: Path
) -> None:
    context = context_for(tmp_path, clinic.recorder, UserSettings())
    scene = entered(context, "therapist_sessions", profile=clinic.profile)
    assert scene.chart_line == f"MRN {MRN} · date of birth {BORN} · diagnoses (ICD-10) F82, R27.8"
    [goal] = scene.goals
    assert goal[1] == "Leo keeps a steady beat with both hands"
    assert goal[2].startswith("Task Average ≤ 40 ms")
    assert goal[3].startswith("12.0 ms") and goal[6] == "met"  # every tap 12 ms late
    scene.activate("goals")
    assert scene.showing_goals and not any(b.key.startswith("session:") for b in scene.menu.buttons)
    scene.on_draw(0)
    store = open_store(clinic.data_dir)
    store.set_station_setting(CHART_FIELDS_SETTING, "off")
    store.close()
    assert entered(context, "therapist_sessions", profile=clinic.profile).chart_line == ""


class _RecordingFont(pygame.font.Font):
    """A font that notes every text it renders, so a test can read what a screen said."""

    rendered: ClassVar[list[str]] = []

    def render(self, text, *args, **kwargs):
        _RecordingFont.rendered.append(str(text))
        return super().render(text, *args, **kwargs)


def test_no_child_screen_ever_shows_a_chart_field(
    clinic: Clinic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import game.text

    monkeypatch.setattr(game.text, "_fonts", {})
    monkeypatch.setattr(pygame.font, "Font", _RecordingFont)
    _RecordingFont.rendered = []
    context = context_for(tmp_path, clinic.recorder, UserSettings())
    context.profile = clinic.profile
    kiosk = KioskState(KioskConfig(), clinic.data_dir, PinGate(lambda pin: False, 60.0, 0))
    level = make_level(make_task(beats=8))
    params = {
        "play": {"level": level},
        "results": {"level": level, "session": clinic.run.session},
        "calibrate": {"kind": "input"},
        "no_sound": {"retry": Goto("play", level=level)},
        "kiosk_break": {"seconds": 30.0},
        "stickers": {"progress": Progress({}, (), ())},
    }
    child_scenes = sorted(set(SCENES) - THERAPIST_ONLY)
    walked = []
    for name in child_scenes:
        given = params.get(name, {})
        if name.startswith("kiosk_"):
            given = {**given, "kiosk": kiosk}
        scene = SCENES[name](context, **given)
        scene.on_enter()
        for frame in range(3):
            scene.on_update(frame * 50_000_000)
            scene.on_draw(frame * 50_000_000)
        scene.on_exit()
        walked.append(name)
    said = "\n".join(_RecordingFont.rendered)
    assert "Leo" in said  # the walk did draw the child's screens
    assert {"title", "profiles", "level_map", "play", "results", "kiosk_pin"} <= set(walked)
    for value in (MRN, BORN, DIAGNOSIS, "F82", "2019"):
        assert value not in said
    # The same spy does see them where they belong: the therapist's profile screen.
    therapist = entered(context, "therapist_sessions", profile=clinic.profile)
    therapist.on_draw(0)
    assert MRN in "\n".join(_RecordingFont.rendered)


def test_a_long_goal_stays_readable_on_the_profile_screen(
    clinic: Clinic, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import game.text

    words = "Leo keeps a steady beat with both hands " * 6  # about 240 characters
    store = open_store(clinic.data_dir)
    add_goal(store, clinic.profile.code, words.strip(), "Task Average <= 40 ms")
    store.close()
    context = context_for(tmp_path, clinic.recorder, UserSettings())
    scene = entered(context, "therapist_sessions", profile=clinic.profile)
    scene.activate("goals")
    drawn: list[tuple[str, int]] = []
    real_draw = game.text.draw_text

    def noting_draw(surface, text, size_px, *more, **named):
        drawn.append((text, size_px))
        return real_draw(surface, text, size_px, *more, **named)

    monkeypatch.setattr("game.widgets.draw_text", noting_draw)
    scene.on_draw(0)
    [(line, size_px)] = [(text, size) for text, size in drawn if text.startswith("2. Leo")]
    # Cut at a word with "…" at a size still readable, not shrunk to a few pixels.
    assert line.endswith(" …") and len(line) < len(words)
    assert size_px >= int(18 * scene.unit)


def test_goals_are_read_again_when_shown(clinic: Clinic, tmp_path: Path) -> None:
    context = context_for(tmp_path, clinic.recorder, UserSettings())
    scene = entered(context, "therapist_sessions", profile=clinic.profile)
    assert len(scene.goals) == 1
    store = open_store(clinic.data_dir)  # a goal added meanwhile (`run.py goals add`)
    add_goal(store, clinic.profile.code, "Leo taps on time with the right hand", "SRO >= 60 %")
    store.close()
    scene.activate("goals")
    assert [goal[1] for goal in scene.goals][-1] == "Leo taps on time with the right hand"
