"""The level loader: shipped levels load, broken ones get precise one-line problems, and no
bytes whatsoever make it raise anything but LevelError."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.levels.load import (
    LevelError,
    LevelProblem,
    level_duration_s,
    load_level,
    load_levels,
    summarize,
)
from engine.levels.model import Task
from engine.levels.schema import LengthSpec, LevelSpec, level_json_schema, task_beats
from engine.levels.yaml_reader import MAX_FILE_BYTES

REPO = Path(__file__).resolve().parent.parent
SHIPPED_LEVELS = sorted((REPO / "levels").rglob("*.yaml"))
BROKEN_LEVELS = sorted((REPO / "tests" / "data" / "broken").glob("*.yaml"))
EXPECT_PREFIX = "# expect: "

# `make test` runs each fuzz test a few hundred times; `make fuzz` (and so CI, after
# `make test`) 10,000 times (ONBEAT_FUZZ_EXAMPLES).
settings.register_profile(
    "level-fuzz",
    max_examples=int(os.environ.get("ONBEAT_FUZZ_EXAMPLES", "300")),
    deadline=None,  # parsing time varies with the machine; correctness is what counts here
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
_fuzz_settings = settings(settings.get_profile("level-fuzz"))


def level_fuzz(test):
    """A level fuzzer: hypothesis settings for `ONBEAT_FUZZ_EXAMPLES`, marked for `make fuzz`."""
    return pytest.mark.fuzz(_fuzz_settings(test))


FROG_HOP = """\
format: 1
id: frog-hop
title: Frog Hop
theme: pond
tempo_bpm: 60
tasks:
  - name: Hop
    limb: both_hands
    length: {beats: 32}
