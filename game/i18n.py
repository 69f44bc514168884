"""Every string a child or therapist sees, from a message catalogue per language.

Catalogues are YAML files in assets/i18n/ (`key: text`, with `{name}` placeholders), read
with the safe level reader (a size limit, no aliases). A key missing in a language falls
back to English, so a half-translated catalogue still works; so does a language whose
catalogue is missing or damaged (the problem is listed). Without a readable English
catalogue the game cannot speak at all: CatalogueError says how to restore it.
"""

from __future__ import annotations

from pathlib import Path

from engine.levels.yaml_reader import LevelError, read_yaml_file

CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "assets" / "i18n"
CATALOGUE_THING = "message catalogue"
FALLBACK_LANGUAGE = "en"


class CatalogueError(Exception):
    """A message catalogue cannot be read; the message says which and how to restore it."""


def load_catalogue(language: str, folder: Path = CATALOGUE_DIR) -> dict[str, str]:
    """The texts of ``language`` by key; CatalogueError if its file cannot be used."""
    path = folder / f"{language}.yaml"
    try:
        data = read_yaml_file(path, thing=CATALOGUE_THING).data
    except LevelError as error:
        first = error.problems[0]
        raise CatalogueError(
            f"{path}:{first.line}:{first.column}: the message catalogue cannot be read "
            f"({first.what}); restore it from the OnBeat download (`git checkout assets/i18n`)."
        ) from None
    if not isinstance(data, dict) or not all(isinstance(text, str) for text in data.values()):
        raise CatalogueError(
            f"{path}: a message catalogue holds 'key: text' lines only; restore it from the "
            "OnBeat download (`git checkout assets/i18n`)."
        )
    return {str(key): text for key, text in data.items()}


class Messages:
    def __init__(self, language: str = FALLBACK_LANGUAGE, folder: Path = CATALOGUE_DIR) -> None:
        self.language = language
        self.problems: list[str] = []  # why the language asked for is not the one shown
        self._english = load_catalogue(FALLBACK_LANGUAGE, folder)
        self._texts = self._english
        if language != FALLBACK_LANGUAGE:
            try:
                self._texts = load_catalogue(language, folder)
            except CatalogueError as error:
                self.problems.append(f"{error} Meanwhile the game speaks English.")

    def __call__(self, key: str, **values: object) -> str:
        text = self._texts.get(key) or self._english.get(key) or key
        return text.format(**values) if values else text

    def count(self, key: str, count: int) -> str:
        """``count`` things in words: ``key.one`` for exactly one, ``key.other`` otherwise
        (enough for the catalogues' languages, English and Spanish)."""
        return self(f"{key}.one" if count == 1 else f"{key}.other", count=count)
