#!/usr/bin/env python3
"""OnBeat command line. Bare `run.py` starts the game; `run.py --help` lists the commands."""

import os
import sys

# Set before anything can import pygame, which prints a banner otherwise.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

from cli.main import main

if __name__ == "__main__":
    sys.exit(main())
