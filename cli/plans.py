"""`run.py plans`: the plans children play at the kiosk, one per profile: list them, show one
with where the child stands, give a profile a plan from a YAML file, or take it away. Giving
and taking away are written to the station's audit log."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

from cli.common import AddCommand, UserError, clinic_levels_of, data_dir_of
from cli.kiosk import kiosk_config_of


def register(add_command: AddCommand) -> None:
    plans = add_command("plans", "list, show, set or clear the kiosk plan of each profile")
    actions = plans.add_subparsers(dest="plans_action", metavar="ACTION", required=True)
    _action(actions, "list", "every profile and the plan it plays").set_defaults(handler=cmd_list)
    show = _action(actions, "show", "one profile's plan and where the child stands in it")
    show.add_argument("code", metavar="CODE", help="profile code, like P-ABC234")
    show.set_defaults(handler=cmd_show)
    set_plan = _action(actions, "set", "give a profile the plan in a YAML file (checked first)")
    set_plan.add_argument("code", metavar="CODE", help="profile code, like P-ABC234")
    set_plan.add_argument("file", metavar="FILE", help="plan file (docs/kiosk.md, Plans)")
    set_plan.add_argument(
        "--levels-dir", action="append", default=[], help="another folder of levels"
    )
    set_plan.set_defaults(handler=cmd_set)
    clear = _action(actions, "clear", "take a profile's plan away (its sessions stay)")
    clear.add_argument("code", metavar="CODE", help="profile code, like P-ABC234")
    clear.set_defaults(handler=cmd_clear)


def _action(actions, name: str, help_text: str) -> argparse.ArgumentParser:
    action = actions.add_parser(name, help=help_text, description=help_text)
    action.add_argument(
        "--data-dir", default=argparse.SUPPRESS, help="folder of the OnBeat database"
    )
    action.add_argument("--config", default=argparse.SUPPRESS, help="kiosk settings file")
    return action


def _open(args: argparse.Namespace):
    from engine.store.opening import open_store, store_exists

    data_dir = data_dir_of(args)
    if not store_exists(data_dir):
        raise UserError(f"{data_dir}: no OnBeat data here; give the folder with --data-dir")
    return open_store(data_dir)


def _profile(store, code: str):
    try:
        return store.profile(code)
    except LookupError:
        raise UserError(
            f"{code}: no such profile in {store.path}; `run.py plans list` shows the codes"
        ) from None


def cmd_list(args: argparse.Namespace) -> int:
    store = _open(args)
    try:
        profiles = store.list_profiles()
        plans = {plan.profile_code: plan for plan in store.assigned_plans()}
    finally:
        store.close()
    if not profiles:
        print("No profiles yet.")
    for profile in profiles:
        plan = plans.get(profile.code)
        what = "no plan" if plan is None else f"{plan.title} (since {plan.assigned_at_utc[:10]})"
        print(f"{profile.code}  {profile.display_name:<20}  {what}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from engine.session.plan_progress import current_run, run_is_done
    from engine.session.plans import describe_plan, plan_of_json

    defaults = kiosk_config_of(args).plan_defaults
    store = _open(args)
    try:
        profile = _profile(store, args.code)
        assigned = store.assigned_plan(profile.code)
        sessions = store.list_sessions(profile.code)
    finally:
        store.close()
    if assigned is None:
        print(f"{profile.code} has no plan; give one with `run.py plans set {profile.code} FILE`")
        return 0
    plan = plan_of_json(assigned.definition_json)
    for line in describe_plan(plan.with_defaults(defaults)):
        print(line)
    run = current_run(
        plan.with_defaults(defaults),
        assigned.plan_id,
        sessions,
        datetime.now(UTC),
        defaults.resume_within_hours,
    )
    stops = ", ".join(
        f"{stop.level_id}{' (done)' if stop.index in run.completed else ''}" for stop in run.stops
    )
    state = "done" if run_is_done(plan.with_defaults(defaults), run) else "now"
    print(f"Run {run.run_number} ({state}): {stops}")
    print(f"Plan id {assigned.plan_id}, given {assigned.assigned_at_utc}. The file as given:")
    print(assigned.source_text.rstrip())
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    from engine.levels.library import discover_levels
    from engine.session.plans import LevelError, assign_plan_text, parse_plan

    config = kiosk_config_of(args)
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise UserError(f"{path}: cannot read the plan file ({reason})") from None
    library = discover_levels(args.levels_dir, clinic_dir=clinic_levels_of(args))
    known = {level.id for level in library.levels}
    try:
        parse_plan(text, path, known_level_ids=known)  # the file's problems before the data's
    except LevelError as error:
        raise UserError("\n".join(str(problem) for problem in error.problems)) from None
    store = _open(args)
    try:
        profile = _profile(store, args.code)
        plan, plan_id = assign_plan_text(
            store, config.station_name, profile.code, text, path, known
        )
    finally:
        store.close()
    print(f"{profile.code} now plays '{plan.title}' ({len(plan.levels)} levels; plan {plan_id})")
    return 0


def cmd_clear(args: argparse.Namespace) -> int:
    from engine.session.audit import audit

    config = kiosk_config_of(args)
    store = _open(args)
    try:
        profile = _profile(store, args.code)
        with store.transaction():
            had_plan = store.clear_plan(profile.code)
            if had_plan:
                audit(store, config.station_name, "plans", f"{profile.code}: plan cleared")
    finally:
        store.close()
    print(f"{profile.code}: plan cleared" if had_plan else f"{profile.code} had no plan")
    return 0
