"""`run.py levels ...` as a therapist uses it: real processes, real files, no tracebacks.

Every run gets its own XDG_DATA_HOME, so that no test reads or creates the real user's
levels folder.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine.levels.load import load_level
from engine.levels.templates import TEMPLATES
from engine.levels.yaml_reader import MAX_FILE_BYTES

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_LEVELS = sorted((ROOT / "levels").rglob("*.yaml"))
BROKEN_DIR = ROOT / "tests" / "data" / "broken"
EXPECT_PREFIX = "# expect: "
PROBLEM_LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<column>\d+): (?P<where>\S+): .+$")
SUMMARY_LINE = re.compile(
    r"^(?P<id>[a-z0-9][a-z0-9-]*): (?P<tasks>\d+) tasks?, \d+ beats, \d+:[0-5]\d \((?P<path>.+)\)$"
)

HOP = """\
format: 1
id: hop
title: Hop
theme: pond
tempo_bpm: 100
tasks:
  - name: Hop
    limb: both_hands
    length: {beats: 20}
"""


@pytest.fixture
def data_home(tmp_path: Path) -> Path:
    return tmp_path / "data-home"


def run_levels(*args: str, data_home: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return run_python(str(ROOT / "run.py"), "levels", *args, data_home=data_home, cwd=cwd)


def run_python(*args: str, data_home: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYGAME_HIDE_SUPPORT_PROMPT="1", XDG_DATA_HOME=str(data_home))
    result = subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, env=env, timeout=120, cwd=cwd
    )
    assert "Traceback" not in result.stderr + result.stdout
    return result


def user_levels(data_home: Path) -> Path:
    return data_home / "OnBeat" / "levels"


def write(folder: Path, name: str, content: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return path


# --- validate ---------------------------------------------------------------------------


def test_shipped_levels_validate_and_each_gets_a_summary_line(data_home: Path) -> None:
    result = run_levels("validate", "levels/", data_home=data_home)
    assert result.returncode == 0, result.stdout
    lines = result.stdout.splitlines()
    assert len(lines) == len(SHIPPED_LEVELS)
    summaries = [SUMMARY_LINE.match(line) for line in lines]
    assert all(summaries), lines
    assert sorted(Path(match["path"]) for match in summaries) == [
        path.relative_to(ROOT) for path in SHIPPED_LEVELS
    ]
    assert "standard: 14 tasks, 756 beats, 15:02 (levels/assessment/standard.yaml)" in lines
    assert result.stderr.strip() == f"{len(SHIPPED_LEVELS)} valid levels"


def test_broken_files_give_exactly_their_expected_lines(data_home: Path) -> None:
    result = run_levels("validate", "tests/data/broken", data_home=data_home)
    assert result.returncode == 1
    expected = []
    for path in sorted(BROKEN_DIR.glob("*.yaml")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith(EXPECT_PREFIX):
                expected.append(f"{path.relative_to(ROOT)}:{line.removeprefix(EXPECT_PREFIX)}")
    assert result.stdout.splitlines() == expected
    assert all(PROBLEM_LINE.match(line) for line in expected)
    files = len(list(BROKEN_DIR.glob("*.yaml")))
    assert result.stderr.strip() == f"0 valid levels; {len(expected)} problems in {files} files"


def test_valid_and_broken_together_and_duplicate_ids_name_both_files(
    tmp_path: Path, data_home: Path
) -> None:
    first = write(tmp_path / "a", "hop.yaml", HOP)
    again = write(tmp_path / "b", "hop-again.yaml", HOP.replace("title: Hop", "title: Hop again"))
    broken = write(tmp_path / "b", "typo.yaml", HOP.replace("tempo_bpm", "tempo"))
    result = run_levels("validate", str(tmp_path), data_home=data_home)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"hop: 1 task, 20 beats, 0:14 ({first})",
        f"{again}:2:5: id: 'hop' is already the id of {first}; give each level its own",
        f"{broken}:1:1: tempo_bpm: missing required key 'tempo_bpm'; add 'tempo_bpm: 60'",
        f"{broken}:5:1: tempo: unknown key; did you mean 'tempo_bpm'?",
    ]
    assert result.stderr.strip() == "1 valid level; 3 problems in 2 files"


def test_hostile_files_each_get_one_line_and_never_a_traceback(
    tmp_path: Path, data_home: Path
) -> None:
    folder = tmp_path / "hostile"
    alias_bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{name}: &{name} [*{previous}, *{previous}, *{previous}, *{previous}]\n"
        for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
    )
    files = {
        "binary.yaml": bytes(range(256)) * 8,
        "bomb.yaml": alias_bomb,
        "big.yaml": HOP + "#" * MAX_FILE_BYTES + "\n",
        "deep.yaml": "tasks: " + "[" * 50_000,
        "latin1.yaml": HOP.replace("Hop", "H\u00f6p").encode("latin-1"),
        "tabs.yaml": HOP.replace("    limb", "\tlimb"),
        "twice.yaml": HOP + "tempo_bpm: 90\n",
        "utf16.yaml": HOP.encode("utf-16"),
    }
    for name, content in files.items():
        write(folder, name, content)
    (folder / "gone.yaml").symlink_to(folder / "nowhere.yaml")
    result = run_levels("validate", str(folder), data_home=data_home)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert [Path(PROBLEM_LINE.match(line)["path"]).name for line in lines] == sorted(
        [*files, "gone.yaml"]
    )
    by_file = {Path(line.split(":")[0]).name: line for line in lines}
    assert "is not UTF-8" in by_file["binary.yaml"]
    assert "anchors" in by_file["bomb.yaml"]
    assert "larger than 1024 KB" in by_file["big.yaml"]
    assert "nested more than" in by_file["deep.yaml"]
    assert "byte 0xF6 is not UTF-8" in by_file["latin1.yaml"]
    assert "tab used for indentation" in by_file["tabs.yaml"]
    assert "duplicate key 'tempo_bpm'" in by_file["twice.yaml"]
    assert "UTF-16" in by_file["utf16.yaml"]
    assert "cannot read" in by_file["gone.yaml"]


def test_a_fault_in_onbeat_costs_one_line_for_that_file_only(
    tmp_path: Path, data_home: Path
) -> None:
    """A bug is injected into the loader in a real process; the other files still validate."""
    write(tmp_path, "hop.yaml", HOP)
    bad = write(tmp_path, "trap.yaml", HOP.replace("id: hop", "id: trap"))
    inject_a_bug = f"""
