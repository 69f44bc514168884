"""Session plans: what a child plays at the kiosk, written by a therapist as a small YAML file.

    format: 1
    title: Hands first
    levels: [frog-hop, duck-paddle, drum-march]   # the stops of each run, in order
    assessment_every: 4    # the standard assessment opens the 1st run and every 4th after
    session_minutes: 15    # no new level starts once a run has lasted this long
    breaks:
      after: [1]           # a break after the 1st level of the run
      every_minutes: 8     # and whenever this much play has passed since the last break
      seconds: 60          # how long each break lasts
    codes: [97530=60, 97110=40]   # billing codes its sessions bill by default, with shares

Only ``format``, ``title`` and ``levels`` are required; what a file leaves out comes from the
station's plan defaults (config/kiosk.yaml) when the plan runs. ``codes`` are the billing
codes a session played in the plan gets by default when its profile has none of its own
(`run.py billing defaults`): one code alone takes all the minutes, several each a percent
adding to 100.

Plans are read like levels: by the safe YAML reader, every problem reported as
``path:line:column: where: what``. A plan is stored as JSON (``plan_json``) beside the file's
text, and read back with ``plan_of_json``. A plan made on the station's plan editor is written
out as such a file (``plan_yaml``) and read back through the same checks before it is stored
(``assign_plan_text``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from engine.billing.codes import PERCENT, looks_like_code
from engine.config.kiosk import PlanDefaults
from engine.levels.yaml_fields import FieldChecker
from engine.levels.yaml_reader import LevelError, LevelProblem, parse_yaml_bytes, read_yaml_file
from engine.session.audit import audit
from engine.store.chart_records import CodeShare
from engine.store.protocol import Store
from engine.store.records import PlanStep

THING = "plan"
PLAN_SUFFIX = ".yaml"
MAX_STOPS = 30
ASSESSMENT_LEVEL_ID = "standard"  # levels/assessment/standard.yaml
_LEVEL_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
_TOP_KEYS = (
    "format",
    "title",
    "levels",
    "assessment_every",
    "session_minutes",
    "breaks",
    "codes",
)
_BREAK_KEYS = ("after", "every_minutes", "seconds")

__all__ = ["LevelError", "LevelProblem"]  # a plan's problems are of the same kind as a level's


@dataclass(frozen=True)
class Breaks:
    # 1-based numbers of the plan's levels a break follows (the assessment that opens some
    # runs is not counted: `after: [1]` is after the plan's first level on every run).
    after: tuple[int, ...] = ()
    every_minutes: float | None = None  # a break once this much play passed since the last
    seconds: float | None = None  # None: the station's default


@dataclass(frozen=True)
class Plan:
    title: str
    levels: tuple[str, ...]  # level ids, the stops of a run in order
    assessment_every: int | None = None  # None: the station's default; 0: never
    session_minutes: float | None = None  # None: the station's default
    breaks: Breaks = Breaks()
    codes: tuple[CodeShare, ...] = ()  # default billing codes of its sessions, with shares

    def with_defaults(self, defaults: PlanDefaults) -> Plan:
        """The plan with the station's defaults where the file said nothing."""
        breaks = self.breaks
        if breaks.seconds is None:
            breaks = replace(breaks, seconds=defaults.break_seconds)
        return replace(
            self,
            assessment_every=(
                defaults.assessment_every
                if self.assessment_every is None
                else self.assessment_every
            ),
            session_minutes=(
                defaults.session_minutes if self.session_minutes is None else self.session_minutes
            ),
            breaks=breaks,
        )

    @property
    def steps(self) -> tuple[PlanStep, ...]:
        """The levels as the store's plan steps (one play each)."""
        return tuple(PlanStep(level_id) for level_id in self.levels)


def load_plan(path: Path, known_level_ids: Collection[str] | None = None) -> Plan:
    """The plan in the file at ``path``. Raises LevelError listing every problem; with
    ``known_level_ids``, a level id not among them is one."""
    return _plan_of(FieldChecker(read_yaml_file(path, thing=THING), path), known_level_ids)


def parse_plan(text: str, path: Path, known_level_ids: Collection[str] | None = None) -> Plan:
    """The plan in ``text``; ``path`` only names it in problems."""
    document = parse_yaml_bytes(text.encode("utf-8"), path, thing=THING)
    return _plan_of(FieldChecker(document, path), known_level_ids)


