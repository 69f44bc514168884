"""MIDI learn, for therapists: "hit the pad for the right hand", one channel after another,
then the notes and pedals are saved in this station's input.yaml.

The flow is engine/input/midi_learn.py's, the same `run.py devices --learn-midi` drives; this
screen asks, shows what each pad became, and saves. It listens on its own MIDI connection
(every port, mapped or not), opened on entering and closed on leaving; the game's own MIDI
input takes the saved notes from its next start.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pygame

from engine.input.mapping import (
    InputConfigError,
    InputMapping,
    read_station_input_mapping,
    save_station_midi,
)
from engine.input.midi import NOTE, MidiInputs, open_midi_inputs
from engine.input.midi_learn import DEFAULT_LEARN_CHANNELS, MidiLearn
from game.canvas import design_unit
from game.context import GameContext
from game.menu_scene import MenuScene
from game.scene import Goto
from game.text import draw_text, wrap_lines
from game.widgets import Button

OpenMidi = Callable[[InputMapping, Callable[[str], None]], MidiInputs | None]
WARNING = (255, 215, 150)
LEARNED = (120, 220, 140)
ASKING = (255, 205, 40)  # the channel asked for now


class MidiLearnScene(MenuScene):
    def __init__(
        self,
        context: GameContext,
        back: Goto | None = None,
        open_midi: OpenMidi = open_midi_inputs,
        channels: tuple[str, ...] = DEFAULT_LEARN_CHANNELS,
        station_path: Path | None = None,
    ) -> None:
        """``open_midi``: how MIDI input is opened (a stand-in in tests); ``station_path``:
        the input.yaml to save in (this station's own unless told)."""
        super().__init__(context)
        self.back = back or Goto("devices")
        self.learn = MidiLearn(channels)
        self._open_midi = open_midi
        self._station_path = station_path
        self.midi: MidiInputs | None = None
        self.lines: list[str] = []  # what the MIDI input said: ports found, gone, unavailable
        self.heard = ""  # what the last press did
        self.saved = ""

    def on_enter(self) -> None:
        station = self.context.station_input
        mapping = station.mapping if station is not None else read_station_input_mapping()[0]
        self.midi = self._open_midi(mapping, self.lines.append)

    def on_exit(self) -> None:
        if self.midi is not None:
            self.midi.close()
            self.midi = None

    def on_update(self, now_ns: int) -> None:
        if self.midi is not None:
            for press in self.midi.drain_presses():
                was = self.learn.current
                said = self.learn.hear(press)
                if said is None:
                    continue
                if self.learn.current != was:
                    self.heard = self.text(
                        "learn.got", pad=self._pad_words(press.kind, press.number),
                        channel=self.text(f"limb.{was}"),
                    )  # fmt: skip
                else:
                    self.heard = self.text(
                        "learn.taken", pad=self._pad_words(press.kind, press.number)
                    )
                self.relayout()  # Save becomes possible once every channel had its turn
        super().on_update(now_ns)

    def title(self) -> str:
        return self.text("learn.title")

    def layout(self, width: int, height: int) -> list[Button]:
        unit = design_unit((width, height))
        keys = ("skip", "again", "save", "back")
        labels = [
            self.text(f"learn.{key}") if key != "back" else self.text("menu.back") for key in keys
        ]
        button_w, button_h, gap = int(250 * unit), int(56 * unit), int(16 * unit)
        left = (width - len(keys) * button_w - (len(keys) - 1) * gap) // 2
        learned = bool(self.learn.notes() or self.learn.controls())
        enabled = {
            "skip": not self.learn.done,
            "again": self.learn.current != self.learn.channels[0],
            "save": self.learn.done and learned and not self.saved,
            "back": True,
        }
        return [
            Button(
                key,
                label,
                pygame.Rect(
                    left + index * (button_w + gap), height - int(84 * unit), button_w, button_h
                ),
                enabled=enabled[key],
            )
            for index, (key, label) in enumerate(zip(keys, labels, strict=True))
        ]

    def activate(self, key: str) -> None:
        if key == "back":
            self.next = self.back
            return
        if key == "skip":
            self.learn.skip()
        elif key == "again":
            self.learn.back()
            self.heard = ""
        elif key == "save":
            self._save()
        self.relayout()

    def _save(self) -> None:
        try:
            path = save_station_midi(self.learn.notes(), self.learn.controls(), self._station_path)
        except (InputConfigError, OSError) as error:
            self.saved = ""
            self.heard = self.text("learn.not_saved", reason=str(error))
            return
        self.saved = self.text("learn.saved", path=str(path))

    def _pad_words(self, kind: str, number: int) -> str:
        return self.text("learn.note" if kind == NOTE else "learn.pedal", number=number)

    def draw_more(self, surface: pygame.Surface) -> None:
        width, _height = surface.get_size()
        unit = self.unit
        look = self.context.look
        current = self.learn.current
        if current is None:
            ask = self.text("learn.done")
        else:
            ask = self.text("learn.ask", channel=self.text(f"limb.{current}"))
        draw_text(surface, ask, int(46 * unit), look.text_colour, center=(width / 2, 150 * unit))
        y = 205 * unit
        if self.heard:
            draw_text(surface, self.heard, int(26 * unit), WARNING, center=(width / 2, y))
        y += 50 * unit
        learned = {channel: number for number, channel in self.learn.notes().items()}
        pedals = {channel: number for number, channel in self.learn.controls().items()}
        size = int(28 * unit)
        for channel in self.learn.channels:
            if channel in learned:
                pad, colour = self._pad_words(NOTE, learned[channel]), LEARNED
            elif channel in pedals:
                pad, colour = self._pad_words("control", pedals[channel]), LEARNED
            else:
                pad, colour = "–", look.dim_text_colour
            label_colour = ASKING if channel == current else look.text_colour
            draw_text(surface, self.text(f"limb.{channel}"), size, label_colour,
                      topright=(width / 2 - 12 * unit, y))  # fmt: skip
            draw_text(surface, pad, size, colour, topleft=(width / 2 + 12 * unit, y))
            y += size * 1.35
        notes = [*self.lines]
        if self.midi is not None and not self.midi.ports:
            notes.append(self.text("learn.no_ports"))
        if self.saved:
            notes.append(self.saved)
        small = int(21 * unit)
        y += 10 * unit
        for note in notes[-4:]:
            for line in wrap_lines(note, small, int(width - 120 * unit)):
                draw_text(surface, line, small, look.dim_text_colour, center=(width / 2, y))
                y += small * 1.2
