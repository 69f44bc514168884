"""docs/levels.md stays true: its example level loads, its templates exist."""

from __future__ import annotations

import re
from pathlib import Path

from engine.levels.load import load_level
from engine.levels.templates import TEMPLATES

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "levels.md"


def test_the_complete_example_is_a_valid_level(tmp_path: Path) -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.DOTALL)
    whole_levels = [block for block in blocks if "\nformat: 1\n" in block]
    assert whole_levels, "the guide shows a complete level"
    for number, block in enumerate(whole_levels):
        path = tmp_path / f"example-{number}.yaml"
        path.write_text(block, encoding="utf-8")
        load_level(path)


def test_the_guide_names_every_template() -> None:
    table = GUIDE.read_text(encoding="utf-8").split("### Templates")[1].split("\n## ")[0]
    assert re.findall(r"^\| `(\w+)`", table, re.MULTILINE) == list(TEMPLATES)
