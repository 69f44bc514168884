"""The billing codes a clinic uses, read from config/billing.yaml and checked like a level.

The file is edited by clinic staff in a text editor, so it is read with the level reader
(engine.levels.yaml_reader: size limit, no aliases, anchors or tags, duplicate keys found)
and every problem comes back as one ``path:line:column: where: what`` line, all of them at
once, never as a traceback. The shipped file is config/billing.yaml; a clinic keeps its own
copy as billing.yaml in the OnBeat config folder, which then wins.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from engine.levels.yaml_reader import (
    KeyPath,
    LevelError,
    LevelProblem,
    Mark,
    YamlDocument,
    format_where,
    limit_problems,
    read_yaml_file,
)

BILLING_FORMAT = 1
BILLING_FILE_NAME = "billing.yaml"
DEFAULT_BILLING_PATH = Path(__file__).resolve().parents[2] / "config" / BILLING_FILE_NAME
# What the reader calls the file in its problems ("YAML aliases are not allowed in ...s").
BILLING_THING = "billing configuration"
# Occupational therapy, physical therapy, speech-language pathology.
DISCIPLINES: tuple[str, ...] = ("OT", "PT", "SLP")
MAX_DESCRIPTION_CHARS = 200
# CPT codes are five digits, or four digits and a letter; HCPCS codes a letter and four digits.
_CODE_PATTERN = re.compile(r"[0-9A-Z]{5}")


# Default codes share a session's minutes in whole percents of this (a profile's or a plan's).
PERCENT = 100


def looks_like_code(text: str) -> bool:
    """Whether ``text`` is written as a CPT or HCPCS code (not whether a clinic uses it)."""
    return _CODE_PATTERN.fullmatch(text) is not None


_TOP_KEYS = ("format", "codes")
_CODE_KEYS = ("description", "disciplines", "timed", "add_on_to")
_REQUIRED_CODE_KEYS = ("description", "disciplines", "timed")
_MISSING_HINTS = {
    "description": "add 'description:' and what the code bills",
    "disciplines": "add 'disciplines:' and who may bill it, like [OT, PT]",
    "timed": "add 'timed: true' (15-minute units) or 'timed: false' (once per session)",
}
_INTERNAL_WHERE = "(internal)"
_MAX_FAULT_TEXT = 200


@dataclass(frozen=True)
class BillingCode:
    """One code the clinic bills under.

    A timed code is billed in 15-minute units; an untimed code once per session whatever its
    minutes. ``add_on_to`` names the primary code of a pair such as 97129 (first 15 minutes)
    and 97130 (each additional 15 minutes): the pair's minutes are one service, its first unit
    goes to the primary code and the rest to this one.
    """

    code: str
    description: str
    disciplines: tuple[str, ...]
    timed: bool
    add_on_to: str | None = None


@dataclass(frozen=True)
class BillingConfig:
    codes: tuple[BillingCode, ...]  # in the order of the file
    source_path: Path

    def find(self, code: str) -> BillingCode | None:
        return next((entry for entry in self.codes if entry.code == code), None)

    def add_on_of(self, code: str) -> BillingCode | None:
        """The code that bills the units after the first of ``code``, if it has one."""
        return next((entry for entry in self.codes if entry.add_on_to == code), None)


class BillingConfigError(Exception):
    """A billing configuration could not be loaded; ``problems`` lists every problem in it."""

    def __init__(self, problems: list[LevelProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def clinic_billing_path() -> Path:
    """Where a clinic keeps its own billing configuration on this machine."""
    return Path(platformdirs.user_config_dir("OnBeat", appauthor=False)) / BILLING_FILE_NAME


def billing_config_path() -> Path:
    """The clinic's own billing configuration if there is one, else the shipped one."""
    clinic_path = clinic_billing_path()
    return clinic_path if clinic_path.is_file() else DEFAULT_BILLING_PATH


