"""The shipped level pack keeps its promises (issue 3), and levels/schema.json is current."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from engine.levels.limbs import LIMBS
from engine.levels.load import level_duration_s, load_levels
from engine.levels.model import Level
from engine.levels.paths import BUILTIN_LEVELS_DIR, SCHEMA_PATH
from engine.levels.schema import level_json_schema, level_json_schema_text

STANDARD_PATH = BUILTIN_LEVELS_DIR / "assessment" / "standard.yaml"
REGENERATE = ".venv/bin/python run.py levels schema > levels/schema.json"


@pytest.fixture(scope="module")
def pack() -> list[Level]:
    levels, problems = load_levels([BUILTIN_LEVELS_DIR])
    assert problems == [], "\n".join(str(problem) for problem in problems)
    return levels


@pytest.fixture(scope="module")
def training(pack: list[Level]) -> list[Level]:
    return [level for level in pack if level.source_path != STANDARD_PATH]


def limbs_of(levels: list[Level]) -> set[tuple[str, ...]]:
    return {task.limbs for level in levels for task in level.tasks}


def test_at_least_24_levels_over_every_theme(training: list[Level]) -> None:
    assert len(training) >= 24
    themes = Counter(level.theme for level in training)
    assert set(themes) == {"pond", "space", "parade"}
    assert min(themes.values()) >= 6
    for level in training:
        assert level.source_path.parent.name == level.theme, "a level sits in its theme's folder"


def test_ids_are_unique_and_name_the_file(pack: list[Level]) -> None:
    assert len({level.id for level in pack}) == len(pack)
    assert all(level.id == level.source_path.stem for level in pack)


def test_every_limb_and_the_alternating_pairs(training: list[Level]) -> None:
    used = limbs_of(training)
    assert {(limb,) for limb in LIMBS} <= used
    alternating = {
        ("right_hand", "left_hand"),
        ("right_toe", "left_toe"),
        ("right_heel", "left_heel"),
        ("right_hand", "left_toe"),
        ("left_hand", "right_toe"),
    }
    assert alternating <= used


def test_tempi_from_40_to_120_and_young_children_near_100_to_120(training: list[Level]) -> None:
    tempi = [level.tempo_bpm for level in training]
    assert (min(tempi), max(tempi)) == (40, 120)
    for level in training:
        assert level.ages is not None, f"{level.id}: say which ages it suits"
        if level.ages[0] < 7:  # slow tempi are hard before about age 7 (metrics.md)
            assert 90 <= level.tempo_bpm <= 120, level.id


def test_rests_subdivisions_and_continuation(training: list[Level]) -> None:
    tasks = [task for level in training for task in level.tasks]
    assert {task.steps_per_beat for task in tasks} == {1, 2, 3, 4}
    assert any("." in task.pattern and task.steps_per_beat == 1 for task in tasks)
    assert any("." in task.pattern and task.steps_per_beat > 1 for task in tasks)
    assert sum(task.continuation_beats > 0 for task in tasks) >= 4
    assert any(task.length_seconds is not None for task in tasks)


def test_adaptive_and_fixed_levels_adapting_each_way(training: list[Level]) -> None:
    adaptive = [level for level in training if level.adaptive]
    assert 6 <= len(adaptive) <= len(training) - 6
    adjusted = {name for level in adaptive for name in level.adaptive.adjust}
    assert adjusted == {"window", "tempo", "visual_cue"}


def test_training_levels_are_short_and_explained(training: list[Level]) -> None:
    for level in training:
        assert 20 <= level_duration_s(level) <= 90, level.id
        assert level.description and level.instruction, level.id


def test_standard_assessment_follows_metrics_md(pack: list[Level]) -> None:
    (standard,) = [level for level in pack if level.source_path == STANDARD_PATH]
    assert standard.adaptive is None
    assert standard.tempo_bpm == 54
    assert [task.limbs for task in standard.tasks] == [
        ("both_hands",),
        ("right_hand",),
        ("left_hand",),
        ("both_toes",),
        ("right_toe",),
        ("left_toe",),
        ("both_heels",),
        ("right_heel",),
        ("left_heel",),
        ("right_hand", "left_toe"),
        ("left_hand", "right_toe"),
        ("left_toe",),
        ("right_toe",),
        ("both_hands",),
    ]
    assert [task.guide_sounds for task in standard.tasks] == [False] * 13 + [True]
    balance = standard.tasks[11:13]
    assert "right foot" in balance[0].instruction and "left" in balance[0].instruction
    assert "left foot" in balance[1].instruction and "right" in balance[1].instruction
    assert {task.beats_at(54) for task in standard.tasks} == {54}
    assert all(task.pattern == "x" and task.continuation_beats == 0 for task in standard.tasks)


def test_titles_and_names_fit_a_young_reader(pack: list[Level]) -> None:
    for level in pack:
        for text in (level.title, *(task.name for task in level.tasks)):
            assert len(text) <= 28, f"{level.id}: '{text}' is long for a child to read"


def test_committed_schema_is_current() -> None:
    committed = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else ""
    assert committed == level_json_schema_text(), (
        f"levels/schema.json is stale; regenerate it with: {REGENERATE}"
    )


def _schema_keywords(schema: object, found: set[str]) -> set[str]:
    """Every keyword used in ``schema``, not counting property and definition names."""
    if isinstance(schema, list):
        for item in schema:
            _schema_keywords(item, found)
    elif isinstance(schema, dict):
        for key, value in schema.items():
            found.add(key)
            if key in ("properties", "definitions"):
                for subschema in value.values():
                    _schema_keywords(subschema, found)
            elif key not in ("examples", "default", "const", "enum", "required"):
                _schema_keywords(value, found)
    return found


DRAFT_07_KEYWORDS = {
    "$schema", "$ref", "additionalProperties", "allOf", "const", "default", "definitions",
    "description", "enum", "examples", "items", "maximum", "maxItems", "maxLength", "minimum",
    "minItems", "minLength", "oneOf", "pattern", "properties", "propertyNames", "required",
    "title", "type",
    "uniqueItems",
}  # fmt: skip


def test_schema_speaks_draft_07_for_editors() -> None:
    schema = level_json_schema()
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert _schema_keywords(schema, set()) <= DRAFT_07_KEYWORDS


def test_shipped_files_point_editors_at_the_schema() -> None:
    for path in BUILTIN_LEVELS_DIR.rglob("*.yaml"):
        first_line = path.read_text(encoding="utf-8").splitlines()[0]
        reference = first_line.removeprefix("# yaml-language-server: $schema=")
        assert (path.parent / reference).resolve() == SCHEMA_PATH.resolve(), path


def test_no_stray_files_in_levels() -> None:
    files = {path.relative_to(BUILTIN_LEVELS_DIR) for path in BUILTIN_LEVELS_DIR.rglob("*")}
    strays = {
        path
        for path in files
        if (BUILTIN_LEVELS_DIR / path).is_file()
        and path.suffix != ".yaml"
        and path != Path("schema.json")
    }
    assert strays == set(), "only levels and schema.json belong in levels/"
