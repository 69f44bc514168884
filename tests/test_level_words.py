"""The words of every shipped level and template agree with what the engine plays.

A level's description and instructions are read by therapists and children; its adaptive
block is read by the engine. Rules that can be checked:

- every bound in an adaptive block is reached by the level's ladder (a bound the ladder
  never reaches promises a tempo or window that never comes);
- every tempo the words name ("N bpm", "A–B bpm", "between A and B bpm") is the level's own
  or one on its ladder, and every window ("N ms") is one of the level's windows, one on its
  ladder, or the beat interval;
- the words call a level adaptive exactly when it is, and fixed only when it is not.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.levels.load import load_level
from engine.levels.model import Level
from engine.levels.templates import TEMPLATES, level_text
from engine.session.adaptation import TEMPO, WINDOW, build_ladder

LEVELS_DIR = Path(__file__).resolve().parent.parent / "levels"
SHIPPED = sorted(LEVELS_DIR.rglob("*.yaml"))
NUMBER = r"(\d+(?:\.\d+)?)"
# "90 bpm", "30-70 ms", "30–70 ms", "between 30 and 80 ms", "from 100 to 80 bpm"
QUANTITY = re.compile(rf"{NUMBER}(?:\s*(?:-|–|and|to)\s*{NUMBER})?\s*(bpm|ms)\b")


def shipped_and_templates(tmp_path_factory: pytest.TempPathFactory) -> list[Level]:
    folder = tmp_path_factory.mktemp("templates")
    levels = [load_level(path) for path in SHIPPED]
    for template in TEMPLATES:
        path = folder / f"{template}.yaml"
        path.write_text(level_text(template, path), encoding="utf-8")
        levels.append(load_level(path))
    return levels


@pytest.fixture(scope="module")
def levels(tmp_path_factory: pytest.TempPathFactory) -> list[Level]:
    return shipped_and_templates(tmp_path_factory)


def words(level: Level) -> str:
    texts = [level.description or "", level.instruction or ""]
    texts += [task.instruction or "" for task in level.tasks]
    return " ".join(texts)


def named(text: str, unit: str) -> list[float]:
    found = []
    for first, second, named_unit in QUANTITY.findall(text):
        if named_unit == unit:
            found += [float(first)] + ([float(second)] if second else [])
    return found


def where(level: Level) -> str:
    return str(level.source_path)


def test_every_shipped_level_and_template_is_checked(levels: list[Level]) -> None:
    assert len(levels) == len(SHIPPED) + len(TEMPLATES) > 20
    assert sum(level.adaptive is not None for level in levels) >= 7


def test_adaptive_bounds_are_reached_by_the_ladder(levels: list[Level]) -> None:
    for level in levels:
        adaptive = level.adaptive
        if adaptive is None:
            continue
        ladder = build_ladder(level)
        if TEMPO in adaptive.adjust and adaptive.tempo_bpm is not None:
            tempi = [rung.tempo_bpm for rung in ladder]
            assert (min(tempi), max(tempi)) == pytest.approx(adaptive.tempo_bpm), where(level)
        if WINDOW in adaptive.adjust and adaptive.window_ms is not None:
            windows = [rung.good_window_ms for rung in ladder]
            assert (min(windows), max(windows)) == pytest.approx(adaptive.window_ms), where(level)


def test_words_name_only_tempi_and_windows_the_level_plays(levels: list[Level]) -> None:
    for level in levels:
        ladder = build_ladder(level) if level.adaptive is not None else ()
        tempi = {level.tempo_bpm, *(rung.tempo_bpm for rung in ladder)}
        windows = {level.windows.sro_ms, level.windows.good_ms, level.windows.ok_ms}
        windows |= {rung.good_window_ms for rung in ladder}
        windows.add(60_000.0 / level.tempo_bpm)  # the beat interval, "IOI 1111 ms"
        text = words(level)
        for bpm in named(text, "bpm"):
            assert any(abs(bpm - tempo) < 0.5 for tempo in tempi), (where(level), bpm, tempi)
        for ms in named(text, "ms"):
            assert any(abs(ms - window) < 0.5 for window in windows), (where(level), ms)


def test_words_call_a_level_adaptive_exactly_when_it_is(levels: list[Level]) -> None:
    for level in levels:
        text = words(level).lower()
        says_adaptive = (
            re.search(r"(?<!never )\badaptive\b", text) is not None or "follows the child" in text
        )
        says_fixed = re.search(r"\bfixed\b", text) is not None
        if level.adaptive is None:
            assert not says_adaptive, where(level)
        else:
            assert says_adaptive and not says_fixed, where(level)


def test_the_rules_catch_the_old_frog_hop(tmp_path: Path) -> None:
    """Frog-hop as shipped before: bounds [80, 120] and frogs that 'hop faster, up to 120
    bpm', while its ladder runs 100 -> 80 bpm."""
    old = (LEVELS_DIR / "pond" / "frog-hop.yaml").read_text(encoding="utf-8")
    old = old.replace("tempo_bpm: [80, 100]", "tempo_bpm: [80, 120]")
    old = old.replace("back up to 100 bpm", "up to 120 bpm")
    path = tmp_path / "frog-hop.yaml"
    path.write_text(old, encoding="utf-8")
    level = load_level(path)
    tempi = [rung.tempo_bpm for rung in build_ladder(level)]
    assert max(tempi) == 100.0 != level.adaptive.tempo_bpm[1]
    assert 120.0 in named(words(level), "bpm") and 120.0 not in tempi
