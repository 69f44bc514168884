"""Billing codes and units: CMS's published examples of the 8-minute rule, the per-code rule,
untimed codes, the 97129/97130 pair, the codes file's problems and `run.py billing units`.

The CMS examples are those of the Medicare Claims Processing Manual (Pub. 100-04), chapter 5,
section 20.2, with their codes (97140 manual therapy, 97035 ultrasound) in a codes file of
their own; the shipped config/billing.yaml is tested as shipped.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.billing.codes import (
    BILLING_FORMAT,
    DEFAULT_BILLING_PATH,
    DISCIPLINES,
    BillingConfigError,
    load_billing_config,
)
from engine.billing.units import (
    UnitRule,
    UnknownCodeError,
    cms_units,
    session_units,
    units_for_timed_minutes,
)

ROOT = Path(__file__).resolve().parent.parent
CMS, PER_CODE = UnitRule.CMS, UnitRule.PER_CODE

CMS_EXAMPLE_CODES = """\
format: 1
codes:
  "97110": {description: Therapeutic exercise, disciplines: [OT, PT], timed: true}
  "97112": {description: Neuromuscular re-education, disciplines: [OT, PT], timed: true}
  "97140": {description: Manual therapy, disciplines: [OT, PT], timed: true}
  "97116": {description: Gait training, disciplines: [PT], timed: true}
  "97035": {description: Ultrasound, disciplines: [PT], timed: true}
  "97530": {description: Therapeutic activities, disciplines: [OT, PT], timed: true}
"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def cms_codes(tmp_path: Path):
    return load_billing_config(write(tmp_path / "billing.yaml", CMS_EXAMPLE_CODES))


@pytest.fixture(scope="module")
def shipped():
    return load_billing_config(DEFAULT_BILLING_PATH)


def units_of(result) -> dict[str, int]:
    return {line.code: line.units for line in result.codes}


# The chart of section 20.2: units and the first and last minute that bill them.
CMS_CHART = [(1, 8, 22), (2, 23, 37), (3, 38, 52), (4, 53, 67), (5, 68, 82), (6, 83, 97)]
CMS_CHART += [(7, 98, 112), (8, 113, 127)]


@pytest.mark.parametrize(("units", "first_minute", "last_minute"), CMS_CHART)
def test_units_of_timed_minutes_follow_the_cms_chart(units, first_minute, last_minute):
    assert units_for_timed_minutes(first_minute - 1) == units - 1
    assert units_for_timed_minutes(first_minute) == units
    assert units_for_timed_minutes(last_minute) == units
    assert units_for_timed_minutes(last_minute + 1) == units + 1


def test_under_eight_minutes_bill_nothing():
    assert [units_for_timed_minutes(minutes) for minutes in range(8)] == [0] * 8
    with pytest.raises(ValueError, match="negative"):
        units_for_timed_minutes(-1)


@pytest.mark.parametrize(
    ("minutes", "expected_units"),
    [
        # Example 1: 47 minutes are 3 units; both codes have a full unit, and 97112's 9
        # minutes left beat 97110's 8 for the third.
        ({"97112": 24, "97110": 23}, {"97112": 2, "97110": 1}),
        # Example 3: two full units of 97110; its 3 minutes left lose to 97140's 7.
        ({"97110": 33, "97140": 7}, {"97110": 2, "97140": 1}),
        # Example 4: 49 minutes are 3 units: 97110's full unit, then the largest leftovers
        # (97140's 13, 97116's 10); 97035's 8 minutes bill nothing.
        (
            {"97110": 18, "97140": 13, "97116": 10, "97035": 8},
            {"97110": 1, "97140": 1, "97116": 1, "97035": 0},
        ),
        # Two services under 8 minutes that add up to 8 or more bill one unit, for the one
        # performed longest.
        ({"97110": 6, "97140": 7}, {"97110": 0, "97140": 1}),
        ({"97110": 3, "97140": 4}, {"97110": 0, "97140": 0}),
    ],
)
def test_cms_examples(cms_codes, minutes, expected_units):
    result = session_units(minutes, cms_codes, CMS)
    assert units_of(result) == expected_units
    assert result.total_units == units_for_timed_minutes(sum(minutes.values()))
    assert [line.code for line in result.codes] == list(minutes)