def _plan_of(check: FieldChecker, known_level_ids: Collection[str] | None) -> Plan:
    if not isinstance(check.document.data, dict):
        check.problem((), "a plan is 'name: value' lines, starting with 'format: 1'")
        check.raise_if_any()
    check.mapping((), _TOP_KEYS)
    check.format_version(THING)
    title = check.text(("title",), None, max_length=80)
    if title is not None and not title.strip():
        check.problem(("title",), "the title is blank; give the plan a name therapists know")
    levels = _levels(check, known_level_ids)
    assessment_every = check.number(("assessment_every",), None, 0, 100, whole=True, unit="runs")
    session_minutes = check.number(("session_minutes",), None, 1, 240, unit="minutes")
    written = check.value(("levels",), [])
    breaks = _breaks(check, len(written) if isinstance(written, list) else 0)
    codes = _codes(check)
    check.raise_if_any()
    return Plan(
        title=title or "",
        levels=levels,
        assessment_every=None if assessment_every is None else int(assessment_every),
        session_minutes=None if session_minutes is None else float(session_minutes),
        breaks=breaks,
        codes=codes,
    )


def _levels(check: FieldChecker, known_level_ids: Collection[str] | None) -> tuple[str, ...]:
    value = check.value(("levels",))
    if value is None:
        return ()
    if not isinstance(value, list) or not value:
        check.problem(("levels",), "list the levels of a run, one id each, like [frog-hop]")
        return ()
    if len(value) > MAX_STOPS:
        check.problem(("levels",), f"{len(value)} levels; a run has at most {MAX_STOPS}")
    levels = []
    for index, level_id in enumerate(value):
        where = ("levels", index)
        if not isinstance(level_id, str) or not _LEVEL_ID.fullmatch(level_id):
            check.problem(where, f"{level_id!r} is not a level id like 'frog-hop'")
        elif known_level_ids is not None and level_id not in known_level_ids:
            check.problem(
                where, f"no level has the id '{level_id}'{_nearest(level_id, known_level_ids)}"
            )
        else:
            levels.append(level_id)
    return tuple(levels)


def _nearest(level_id: str, known_level_ids: Collection[str]) -> str:
    import difflib

    near = difflib.get_close_matches(level_id, sorted(known_level_ids), n=1)
    if near:
        return f"; did you mean '{near[0]}'?"
    return "; `run.py levels list` shows the ids"


def _breaks(check: FieldChecker, stop_count: int) -> Breaks:
    where = ("breaks",)
    check.mapping(where, _BREAK_KEYS, required=False)
    after_value = check.value((*where, "after"), [])
    after: list[int] = []
    if not isinstance(after_value, list):
        check.problem((*where, "after"), "list the level numbers a break follows, like [1, 3]")
        after_value = []
    for index, number in enumerate(after_value):
        place = (*where, "after", index)
        if not isinstance(number, int) or isinstance(number, bool):
            check.problem(place, f"{number!r} is not a level number like 1")
        elif stop_count == 1:
            check.problem(place, "with one level there is no place between levels for a break")
        elif stop_count and not 1 <= number < stop_count:
            check.problem(
                place,
                f"{number} is not between 1 and {stop_count - 1}: a break comes after one of "
                "the levels and before the next",
            )
        elif number in after:
            check.problem(place, f"a break after level {number} is listed twice")
        else:
            after.append(number)
    every = check.number((*where, "every_minutes"), None, 1, 240, unit="minutes")
    seconds = check.number((*where, "seconds"), None, 5, 1800, unit="seconds")
    return Breaks(
        after=tuple(sorted(after)),
        every_minutes=None if every is None else float(every),
        seconds=None if seconds is None else float(seconds),
    )


def _codes(check: FieldChecker) -> tuple[CodeShare, ...]:
    """``codes: [97530=60, 97110=40]`` (or one code alone, which takes all the minutes)."""
    where = ("codes",)
    written = check.value(where, [])
    example = "like [97530=60, 97110=40], or [97530] for one code"
    if not isinstance(written, list):
        check.problem(where, f"list the billing codes this plan's sessions bill, {example}")
        return ()
    shares: list[tuple[str, int | None]] = []
    any_wrong = False  # a wrong entry: its own problem says it, not a sum that is off
    for index, item in enumerate(written):
        place = (*where, index)
        # `97530` without quotes is read as a number; it still names the code.
        text = str(item) if isinstance(item, int) and not isinstance(item, bool) else item
        if not isinstance(text, str):
            check.problem(place, f"{item!r} is not a billing code, {example}")
            any_wrong = True
            continue
        code, equals, percent_text = text.partition("=")
        code = code.strip().upper()
        if not looks_like_code(code):
            check.problem(
                place,
                f"'{text}' is not a billing code: 5 capital letters or digits, {example} (put a "
                "code that begins with 0 in quotes, like '00100')",
            )
            any_wrong = True
            continue
        percent = None
        if equals:
            percent_text = percent_text.strip()
            if not (percent_text.isascii() and percent_text.isdigit()) or not (
                1 <= int(percent_text) <= PERCENT
            ):
                check.problem(place, f"'{text}': the share is a whole percent from 1 to 100")
                any_wrong = True
                continue
            percent = int(percent_text)
        if any(code == seen for seen, _ in shares):
            check.problem(place, f"{code} is listed twice; give it one share")
            any_wrong = True
            continue
        shares.append((code, percent))
    if any_wrong:
        return ()
    if len(shares) == 1 and shares[0][1] is None:
        return (CodeShare(shares[0][0], PERCENT),)
    if any(percent is None for _, percent in shares):
        check.problem(where, f"with several codes give each its share, {example}")
        return ()
    total = sum(percent for _, percent in shares)
    if shares and total != PERCENT:
        check.problem(where, f"the shares add up to {total} %, not 100 %")
        return ()
    return tuple(CodeShare(code, percent) for code, percent in shares)


