"""Sound out: the output callback that is the master clock, the click track, synthesis
of clicks and guide sounds, audio configuration and loopback latency maths.

With `engine/input` the only place in `engine` that may import pygame (its SDL audio device).
"""
