"""Templates for new levels: valid whatever the file is called, and commented."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.levels.load import load_level
from engine.levels.paths import SCHEMA_PATH
from engine.levels.templates import TEMPLATES, level_text, schema_reference


@pytest.mark.parametrize(
    ("file_name", "level_id", "title"),
    [
        ("frog-hop.yaml", "frog-hop", "Frog hop"),
        ("Sam's Level 2.yaml", "sam-s-level-2", "Sam's Level 2"),
        ("yes.yaml", "yes", "Yes"),
        ("2024.yaml", "2024", "2024"),
        ("\u00dcbung_f\u00fcr Lea.yaml", "bung-f-r-lea", "\u00dcbung f\u00fcr Lea"),
        ("---.yaml", "my-level", "My level"),
        ("a\nb \udcff.yaml", "a-b", "Ab"),
        (f"{'long-' * 30}.yaml", ("long-" * 13)[:64].strip("-"), "Long" + " long" * 7),
    ],
)
def test_any_file_name_gives_a_valid_id_and_title(
    tmp_path: Path, file_name: str, level_id: str, title: str
) -> None:
    path = tmp_path / "level.yaml"
    text = level_text("warmup", tmp_path / file_name)
    path.write_text(text, encoding="utf-8")
    level = load_level(path)
    assert (level.id, level.title) == (level_id, title)


@pytest.mark.parametrize("template", list(TEMPLATES))
def test_ids_already_taken_get_a_number(tmp_path: Path, template: str) -> None:
    path = tmp_path / "hop.yaml"
    path.write_text(level_text(template, path, {"hop", "hop-2"}), encoding="utf-8")
    assert load_level(path).id == "hop-3"


def test_a_numbered_id_stays_within_64_characters() -> None:
    long_id = "x" * 64
    text = level_text("warmup", Path(f"{long_id}.yaml"), {long_id})
    assert f'\nid: "{"x" * 62}-2"\n' in text


def test_schema_reference_is_relative_to_the_file(tmp_path: Path) -> None:
    assert schema_reference(SCHEMA_PATH.parent / "pond" / "new.yaml") == "../schema.json"
    reference = schema_reference(tmp_path / "new.yaml")
    assert (tmp_path / reference).resolve() == SCHEMA_PATH.resolve()
