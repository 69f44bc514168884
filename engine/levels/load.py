"""Loading level files into `Level`s, with every problem reported as `path:line:column`.

The game and `run.py levels validate` both use this module: `load_level` for one file,
`load_levels` for files and folders (it never stops on a bad file). Reading is
engine.levels.yaml_reader, the rules are engine.levels.schema; this module joins them and phrases
pydantic's findings as problems a therapist can fix.
"""

from __future__ import annotations

import difflib
import os
import re
import stat
import typing
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from engine.levels.model import Adaptive, Level, LevelText, Task, Windows
from engine.levels.paths import LEVEL_SUFFIX
from engine.levels.schema import (
    UNION_TAGS,
    LevelSpec,
    RuleError,
    TaskSpec,
    TranslationSpec,
    WindowsSpec,
)
from engine.levels.yaml_reader import (
    FILE_WHERE,
    KeyPath,
    LevelError,
    LevelProblem,
    Mark,
    YamlDocument,
    format_where,
    limit_problems,
    read_yaml_file,
)
from engine.timing.tempo_map import seconds_of_beats

__all__ = [
    "LevelError",
    "LevelProblem",
    "level_duration_s",
    "load_level",
    "load_levels",
    "summarize",
]

# The `where` of a problem that is OnBeat's fault, not the file's.
INTERNAL_WHERE = "(internal)"
# Editors and other tools also save YAML as .yml; the format asks for .yaml, so say so.
_OTHER_YAML_SUFFIX = ".yml"
_MAX_FAULT_TEXT = 200

_PATTERN_HINTS = {
    "id": "use lowercase letters, digits and '-', starting with a letter or digit, "
    "at most 64 characters, like 'pond-hop-1'",
    "pattern": "use 'x' for a tap and '.' for a rest, with at least one 'x', like 'x.'",
}
_PLAIN_DIGITS_HINT = "; write plain digits, without quotes or leading zeros"
_NUMBER_TYPES = {"int_type": "a whole number", "float_type": "a number"}


def load_level(path: str | Path) -> Level:
    """Load and validate the level file at ``path``.

    Raises LevelError listing every problem found in the file; no other exception leaves,
    whatever the file holds.
    """
    level, _ = _load_or_report_fault(Path(path))
    return level


def load_levels(paths_or_dirs: Iterable[str | Path]) -> tuple[list[Level], list[LevelProblem]]:
    """Load level files, and every ``*.yaml`` below folders, in a stable order.

    Never stops on a bad file: its problems join the returned list and the other files
    still load; even a fault in OnBeat itself becomes a problem of the file that caused it.
    Hidden files and folders (".name") are skipped, and a ``*.yml`` file in a folder is
    reported so that it gets renamed rather than silently ignored. A file given twice loads
    once. A level whose id an earlier level already has is reported, naming both files, and
    left out.
    """
    levels: list[Level] = []
    problems: list[LevelProblem] = []
    level_by_id: dict[str, Level] = {}
    loaded_files: set[str] = set()
    for path in _level_files(paths_or_dirs, problems):
        absolute_path = os.path.abspath(path)
        if absolute_path in loaded_files:
            continue
        loaded_files.add(absolute_path)
        try:
            level, document = _load_or_report_fault(path)
        except LevelError as error:
            problems.extend(error.problems)
            continue
        first = level_by_id.get(level.id)
        if first is not None:
            mark = document.value_marks[("id",)]
            what = f"'{level.id}' is already the id of {first.source_path}; give each level its own"
            problems.append(LevelProblem(path, mark.line, mark.column, "id", what))
            continue
        level_by_id[level.id] = level
        levels.append(level)
    return levels, problems


def level_duration_s(level: Level) -> float:
    """Seconds of metronome in ``level`` at its starting tempo, count-ins included.

    Every task starts with its own count-in, and the child sits through it. Pauses between
    tasks are the game's business and not counted; an adaptive level that changes its tempo
    may end up shorter or longer.
    """
    beats = sum(level.count_in_beats + task.beats_at(level.tempo_bpm) for task in level.tasks)
    return seconds_of_beats(beats, level.tempo_bpm)