def test_equal_leftovers_go_to_the_code_listed_first(cms_codes, tmp_path):
    # Example 2: 20 and 20 minutes are 3 units; CMS lets either code take 2. The file lists
    # 97110 before 97112, so 97110 does, in whatever order the minutes are given.
    for minutes in ({"97112": 20, "97110": 20}, {"97110": 20, "97112": 20}):
        assert units_of(session_units(minutes, cms_codes, CMS)) == {"97110": 2, "97112": 1}
    # Listing 97112 first in the file hands it the unit instead.
    lines = CMS_EXAMPLE_CODES.splitlines(keepends=True)
    reordered = write(tmp_path / "reordered.yaml", "".join([*lines[:2], lines[3], lines[2]]))
    result = session_units({"97110": 20, "97112": 20}, load_billing_config(reordered), CMS)
    assert units_of(result) == {"97110": 1, "97112": 2}


def test_short_services_of_equal_minutes_bill_one_unit(cms_codes):
    # 7 + 7 = 14 minutes: one unit, to the code listed first; 7 + 7 + 7 = 21: still one.
    result = session_units({"97140": 7, "97110": 7}, cms_codes, CMS)
    assert units_of(result) == {"97140": 0, "97110": 1}
    result = session_units({"97112": 7, "97110": 7, "97140": 7}, cms_codes, CMS)
    assert units_of(result) == {"97112": 0, "97110": 1, "97140": 0}


def test_five_codes_of_five_minutes(cms_codes):
    # 25 minutes are 2 units; all leftovers are 5, so the first two codes of the file bill.
    minutes = {code: 5 for code in ("97530", "97035", "97116", "97140", "97112")}
    result = session_units(minutes, cms_codes, CMS)
    assert units_of(result) == {"97530": 0, "97035": 0, "97116": 0, "97140": 1, "97112": 1}
    assert result.timed_minutes == 25


def test_the_issue_example_with_the_shipped_codes(shipped):
    result = session_units({"97110": 33, "97530": 7}, shipped, CMS)
    assert units_of(result) == {"97110": 2, "97530": 1}
    assert result.total_units == 3


@pytest.mark.parametrize(
    ("minutes", "expected_units"),
    [
        ({"97110": 33, "97140": 7}, {"97110": 2, "97140": 0}),  # 7 minutes alone bill nothing
        ({"97112": 24, "97110": 23}, {"97112": 2, "97110": 2}),  # 4 units, not CMS's 3
        ({"97110": 7, "97140": 7}, {"97110": 0, "97140": 0}),
        ({"97110": 8, "97140": 22, "97116": 38}, {"97110": 1, "97140": 1, "97116": 3}),
    ],
)
def test_per_code_rule_counts_each_code_alone(cms_codes, minutes, expected_units):
    result = session_units(minutes, cms_codes, PER_CODE)
    assert units_of(result) == expected_units


def test_untimed_code_bills_once_and_its_minutes_stay_out_of_the_timed_total(shipped):
    for rule in (CMS, PER_CODE):
        assert units_of(session_units({"92507": 45}, shipped, rule)) == {"92507": 1}
        assert units_of(session_units({"92507": 0}, shipped, rule)) == {"92507": 0}
    # 7 timed minutes bill nothing though the session had 37 minutes of treatment.
    result = session_units({"97110": 7, "92507": 30}, shipped, CMS)
    assert units_of(result) == {"97110": 0, "92507": 1}
    assert (result.timed_minutes, result.untimed_minutes, result.treatment_minutes) == (7, 30, 37)


@pytest.mark.parametrize(
    ("minutes", "expected_units"),
    [
        ({"97129": 7}, {"97129": 0, "97130": 0}),
        ({"97129": 8}, {"97129": 1, "97130": 0}),
        ({"97129": 22}, {"97129": 1, "97130": 0}),
        ({"97129": 23}, {"97129": 1, "97130": 1}),
        ({"97129": 53}, {"97129": 1, "97130": 3}),
        # Minutes given under either code are one service: 15 + 30 = 45 minutes, 3 units.
        ({"97129": 15, "97130": 30}, {"97129": 1, "97130": 2}),
        # Minutes under 97130 alone still bill 97129 first (the pair is listed primary first).
        ({"97130": 25}, {"97129": 1, "97130": 1}),
    ],
)
def test_cognitive_pair_bills_the_first_unit_under_97129(shipped, minutes, expected_units):
    for rule in (CMS, PER_CODE):
        result = session_units(minutes, shipped, rule)
        assert list(units_of(result).items()) == list(expected_units.items())


