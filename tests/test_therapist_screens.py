"""Therapist screens on a real store: list, open a session, write a note, save reports."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pygame

from engine.audio.output import AudioSettings
from engine.config.user_settings import UserSettings
from engine.input.pump import UiEvent
from engine.levels.library import discover_levels
from engine.store.opening import open_store
from engine.store.recorder import Recorder
from game.audio_rig import AudioRig
from game.context import GameContext
from game.director import Director
from game.harness import run_headless
from game.router import SCENES, build_scene
from game.scene import Goto
from tests.level_factory import make_level, make_task


def context_for(tmp_path: Path, recorder: Recorder, settings: UserSettings) -> GameContext:
    return GameContext(
        pygame.display.get_surface(),
        recorder,
        AudioRig.create(AudioSettings()),
        settings=settings,
        data_dir=tmp_path / "data",
        library=discover_levels(user_dir=tmp_path / "user-levels"),
    )


def entered(context: GameContext, name: str, **params):
    """The scene ``name``, built by the router and entered, as the director does."""
    scene = build_scene(context, Goto(name, **params))
    scene.on_enter()
    return scene


def test_a_session_can_be_opened_noted_and_reported(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    recorder = Recorder(data_dir)
    run = run_headless(
        make_level(make_task(beats=8)), recorder, lambda g, i, r: 12.0, profile_name="Leo"
    )
    settings = UserSettings(reports_dir=str(tmp_path / "reports"))
    context = context_for(tmp_path, recorder, settings)
    director = Director(context, Goto("therapist_profiles"))
    profiles = director.scene
    assert [p.display_name for p in profiles.profiles] == ["Leo"]
    profiles.on_draw(0)
    code = profiles.profiles[0].code
    profiles.activate(f"profile:{code}")
    director.on_update(0)  # the director follows the scene's request
    sessions = director.scene
    assert isinstance(sessions, SCENES["therapist_sessions"])
    assert [s.session_id for s in sessions.sessions] == [run.session.session_id]
    sessions.on_draw(0)

    sessions.activate(f"session:{run.session.session_id}")
    director.on_update(0)
    scene = director.scene
    assert isinstance(scene, SCENES["therapist_session"])
    assert scene.metrics.overall.paired_taps == 8
    assert abs(scene.metrics.overall.mean_asynchrony_ms - 12.0) < 0.05
    scene.on_input([], [UiEvent("text", key="Kept the beat well.")], 0)
    scene.activate("note")
    scene.activate("report:html")
    assert "Saved:" in scene.message
    scene.activate("flow:pdf")
    scene.on_draw(0)
    recorder.close()

    saved = sorted(path.suffix for path in (tmp_path / "reports").iterdir())
    assert saved == [".html", ".pdf"]
    store = open_store(data_dir)
    try:
        [note] = store.notes(session_id=run.session.session_id)
    finally:
        store.close()
    assert note.body == "Kept the beat well."


def test_a_report_that_cannot_be_written_says_why(tmp_path: Path) -> None:
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the folder should be", encoding="utf-8")
    data_dir = tmp_path / "data"
    recorder = Recorder(data_dir)
    run_headless(make_level(make_task(beats=4)), recorder, lambda g, i, r: 0.0)
    context = context_for(tmp_path, recorder, replace(UserSettings(), reports_dir=str(blocked)))
    store = open_store(data_dir)
    [profile] = store.list_profiles()
    store.close()
    sessions = entered(context, "therapist_sessions", profile=profile)
    sessions.activate("progress:html")
    recorder.close()
    assert sessions.message.startswith("Could not make the report")


def test_a_continuation_task_shows_its_unpaced_timing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    recorder = Recorder(data_dir)
    level = make_level(make_task(beats=40, continuation_beats=20))
    run = run_headless(level, recorder, lambda g, i, r: float(r.normal(-10.0, 15.0)))
    context = context_for(tmp_path, recorder, UserSettings())
    store = open_store(data_dir)
    [profile] = store.list_profiles()
    store.close()
    scene = entered(
        context, "therapist_session", profile=profile, session_id=run.session.session_id
    )
    [task] = scene.metrics.tasks
    recorder.close()
    line = scene._continuation_line(task)
    assert "without the metronome" in line and "ITI" in line and "Wing" in line
    assert task.continuation.paired_taps >= 15
