"""`run.py plans list | show | set | clear` as a therapist runs them: real processes and files."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.store.opening import open_store
from tests.test_cli import ROOT, run_cli

EXAMPLE = ROOT / "plans" / "hands-first.yaml"


@pytest.fixture
def station(tmp_path: Path) -> tuple[Path, str]:
    store = open_store(tmp_path)
    code = store.create_profile("Robin")
    store.create_profile("Sam")
    store.close()
    return tmp_path, code


def test_set_show_list_and_clear_a_plan_each_audited(station) -> None:
    data_dir, code = station
    result = run_cli("plans", "set", code, str(EXAMPLE), "--data-dir", str(data_dir))
    assert result.returncode == 0, result.stderr
    assert f"{code} now plays 'Hands first' (3 levels" in result.stdout

    listed = run_cli("plans", "list", "--data-dir", str(data_dir))
    assert listed.returncode == 0
    lines = listed.stdout.splitlines()
    assert [line.split()[0] for line in lines] == sorted(line.split()[0] for line in lines)
    assert any(line.startswith(code) and "Hands first" in line for line in lines)
    assert sum("no plan" in line for line in lines) == 1

    shown = run_cli("plans", "show", code, "--data-dir", str(data_dir))
    assert shown.returncode == 0, shown.stderr
    assert "Levels, in order: frog-hop, duck-paddle, drum-march" in shown.stdout
    assert "Run 1 (now): standard, frog-hop, duck-paddle, drum-march" in shown.stdout
    assert EXAMPLE.read_text(encoding="utf-8").rstrip() in shown.stdout

    cleared = run_cli("plans", "clear", code, "--data-dir", str(data_dir))
    assert cleared.returncode == 0 and "plan cleared" in cleared.stdout
    again = run_cli("plans", "clear", code, "--data-dir", str(data_dir))
    assert "had no plan" in again.stdout

    store = open_store(data_dir)
    try:
        details = [(e.action, e.detail) for e in store.audit_entries()]
        assert store.assigned_plan(code) is None
    finally:
        store.close()
    assert details == [("plans", f"{code}: plan 1 set"), ("plans", f"{code}: plan cleared")]


def test_a_bad_plan_file_is_refused_with_every_problem_and_nothing_changes(
    station, tmp_path: Path
) -> None:
    data_dir, code = station
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "format: 1\ntitle: Feet\nlevels:\n  - heel-stomp\n  - heel-stmop\nbreaks:\n  after: [2]\n",
        encoding="utf-8",
    )
    result = run_cli("plans", "set", code, str(bad), "--data-dir", str(data_dir))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{bad}:5:5: levels[1]: no level has the id 'heel-stmop'; did you mean 'heel-stomp'?",
        f"{bad}:7:11: breaks.after[0]: 2 is not between 1 and 1: a break comes after one of "
        "the levels and before the next",
    ]
    store = open_store(data_dir)
    try:
        assert store.assigned_plan(code) is None and store.audit_entries() == []
    finally:
        store.close()


def test_an_unknown_profile_or_missing_data_says_what_to_do(station, tmp_path: Path) -> None:
    data_dir, _ = station
    result = run_cli("plans", "set", "P-NOBODY", str(EXAMPLE), "--data-dir", str(data_dir))
    assert result.returncode == 1 and "plans list" in result.stderr
    result = run_cli("plans", "list", "--data-dir", str(tmp_path / "none"))
    assert result.returncode == 1 and "--data-dir" in result.stderr
    assert "Traceback" not in result.stderr