# --- stored form --------------------------------------------------------------------------------
def plan_json(plan: Plan) -> str:
    return json.dumps(asdict(plan), sort_keys=True)


def plan_of_json(text: str) -> Plan:
    data = json.loads(text)
    breaks = data.pop("breaks")
    codes = data.pop("codes", [])  # plans stored before plans had codes have none
    return Plan(
        **{**data, "levels": tuple(data["levels"])},
        breaks=Breaks(**{**breaks, "after": tuple(breaks["after"])}),
        codes=tuple(CodeShare(**share) for share in codes),
    )


def describe_plan(plan: Plan) -> list[str]:
    """The plan in a few lines for people (`run.py plans show`, the therapist screens)."""
    lines = [f"Plan: {plan.title}", f"Levels, in order: {', '.join(plan.levels)}"]
    if plan.assessment_every:
        lines.append(
            f"Standard assessment: opens the first run and every {plan.assessment_every}th"
        )
    elif plan.assessment_every == 0:
        lines.append("Standard assessment: not part of this plan")
    if plan.session_minutes is not None:
        lines.append(f"Session length: {plan.session_minutes:g} minutes")
    breaks = plan.breaks
    parts = []
    if breaks.after:
        parts.append("after level " + ", ".join(str(number) for number in breaks.after))
    if breaks.every_minutes is not None:
        parts.append(f"every {breaks.every_minutes:g} minutes of play")
    if parts:
        length = "" if breaks.seconds is None else f" ({breaks.seconds:g} s each)"
        lines.append(f"Breaks: {' and '.join(parts)}{length}")
    else:
        lines.append("Breaks: none")
    if plan.codes:
        shares = ", ".join(f"{share.code} ({share.percent} %)" for share in plan.codes)
        lines.append(f"Billing codes by default: {shares}")
    return lines


# --- written out, and given to a profile ----------------------------------------------------
EDITOR_HEADER = "# Made with the plan editor of the kiosk station (docs/kiosk.md, Plans)."


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def plan_yaml(plan: Plan, header: str = EDITOR_HEADER) -> str:
    """``plan`` as a plan file (the format above); `parse_plan` reads it back to ``plan``."""
    # A JSON string is a YAML double-quoted scalar: any title stays one line of text.
    lines = [header, "format: 1", f"title: {json.dumps(plan.title, ensure_ascii=False)}"]
    # Quoted, as an id such as "0" or "true" would otherwise be read as a number or a yes.
    lines.append(f"levels: [{', '.join(json.dumps(level_id) for level_id in plan.levels)}]")
    if plan.assessment_every is not None:
        lines.append(f"assessment_every: {plan.assessment_every}")
    if plan.session_minutes is not None:
        lines.append(f"session_minutes: {_number_text(plan.session_minutes)}")
    breaks = plan.breaks
    if breaks != Breaks():
        lines.append("breaks:")
        if breaks.after:
            lines.append(f"  after: [{', '.join(str(number) for number in breaks.after)}]")
        if breaks.every_minutes is not None:
            lines.append(f"  every_minutes: {_number_text(breaks.every_minutes)}")
        if breaks.seconds is not None:
            lines.append(f"  seconds: {_number_text(breaks.seconds)}")
    if plan.codes:
        # Quoted, so that a code beginning with 0 stays the code it is.
        shares = ", ".join(json.dumps(f"{share.code}={share.percent}") for share in plan.codes)
        lines.append(f"codes: [{shares}]")
    return "\n".join(lines) + "\n"


def assign_plan_text(
    store: Store,
    station: str,
    profile_code: str,
    text: str,
    path: Path,
    known_level_ids: Collection[str] | None,
) -> tuple[Plan, int]:
    """Check the plan file ``text`` (``path`` names it in problems) and make it the plan
    ``profile_code`` plays, with an audit row; the plan and its id. Raises LevelError with
    every problem, and then nothing is stored."""
    plan = parse_plan(text, path, known_level_ids=known_level_ids)
    with store.transaction():
        plan_id = store.assign_plan(
            profile_code, plan.title, plan.steps, plan.session_minutes, plan_json(plan), text
        )
        audit(store, station, "plans", f"{profile_code}: plan {plan_id} set")
    return plan, plan_id