def summarize(level: Level) -> str:
    """One line about ``level``: id, number of tasks, total beats and duration as m:ss.

    Beats are the metronome beats of all tasks (a length in seconds counts as its beats at
    the level tempo); the duration is `level_duration_s`.
    """
    beats = sum(task.beats_at(level.tempo_bpm) for task in level.tasks)
    minutes, seconds = divmod(round(level_duration_s(level)), 60)
    tasks = f"{len(level.tasks)} task{'' if len(level.tasks) == 1 else 's'}"
    return f"{level.id}: {tasks}, {beats} beats, {minutes}:{seconds:02d}"


def _level_files(
    paths_or_dirs: Iterable[str | Path], problems: list[LevelProblem]
) -> Iterator[Path]:
    def report_unreadable(error: OSError) -> None:
        what = f"cannot read folder: {error.strerror or error}"
        problems.append(LevelProblem(Path(str(error.filename)), 1, 1, FILE_WHERE, what))

    for given in paths_or_dirs:
        top = Path(given)
        if not os.path.isdir(top):
            # Reading reports a missing or unreadable file as a problem of that file.
            yield top
            continue
        for folder, subfolders, names in os.walk(top, onerror=report_unreadable):
            subfolders[:] = sorted(name for name in subfolders if not name.startswith("."))
            for name in sorted(names):
                path = Path(folder, name)
                if name.startswith(".") or _is_special(path):
                    continue
                if name.lower().endswith(LEVEL_SUFFIX):
                    yield path
                elif name.lower().endswith(_OTHER_YAML_SUFFIX):
                    what = (
                        f"level files must end in '{LEVEL_SUFFIX}' to be read; rename it to "
                        f"'{name[: -len(_OTHER_YAML_SUFFIX)]}{LEVEL_SUFFIX}'"
                    )
                    problems.append(LevelProblem(path, 1, 1, FILE_WHERE, what))


