"""Limb names of the level format and the input channels they accept.

A channel is what one tap came from (a key mapped to the right toe, a dedicated "both hands"
pedal...). A limb named in a level accepts a set of channels; scoring works on bitmasks of
channel indices so that the numba kernels only see integers.
"""

from __future__ import annotations

# Order is the channel index used in arrays and in the database; append only.
CHANNELS: tuple[str, ...] = (
    "right_hand",
    "left_hand",
    "both_hands",
    "right_toe",
    "left_toe",
    "both_toes",
    "right_heel",
    "left_heel",
    "both_heels",
)
CHANNEL_INDEX: dict[str, int] = {name: index for index, name in enumerate(CHANNELS)}

LIMBS: tuple[str, ...] = (
    "both_hands",
    "right_hand",
    "left_hand",
    "both_toes",
    "right_toe",
    "left_toe",
    "both_heels",
    "right_heel",
    "left_heel",
    "any",
)


def _mask(*channel_names: str) -> int:
    mask = 0
    for name in channel_names:
        mask |= 1 << CHANNEL_INDEX[name]
    return mask


_ACCEPTED_BY_LIMB: dict[str, int] = {
    "any": _mask(*CHANNELS),
    "both_hands": _mask("right_hand", "left_hand", "both_hands"),
    "both_toes": _mask("right_toe", "left_toe", "both_toes"),
    "both_heels": _mask("right_heel", "left_heel", "both_heels"),
}
for _side in ("right", "left"):
    for _part in ("hand", "toe", "heel"):
        _ACCEPTED_BY_LIMB[f"{_side}_{_part}"] = _mask(f"{_side}_{_part}")


def accept_mask(limb: str) -> int:
    """Bitmask of channel indices that a target for ``limb`` accepts."""
    return _ACCEPTED_BY_LIMB[limb]


def channel_index(channel: str) -> int:
    return CHANNEL_INDEX[channel]
