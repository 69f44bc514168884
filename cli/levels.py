"""`run.py levels ...`: check level files, list the game's levels, start new ones, print the schema.

`levels validate` follows the contract of level-format.md: on stdout, one summary line per
valid level and one `path:line:column: where: what` line per problem; exit status 0 when
everything is valid, 1 when anything is not, 2 for usage errors (argparse's own status).
A count for people goes to stderr, so that stdout stays exactly those lines.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cli.common import AddCommand, UserError, clinic_levels_of
from engine.levels.paths import (
    FOLDER_BUILTIN,
    FOLDER_CLINIC,
    FOLDER_EXTRA,
    FOLDER_USER,
    LEVEL_SUFFIX,
)
from engine.levels.templates import DEFAULT_TEMPLATE, TEMPLATES, level_text

if TYPE_CHECKING:
    from engine.levels.model import Level
    from engine.levels.yaml_reader import LevelProblem


_FOLDER_LABELS = {
    FOLDER_BUILTIN: "Built-in levels",
    FOLDER_USER: "Your levels",
    FOLDER_EXTRA: "Levels from --levels-dir",
    FOLDER_CLINIC: "The clinic's shared levels",
}


def register(add_command: AddCommand) -> None:
    levels = add_command("levels", "check, list and start level files")
    actions = levels.add_subparsers(dest="levels_action", metavar="ACTION", required=True)

    validate = _action(
        actions,
        "validate",
        "check level files and folders (recursively); with no PATH, every level the game finds",
    )
    validate.add_argument("paths", nargs="*", metavar="PATH", help="level file or folder")
    _add_levels_dir(validate)
    validate.set_defaults(handler=_quiet_when_the_reader_leaves(cmd_validate))

    list_levels = _action(actions, "list", "list the levels the game finds, by theme")
    _add_levels_dir(list_levels)
    list_levels.set_defaults(handler=_quiet_when_the_reader_leaves(cmd_list))

    new = _action(actions, "new", "write a commented, valid level file to start from")
    new.add_argument("path", type=_new_level_path, metavar="PATH", help="file to write (*.yaml)")
    new.add_argument(
        "--template",
        choices=list(TEMPLATES),
        default=DEFAULT_TEMPLATE,
        help=f"what kind of level to start from (default: {DEFAULT_TEMPLATE})",
    )
    new.set_defaults(handler=cmd_new)

    schema = _action(actions, "schema", "print the JSON Schema of level files (levels/schema.json)")
    schema.set_defaults(handler=_quiet_when_the_reader_leaves(cmd_schema))


def _action(
    actions: argparse._SubParsersAction, name: str, help_text: str
) -> argparse.ArgumentParser:
    return actions.add_parser(name, help=help_text, description=help_text)


def _add_levels_dir(parser: argparse.ArgumentParser) -> None:
    # SUPPRESS keeps `run.py --levels-dir D levels list` working: a default here would
    # overwrite the value that run.py's own --levels-dir option parsed.
    parser.add_argument(
        "--levels-dir",
        action="append",
        default=argparse.SUPPRESS,
        metavar="DIR",
        help="another folder of levels (may be given more than once)",
    )
    parser.add_argument(
        "--data-dir",
        default=argparse.SUPPRESS,
        metavar="DIR",
        help="the station's data folder, whose clinic's shared levels count too",
    )


def _levels_dirs(args: argparse.Namespace) -> list[str]:
    return getattr(args, "levels_dir", [])


def _new_level_path(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() != LEVEL_SUFFIX:
        raise argparse.ArgumentTypeError(
            f"'{text}': a level file name ends in {LEVEL_SUFFIX}, like my-level{LEVEL_SUFFIX}"
        )
    return path


def cmd_validate(args: argparse.Namespace) -> int:
    from engine.levels.load import load_levels, summarize

    _never_fail_on_encoding()
    if args.paths:
        given = [*args.paths, *_levels_dirs(args)]
        levels, problems = load_levels(given)
        where = ", ".join(_printable(str(path)) for path in given)
    else:
        from engine.levels.library import discover_levels

        library = discover_levels(_levels_dirs(args), clinic_dir=clinic_levels_of(args))
        levels, problems = list(library.levels), list(library.problems)
        where = ", ".join(_printable(str(folder.path)) for folder in library.folders)
    for level in levels:
        print(f"{summarize(level)} ({_printable(str(level.source_path))})")
    for problem in problems:
        print(problem)
    if not levels and not problems:
        print(f"no level files (*{LEVEL_SUFFIX}) found in {where}", file=sys.stderr)
        return 1
    print(_tally(levels, problems), file=sys.stderr)
    return 1 if problems else 0


def cmd_list(args: argparse.Namespace) -> int:
    from engine.levels.library import discover_levels

    _never_fail_on_encoding()
    library = discover_levels(_levels_dirs(args), clinic_dir=clinic_levels_of(args))
    for folder in library.folders:
        print(f"{_FOLDER_LABELS[folder.kind]}: {_printable(str(folder.path))}")
    id_width = max((len(level.id) for level in library.levels), default=0)
    title_width = max((len(_printable(level.title)) for level in library.levels), default=0)
    for theme, levels in library.levels_by_theme.items():
        print(f"\n{theme}: {_count(len(levels), 'level')}")
        for level in levels:
            print(f"  {_list_line(level, id_width, title_width)}")
    if library.problems:
        print(f"\nNot loaded, fix these ({_problem_tally(library.problems)}):")
        for problem in library.problems:
            print(f"  {problem}")
    return 1 if library.problems else 0


def cmd_new(args: argparse.Namespace) -> int:
    from engine.levels.library import discover_levels

    path: Path = args.path
    shown = _printable(str(path))
    library = discover_levels(_levels_dirs(args), clinic_dir=clinic_levels_of(args))
    taken_ids = {level.id for level in library.levels}
    text = level_text(args.template, path, taken_ids)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as stream:
            stream.write(text)
    except FileExistsError:
        what = "already exists; choose another name, nothing was written"
        raise UserError(f"{shown}: {what}") from None
    except OSError as error:
        raise UserError(f"{shown}: cannot write: {error.strerror or error}") from None
    print(f"Wrote {shown} from the {args.template} template.")
    print(f"Edit it, then check it with: python run.py levels validate {shown}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from engine.levels.schema import level_json_schema_text

    sys.stdout.write(level_json_schema_text())
    return 0


def _list_line(level: Level, id_width: int, title_width: int) -> str:
    from engine.levels.load import level_duration_s

    minutes, seconds = divmod(round(level_duration_s(level)), 60)
    kind = "adaptive" if level.adaptive else "fixed"
    return (
        f"{level.id:<{id_width}}  {_printable(level.title):<{title_width}}"
        f"  {level.tempo_bpm:>3g} bpm  {minutes}:{seconds:02d}"
        f"  {_count(len(level.tasks), 'task')}, {kind}"
    )


def _tally(levels: Sequence[Level], problems: Sequence[LevelProblem]) -> str:
    valid = _count(len(levels), "valid level")
    return f"{valid}; {_problem_tally(problems)}" if problems else valid


def _problem_tally(problems: Sequence[LevelProblem]) -> str:
    files = len({problem.path for problem in problems})
    return f"{_count(len(problems), 'problem')} in {_count(files, 'file')}"


def _count(number: int, thing: str) -> str:
    return f"{number} {thing}{'' if number == 1 else 's'}"


def _printable(text: str) -> str:
    """A path or title as one printable line (file names may hold line breaks or bad bytes)."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


def _quiet_when_the_reader_leaves(
    handler: Callable[[argparse.Namespace], int],
) -> Callable[[argparse.Namespace], int]:
    """``handler`` that ends quietly when stdout is a pipe closed early (`... | head`)."""

    @functools.wraps(handler)
    def handle(args: argparse.Namespace) -> int:
        try:
            return handler(args)
        except BrokenPipeError:
            # Python flushes stdout again at exit and would print a second error there.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 1

    return handle


def _never_fail_on_encoding() -> None:
    # A terminal that cannot show 'é' in a title or a path must not turn it into a traceback.
    for stream in (sys.stdout, sys.stderr):
        stream.reconfigure(errors="backslashreplace")
