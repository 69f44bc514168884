"""`run.py bench`: the timing and speed benchmarks of bench/ (the same as `make bench`)."""

from __future__ import annotations

import argparse

from cli.common import AddCommand


def register(add_command: AddCommand) -> None:
    bench = add_command("bench", "timing and speed benchmarks (the same as make bench)")
    bench.set_defaults(handler=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    # The top-level bench/ package, not this module; it loads pygame and numba, so only here.
    from bench.__main__ import main as run_benchmarks

    return run_benchmarks()
