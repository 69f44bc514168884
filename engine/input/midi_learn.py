"""MIDI learn: "hit the pad for your right hand", one channel after another.

A small state machine that a screen or the command line drives: it says what to ask
(`prompt`), hears pad hits and pedal presses (`hear`), and ends with the notes and
controllers to save (`notes`, `controls`). It does no I/O and knows no device.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.input.midi import CONTROL, NOTE, MidiPress
from engine.levels.limbs import CHANNELS

DEFAULT_LEARN_CHANNELS: tuple[str, ...] = ("right_hand", "left_hand", "right_toe", "left_toe")
# One hit of a drum pad can send more than one note-on (head and rim, a double trigger);
# presses this soon after the one just learned belong to the same hit.
SETTLE_NS = 300_000_000

_PART_WORDS = {"hand": "hand", "toe": "toes", "heel": "heel"}


def channel_words(channel: str) -> str:
    """How to name a channel to a child: "your right hand", "both heels"."""
    side, part = channel.split("_")
    if side == "both":
        return f"both {part}"
    return f"your {side} {_PART_WORDS[part]}"


def press_words(kind: str, number: int) -> str:
    return f"note {number}" if kind == NOTE else f"pedal (controller {number})"


class MidiLearn:
    def __init__(self, channels: Sequence[str] = DEFAULT_LEARN_CHANNELS) -> None:
        unknown = [channel for channel in channels if channel not in CHANNELS]
        if unknown or not channels:
            raise ValueError(
                f"cannot learn {', '.join(unknown) or 'nothing'}; "
                f"channels are {', '.join(CHANNELS)}"
            )
        self.channels = tuple(channels)
        self._step = 0
        self._learned: list[tuple[str, tuple[str, int] | None]] = []  # per step; None: skipped
        self._settle_until_ns: int | None = None

    @property
    def current(self) -> str | None:
        """The channel asked for now, or None when every channel has had its turn."""
        return self.channels[self._step] if self._step < len(self.channels) else None

    @property
    def done(self) -> bool:
        return self.current is None

    def prompt(self) -> str:
        if self.current is None:
            return "All done."
        return f"Hit the pad for {channel_words(self.current)}"

    def hear(self, press: MidiPress) -> str | None:
        """Take a pad hit or pedal press; returns what to say, or None if it was ignored."""
        if self.current is None:
            return None
        if self._settle_until_ns is not None and press.host_ns < self._settle_until_ns:
            return None
        pad = (press.kind, press.number)
        for channel, learned in self._learned:
            if learned == pad:
                return (
                    f"{press_words(*pad)} is already {channel_words(channel)}; "
                    "hit another pad, or skip"
                )
        self._learned.append((self.current, pad))
        self._settle_until_ns = press.host_ns + SETTLE_NS
        said = f"{press_words(*pad)} is {channel_words(self.current)}"
        self._step += 1
        return said

    def skip(self) -> None:
        """Leave the current channel without a pad."""
        if self.current is not None:
            self._learned.append((self.current, None))
            self._step += 1

    def back(self) -> None:
        """Ask again for the channel before this one, forgetting its pad."""
        if self._learned:
            self._learned.pop()
            self._step -= 1
            self._settle_until_ns = None

    def _by_kind(self, kind: str) -> dict[int, str]:
        return {
            learned[1]: channel
            for channel, learned in self._learned
            if learned is not None and learned[0] == kind
        }

    def notes(self) -> dict[int, str]:
        """Learned note numbers and their channels."""
        return self._by_kind(NOTE)

    def controls(self) -> dict[int, str]:
        """Learned pedal controllers and their channels."""
        return self._by_kind(CONTROL)