def test_cognitive_pair_joins_the_cms_total(shipped):
    # 20 + 10 = 30 minutes, 2 units: 97110's full unit, then the pair's 10 minutes left
    # beat 97110's 5. Per code, each has 8 or more minutes: one unit each as well.
    result = session_units({"97110": 20, "97129": 10}, shipped, CMS)
    assert units_of(result) == {"97110": 1, "97129": 1, "97130": 0}
    # 6 minutes of 97110 and 3 + 4 of the pair: 13 minutes, one unit. The pair's minutes,
    # given under two codes, count as one service of 7, which beats 97110's 6.
    result = session_units({"97110": 6, "97129": 3, "97130": 4}, shipped, CMS)
    assert units_of(result) == {"97110": 0, "97129": 1, "97130": 0}
    result = session_units({"97110": 6, "97129": 3, "97130": 4}, shipped, PER_CODE)
    assert result.total_units == 0


def test_unknown_code_and_negative_minutes(shipped):
    with pytest.raises(UnknownCodeError) as caught:
        session_units({"97110": 10, "97140": 10}, shipped, CMS)
    assert (caught.value.code, caught.value.config_path) == ("97140", DEFAULT_BILLING_PATH)
    with pytest.raises(ValueError, match="97110"):
        session_units({"97110": -5}, shipped, CMS)


def test_nothing_given_bills_nothing(shipped):
    result = session_units({}, shipped, CMS)
    assert (result.codes, result.total_units) == ((), 0)


def _chart_units(total_minutes: int) -> int:
    """The chart read as thresholds: a unit more at 8, 23, 38, ... minutes."""
    return sum(1 for threshold in range(8, total_minutes + 1, 15))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=200), max_size=8))
def test_cms_units_give_full_units_then_largest_leftovers(minutes):
    units = cms_units(minutes)
    assert sum(units) == _chart_units(sum(minutes))
    full = [value // 15 for value in minutes]
    leftover = [value % 15 for value in minutes]
    extra = [got - least for got, least in zip(units, full, strict=True)]
    assert set(extra) <= {0, 1}
    for winner in (index for index, gained in enumerate(extra) if gained):
        assert leftover[winner] > 0
        for loser in (index for index, gained in enumerate(extra) if not gained):
            assert (leftover[winner], -winner) > (leftover[loser], -loser)


def test_shipped_codes(shipped):
    codes = {entry.code: entry for entry in shipped.codes}
    assert list(codes) == ["97110", "97112", "97530", "97129", "97130", "97533", "97116", "92507"]
    assert [code for code, entry in codes.items() if not entry.timed] == ["92507"]
    assert codes["97130"].add_on_to == "97129"
    assert shipped.add_on_of("97129") == codes["97130"]
    assert codes["92507"].disciplines == ("SLP",)
    assert all(entry.description and entry.disciplines for entry in codes.values())


BROKEN_CODES = [
    (
        "formt: 1\ncodes: {}\n",
        [
            "1:1: formt: unknown key; did you mean 'format'?",
            "1:1: (file): missing required key 'format'",
            "2:8: codes: lists no code; add the codes the clinic bills",
        ],
    ),
    (
        "format: 2\ncodes:\n  '97110': {description: x, disciplines: OT, timed: true}\n",
        ["1:9: format: must be 1, the format this OnBeat reads (got 2)"],
    ),
    ("- 97110\n", ["1:1: (file): a billing configuration must be a mapping of keys"]),
    ("format: 1\n", ["1:1: (file): missing required key 'codes'"]),
    ("format: 1\ncodes: []\n", ["2:8: codes: must be a mapping of codes"]),
    (
        "format: 1\ncodes:\n  '9711': {description: x, disciplines: [OT], timed: true}\n",
        ["3:3: codes.9711: '9711' is not a billing code; a CPT or HCPCS code is 5"],
    ),
    (
        "format: 1\ncodes:\n  '97110':\n    description: x\n    disciplines: [OTR]\n"
        "    timed: yes please\n    addon: '97112'\n",
        [
            "5:19: codes.97110.disciplines[0]: must be one of OT, PT, SLP (got the text 'OTR');"
            " did you mean 'OT'?",
            "6:12: codes.97110.timed: must be true or false (got the text 'yes please')",
            "7:5: codes.97110.addon: unknown key; did you mean 'add_on_to'?",
        ],
    ),
    (
        "format: 1\ncodes:\n  '97110': {description: x, disciplines: [OT, OT]}\n",
        [
            "3:12: codes.97110: missing required key 'timed'",
            "3:47: codes.97110.disciplines[1]: 'OT' is named twice",
        ],
    ),
    (
        "format: 1\ncodes:\n  '97110': {description: x, disciplines: [OT], timed: true}\n"
        "  '97110': {description: y, disciplines: [PT], timed: true}\n",
        ["4:3: codes.97110: duplicate key '97110' (first at line 3)"],
    ),
    (
        "format: 1\ncodes:\n  '97130': {description: x, disciplines: [OT], timed: true,"
        " add_on_to: 97129}\n",
        ["3:72: codes.97130.add_on_to: '97129' is not a code in this file"],
    ),
    (
        "format: 1\ncodes:\n  '92507': {description: x, disciplines: [SLP], timed: false}\n"
        "  '92508': {description: y, disciplines: [SLP], timed: true, add_on_to: '92507'}\n",
        ["4:73: codes.92508.add_on_to: an add-on pair bills 15-minute units"],
    ),
    (
        "format: 1\ncodes:\n  '97129': &cognitive {description: x, timed: true}\n",
        ["3:12: (yaml): YAML anchors ('&name') are not allowed in billing configurations"],
    ),
    ("", ["1:1: (file): the file is empty; a billing configuration starts with 'format: 1'"]),
]


@pytest.mark.parametrize(("text", "expected_starts"), BROKEN_CODES)
def test_problems_of_a_codes_file_are_one_line_each_with_their_place(
    tmp_path, text, expected_starts
):
    path = write(tmp_path / "billing.yaml", text)
    with pytest.raises(BillingConfigError) as caught:
        load_billing_config(path)
    lines = [str(problem) for problem in caught.value.problems]
    assert len(lines) == len(expected_starts), lines
    for line, expected in zip(lines, expected_starts, strict=True):
        assert line.startswith(f"{path}:{expected}"), line


# Values a clinic might write, right or wrong, for each key of a code.
_ANY_VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-10, max_value=99999),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.sampled_from(["OT", "PT", "SLP", "97110", "97129", "97130", ""]),
    st.lists(st.sampled_from(["OT", "PT", "SLP", "ot", "97110", ""]), max_size=4),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def _mostly(meant: st.SearchStrategy, *, anything: st.SearchStrategy = _ANY_VALUE):
    """``meant`` three times in four, else ``anything`` (st.one_of would weigh each of
    _ANY_VALUE's branches like ``meant``)."""
    return st.integers(min_value=0, max_value=3).flatmap(lambda n: anything if n == 0 else meant)