"""


def problems_of(path: Path) -> list[str]:
    """The problems of a file that must not load, without the path prefix."""
    with pytest.raises(LevelError) as caught:
        load_level(path)
    problems = caught.value.problems
    assert problems, "a LevelError always carries problems"
    assert all(problem.path == path for problem in problems)
    return [str(problem).removeprefix(f"{path}:") for problem in problems]


def write(tmp_path: Path, content: bytes | str, name: str = "level.yaml") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


# --- shipped levels ---------------------------------------------------------------------


def test_levels_are_shipped() -> None:
    assert len(SHIPPED_LEVELS) >= 25


@pytest.mark.parametrize("path", SHIPPED_LEVELS, ids=lambda path: path.stem)
def test_shipped_level_loads(path: Path) -> None:
    level = load_level(path)
    assert level.source_path == path
    assert level.id == path.stem, "shipped levels are named after their id"
    assert path.read_text(encoding="utf-8").startswith(
        "# yaml-language-server: $schema=../schema.json\n"
    )


def test_shipped_levels_as_a_folder() -> None:
    levels, problems = load_levels([REPO / "levels"])
    assert problems == []
    assert len(levels) == len(SHIPPED_LEVELS)
    summaries = {level.id: summarize(level) for level in levels}
    assert summaries["drum-march"] == "drum-march: 2 tasks, 40 beats, 0:48"
    assert summaries["standard"] == "standard: 14 tasks, 756 beats, 15:02"


def test_drum_march_has_the_promised_shape() -> None:
    level = load_level(REPO / "levels" / "parade" / "drum-march.yaml")
    drum_roll, march = level.tasks
    assert (drum_roll.pattern, drum_roll.steps_per_beat) == ("xx", 2)
    assert (march.length_beats, march.length_seconds, march.continuation_beats) == (None, 24, 8)
    assert march.limbs == ("both_toes",)


def test_rocket_steps_alternates_hands() -> None:
    level = load_level(REPO / "levels" / "space" / "rocket-steps.yaml")
    assert {task.limbs for task in level.tasks} == {("right_hand", "left_hand")}
    assert level.windows.good_ms == 60.0


def test_frog_hop_adapts_tempo_from_100_down_to_80() -> None:
    level = load_level(REPO / "levels" / "pond" / "frog-hop.yaml")
    assert level.tempo_bpm == 100
    assert level.adaptive is not None
    assert level.adaptive.tempo_bpm == (80, 100)
    assert level.adaptive.adjust == ("tempo",)
    assert [task.limbs for task in level.tasks] == [("both_hands",)]


# --- a minimal level, and the defaults the format promises ------------------------------


def test_minimal_level_gets_the_defaults(tmp_path: Path) -> None:
    level = load_level(write(tmp_path, FROG_HOP))
    assert level.count_in_beats == 4
    assert (level.windows.sro_ms, level.windows.good_ms, level.windows.ok_ms) == (15, 45, 100)
    assert level.adaptive is None
    (task,) = level.tasks
    assert task == Task(name="Hop", limbs=("both_hands",), length_beats=32, length_seconds=None)


def test_load_level_takes_a_string_path(tmp_path: Path) -> None:
    path = write(tmp_path, FROG_HOP)
    assert load_level(str(path)).source_path == path


# --- hand-made broken files: tests/data/broken/*.yaml state their expected problems -----


def test_there_are_enough_broken_files() -> None:
    assert len(BROKEN_LEVELS) >= 15


@pytest.mark.parametrize("path", BROKEN_LEVELS, ids=lambda path: path.stem)
def test_broken_file_reports_exactly_its_problems(path: Path) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    expected = [
        line.removeprefix(EXPECT_PREFIX) for line in lines if line.startswith(EXPECT_PREFIX)
    ]
    assert expected, f"{path.name} states no '# expect:' lines"
    assert problems_of(path) == expected


def test_problem_reads_path_line_column_where_what() -> None:
    problem = LevelProblem(Path("levels/pond/hop.yaml"), 3, 1, "tempo", "unknown key")
    assert str(problem) == "levels/pond/hop.yaml:3:1: tempo: unknown key"


def test_level_error_message_is_one_line_per_problem(tmp_path: Path) -> None:
    path = write(tmp_path, FROG_HOP.replace("id: frog-hop", "id: Frog").replace("60", "6"))
    with pytest.raises(LevelError) as caught:
        load_level(path)
    assert str(caught.value).splitlines() == [str(problem) for problem in caught.value.problems]
    assert len(caught.value.problems) == 2


# --- hostile bytes ----------------------------------------------------------------------


def test_tabs_in_indentation_are_all_reported(tmp_path: Path) -> None:
    text = FROG_HOP.replace("    limb:", "\tlimb:").replace("    length:", "  \tlength:")
    assert problems_of(write(tmp_path, text)) == [
        "8:1: (yaml): tab used for indentation; indent with spaces only",
        "9:3: (yaml): tab used for indentation; indent with spaces only",
    ]


def test_tab_after_a_colon_gets_a_hint(tmp_path: Path) -> None:
    assert problems_of(write(tmp_path, FROG_HOP.replace("tempo_bpm: 60", "tempo_bpm:\t60"))) == [
        "5:11: (yaml): invalid YAML: found character '\\t' that cannot start any token; "
        "use spaces instead of tabs"
    ]


def test_non_utf8_byte_is_located(tmp_path: Path) -> None:
    raw = FROG_HOP.replace("Frog Hop", "Fr\u00e9re Hop").encode("latin-1")
    assert problems_of(write(tmp_path, raw)) == [
        "3:10: (file): byte 0xE9 is not UTF-8 text; save the file as UTF-8"
    ]


def test_utf16_is_named(tmp_path: Path) -> None:
    assert problems_of(write(tmp_path, FROG_HOP.encode("utf-16"))) == [
        "1:1: (file): the file is saved as UTF-16; save it as UTF-8"
    ]


def test_utf8_byte_order_mark_is_fine(tmp_path: Path) -> None:
    assert load_level(write(tmp_path, b"\xef\xbb\xbf" + FROG_HOP.encode())).id == "frog-hop"


def test_columns_count_characters_not_bytes(tmp_path: Path) -> None:
    text = FROG_HOP.replace("theme: pond", "theme: pond\nages: [\u00e9t\u00e9, 2]")
    assert problems_of(write(tmp_path, text)) == [
        "5:8: ages[0]: must be a whole number (got the text '\u00e9t\u00e9')",
        "5:13: ages[1]: must be at least 3 (got 2)",
    ]


def test_line_breaks_in_quoted_text_stay_escaped(tmp_path: Path) -> None:
    text = FROG_HOP.replace("theme: pond", 'theme: "po\\nnd"\n"tem\\npo": 1')
    assert problems_of(write(tmp_path, text)) == [
        "4:8: theme: must be one of pond, space, parade (got the text 'po\\nnd'); "
        "did you mean 'pond'?",
        "5:1: tem\\npo: unknown key; did you mean 'tempo_bpm'?",
    ]


def test_binary_junk_is_refused(tmp_path: Path) -> None:
    png_start = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
    assert problems_of(write(tmp_path, png_start)) == [
        "1:1: (file): byte 0x89 is not UTF-8 text; save the file as UTF-8"
    ]
    assert problems_of(write(tmp_path, b"format: 1\nid: \x00\x01\x02")) == [
        "2:5: (file): character U+0000 does not belong in a text file; is this really a level? "
        "Save it as plain UTF-8 text"
    ]


def test_files_over_one_megabyte_are_refused(tmp_path: Path) -> None:
    padding = "# " + "x" * 78 + "\n"
    big = FROG_HOP + padding * (MAX_FILE_BYTES // len(padding) + 1)
    assert problems_of(write(tmp_path, big)) == [
        "1:1: (file): the file is larger than 1024 KB; a level file is much smaller"
    ]
    just_fits = FROG_HOP + "#" * (MAX_FILE_BYTES - len(FROG_HOP) - 1) + "\n"
    assert load_level(write(tmp_path, just_fits, "fits.yaml")).id == "frog-hop"


def test_alias_bomb_is_refused_at_the_first_anchor(tmp_path: Path) -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{name}: &{name} [*{previous}, *{previous}, *{previous}, *{previous}]\n"
        for previous, name in zip("abcdefgh", "bcdefghi", strict=True)
    )
    assert problems_of(write(tmp_path, bomb)) == [
        "1:4: (yaml): YAML anchors ('&name') are not allowed in levels; remove the anchor"
    ]


def test_deep_nesting_is_refused(tmp_path: Path) -> None:
    assert problems_of(write(tmp_path, "tasks: " + "[" * 100_000)) == [
        "1:19: (yaml): nested more than 12 levels deep; a level is much flatter"
    ]
    block = "".join(f"{'  ' * depth}k{depth}:\n" for depth in range(40))
    assert problems_of(write(tmp_path, block)) == [
        "12:23: (yaml): nested more than 12 levels deep; a level is much flatter"
    ]


def test_huge_valid_yaml_stops_at_ten_thousand_values(tmp_path: Path) -> None:
    assert problems_of(write(tmp_path, "tasks:\n" + "- x\n" * 20_000)) == [
        "9999:3: (yaml): more than 10000 keys and values; a level is much smaller"
    ]


def test_problems_stop_after_one_hundred(tmp_path: Path) -> None:
    text = FROG_HOP + "".join(f"extra{number}: 1\n" for number in range(150))
    problems = problems_of(write(tmp_path, text))
    assert len(problems) == 101
    assert problems[99] == (
        "109:1: extra99: unknown key; allowed here: format, id, title, description, "
        "instruction, theme, ages, tempo_bpm, count_in, windows, adaptive, tasks, "
        "translations"
    )
    assert problems[100] == "110:1: (file): 50 more problems not shown; fix these first"


def test_empty_file(tmp_path: Path) -> None:
    expected = ["1:1: (file): the file is empty; a level starts with 'format: 1'"]
    assert problems_of(write(tmp_path, b"")) == expected
    assert problems_of(write(tmp_path, "# yaml-language-server: $schema=../schema.json\n")) == (
        expected
    )


def test_unreadable_file_is_one_problem(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    assert problems_of(missing) == ["1:1: (file): cannot read: No such file or directory"]
    assert problems_of(tmp_path) == ["1:1: (file): cannot read: Is a directory"]
    with pytest.raises(LevelError) as caught:
        load_level("nul\0.yaml")
    assert str(caught.value) == "nul\\x00.yaml:1:1: (file): cannot read: embedded null byte"


# --- many files -------------------------------------------------------------------------


def test_load_levels_keeps_going_and_reports_duplicate_ids(tmp_path: Path) -> None:
    write(tmp_path, FROG_HOP, "a.yaml")
    (tmp_path / "more").mkdir()
    write(tmp_path / "more", FROG_HOP.replace("Frog Hop", "Frog Hop Again"), "b.yaml")
    write(tmp_path / "more", FROG_HOP.replace("id: frog-hop", "id: toad-hop"), "c.yaml")
    write(tmp_path / "more", "format: [", "d-broken.yaml")
    write(tmp_path / "more", "not a level", "notes.txt")
    (tmp_path / ".hidden").mkdir()
    write(tmp_path / ".hidden", FROG_HOP, "e.yaml")
    missing = tmp_path / "missing.yaml"

    levels, problems = load_levels([tmp_path, tmp_path / "a.yaml", missing])

    assert [level.id for level in levels] == ["frog-hop", "toad-hop"]
    assert [level.source_path for level in levels] == [
        tmp_path / "a.yaml",
        tmp_path / "more/c.yaml",
    ]
    assert [str(problem) for problem in problems] == [
        f"{tmp_path}/more/b.yaml:2:5: id: 'frog-hop' is already the id of {tmp_path}/a.yaml; "
        "give each level its own",
        f"{tmp_path}/more/d-broken.yaml:1:10: (yaml): invalid YAML: expected the node content, "
        "but found '<stream end>'; a quote or bracket is not closed",
        f"{missing}:1:1: (file): cannot read: No such file or directory",
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_load_levels_skips_pipes_and_reports_broken_links(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "gone.yaml")
    levels, problems = load_levels([tmp_path])
    assert levels == []
    assert [str(problem) for problem in problems] == [
        f"{tmp_path}/link.yaml:1:1: (file): cannot read: No such file or directory"
    ]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_given_by_name_is_refused_without_waiting(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.yaml")
    assert problems_of(tmp_path / "pipe.yaml") == [
        "1:1: (file): not a file but a pipe or a device; give a level file"
    ]
    assert problems_of(Path(os.devnull)) == [
        "1:1: (file): not a file but a pipe or a device; give a level file"
    ]


def test_keys_must_be_plain_words_and_all_problems_are_reported(tmp_path: Path) -> None:
    text = FROG_HOP.replace("title: Frog Hop", "? [title]\n: Frog Hop").replace("60", "600")
    assert problems_of(write(tmp_path, text)) == [
        "1:1: title: missing required key 'title'; add 'title: Frog Hop'",
        "3:3: (yaml): a key must be a plain word such as 'tempo_bpm', not a list or mapping",
        "6:12: tempo_bpm: must be at most 240 (got 600)",
    ]


def test_yml_files_in_a_folder_are_named_not_ignored(tmp_path: Path) -> None:
    write(tmp_path, FROG_HOP, "hop.yml")
    write(tmp_path, FROG_HOP.replace("frog-hop", "toad-hop"), "TOAD.YAML")
    levels, problems = load_levels([tmp_path])
    assert [level.id for level in levels] == ["toad-hop"]
    assert [str(problem) for problem in problems] == [
        f"{tmp_path}/hop.yml:1:1: (file): level files must end in '.yaml' to be read; "
        "rename it to 'hop.yaml'"
    ]


def test_a_fault_in_onbeat_is_a_problem_of_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path, FROG_HOP, "a-fine.yaml")
    bad = write(tmp_path, FROG_HOP.replace("frog-hop", "bug-finder"), "b-bug.yaml")
    write(tmp_path, FROG_HOP.replace("frog-hop", "toad-hop"), "c-fine.yaml")
    real_validate = LevelSpec.model_validate

    def validate_with_a_bug(data: object) -> LevelSpec:
        if isinstance(data, dict) and data.get("id") == "bug-finder":
            raise KeyError("a bug\nover two lines")
        return real_validate(data)

    monkeypatch.setattr(LevelSpec, "model_validate", validate_with_a_bug)
    levels, problems = load_levels([tmp_path])
    assert [level.id for level in levels] == ["frog-hop", "toad-hop"]
    expected = (
        f"{bad}:1:1: (internal): OnBeat could not check this file "
        "(KeyError: 'a bug\\nover two lines'); please report this with the file"
    )
    assert [str(problem) for problem in problems] == [expected]
    with pytest.raises(LevelError) as caught:
        load_level(bad)
    assert str(caught.value) == expected
    assert isinstance(caught.value.__cause__, KeyError), "the fuzz tests look for the cause"


def test_load_levels_of_nothing() -> None:
    assert load_levels([]) == ([], [])


# --- summary, schema, rounding ----------------------------------------------------------


def test_summary_counts_seconds_as_beats_and_includes_the_count_in(tmp_path: Path) -> None:
    text = FROG_HOP.replace("tempo_bpm: 60", "tempo_bpm: 90\ncount_in: 8") + (
        "  - name: Long\n    limb: any\n    length: {seconds: 100}\n"
    )
    level = load_level(write(tmp_path, text))
    # 32 beats + 150 beats (100 s at 90 bpm) + 8 count-in beats per task = 198 beats = 132 s
    assert summarize(level) == "frog-hop: 2 tasks, 182 beats, 2:12"
    assert level_duration_s(level) == 132


@given(
    seconds=st.floats(min_value=1, max_value=1800),
    tempo_bpm=st.floats(min_value=20, max_value=240),
)
def test_schema_rounds_seconds_to_beats_like_the_model(seconds: float, tempo_bpm: float) -> None:
    task = Task(name="t", limbs=("any",), length_beats=None, length_seconds=seconds)
    length = LengthSpec(seconds=seconds)
    assert task_beats(length, tempo_bpm) == task.beats_at(tempo_bpm)


def test_json_schema_describes_the_format_without_nulls() -> None:
    schema = level_json_schema()
    text = json.dumps(schema)
    assert '"null"' not in text
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == {"format", "id", "title", "theme", "tempo_bpm", "tasks"}
    assert schema["properties"]["format"]["const"] == 1
    assert all("description" in field for field in schema["properties"].values())


# --- fuzzing: whatever the bytes, only LevelError ---------------------------------------

SEEDS = [path.read_bytes() for path in SHIPPED_LEVELS] + [FROG_HOP.encode()]
# libyaml's C loader and dumper, where PyYAML has them, make the cases of the restructuring
# fuzzer several times cheaper to build; the loader under test stays OnBeat's own.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_FAST_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
SEED_DATA = [yaml.load(seed, Loader=_FAST_LOADER) for seed in SEEDS]
YAML_TROUBLE = [
    b"\t", b"&a ", b"*a", b"!!python/object:os.system ", b"- ", b": ", b"? ", b"{", b"}",
    b"[", b"]", b",", b"\n", b"\r", b"\n---\n", b"...", b"'", b'"', b"#", b"|", b">", b"%",
    b"@", b"`", b"<<: ", b"\x00", b"\xff", b"\xc3", b"\xef\xbb\xbf", b"\xc2\x85",
    b"\xe2\x80\xa8", b"null", b"~", b"yes", b".nan", b"-.inf", b"1e999", b"0x1F", b"0b_",
    b"1:30", b"060", b"9" * 5000, b"2024-01-01", b"tasks", b"length", b"beats", b"seconds",
]  # fmt: skip


@st.composite
def mutated_levels(draw: st.DrawFn) -> bytes:
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        at = draw(st.integers(min_value=0, max_value=len(data)))
        operation = draw(st.sampled_from(["delete", "insert", "trouble", "flip", "repeat"]))
        if operation == "delete":
            del data[at : at + draw(st.integers(min_value=1, max_value=40))]
        elif operation == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif operation == "trouble":
            data[at:at] = draw(st.sampled_from(YAML_TROUBLE))
        elif operation == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(min_value=0, max_value=7))
        elif operation == "repeat":
            # A repeated line makes duplicate keys, and other structure, likely.
            line_start = data.rfind(b"\n", 0, at) + 1
            line_end = data.find(b"\n", at)
            line_end = len(data) if line_end < 0 else line_end + 1
            data[line_end:line_end] = data[line_start:line_end]
    return bytes(data)


def containers_of(children: st.SearchStrategy) -> st.SearchStrategy:
    return st.lists(children, max_size=4) | st.dictionaries(
        st.text(max_size=10), children, max_size=4
    )


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=12)
    | st.sampled_from(["both_hands", "x.", "pond", "window", "beats", "seconds"]),
    containers_of,
    max_leaves=8,
)


@st.composite
def restructured_levels(draw: st.DrawFn) -> bytes:
    """A shipped level with values replaced, keys removed or keys added, dumped as YAML."""
    data = copy.deepcopy(draw(st.sampled_from(SEED_DATA)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        node = data
        while isinstance(node, dict | list) and node and draw(st.booleans()):
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            child = node[draw(st.sampled_from(keys))]
            if not isinstance(child, dict | list):
                break
            node = child
        if isinstance(node, dict) and node:
            key = draw(st.sampled_from(list(node)))
            operation = draw(st.sampled_from(["replace", "delete", "add"]))
            if operation == "replace":
                node[key] = draw(json_values)
            elif operation == "delete":
                del node[key]
            else:
                node[draw(st.text(min_size=1, max_size=10))] = draw(json_values)
        elif isinstance(node, list) and node:
            node[draw(st.integers(min_value=0, max_value=len(node) - 1))] = draw(json_values)
    return yaml.dump(data, Dumper=_FAST_DUMPER, allow_unicode=draw(st.booleans())).encode()


def assert_loads_or_reports(path: Path, raw: bytes) -> None:
    path.write_bytes(raw)
    try:
        level = load_level(path)
    except LevelError as error:
        # Only a fault in OnBeat itself makes a LevelError with a cause (the exception).
        assert error.__cause__ is None, f"a fault in OnBeat: {error.__cause__!r}"
        assert error.problems
        for problem in error.problems:
            assert problem.line >= 1 and problem.column >= 1
            assert "\n" not in str(problem) and "\r" not in str(problem)
    else:
        assert summarize(level).startswith(level.id)


@pytest.fixture(scope="module")
def fuzz_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz") / "level.yaml"


@level_fuzz
@given(raw=mutated_levels())
def test_fuzz_mutated_levels(fuzz_path: Path, raw: bytes) -> None:
    assert_loads_or_reports(fuzz_path, raw)


@level_fuzz
@given(raw=restructured_levels())
def test_fuzz_restructured_levels(fuzz_path: Path, raw: bytes) -> None:
    assert_loads_or_reports(fuzz_path, raw)


@level_fuzz
@given(raw=st.binary(max_size=2000))
def test_fuzz_raw_bytes(fuzz_path: Path, raw: bytes) -> None:
    assert_loads_or_reports(fuzz_path, raw)
