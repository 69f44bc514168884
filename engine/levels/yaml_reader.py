"""Reading a level file's YAML safely, keeping the line and column of every key and value.

Level files come from therapists' editors, e-mail attachments and USB sticks, so the reader
assumes nothing: it refuses big files, non-UTF-8 bytes, binary junk, tab indentation,
anchors and aliases (the alias bomb), YAML tags, deep nesting and several documents, and it
reports duplicate keys. Whatever the bytes, the only exception that leaves is `LevelError`.
Other files therapists and clinics edit (the billing codes) are read the same way; ``thing``
names what the file holds, so that a problem speaks of a level or of that other thing.

Scalars follow YAML 1.1 as PyYAML resolves them (so `yes`/`no` are booleans), except that a
number is only read as a number when written in plain decimal: `060`, `0x3C`, `1_000`,
`1:30` and `.inf` stay text, so that the schema reports them instead of silently reading
octal 48 or sexagesimal 90.
"""

from __future__ import annotations

import functools
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent, StreamEndEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

MAX_FILE_BYTES = 1024 * 1024
# Junk that happens to be valid YAML can break thousands of rules; the first ones suffice.
MAX_PROBLEMS_PER_FILE = 100
# A valid level nests five nodes deep (root, tasks, task, length, beats); twelve leaves room
# for future fields while keeping PyYAML's recursive composer far from Python's stack limit.
MAX_NESTING_DEPTH = 12
# Fifty tasks with every key and long limb lists stay under 3000 nodes. The cap keeps junk
# that is valid YAML (a megabyte of list items) from costing the pure-Python parser and the
# schema tens of seconds.
MAX_NODES = 10_000

FILE_WHERE = "(file)"
YAML_WHERE = "(yaml)"

KeyPath = tuple[str | int, ...]

