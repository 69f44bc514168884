"""Taps in: the input pump that polls at 1 kHz or more between frames, OS-stamped presses
(the X server's own times), and the mapping of keys and buttons to tap channels.

With `engine/audio` the only place in `engine` that may import pygame. Every source produces
`Tap(host_ns, channel, source)`; nothing here judges a tap.
"""
