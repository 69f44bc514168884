"""Calibration in the real loop: taps with a known latency give back that latency."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from engine.levels.library import discover_levels
from engine.session.calibration import load_calibration
from engine.store.recorder import Recorder
from game.scene import Goto
from tests.game_harness import GameHarness

NS_PER_S = 1_000_000_000


def calibrate(tmp_path: Path, latency_ms: float, noise_sd_ms: float, kind: str = "input"):
    recorder = Recorder(tmp_path / "data")
    game = GameHarness(
        tmp_path / "data",
        recorder,
        discover_levels(user_dir=tmp_path / "u"),
        first=Goto("calibrate", kind=kind, back=None),
    )
    game.context.calibration_path = tmp_path / "calibration.yaml"
    scene = game.director.scene
    rng = np.random.default_rng(3)

    def tap_along(now_ns: int) -> None:
        # Once the beats are laid out, press on each one, late by the machine's latency.
        grid = scene.session.grids[0]
        for frame in grid.target_frames:
            offset_ms = latency_ms + rng.normal(0.0, noise_sd_ms)
            game.press_at_ns(game.device.true_host_ns(frame + offset_ms * 48.0), "space")

    game.at(1.0, tap_along)
    game.run(seconds=40.0)
    recorder.close()
    return scene


def test_a_steady_latency_is_measured_and_saved(tmp_path: Path) -> None:
    scene = calibrate(tmp_path, latency_ms=32.0, noise_sd_ms=4.0)
    assert scene.result is not None and scene.result.accepted
    assert abs(scene.result.offset_ms - 32.0) < 3.0
    saved, problems = load_calibration(tmp_path / "calibration.yaml")
    assert not problems and saved.input_offset_ms == scene.result.offset_ms
    assert scene.context.input_offset_ms == scene.result.offset_ms


def test_uneven_taps_are_refused_and_nothing_is_saved(tmp_path: Path) -> None:
    scene = calibrate(tmp_path, latency_ms=20.0, noise_sd_ms=45.0)
    assert scene.result is not None and not scene.result.accepted
    assert "uneven" in scene.result.problem
    assert not (tmp_path / "calibration.yaml").exists()


def test_the_back_button_leaves_by_mouse_or_touch(tmp_path: Path) -> None:
    recorder = Recorder(tmp_path / "data")
    back = Goto("settings", back_to="profiles")
    game = GameHarness(
        tmp_path / "data",
        recorder,
        discover_levels(user_dir=tmp_path / "u"),
        first=Goto("calibrate", kind="visual", back=back),
    )
    scene = game.director.scene
    [button] = scene._buttons()
    assert button.key == "back"
    scenes_seen = []
    game.click_at(0.5, (button.rect.left - 40, button.rect.centery))  # beside it: a tap
    game.at(1.0, lambda now_ns: scenes_seen.append(game.director.scene))
    game.click_at(1.5, button.rect.center)
    game.run(seconds=2.5)
    assert scenes_seen == [scene]
    recorder.close()
    assert type(game.director.scene).__name__ == "SettingsScene"
    assert scene.result is None  # left before the end: nothing measured, nothing saved
    assert not (tmp_path / "calibration.yaml").exists()


def test_a_refused_calibration_offers_again_and_back_as_buttons(tmp_path: Path) -> None:
    scene = calibrate(tmp_path, latency_ms=20.0, noise_sd_ms=45.0)
    assert scene.result is not None and not scene.result.accepted
    assert [button.key for button in scene._buttons()] == ["again", "back"]