def _is_special(path: Path) -> bool:
    """A pipe or device named *.yaml is skipped: opening a pipe would wait forever."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False  # reading it will report why it cannot be read


def _load_or_report_fault(path: Path) -> tuple[Level, YamlDocument]:
    """`_load`, with any fault of OnBeat's own turned into a LevelError about ``path``.

    The reader and the schema are built to raise nothing but LevelError; this is the net
    under them, so that one file that finds a bug costs a line of output, not the game.
    The fault is the LevelError's ``__cause__``, which no other LevelError has.
    """
    try:
        return _load(path)
    except LevelError:
        raise
    except Exception as fault:
        text = f"{type(fault).__name__}: {fault}"
        if len(text) > _MAX_FAULT_TEXT:
            text = text[: _MAX_FAULT_TEXT - 3] + "..."
        what = f"OnBeat could not check this file ({text}); please report this with the file"
        raise LevelError([LevelProblem(path, 1, 1, INTERNAL_WHERE, what)]) from fault


def _load(path: Path) -> tuple[Level, YamlDocument]:
    document = read_yaml_file(path)
    problems = list(document.problems)
    try:
        spec = LevelSpec.model_validate(document.data)
    except ValidationError as error:
        problems += _validation_problems(error, document, path)
    if problems:
        raise LevelError(limit_problems(problems))
    return _to_level(spec, path), document


def _validation_problems(
    error: ValidationError, document: YamlDocument, path: Path
) -> list[LevelProblem]:
    problems = []
    for details in error.errors():
        key_path = _data_path(details["loc"])
        rule = details.get("ctx", {}).get("error")
        if isinstance(rule, RuleError):
            for below, what in rule.breaches:
                breach_path = (*key_path, *below)
                mark = _value_mark(document, breach_path)
                problems.append(_problem(path, mark, breach_path, what))
            continue
        if details["type"] == "missing":
            # A missing key has no place of its own: point at the mapping that lacks it.
            mark = _value_mark(document, key_path[:-1])
        elif details["type"] == "extra_forbidden":
            mark = document.key_marks[key_path]
        else:
            mark = _value_mark(document, key_path)
        problems.append(_problem(path, mark, key_path, _describe(details, key_path)))
    return problems


def _data_path(location: tuple[str | int, ...]) -> KeyPath:
    """A pydantic error location without the names pydantic gives to branches of a union."""
    return tuple(
        part
        for index, part in enumerate(location)
        if not (part in UNION_TAGS and index > 0 and location[index - 1] == "limb")
    )


def _problem(path: Path, mark: Mark, key_path: KeyPath, what: str) -> LevelProblem:
    return LevelProblem(path, mark.line, mark.column, format_where(key_path), what)


def _value_mark(document: YamlDocument, key_path: KeyPath) -> Mark:
    """Where the value at ``key_path`` starts, or its nearest ancestor if it is not written."""
    while key_path not in document.value_marks:
        key_path = key_path[:-1]
    return document.value_marks[key_path]


def _describe(details: Any, key_path: KeyPath) -> str:
    """What is wrong, and how to fix it, for one pydantic error."""
    kind = details["type"]
    context = details.get("ctx", {})
    value = details["input"]
    key = next((part for part in reversed(key_path) if isinstance(part, str)), "")
    model, field = _schema_at(key_path)
    example = f", like {_inline_yaml(field.examples[0])}" if field and field.examples else ""
    if kind == "missing":
        if field and field.examples:
            return f"missing required key '{key}'; add '{key}: {_inline_yaml(field.examples[0])}'"
        return f"missing required key '{key}'; add it"
    if kind == "extra_forbidden":
        return _unknown_key(key, _schema_at(key_path[:-1])[0])
    if not key_path and kind == "model_type":
        return f"a level must be a mapping of keys, starting with 'format: 1'{_got(value)}"
    if kind in _NUMBER_TYPES:
        # "60" or 060 was meant as a number; "fast" was not, and needs no hint about digits.
        hint = _PLAIN_DIGITS_HINT if isinstance(value, str) and re.search(r"\d", value) else ""
        return f"must be {_NUMBER_TYPES[kind]}{_got(value)}{hint}"
    if kind == "string_type":
        hint = "; put it in quotes" if isinstance(value, bool | int | float) else ""
        return f"must be text{_got(value)}{hint}"
    if kind == "bool_type":
        return f"must be true or false{_got(value)}"
    if kind == "finite_number":
        return "must be an ordinary number, not infinity or NaN"
    if kind == "list_type":
        return f"must be a list{example}{_got(value)}"
    if kind == "model_type":
        return f"must be a mapping{example or _keys_of(model)}{_got(value)}"
    if kind == "literal_error":
        # A single limb that is wrong may also have been meant as a list.
        alternative = ", or a list of them" if key_path[-1:] == ("limb",) else ""
        return _not_a_choice(value, context["expected"], alternative)
    if kind == "greater_than_equal":
        return f"must be at least {_number(context['ge'])}{_got(value)}"
    if kind == "less_than_equal":
        return f"must be at most {_number(context['le'])}{_got(value)}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "string_too_long":
        return f"must be at most {context['max_length']} characters (has {len(value)})"
    if kind in ("too_short", "too_long"):
        return _wrong_count(kind, context, field, example)
    if kind == "string_pattern_mismatch" and key in _PATTERN_HINTS:
        return f"'{_clip(value)}' is not allowed here; {_PATTERN_HINTS[key]}"
    return details["msg"]


def _unknown_key(key: str, model: type[BaseModel] | None) -> str:
    allowed = list(model.model_fields) if model else []
    close = difflib.get_close_matches(key, allowed, n=1)
    if close:
        return f"unknown key; did you mean '{close[0]}'?"
    if allowed:
        return f"unknown key; allowed here: {', '.join(allowed)}"
    return "unknown key"


def _keys_of(model: type[BaseModel] | None) -> str:
    if model is None:
        return ""
    required = [name for name, field in model.model_fields.items() if field.is_required()]
    return f" with the keys {', '.join(required or model.model_fields)}"


def _not_a_choice(value: Any, expected: str, alternative: str) -> str:
    choices = re.findall(r"'([^']*)'", expected)
    what = f"must be one of {', '.join(choices)}{alternative}{_got(value)}"
    close = difflib.get_close_matches(value, choices, n=1) if isinstance(value, str) else []
    return f"{what}; did you mean '{close[0]}'?" if close else what


def _wrong_count(kind: str, context: dict[str, Any], field: FieldInfo | None, example: str) -> str:
    rules = field.metadata if field else []
    at_least = next((rule.min_length for rule in rules if hasattr(rule, "min_length")), None)
    at_most = next((rule.max_length for rule in rules if hasattr(rule, "max_length")), None)
    has = f" (has {context['actual_length']})"
    if at_least is not None and at_least == at_most:
        return f"must hold exactly {at_least} values{example}{has}"
    if kind == "too_short":
        count = context["min_length"]
        return f"must hold at least {count} item{'' if count == 1 else 's'}{has}"
    return f"must hold at most {context['max_length']} items{has}"


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _got(value: Any) -> str:
    if isinstance(value, bool):
        return f" (got {'true' if value else 'false'})"
    if isinstance(value, int | float):
        return f" (got {_number(value)})"
    if isinstance(value, str):
        return f" (got the text '{_clip(value)}')"
    if isinstance(value, list):
        return " (got a list)"
    if isinstance(value, dict):
        return " (got a mapping)"
    return ""


def _clip(text: str) -> str:
    return text if len(text) <= 30 else text[:27] + "..."


def _inline_yaml(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}: {_inline_yaml(item)}" for key, item in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_inline_yaml(item) for item in value) + "]"
    return str(value)


def _schema_at(key_path: KeyPath) -> tuple[type[BaseModel] | None, FieldInfo | None]:
    """The model of the value at ``key_path`` (None if not a model), and its field."""
    model: type[BaseModel] | None = LevelSpec
    field = None
    for part in key_path:
        if isinstance(part, int):
            continue  # a list item is described by the list's field
        if model is None or part not in model.model_fields:
            return None, None
        field = model.model_fields[part]
        model = _model_in(field.annotation)
    return model, field


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in typing.get_args(annotation):
        model = _model_in(argument)
        if model is not None:
            return model
    return None


def _to_level(spec: LevelSpec, path: Path) -> Level:
    windows = spec.windows or WindowsSpec()
    adaptive = None
    if spec.adaptive is not None:
        adaptive = Adaptive(
            target=spec.adaptive.target,
            adjust=tuple(spec.adaptive.adjust),
            tempo_bpm=_pair(spec.adaptive.tempo_bpm),
            window_ms=_pair(spec.adaptive.window_ms),
        )
    return Level(
        format=spec.format,
        id=spec.id,
        title=spec.title,
        theme=spec.theme,
        tempo_bpm=spec.tempo_bpm,
        tasks=tuple(_to_task(task) for task in spec.tasks),
        count_in_beats=spec.count_in,
        windows=Windows(sro_ms=windows.sro, good_ms=windows.good, ok_ms=windows.ok),
        adaptive=adaptive,
        description=spec.description,
        instruction=spec.instruction,
        ages=(spec.ages[0], spec.ages[1]) if spec.ages else None,
        translations=tuple(
            _to_text(language, text) for language, text in (spec.translations or {}).items()
        ),
        source_path=path,
    )


def _to_text(language: str, spec: TranslationSpec) -> LevelText:
    tasks = spec.tasks or []
    return LevelText(
        language=language,
        title=spec.title,
        description=spec.description,
        instruction=spec.instruction,
        task_names=tuple(task.name for task in tasks),
        task_instructions=tuple(task.instruction for task in tasks),
    )


def _to_task(spec: TaskSpec) -> Task:
    return Task(
        name=spec.name,
        limbs=(spec.limb,) if isinstance(spec.limb, str) else tuple(spec.limb),
        length_beats=spec.length.beats,
        length_seconds=spec.length.seconds,
        pattern=spec.pattern,
        steps_per_beat=spec.steps_per_beat,
        guide_sounds=spec.guide_sounds,
        visual_cue=spec.visual_cue,
        continuation_beats=spec.continuation.beats if spec.continuation else 0,
        instruction=spec.instruction,
    )


def _pair(values: list[float] | None) -> tuple[float, float] | None:
    return (values[0], values[1]) if values else None