# Mostly what a clinic means to write, sometimes anything: files that load, and files
# with one or many problems.
_CODE_ENTRY = _mostly(
    st.fixed_dictionaries(
        {
            "description": _mostly(st.just("Therapeutic exercise")),
            "disciplines": _mostly(st.lists(st.sampled_from(DISCIPLINES), max_size=3)),
            "timed": _mostly(st.booleans()),
        },
        optional={"add_on_to": _mostly(st.sampled_from(["97110", "97129"])), "timd": _ANY_VALUE},
    )
)
_CODE_NAME = st.sampled_from(["97110", "97129", "97130", "92507", "9711", "g0283", "ABCDE"])
_CODES_FILE = st.fixed_dictionaries(
    {
        "format": _mostly(st.just(BILLING_FORMAT)),
        "codes": _mostly(st.dictionaries(_CODE_NAME, _CODE_ENTRY, max_size=5)),
    },
    optional={"code": _ANY_VALUE},
)


@pytest.mark.fuzz
@settings(
    max_examples=int(os.environ.get("ONBEAT_FUZZ_EXAMPLES", "300")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(data=_CODES_FILE)
def test_any_codes_file_loads_or_lists_its_problems(tmp_path, data):
    path = write(tmp_path / "fuzz.yaml", yaml.safe_dump(data, allow_unicode=True))
    try:
        config = load_billing_config(path)
    except BillingConfigError as error:
        assert error.problems
        for problem in error.problems:
            assert problem.where != "(internal)", str(problem)
            assert "\n" not in str(problem)
    else:
        assert config.codes
        assert all(entry.timed in (True, False) for entry in config.codes)


def test_unreadable_or_huge_codes_file(tmp_path):
    with pytest.raises(BillingConfigError, match=r"missing\.yaml:1:1: \(file\): cannot read"):
        load_billing_config(tmp_path / "missing.yaml")
    huge = write(tmp_path / "huge.yaml", "# " + "x" * (2 * 1024 * 1024))
    with pytest.raises(BillingConfigError, match="a billing configuration file is much smaller"):
        load_billing_config(huge)


def run_billing(*args: str, config_home: Path) -> subprocess.CompletedProcess:
    """`run.py billing ...` in a process of its own, with its own (empty) config folder."""
    env = dict(os.environ, PYGAME_HIDE_SUPPORT_PROMPT="1", XDG_CONFIG_HOME=str(config_home))
    result = subprocess.run(
        [sys.executable, str(ROOT / "run.py"), "billing", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=ROOT,
    )
    assert "Traceback" not in result.stdout + result.stderr
    return result


def test_cli_units_by_both_rules(tmp_path):
    result = run_billing("units", "97110=33", "97530=7", config_home=tmp_path)
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "97110 2\n97530 1\ntotal 3\n",
        "",
    )
    result = run_billing("units", "--rule", "per-code", "97110=33", "97530=7", config_home=tmp_path)
    assert (result.returncode, result.stdout) == (0, "97110 2\n97530 0\ntotal 2\n")
    result = run_billing("units", "92507=30", "97130=40", config_home=tmp_path)
    assert result.stdout == "92507 1\n97129 1\n97130 2\ntotal 4\n"


def test_cli_unknown_code_names_it_and_the_codes_file(tmp_path):
    result = run_billing("units", "97110=20", "97140=10", config_home=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"97140: not a code in {DEFAULT_BILLING_PATH}; add it there, or use one of 97110, "
        "97112, 97530, 97129, 97130, 97533, 97116, 92507"
    ]


@pytest.mark.parametrize(
    ("argument", "complaint"),
    [
        ("97110:20", "'97110:20': write CODE=MINUTES, like 97110=23"),
        ("=20", "'=20': write CODE=MINUTES"),
        ("97110=twenty", "'97110=twenty': minutes must be a whole number, like 97110=23"),
        ("97110=12.5", "minutes must be a whole number"),
        ("97110=9999", "more than 1440 minutes (a day) is not one session"),
    ],
)
def test_cli_bad_arguments_exit_2_with_a_clear_line(tmp_path, argument, complaint):
    result = run_billing("units", argument, config_home=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert complaint in result.stderr.splitlines()[-1]


def test_cli_code_given_twice(tmp_path):
    result = run_billing("units", "97110=20", "97110=10", config_home=tmp_path)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "run.py billing units: 97110 is given twice; add up its minutes\n"


def test_cli_config_option_and_the_clinics_own_copy(tmp_path):
    own = write(tmp_path / "own.yaml", CMS_EXAMPLE_CODES)
    result = run_billing("units", "--config", str(own), "97110=33", "97140=7", config_home=tmp_path)
    assert (result.returncode, result.stdout) == (0, "97110 2\n97140 1\ntotal 3\n")
    # A clinic's billing.yaml in the OnBeat config folder wins over the shipped one.
    clinic_folder = tmp_path / "config-home" / "OnBeat"
    clinic_folder.mkdir(parents=True)
    write(clinic_folder / "billing.yaml", CMS_EXAMPLE_CODES)
    result = run_billing("units", "97140=8", config_home=tmp_path / "config-home")
    assert (result.returncode, result.stdout) == (0, "97140 1\ntotal 1\n")
    result = run_billing("units", "97129=8", config_home=tmp_path / "config-home")
    assert result.returncode == 1
    assert result.stderr.startswith(f"97129: not a code in {clinic_folder / 'billing.yaml'};")


def test_cli_broken_codes_file_lists_its_problems(tmp_path):
    broken = write(tmp_path / "broken.yaml", "format: 1\ncodes:\n  '97110': {timed: maybe}\n")
    result = run_billing("units", "--config", str(broken), "97110=20", config_home=tmp_path)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{broken}:3:12: codes.97110: missing required key 'description'; add 'description:'"
        " and what the code bills",
        f"{broken}:3:12: codes.97110: missing required key 'disciplines'; add 'disciplines:'"
        " and who may bill it, like [OT, PT]",
        f"{broken}:3:20: codes.97110.timed: must be true or false (got the text 'maybe')",
    ]


def test_the_commands_in_docs_billing_print_what_the_page_says(tmp_path):
    text = (ROOT / "docs" / "billing.md").read_text(encoding="utf-8")
    transcript = text.split("```\n$ ", 1)[1].split("```", 1)[0]
    commands = [block.splitlines() for block in ("$ " + transcript).split("$ ")[1:]]
    assert len(commands) == 4
    for command, *expected in commands:
        arguments = command.removeprefix(".venv/bin/python run.py billing ").split()
        result = run_billing(*arguments, config_home=tmp_path)
        printed = (result.stdout + result.stderr).replace(
            str(DEFAULT_BILLING_PATH), "/path/to/config/billing.yaml"
        )
        assert printed.splitlines() == expected, command
