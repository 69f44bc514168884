"""Live preview: a level file edited while the real loop runs (virtual clock)."""

from __future__ import annotations

from pathlib import Path

from engine.levels.watch import LevelFileWatcher
from engine.store.opening import open_store
from engine.store.recorder import Recorder
from game.harness import Harness

NS_PER_S = 1_000_000_000

LEVEL_TEXT = """\
format: 1
id: watched
title: {title}
theme: pond
tempo_bpm: {tempo}
count_in: 2
tasks:
  - name: Claps
    limb: both_hands
    length: {{beats: 40}}
"""


def steady_plan(grid, target_index, rng):
    return -10.0


def test_saving_the_level_restarts_it_and_a_broken_save_shows_errors(tmp_path: Path) -> None:
    level_path = tmp_path / "watched.yaml"
    level_path.write_text(LEVEL_TEXT.format(title="First", tempo=100), encoding="utf-8")
    recorder = Recorder(tmp_path / "data")
    harness = Harness(recorder, steady_plan, watch_path=level_path, exit_when_done=False)
    start_ns = harness.clock.now_ns()
    seen: dict[str, object] = {}

    def save(text: str):
        return lambda now_ns: level_path.write_text(text, encoding="utf-8")

    def look(name: str):
        def record(now_ns: int) -> None:
            scene = harness.scene
            seen[name] = (
                scene.session.level.title if scene.session else None,
                scene.problems,
                harness.loop.frames,
            )

        return record

    clock = harness.clock
    clock.at(start_ns + 3 * NS_PER_S, look("before"))
    clock.at(start_ns + 3 * NS_PER_S + 1, save(LEVEL_TEXT.format(title="Second", tempo=120)))
    clock.at(start_ns + 5 * NS_PER_S, look("after edit"))
    clock.at(start_ns + 5 * NS_PER_S + 1, save("format: 1\nid: watched\ntempo: [\n"))
    clock.at(start_ns + 7 * NS_PER_S, look("after broken edit"))
    clock.at(start_ns + 7 * NS_PER_S + 1, save(LEVEL_TEXT.format(title="Third", tempo=90)))
    clock.at(start_ns + 9 * NS_PER_S, look("after fix"))
    harness.run(max_frames=60 * 10)
    recorder.close()

    assert seen["before"][:2] == ("First", ())
    assert seen["after edit"][:2] == ("Second", ())
    title, problems, frames_at_error = seen["after broken edit"]
    assert title is None
    assert problems and all(line.startswith(f"{level_path}:") for line in problems)
    assert seen["after fix"][:2] == ("Third", ())
    assert seen["after fix"][2] > frames_at_error  # the loop kept running through the error

    store = open_store(tmp_path / "data")
    try:
        sessions = [store.session(i) for i in harness.scene.session_ids]
        counts = [store.session_counts(i) for i in harness.scene.session_ids]
    finally:
        store.close()
    assert [s.status for s in sessions] == ["incomplete"] * 3
    assert all(c.tap_count > 0 for c in counts[:2])


def test_watcher_ignores_saves_that_change_nothing(tmp_path: Path) -> None:
    path = tmp_path / "level.yaml"
    path.write_text("a", encoding="utf-8")
    watcher = LevelFileWatcher(path, poll_interval_ns=0)
    assert not watcher.changed(1)
    path.write_text("a", encoding="utf-8")
    assert not watcher.changed(2)
    path.write_text("b", encoding="utf-8")
    assert watcher.changed(3)
    assert not watcher.changed(4)
    path.unlink()
    assert watcher.changed(5)