import sys
sys.argv = ["run.py"]
import run
from engine.levels.schema import LevelSpec
validate = LevelSpec.model_validate
def validate_with_a_bug(data):
    if data.get("id") == "trap":
        raise ZeroDivisionError("division by zero")
    return validate(data)
LevelSpec.model_validate = validate_with_a_bug
sys.exit(run.main(["levels", "validate", {str(tmp_path)!r}]))
"""
    result = run_python("-c", inject_a_bug, data_home=data_home)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"hop: 1 task, 20 beats, 0:14 ({tmp_path / 'hop.yaml'})",
        f"{bad}:1:1: (internal): OnBeat could not check this file "
        "(ZeroDivisionError: division by zero); please report this with the file",
    ]


def test_validate_without_paths_checks_what_the_game_finds(tmp_path: Path, data_home: Path) -> None:
    mine = write(user_levels(data_home), "my-hop.yaml", HOP)
    clash = write(tmp_path / "extra", "frog.yaml", HOP.replace("id: hop", "id: frog-hop"))
    result = run_levels("validate", "--levels-dir", str(tmp_path / "extra"), data_home=data_home)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert len(lines) == len(SHIPPED_LEVELS) + 2
    assert f"hop: 1 task, 20 beats, 0:14 ({mine})" in lines
    builtin_frog_hop = ROOT / "levels" / "pond" / "frog-hop.yaml"
    assert lines[-1] == (
        f"{clash}:2:5: id: 'frog-hop' is already the id of {builtin_frog_hop}; "
        "give each level its own"
    )


def test_levels_dir_adds_to_the_paths_given(tmp_path: Path, data_home: Path) -> None:
    write(tmp_path / "one", "hop.yaml", HOP)
    write(tmp_path / "two", "skip.yaml", HOP.replace("id: hop", "id: skip"))
    result = run_levels(
        "validate",
        str(tmp_path / "one"),
        "--levels-dir",
        str(tmp_path / "two"),
        data_home=data_home,
    )
    assert result.returncode == 0
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["hop", "skip"]


def test_nothing_to_check_is_not_success(tmp_path: Path, data_home: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run_levels("validate", str(tmp_path / "empty"), data_home=data_home)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.strip() == f"no level files (*.yaml) found in {tmp_path / 'empty'}"


def test_a_missing_path_is_a_problem_of_that_path(tmp_path: Path, data_home: Path) -> None:
    result = run_levels("validate", str(tmp_path / "levles"), data_home=data_home)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{tmp_path / 'levles'}:1:1: (file): cannot read: No such file or directory"
    ]


@pytest.mark.parametrize(
    "args",
    [(), ("validate", "--no-such-option"), ("nonsense",), ("new",), ("new", "hop.txt")],
    ids=["no-action", "unknown-option", "unknown-action", "new-without-path", "new-not-yaml"],
)
def test_usage_errors_exit_2(args: tuple[str, ...], data_home: Path) -> None:
    result = run_levels(*args, data_home=data_home)
    assert result.returncode == 2
    assert result.stderr.startswith("usage: run.py")


def test_output_cut_short_by_the_reader_is_quiet(tmp_path: Path, data_home: Path) -> None:
    # Far more output than a pipe holds, so that the writer meets the closed pipe.
    for number in range(12):
        extra_keys = "".join(f"key{index}: 1\n" for index in range(120))
        write(tmp_path / "noisy", f"noisy{number}.yaml", HOP + extra_keys)
    env = dict(os.environ, XDG_DATA_HOME=str(data_home))
    command = f"{sys.executable} run.py levels validate {tmp_path / 'noisy'} | head -n 1"
    result = subprocess.run(
        ["sh", "-c", command], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60
    )
    assert len(result.stdout.splitlines()) == 1
    assert result.stderr == ""


# --- schema -----------------------------------------------------------------------------


def test_schema_prints_the_committed_schema(data_home: Path) -> None:
    result = run_levels("schema", data_home=data_home)
    assert result.returncode == 0
    assert result.stdout == (ROOT / "levels" / "schema.json").read_text(encoding="utf-8")
    assert json.loads(result.stdout)["title"] == "OnBeat level, format 1"


# --- new --------------------------------------------------------------------------------


@pytest.mark.parametrize("template", list(TEMPLATES))
def test_each_template_writes_a_level_that_validates(
    template: str, tmp_path: Path, data_home: Path
) -> None:
    path = tmp_path / "for-sam" / f"{template} level.yaml"
    result = run_levels("new", str(path), "--template", template, data_home=data_home)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"Wrote {path} from the {template} template.",
        f"Edit it, then check it with: python run.py levels validate {path}",
    ]
    text = path.read_text(encoding="utf-8")
    schema = Path(os.path.relpath(ROOT / "levels" / "schema.json", path.parent)).as_posix()
    assert text.startswith(f"# yaml-language-server: $schema={schema}\n")
    assert text.count("#") > 10, "a template explains itself in comments"
    level = load_level(path)
    assert (level.id, level.title) == (f"{template}-level", f"{template.capitalize()} level")
    checked = run_levels("validate", str(path), data_home=data_home)
    assert checked.returncode == 0, checked.stdout


def test_new_level_in_the_levels_folder_points_at_the_schema_next_door(
    tmp_path: Path, data_home: Path
) -> None:
    folder = tmp_path / "levels" / "pond"
    result = run_levels("new", "levels/pond/newt.yaml", data_home=data_home, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    text = (folder / "newt.yaml").read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=")
    assert "warmup" in result.stdout


def test_new_never_overwrites(tmp_path: Path, data_home: Path) -> None:
    path = write(tmp_path, "mine.yaml", "my careful work\n")
    result = run_levels("new", str(path), data_home=data_home)
    assert result.returncode == 1
    assert (
        result.stderr.strip() == f"{path}: already exists; choose another name, nothing was written"
    )
    assert path.read_text() == "my careful work\n"


def test_new_level_gets_an_id_no_other_level_has(tmp_path: Path, data_home: Path) -> None:
    write(user_levels(data_home), "frog-hop-2.yaml", HOP.replace("id: hop", "id: frog-hop-2"))
    path = user_levels(data_home) / "frog-hop.yaml"
    assert run_levels("new", str(path), data_home=data_home).returncode == 0
    assert load_level(path).id == "frog-hop-3"
    result = run_levels("validate", data_home=data_home)
    assert result.returncode == 0, result.stdout


# --- list -------------------------------------------------------------------------------


def test_list_groups_by_theme_and_names_bad_files(tmp_path: Path, data_home: Path) -> None:
    extra = tmp_path / "clinic"
    write(extra, "space-hop.yaml", HOP.replace("id: hop", "id: space-hop").replace("pond", "space"))
    bad = write(extra, "bad.yaml", HOP.replace("theme: pond", "theme: pnod"))
    result = run_levels("list", "--levels-dir", str(extra), data_home=data_home)
    assert result.returncode == 1
    assert user_levels(data_home).is_dir(), "the user's folder is created on demand"
    text = result.stdout
    assert text.splitlines()[:3] == [
        f"Built-in levels: {ROOT / 'levels'}",
        f"Your levels: {user_levels(data_home)}",
        f"Levels from --levels-dir: {extra}",
    ]
    themes = [line for line in text.splitlines() if re.match(r"^\w+: \d+ levels?$", line)]
    assert [line.split(":")[0] for line in themes] == ["pond", "space", "parade"]
    space = text.split("\nspace:")[1].split("\nparade:")[0]
    assert re.search(r"\n  space-hop +Hop +100 bpm  0:14  1 task, fixed\n", space)
    assert text.endswith(
        "Not loaded, fix these (1 problem in 1 file):\n"
        f"  {bad}:4:8: theme: must be one of pond, space, parade (got the text 'pnod'); "
        "did you mean 'pond'?\n"
    )


def test_levels_dir_may_come_before_the_command(tmp_path: Path, data_home: Path) -> None:
    write(tmp_path / "one", "hop.yaml", HOP)
    write(tmp_path / "two", "skip.yaml", HOP.replace("id: hop", "id: skip"))
    first = ("--levels-dir", str(tmp_path / "one"))
    listed = run_python("run.py", *first, "levels", "list", data_home=data_home)
    assert listed.returncode == 0
    assert "\n  hop " in listed.stdout
    checked = run_python(
        "run.py", *first, "levels", "validate", "--levels-dir", str(tmp_path / "two"),
        data_home=data_home,
    )  # fmt: skip
    assert checked.returncode == 0
    assert "skip: 1 task" in checked.stdout


def test_list_of_the_shipped_levels_exits_0(data_home: Path) -> None:
    result = run_levels("list", data_home=data_home)
    assert result.returncode == 0
    assert "Not loaded" not in result.stdout
    assert "\n  standard " in result.stdout
