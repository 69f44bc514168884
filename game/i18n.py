"""Every string a child or therapist sees, from a message catalogue per language.

Catalogues are YAML files in assets/i18n/ (`key: text`, with `{name}` placeholders). A key
missing in a language falls back to English, so a half-translated catalogue still works.
"""

from __future__ import annotations

from pathlib import Path

import yaml

CATALOGUE_DIR = Path(__file__).resolve().parent.parent / "assets" / "i18n"


def load_catalogue(language: str, folder: Path = CATALOGUE_DIR) -> dict[str, str]:
    with (folder / f"{language}.yaml").open(encoding="utf-8") as handle:
        return {str(key): str(text) for key, text in (yaml.safe_load(handle) or {}).items()}


class Messages:
    def __init__(self, language: str = "en", folder: Path = CATALOGUE_DIR) -> None:
        self.language = language
        self._english = load_catalogue("en", folder)
        self._texts = self._english if language == "en" else load_catalogue(language, folder)

    def __call__(self, key: str, **values: object) -> str:
        text = self._texts.get(key) or self._english.get(key) or key
        return text.format(**values) if values else text
