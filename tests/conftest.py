"""Headless by default: SDL's dummy video and audio drivers, no support banner. And the
fixtures the fault tests share (tests/fault_rigs.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with one demo session recorded by run.py, once per module; tests take
    a copy (tests.fault_rigs.copy_of) rather than change it."""
    from tests.fault_rigs import make_home, record_demo

    root = tmp_path_factory.mktemp("recorded")
    record_demo(make_home(root), root / "data")
    return root / "data"
