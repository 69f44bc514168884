"""The tap sources a station runs besides SDL: evdev devices and MIDI ports, as configured.

Each back-end that cannot run says so in one line and the others go on; none is required.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from engine.input.evdev_source import EvdevInputs
from engine.input.mapping import InputMapping
from engine.input.midi import open_midi_inputs
from engine.input.tap import TapSource

log = logging.getLogger(__name__)


def start_tap_sources(
    mapping: InputMapping, notify: Callable[[str], None] = log.warning
) -> list[TapSource]:
    """Start the evdev and MIDI back-ends the mapping asks for; stop them with `close_all`."""
    sources: list[TapSource] = []
    if mapping.evdev_devices:
        if sys.platform.startswith("linux"):
            sources.append(EvdevInputs(mapping, notify))
        else:
            notify("evdev: the input.yaml 'evdev' devices need Linux; they are off here")
    if mapping.midi_notes or mapping.midi_controls:
        midi = open_midi_inputs(mapping, notify)
        if midi is not None:
            sources.append(midi)
    return sources


def close_all(sources: list[TapSource]) -> None:
    for source in sources:
        try:
            source.close()
        except Exception:
            # One back-end failing to close must not keep the others open.
            log.exception("closing the %s input failed", source.name)
