"""Settings files read and checked like levels, for a station that must go on.

The station's files (config/audio.yaml and the machine's own audio.yaml, settings.yaml,
calibration.yaml, input.yaml) are edited by hand or written by OnBeat, and may be damaged.
They are read with the level reader (engine.levels.yaml_reader: a size limit, no aliases,
anchors or tags), and every problem becomes one ``path:line:column: where: what`` line,
never an exception. A value that is wrong keeps its default and says so; a file that cannot
be read at all leaves every default in place. The program then goes on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.levels.yaml_reader import (
    KeyPath,
    LevelError,
    LevelProblem,
    YamlDocument,
    format_where,
    limit_problems,
    read_yaml_file,
)


class BadValue(ValueError):
    """A value a rule refuses; the message says what the value must be."""


@dataclass(frozen=True)
class Rule:
    """What one setting may hold: ``check`` returns the value to use or raises BadValue."""

    check: Callable[[Any], Any]


def _describe(value: object) -> str:
    text = f"{value:g}" if isinstance(value, float) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def number(low: float, high: float, unit: str = "", whole: bool = False) -> Rule:
    """A finite number from ``low`` to ``high`` (a whole one if ``whole``)."""
    kind = "whole number" if whole else "number"

    def check(value: Any) -> float | int:
        plain = isinstance(value, int | float) and not isinstance(value, bool)
        if (
            not plain
            or not math.isfinite(value)
            or not low <= value <= high
            or (whole and value != int(value))
        ):
            raise BadValue(f"must be a {kind} from {low:g} to {high:g}{unit}")
        return int(value) if whole else float(value)

    return Rule(check)


def flag() -> Rule:
    def check(value: Any) -> bool:
        if not isinstance(value, bool):
            raise BadValue("must be true or false")
        return value

    return Rule(check)


def text(choices: tuple[str, ...] = (), empty_is_none: bool = False) -> Rule:
    """A line of text (one of ``choices`` if given); nothing written is None if allowed."""

    def check(value: Any) -> str | None:
        if value is None or value == "":
            if empty_is_none:
                return None
            if value is None:
                raise BadValue("must be some text")
        if not isinstance(value, str) or not value.isprintable():
            raise BadValue("must be one line of text")
        if choices and value not in choices:
            raise BadValue(f"must be one of {', '.join(choices)}")
        return value

    return Rule(check)


@dataclass
class SettingsFile:
    """One settings file as read: its document (None: missing or unreadable) and problems."""

    path: Path
    document: YamlDocument | None
    problems: list[LevelProblem]

    def problem(self, key_path: KeyPath, what: str, at_key: bool = False) -> None:
        """Note a problem at the key (or value) at ``key_path``, or the nearest written part."""
        document = self.document
        marks = document.key_marks if at_key and document is not None else None
        if marks is None or key_path not in marks:
            marks = document.value_marks if document is not None else {}
        while key_path and key_path not in marks:
            key_path = key_path[:-1]
        mark = marks.get(key_path)
        line, column = (mark.line, mark.column) if mark is not None else (1, 1)
        self.problems.append(LevelProblem(self.path, line, column, format_where(key_path), what))

    def lines(self) -> list[str]:
        """The problems as the lines to show, in file order, at most a screenful."""
        return [str(problem) for problem in limit_problems(self.problems)]


def read_settings_file(path: Path, thing: str) -> SettingsFile:
    """Read ``path``; a missing file is no problem, any other failure is one."""
    if not path.exists() and not path.is_symlink():
        return SettingsFile(path, None, [])
    try:
        document = read_yaml_file(path, thing=thing, allow_empty=True)
    except LevelError as error:
        problems = [
            LevelProblem(p.path, p.line, p.column, p.where, f"{p.what}; using the defaults")
            for p in error.problems
        ]
        return SettingsFile(path, None, problems)
    settings = SettingsFile(path, document, list(document.problems))
    if not isinstance(document.data, dict):
        settings.problem((), f"a {thing} file holds 'name: value' lines; using the defaults")
        settings.document = None
    return settings


def checked_values(
    settings: SettingsFile, rules: Mapping[str, Rule], defaults: Mapping[str, Any]
) -> dict[str, Any]:
    """The values of ``settings`` that follow their rule; a problem for each other one
    (which keeps its default, named in the problem) and for each unknown name."""
    values: dict[str, Any] = {}
    if settings.document is None:
        return values
    for name, value in settings.document.data.items():
        rule = rules.get(name)
        if rule is None:
            settings.problem(
                (name,), f"unknown setting, ignored; known: {', '.join(rules)}", at_key=True
            )
            continue
        try:
            values[name] = rule.check(value)
        except BadValue as bad:
            settings.problem(
                (name,), f"{bad}, not {_describe(value)}; using {_describe(defaults[name])}"
            )
    return values
