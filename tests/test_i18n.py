"""Message catalogues: every language has every key, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from game.i18n import CATALOGUE_DIR, Messages, load_catalogue

LANGUAGES = sorted(path.stem for path in CATALOGUE_DIR.glob("*.yaml"))
PLACEHOLDER = re.compile(r"{(\w+)}")
GAME_DIR = Path(__file__).resolve().parent.parent / "game"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalogue_has_every_english_key_with_the_same_placeholders(language: str) -> None:
    english, other = load_catalogue("en"), load_catalogue(language)
    assert set(other) == set(english)
    for key, text in english.items():
        assert set(PLACEHOLDER.findall(other[key])) == set(PLACEHOLDER.findall(text)), key


def test_every_key_the_game_asks_for_exists() -> None:
    english = load_catalogue("en")
    asked = set()
    for source in GAME_DIR.rglob("*.py"):
        asked |= set(
            re.findall(r'text\("([a-z_]+\.[a-z_.-]+)"', source.read_text(encoding="utf-8"))
        )
        for counted in re.findall(
            r'messages\.count\(\s*"([a-z_]+\.[a-z_.-]+)"', source.read_text(encoding="utf-8")
        ):
            asked |= {f"{counted}.one", f"{counted}.other"}
    missing = sorted(key for key in asked if key not in english)
    assert not missing
    assert "therapist.sessions.one" in asked  # the counted keys are found too


@pytest.mark.parametrize("language", LANGUAGES)
def test_one_thing_is_not_counted_as_many(language: str) -> None:
    messages = Messages(language)
    assert messages.count("therapist.sessions", 1) != messages.count("therapist.sessions", 2)
    assert "1" in messages.count("therapist.sessions", 1)
    assert "11" in messages.count("therapist.sessions", 11)


def test_missing_keys_fall_back_to_english_then_to_the_key(tmp_path: Path) -> None:
    (tmp_path / "en.yaml").write_text("a.b: Hello {name}\nc.d: Bye\n", encoding="utf-8")
    (tmp_path / "xx.yaml").write_text("a.b: Hola {name}\n", encoding="utf-8")
    messages = Messages("xx", tmp_path)
    assert messages("a.b", name="Ana") == "Hola Ana"
    assert messages("c.d") == "Bye"
    assert messages("e.f") == "e.f"