def load_billing_config(path: str | Path) -> BillingConfig:
    """Load and check the billing configuration at ``path``.

    Raises BillingConfigError listing every problem found; no other exception leaves, even
    for a fault of OnBeat's own (it becomes a problem asking for a report).
    """
    path = Path(path)
    try:
        document = read_yaml_file(path, thing=BILLING_THING)
        return _Checker(path, document).config()
    except LevelError as error:
        raise BillingConfigError(list(error.problems)) from None
    except BillingConfigError:
        raise
    except Exception as fault:
        text = f"{type(fault).__name__}: {fault}"[:_MAX_FAULT_TEXT]
        what = f"OnBeat could not check this file ({text}); please report this with the file"
        raise BillingConfigError([LevelProblem(path, 1, 1, _INTERNAL_WHERE, what)]) from fault


class _Checker:
    """Checks one parsed file and builds the BillingConfig, gathering every problem."""

    def __init__(self, path: Path, document: YamlDocument) -> None:
        self.path = path
        self.document = document
        self.problems: list[LevelProblem] = list(document.problems)

    def config(self) -> BillingConfig:
        data = self.document.data
        codes: list[BillingCode] = []
        if not isinstance(data, dict):
            what = "a billing configuration must be a mapping of keys, starting with 'format: 1'"
            self.report((), what)
        else:
            self.check_keys((), data, _TOP_KEYS)
            self.check_format(data)
            codes = self.check_codes(data)
        if self.problems:
            raise BillingConfigError(limit_problems(self.problems))
        return BillingConfig(codes=tuple(codes), source_path=self.path)

    def report(self, key_path: KeyPath, what: str, *, at_key: bool = False) -> None:
        marks = self.document.key_marks if at_key else self.document.value_marks
        while key_path not in marks:  # a missing value: point at the nearest written parent
            key_path, marks = key_path[:-1], self.document.value_marks
        mark: Mark = marks[key_path]
        where = format_where(key_path)
        self.problems.append(LevelProblem(self.path, mark.line, mark.column, where, what))

    def check_keys(self, key_path: KeyPath, mapping: dict[str, Any], allowed: tuple) -> None:
        for key in mapping:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = (
                    f"did you mean '{close[0]}'?"
                    if close
                    else f"allowed here: {', '.join(allowed)}"
                )
                self.report((*key_path, key), f"unknown key; {hint}", at_key=True)

    def check_format(self, data: dict[str, Any]) -> None:
        if "format" not in data:
            self.report((), "missing required key 'format'; add 'format: 1' as the first line")
        elif data["format"] != BILLING_FORMAT or isinstance(data["format"], bool):
            got = _got(data["format"])
            self.report(("format",), f"must be {BILLING_FORMAT}, the format this OnBeat reads{got}")

    def check_codes(self, data: dict[str, Any]) -> list[BillingCode]:
        if "codes" not in data:
            self.report((), "missing required key 'codes'; list the codes the clinic bills")
            return []
        entries = data["codes"]
        if not isinstance(entries, dict) or not entries:
            example = "like '\"97110\": {description: ..., disciplines: [OT], timed: true}'"
            what = (
                f"must be a mapping of codes, {example}{_got(entries)}"
                if not isinstance(entries, dict)
                else f"lists no code; add the codes the clinic bills, {example}"
            )
            self.report(("codes",), what)
            return []
        codes = [
            code
            for key, entry in entries.items()
            if (code := self.check_code(key, entry)) is not None
        ]
        self.check_add_ons(codes)
        return codes

    def check_code(self, key: str, entry: Any) -> BillingCode | None:
        key_path: KeyPath = ("codes", key)
        valid = True
        if not _CODE_PATTERN.fullmatch(key):
            what = (
                f"'{_clip(key)}' is not a billing code; a CPT or HCPCS code is 5 capital "
                "letters or digits, like '97110'"
            )
            self.report(key_path, what, at_key=True)
            valid = False
        if not isinstance(entry, dict):
            what = f"must be a mapping with the keys {', '.join(_REQUIRED_CODE_KEYS)}{_got(entry)}"
            self.report(key_path, what)
            return None
        self.check_keys(key_path, entry, _CODE_KEYS)
        for name in _REQUIRED_CODE_KEYS:
            if name not in entry:
                self.report(key_path, f"missing required key '{name}'; {_MISSING_HINTS[name]}")
                valid = False
        description = entry.get("description")
        if "description" in entry and not self.check_description(key_path, description):
            valid = False
        disciplines = None
        if "disciplines" in entry:
            disciplines = self.check_disciplines(key_path, entry["disciplines"])
        timed = entry.get("timed")
        if "timed" in entry and not isinstance(timed, bool):
            self.report((*key_path, "timed"), f"must be true or false{_got(timed)}")
            valid = False
        add_on_to = self.check_add_on_name(key_path, entry)
        if not valid or disciplines is None or add_on_to is None:
            return None
        return BillingCode(key, description.strip(), disciplines, timed, add_on_to or None)

    def check_description(self, key_path: KeyPath, description: Any) -> bool:
        where = (*key_path, "description")
        if description is None:
            self.report(where, "must not be empty; say what the code bills")
        elif not isinstance(description, str):
            quote = "; put it in quotes" if isinstance(description, bool | int | float) else ""
            self.report(where, f"must be text{_got(description)}{quote}")
        elif not description.strip():
            self.report(where, "must not be empty; say what the code bills")
        elif len(description) > MAX_DESCRIPTION_CHARS:
            what = f"must be at most {MAX_DESCRIPTION_CHARS} characters (has {len(description)})"
            self.report(where, what)
        else:
            return True
        return False

    def check_disciplines(self, key_path: KeyPath, value: Any) -> tuple[str, ...] | None:
        where = (*key_path, "disciplines")
        names = [value] if isinstance(value, str) else value
        if not isinstance(names, list) or not names:
            what = f"must be a list of disciplines, like [OT, PT]{_got(value)}"
            self.report(where, what)
            return None
        valid = True
        for index, name in enumerate(names):
            at = where if isinstance(value, str) else (*where, index)
            if name not in DISCIPLINES:
                close = difflib.get_close_matches(str(name).upper(), DISCIPLINES, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                self.report(at, f"must be one of {', '.join(DISCIPLINES)}{_got(name)}{hint}")
                valid = False
            elif names.index(name) != index:
                self.report(at, f"'{name}' is named twice; name each discipline once")
                valid = False
        return tuple(names) if valid else None

    def check_add_on_name(self, key_path: KeyPath, entry: dict[str, Any]) -> str | None:
        """The primary code named by ``add_on_to`` ("" when absent), None when malformed."""
        if "add_on_to" not in entry:
            return ""
        value = entry["add_on_to"]
        # `add_on_to: 97129` without quotes is read as a number; it still names the code.
        name = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
        if isinstance(name, str) and _CODE_PATTERN.fullmatch(name):
            return name
        what = f"must be the code this one adds to, like '97129'{_got(value)}"
        self.report((*key_path, "add_on_to"), what)
        return None

    def check_add_ons(self, codes: list[BillingCode]) -> None:
        by_code = {code.code: code for code in codes}
        add_on_of: dict[str, str] = {}
        for code in codes:
            if code.add_on_to is None:
                continue
            where = ("codes", code.code, "add_on_to")
            primary = by_code.get(code.add_on_to)
            if code.add_on_to == code.code:
                self.report(where, "a code cannot add to itself; name its primary code")
            elif code.add_on_to not in self.document.data["codes"]:
                what = f"'{code.add_on_to}' is not a code in this file; add it or remove add_on_to"
                self.report(where, what)
            elif primary is None:
                continue  # the primary code has problems of its own, reported there
            elif not (code.timed and primary.timed):
                what = "an add-on pair bills 15-minute units: both codes must be 'timed: true'"
                self.report(where, what)
            elif primary.add_on_to is not None:
                what = f"'{primary.code}' is itself an add-on; name the primary code of the pair"
                self.report(where, what)
            elif primary.code in add_on_of:
                what = f"'{add_on_of[primary.code]}' already adds to '{primary.code}'; keep one"
                self.report(where, what)
            else:
                add_on_of[primary.code] = code.code


def _got(value: Any) -> str:
    if value is None:
        return " (got nothing)"
    if isinstance(value, bool):
        return f" (got {'true' if value else 'false'})"
    if isinstance(value, int | float):
        return f" (got {value:g})" if isinstance(value, float) else f" (got {value})"
    if isinstance(value, str):
        return f" (got the text '{_clip(value)}')"
    if isinstance(value, list):
        return " (got a list)"
    if isinstance(value, dict):
        return " (got a mapping)"
    return ""


def _clip(text: str) -> str:
    return text if len(text) <= 30 else text[:27] + "..."
