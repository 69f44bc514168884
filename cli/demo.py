"""`run.py demo`: autoplay a level headless through the real scorer and recorder.

Without --data-dir the demo writes into a throwaway folder (and says where), never into the
station's own records: a simulated child is nobody's progress. Its sessions are marked
autoplayed wherever they are kept.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from cli.common import (
    DEFAULT_LEVEL,
    PROFILE_HELP,
    AddCommand,
    data_dir_of,
    float_between,
    load_level_file,
    profile_of,
    whole_number_from,
)

STATION_PROFILE = "Demo"  # recorded under when no --profile is given
MAX_JITTER_MS = 25.0
MAX_SEED = 2**32 - 1  # numpy takes more; no demo needs it


def register(add_command: AddCommand) -> None:
    demo = add_command("demo", "autoplay a level headless through the real scorer and recorder")
    demo.add_argument("--level", default=str(DEFAULT_LEVEL), help="level YAML file")
    demo.add_argument(
        "--jitter-ms",
        type=float_between(0.0, MAX_JITTER_MS, " ms"),
        default=10.0,
        help=f"frame time jitter, 0–{MAX_JITTER_MS:g} ms",
    )
    demo.add_argument(
        "--seed",
        type=whole_number_from(0, MAX_SEED),
        default=1,
        help="random seed of the autoplayer, a whole number from 0",
    )
    demo.add_argument(
        "--profile", help=f"{PROFILE_HELP} (default: the profile called {STATION_PROFILE})"
    )
    demo.set_defaults(handler=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    # Headless unless the caller chose drivers; set before pygame is first imported below.
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    from engine.scoring.kernels import warm_up
    from engine.store.opening import open_store
    from engine.store.recorder import Recorder
    from game.harness import human_like, run_headless

    level = load_level_file(args.level)
    if args.data_dir is not None:
        data_dir = data_dir_of(args)
    else:
        data_dir = Path(tempfile.mkdtemp(prefix="onbeat-demo-"))
        print(f"Demo data goes to a throwaway folder: {data_dir} (keep it with --data-dir)")
    profile = profile_of(data_dir, args.profile, STATION_PROFILE)
    warm_up()
    recorder = Recorder(data_dir)
    try:
        run = run_headless(
            level,
            recorder,
            human_like(),
            frame_jitter_ms=args.jitter_ms,
            seed=args.seed,
            profile=profile,
            simulated_player=True,
            data_dir=data_dir,  # the station's name (a joined clinic's) and the child's places
        )
    finally:
        recorder.close()
    session = run.session
    overall = session.overall()
    store = open_store(data_dir)
    try:
        stored_taps = store.session_counts(session.session_id).tap_count
    finally:
        store.close()
    print(
        f"Demo session {session.session_id} of {profile.code} ({profile.display_name}): "
        f"{level.title} ({level.id}), autoplayed headless"
    )
    print(
        f"  taps recorded: {stored_taps}   targets: {overall.targets}"
        f"   missed: {overall.missed_targets}"
    )
    print(f"  Task Average: {overall.task_average_ms:.1f} ms   SRO: {overall.sro_percent:.0f}%")
    print(
        f"  frames: {run.loop.frames}, input polls: {run.pump.polls},"
        f" audio underruns: {run.rig.ring.underruns}"
    )
    print(f"  data: {store.path}")
    print(f"  export: .venv/bin/python run.py export --data-dir {data_dir} --out taps.csv")
    return 0
