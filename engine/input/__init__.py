"""Taps in: the input pump that polls SDL at 1 kHz or more between frames, OS-stamped presses
(the X server's own times), back-ends that stamp taps themselves (Linux evdev with the
kernel's stamps, MIDI with the driver's), gamepads with hot-plug, the mapping of keys,
buttons, pads and pedals to tap channels, MIDI learn, and the device listing.

With `engine/audio` the only place in `engine` that may import pygame. Every source produces
`Tap(host_ns, channel, stamp_source)` (engine/input/tap.py); nothing here judges a tap.
"""
