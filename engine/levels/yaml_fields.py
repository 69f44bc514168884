"""Checking the fields of a small YAML file read by the safe reader (yaml_reader), with every
problem at its line and column: for the files beside levels that therapists and clinics edit
(session plans, the kiosk's settings). Levels themselves have their schema (schema.py).

A `FieldChecker` reads values by key path and collects problems instead of stopping at the
first, so a file with three mistakes is reported once with all three.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.levels.yaml_reader import (
    KeyPath,
    LevelError,
    LevelProblem,
    Mark,
    YamlDocument,
    format_where,
    limit_problems,
)

_MISSING = object()


@dataclass
class FieldChecker:
    document: YamlDocument
    path: Path
    problems: list[LevelProblem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.problems.extend(self.document.problems)

    # --- where and what ---------------------------------------------------------------------
    def mark_of(self, key_path: KeyPath) -> Mark:
        """Where the value at ``key_path`` starts, else its nearest written parent."""
        for end in range(len(key_path), -1, -1):
            mark = self.document.value_marks.get(key_path[:end])
            if mark is not None:
                return mark
        return Mark(1, 1)

    def problem(self, key_path: KeyPath, what: str, at_key: bool = False) -> None:
        mark = self.document.key_marks.get(key_path) if at_key else None
        mark = mark or self.mark_of(key_path)
        self.problems.append(
            LevelProblem(self.path, mark.line, mark.column, format_where(key_path), what)
        )

    def raise_if_any(self) -> None:
        if self.problems:
            raise LevelError(limit_problems(self.problems))

    # --- reading values ---------------------------------------------------------------------
    def value(self, key_path: KeyPath, default: Any = _MISSING) -> Any:
        """The value at ``key_path``; ``default`` where it is not written (a problem when no
        default is given)."""
        node: Any = self.document.data
        for part in key_path:
            in_mapping = isinstance(node, dict) and isinstance(part, str) and part in node
            in_list = isinstance(node, list) and isinstance(part, int) and part < len(node)
            if in_mapping or in_list:
                node = node[part]
            else:
                if default is _MISSING:
                    self.problem(key_path[:-1], f"'{key_path[-1]}' is missing; add it")
                    return None
                return default
        return node

    def mapping(self, key_path: KeyPath, allowed: Iterable[str], required: bool = True) -> dict:
        """The mapping at ``key_path`` (empty when absent and not required), with a problem for
        each key not in ``allowed`` (suggesting the nearest one)."""
        value = self.value(key_path, None if not required else _MISSING)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(key_path, "expected 'name: value' lines here")
            return {}
        allowed = tuple(allowed)
        for key in value:
            if key not in allowed:
                near = difflib.get_close_matches(key, allowed, n=1)
                hint = f"; did you mean '{near[0]}'?" if near else f"; known: {', '.join(allowed)}"
                self.problem((*key_path, key), f"unknown key '{key}'{hint}", at_key=True)
        return value

    def number(
        self,
        key_path: KeyPath,
        default: float | None,
        low: float,
        high: float,
        whole: bool = False,
        unit: str = "",
    ) -> float | None:
        """A number in [low, high] at ``key_path`` (a whole number if ``whole``); the default
        when absent or wrong (with a problem when wrong)."""
        value = self.value(key_path, default)
        if value is default:
            return default
        kind = "a whole number" if whole else "a number"
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if not is_number or (whole and not isinstance(value, int)):
            self.problem(key_path, f"{value!r} is not {kind}; write {kind} of {unit}".rstrip())
            return default
        if not low <= value <= high:
            self.problem(key_path, f"{value} is out of range; use {low:g} to {high:g} {unit}")
            return default
        return value

    def text(self, key_path: KeyPath, default: str | None, max_length: int = 200) -> str | None:
        value = self.value(key_path, default)
        if value is default:
            return default
        if not isinstance(value, str):
            self.problem(key_path, f"{value!r} is not text; put it in quotes")
            return default
        if len(value) > max_length:
            self.problem(key_path, f"longer than {max_length} characters; shorten it")
            return default
        return value

    def format_version(self, thing: str) -> None:
        """Check the ``format: 1`` line every such file starts with."""
        version = self.value(("format",), None)
        if version is None:
            self.problem((), f"'format: 1' is missing; a {thing} file starts with it")
        elif version != 1 or isinstance(version, bool):
            self.problem(("format",), f"format {version!r} is not known; write 'format: 1'")
