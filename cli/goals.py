"""`run.py goals`: a profile's functional goals in the therapist's words, each with a
measurable target where it can have one; how each stands (baseline, latest, trend)."""

from __future__ import annotations

import argparse
from datetime import date

from cli.common import AddCommand, UserError, data_dir_of, profile_name_argument, profile_of


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2027-02-01") from None


def register(add_command: AddCommand) -> None:
    goals = add_command("goals", "a profile's functional goals and how they stand")
    actions = goals.add_subparsers(dest="goals_action", metavar="ACTION", required=True)
    add = actions.add_parser("add", help="write a goal, with a measurable target if it has one")
    add.add_argument("--profile", required=True, type=profile_name_argument)
    add.add_argument("--text", required=True, help="the goal in the therapist's words")
    add.add_argument(
        "--target",
        help="METRIC <= or >= VALUE: 'Task Average <= 40 ms', 'SRO >= 60 %%', 'SD <= 30 ms'",
    )
    add.add_argument(
        "--limbs",
        help="count only tasks on these limbs, comma-separated (e.g. both_hands)",
    )
    add.add_argument("--task", help="count only tasks of this name")
    add.add_argument("--by", type=_date, help="the date the target should be met by")
    add.add_argument(
        "--since",
        type=_date,
        help="sessions from this day on count, the first being the baseline (default: today)",
    )
    add.add_argument("--therapist", required=True, help="therapist id or name who writes it")
    add.set_defaults(handler=cmd_add)
    listing = actions.add_parser("list", help="a profile's goals and how each stands")
    listing.add_argument("--profile", required=True, type=profile_name_argument)
    listing.set_defaults(handler=cmd_list)
    close = actions.add_parser("close", help="close a goal as met, discontinued or revised")
    close.add_argument("goal", type=int, help="goal id from `run.py goals list`")
    close.add_argument("--reason", required=True, choices=["met", "discontinued", "revised"])
    close.set_defaults(handler=cmd_close)
    for action in (add, listing, close):
        action.add_argument(
            "--data-dir", default=argparse.SUPPRESS, help="folder of the OnBeat database"
        )


def cmd_add(args: argparse.Namespace) -> int:
    from cli.therapists import open_for_writing, therapist_named
    from engine.metrics.goal_series import goal_of
    from engine.metrics.goals import parse_target
    from engine.store.chart_records import GoalRecord

    code = profile_of(data_dir_of(args), args.profile, None).code
    text = " ".join(args.text.split())
    if not text:
        raise UserError("--text is empty: write the goal in your words")
    metric = comparison = value = None
    if args.target is not None:
        try:
            metric, comparison, value = parse_target(args.target)
        except ValueError as error:
            raise UserError(f"--target {error}", 2) from None
    elif args.limbs or args.task or args.by:
        raise UserError("--limbs, --task and --by belong to a --target; give one", 2)
    limbs = tuple(p.strip() for p in (args.limbs or "").split(",") if p.strip())
    record = GoalRecord(
        profile_code=code,
        text=text,
        metric=metric,
        comparison=None if comparison is None else comparison.value,
        target_value=value,
        limbs=limbs,
        task_name=args.task,
        by_date=None if args.by is None else args.by.isoformat(),
        baseline_from=(args.since or date.today()).isoformat(),
        therapist_id=None,
    )
    try:
        goal_of(record)  # the target's own checks: a known limb, a finite value
    except ValueError as error:
        raise UserError(f"run.py goals add: {error}", 2) from None
    store = open_for_writing(args)
    try:
        therapist = therapist_named(store, args.therapist)
        stored = store.add_goal(
            GoalRecord(**{**record.__dict__, "therapist_id": therapist.therapist_id})
        )
    finally:
        store.close()
    print(f"goal {stored.goal_id}: {_describe(stored)}")
    return 0


def _describe(record) -> str:
    from engine.metrics.goal_series import goal_of

    goal = goal_of(record)
    target = "" if goal.target is None else f" [{goal.target.describe()}]"
    return f"{record.text}{target}"


def cmd_list(args: argparse.Namespace) -> int:
    from engine.metrics.goal_series import goal_standing
    from engine.store.opening import open_store

    code = profile_of(data_dir_of(args), args.profile, None).code
    store = open_store(data_dir_of(args), read_only=True)
    try:
        standings = [goal_standing(store, record) for record in store.goals(code)]
    finally:
        store.close()
    for standing in standings:
        record = standing.record
        state = "open" if record.open else f"closed ({record.closed_reason})"
        print(f"{record.goal_id}\t{state}\t{_describe(record)}")
        progress = standing.progress
        if progress is None or progress.baseline is None:
            if progress is not None:
                print("\tno sessions measure it yet")
            continue
        unit = progress.target.goal_metric.unit
        trend = (
            "–" if progress.trend_per_week is None
            else f"{progress.trend_per_week:+.1f} {progress.trend_unit}"
        )  # fmt: skip
        print(
            f"\tbaseline {progress.baseline.value:.1f} {unit} ({progress.baseline.day}), "
            f"latest {progress.latest.value:.1f} {unit} ({progress.latest.day}), "
            f"{'met' if progress.met else 'not met'}, trend {trend}, {progress.points} sessions"
        )
    if not standings:
        print(f"{code} has no goals yet; add one with `run.py goals add`")
    return 0


def cmd_close(args: argparse.Namespace) -> int:
    from cli.therapists import open_for_writing

    store = open_for_writing(args)
    try:
        store.close_goal(args.goal, args.reason)
    except (LookupError, ValueError) as error:
        raise UserError(f"run.py goals close: {error}") from None
    finally:
        store.close()
    print(f"goal {args.goal} closed: {args.reason}")
    return 0