# Characters a YAML stream may not hold, as PyYAML defines them.
_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE
# Line breaks as YAML (and PyYAML's marks) count them.
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
_LEADING_BLANKS = re.compile("[ \t]*")
# Longer digit strings stay text: int() refuses over 4300 digits, and no level needs them.
_PLAIN_INT = re.compile(r"[-+]?(0|[1-9][0-9]{0,99})")
_PLAIN_FLOAT = re.compile(r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?")

_TAG_NULL = "tag:yaml.org,2002:null"
_TAG_BOOL = "tag:yaml.org,2002:bool"
_TAG_INT = "tag:yaml.org,2002:int"
_TAG_FLOAT = "tag:yaml.org,2002:float"

# Parts of PyYAML's wording of frequent mistakes, and what a therapist should do about them.
_SYNTAX_HINTS = (
    (
        "mapping values are not allowed here",
        "put text that contains ': ' in quotes, else check that the keys line up",
    ),
    ("could not find expected ':'", "write 'key: value' with a space after the colon"),
    ("found character '\\t'", "use spaces instead of tabs"),
    ("expected <block end>", "check the indentation: items of one list or mapping line up"),
    ("<stream end>", "a quote or bracket is not closed"),
    ("unexpected end of stream", "a quote or bracket is not closed"),
)


@dataclass(frozen=True)
class LevelProblem:
    """One thing wrong with a level file, at a 1-based line and column of that file."""

    path: Path
    line: int
    column: int
    where: str  # key path such as "tasks[0].length", or FILE_WHERE / YAML_WHERE
    what: str  # what is wrong and how to fix it

    def __str__(self) -> str:
        # Keys and values quoted in a problem may hold line breaks; a problem stays one line.
        text = f"{self.path}:{self.line}:{self.column}: {self.where}: {self.what}"
        return "".join(char if char.isprintable() else _escaped(char) for char in text)


def _escaped(char: str) -> str:
    return char.encode("unicode_escape").decode("ascii")


class LevelError(Exception):
    """A level file could not be loaded; ``problems`` lists every problem found in it."""

    def __init__(self, problems: list[LevelProblem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass(frozen=True)
class Mark:
    """A 1-based position in a file."""

    line: int
    column: int


@dataclass
class YamlDocument:
    """The plain data of one YAML document and where each part of it was written.

    ``data`` holds only dict (with str keys, in file order), list, str, int, float, bool and
    None. ``value_marks`` maps the key path of every value (``()`` is the root) to where it
    starts; ``key_marks`` maps the key path of every mapping entry to where its key starts.
    ``problems`` are the non-fatal problems found while reading (duplicate keys, keys that
    are not plain words); the data keeps the first of duplicated keys.
    """

    data: Any
    value_marks: dict[KeyPath, Mark] = field(default_factory=dict)
    key_marks: dict[KeyPath, Mark] = field(default_factory=dict)
    problems: list[LevelProblem] = field(default_factory=list)


def format_where(key_path: KeyPath) -> str:
    """``("tasks", 0, "length")`` -> ``"tasks[0].length"``; the root is FILE_WHERE."""
    text = ""
    for part in key_path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or FILE_WHERE


def limit_problems(problems: list[LevelProblem]) -> list[LevelProblem]:
    """``problems`` in file order, cut after MAX_PROBLEMS_PER_FILE with a line that says so."""
    problems = sorted(problems, key=lambda problem: (problem.line, problem.column))
    if len(problems) <= MAX_PROBLEMS_PER_FILE:
        return problems
    first_hidden = problems[MAX_PROBLEMS_PER_FILE]
    what = f"{len(problems) - MAX_PROBLEMS_PER_FILE} more problems not shown; fix these first"
    summary = LevelProblem(
        first_hidden.path, first_hidden.line, first_hidden.column, FILE_WHERE, what
    )
    return [*problems[:MAX_PROBLEMS_PER_FILE], summary]


def read_yaml_file(path: Path, *, thing: str = "level", allow_empty: bool = False) -> YamlDocument:
    """Read and parse the level file (or ``thing`` file) at ``path``; raise LevelError for
    anything unusable. ``allow_empty``: a file of nothing but comments reads as an empty
    mapping (a settings file with every value at its default) instead."""
    try:
        # Non-blocking: opening a pipe would otherwise wait for a writer, maybe forever.
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with open(descriptor, "rb") as stream:
            mode = os.fstat(descriptor).st_mode
            if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
                what = f"not a file but a pipe or a device; give a {thing} file"
                raise LevelError([LevelProblem(path, 1, 1, FILE_WHERE, what)])
            # One byte more than allowed tells a too-big file without reading all of it.
            raw = stream.read(MAX_FILE_BYTES + 1)
    except (OSError, ValueError) as error:  # ValueError: a NUL character in the path
        reason = getattr(error, "strerror", None) or str(error)
        raise LevelError([LevelProblem(path, 1, 1, FILE_WHERE, f"cannot read: {reason}")]) from None
    return parse_yaml_bytes(raw, path, thing=thing, allow_empty=allow_empty)


def parse_yaml_bytes(
    raw: bytes, path: Path, *, thing: str = "level", allow_empty: bool = False
) -> YamlDocument:
    """Parse the bytes of a level file (or ``thing`` file); ``path`` only names the file in
    problems."""
    text = _decode(raw, path, thing)
    _check_characters(text, path, thing)
    try:
        root = yaml.compose(text, Loader=functools.partial(_StrictLoader, thing=thing))
    except _Refusal as refusal:
        raise LevelError([_problem_at(path, refusal.mark, YAML_WHERE, refusal.what)]) from None
    except yaml.MarkedYAMLError as error:
        raise LevelError([_syntax_problem(path, error)]) from None
    except yaml.YAMLError as error:
        raise LevelError([LevelProblem(path, 1, 1, YAML_WHERE, f"invalid YAML: {error}")]) from None
    if root is None and allow_empty:
        return YamlDocument(data={}, value_marks={(): Mark(1, 1)})
    if root is None:
        what = f"the file is empty; a {thing} starts with 'format: 1'"
        raise LevelError([LevelProblem(path, 1, 1, FILE_WHERE, what)])
    document = YamlDocument(data=None)
    document.data = _to_data(root, (), document, path)
    return document


def _decode(raw: bytes, path: Path, thing: str) -> str:
    if len(raw) > MAX_FILE_BYTES:
        what = (
            f"the file is larger than {MAX_FILE_BYTES // 1024} KB; a {thing} file is much smaller"
        )
        raise LevelError([LevelProblem(path, 1, 1, FILE_WHERE, what)])
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        what = "the file is saved as UTF-16; save it as UTF-8"
        raise LevelError([LevelProblem(path, 1, 1, FILE_WHERE, what)])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        mark = _mark_after(raw[: error.start].decode("utf-8").removeprefix("\ufeff"))
        byte = raw[error.start]
        what = f"byte 0x{byte:02X} is not UTF-8 text; save the file as UTF-8"
        raise LevelError([LevelProblem(path, mark.line, mark.column, FILE_WHERE, what)]) from None
    return text.removeprefix("\ufeff")


def _check_characters(text: str, path: Path, thing: str) -> None:
    junk = _NON_PRINTABLE.search(text)
    if junk is not None:
        mark = _mark_after(text[: junk.start()])
        what = (
            f"character U+{ord(junk.group()):04X} does not belong in a text file; "
            f"is this really a {thing}? Save it as plain UTF-8 text"
        )
        raise LevelError([LevelProblem(path, mark.line, mark.column, FILE_WHERE, what)])
    if "\t" not in text:
        return
    # PyYAML's own message for tab indentation is cryptic and stops at the first one.
    tab_problems = []
    for line_index, line in enumerate(_LINE_BREAK.split(text)):
        blanks = _LEADING_BLANKS.match(line).group()
        if "\t" in blanks:
            what = "tab used for indentation; indent with spaces only"
            column = blanks.index("\t") + 1
            tab_problems.append(LevelProblem(path, line_index + 1, column, YAML_WHERE, what))
    if tab_problems:
        raise LevelError(limit_problems(tab_problems))


def _mark_after(prefix: str) -> Mark:
    """Where the character following ``prefix`` sits."""
    breaks = list(_LINE_BREAK.finditer(prefix))
    line_start = breaks[-1].end() if breaks else 0
    return Mark(len(breaks) + 1, len(prefix) - line_start + 1)


def _mark(yaml_mark: yaml.Mark) -> Mark:
    return Mark(yaml_mark.line + 1, yaml_mark.column + 1)


def _problem_at(path: Path, yaml_mark: yaml.Mark, where: str, what: str) -> LevelProblem:
    mark = _mark(yaml_mark)
    return LevelProblem(path, mark.line, mark.column, where, what)


def _syntax_problem(path: Path, error: yaml.MarkedYAMLError) -> LevelProblem:
    yaml_mark = error.problem_mark or error.context_mark
    mark = _mark(yaml_mark) if yaml_mark is not None else Mark(1, 1)
    problem = error.problem or error.context or "unreadable YAML"
    what = f"invalid YAML: {problem}"
    for wording, hint in _SYNTAX_HINTS:
        if wording in problem:
            return LevelProblem(path, mark.line, mark.column, YAML_WHERE, f"{what}; {hint}")
    return LevelProblem(path, mark.line, mark.column, YAML_WHERE, what)


class _Refusal(Exception):
    def __init__(self, mark: yaml.Mark, what: str) -> None:
        super().__init__(what)
        self.mark = mark
        self.what = what


class _StrictLoader(yaml.SafeLoader):
    """Composes one document of plain nodes: no aliases, anchors, tags or deep nesting."""

    def __init__(self, stream: str, thing: str) -> None:
        super().__init__(stream)
        self._thing = thing
        self._depth = 0
        self._nodes = 0

    def get_single_node(self) -> Node | None:
        self.get_event()  # stream start
        root = None if self.check_event(StreamEndEvent) else self.compose_document()
        if not self.check_event(StreamEndEvent):
            what = (
                f"a second YAML document ('---') begins here; a {self._thing} file holds one "
                f"{self._thing}"
            )
            raise _Refusal(self.peek_event().start_mark, what)
        return root

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        event = self.peek_event()
        # Refusing aliases while composing means an alias bomb is never expanded.
        if isinstance(event, AliasEvent):
            what = f"YAML aliases ('*name') are not allowed in {self._thing}s; write the value out"
            raise _Refusal(event.start_mark, what)
        if event.anchor is not None:
            what = f"YAML anchors ('&name') are not allowed in {self._thing}s; remove the anchor"
            raise _Refusal(event.start_mark, what)
        if getattr(event, "tag", None) is not None:
            tag = event.tag.replace("tag:yaml.org,2002:", "!!")
            what = f"YAML tags ('{tag}') are not allowed in {self._thing}s; remove the tag"
            raise _Refusal(event.start_mark, what)
        if self._depth >= MAX_NESTING_DEPTH:
            what = (
                f"nested more than {MAX_NESTING_DEPTH} levels deep; a {self._thing} is much flatter"
            )
            raise _Refusal(event.start_mark, what)
        self._nodes += 1
        if self._nodes > MAX_NODES:
            what = f"more than {MAX_NODES} keys and values; a {self._thing} is much smaller"
            raise _Refusal(event.start_mark, what)
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _to_data(node: Node, key_path: KeyPath, document: YamlDocument, path: Path) -> Any:
    document.value_marks[key_path] = _mark(node.start_mark)
    if isinstance(node, SequenceNode):
        return [
            _to_data(item, (*key_path, index), document, path)
            for index, item in enumerate(node.value)
        ]
    if isinstance(node, MappingNode):
        return _mapping_to_data(node, key_path, document, path)
    return _scalar_value(node)


def _mapping_to_data(
    node: MappingNode, key_path: KeyPath, document: YamlDocument, path: Path
) -> dict[str, Any]:
    mapping: dict[str, Any] = {}
    for key_node, value_node in node.value:
        if not isinstance(key_node, ScalarNode):
            what = "a key must be a plain word such as 'tempo_bpm', not a list or mapping"
            document.problems.append(_problem_at(path, key_node.start_mark, YAML_WHERE, what))
            continue
        # Keys are taken as written, so that `yes:` or `1:` is an unknown key, not True or 1.
        key = key_node.value
        entry_path = (*key_path, key)
        if key in mapping:
            first = document.key_marks[entry_path]
            what = f"duplicate key '{key}' (first at line {first.line}); remove one of them"
            where = format_where(entry_path)
            document.problems.append(_problem_at(path, key_node.start_mark, where, what))
            continue
        document.key_marks[entry_path] = _mark(key_node.start_mark)
        mapping[key] = _to_data(value_node, entry_path, document, path)
        if _is_empty_plain(value_node):
            # `tempo_bpm:` with nothing after it: point at the key, not past the colon.
            document.value_marks[entry_path] = document.key_marks[entry_path]
    return mapping


def _is_empty_plain(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.style is None and node.value == ""


def _scalar_value(node: ScalarNode) -> Any:
    text = node.value
    if node.tag == _TAG_NULL:
        return None
    if node.tag == _TAG_BOOL:
        return text.lower() in ("yes", "true", "on")
    if node.tag == _TAG_INT and _PLAIN_INT.fullmatch(text):
        return int(text)
    if node.tag == _TAG_FLOAT and _PLAIN_FLOAT.fullmatch(text):
        return float(text)
    # Text, timestamps, .inf, .nan and numbers not in plain decimal stay as written.
    return text
