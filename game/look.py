"""How things look for this child: palettes for colour vision, contrast, motion, text size.

Every judgement has a colour and a shape, so that a child who cannot tell the colours apart
reads the shape. The colour-blind palette uses colours that stay distinct under the common
red-green deficiencies (blue / orange / yellow / purple).
"""

from __future__ import annotations

from dataclasses import dataclass

Colour = tuple[int, int, int]

JUDGEMENT_SHAPES: dict[str, str] = {
    "sro": "star",
    "good": "circle",
    "ok": "diamond",
    "off": "triangle",
    "extra": "dot",
}
_STANDARD: dict[str, Colour] = {
    "sro": (255, 205, 40),
    "good": (90, 210, 120),
    "ok": (90, 170, 240),
    "off": (180, 150, 220),
    "extra": (150, 150, 160),
}
_COLOUR_BLIND: dict[str, Colour] = {
    "sro": (240, 228, 66),  # yellow
    "good": (0, 114, 178),  # blue
    "ok": (230, 159, 0),  # orange
    "off": (204, 121, 167),  # reddish purple
    "extra": (150, 150, 160),
}


@dataclass(frozen=True)
class Look:
    colour_blind: bool = False
    high_contrast: bool = False
    reduced_motion: bool = False
    large_text: bool = False
    show_ms: bool = True
    side_letters: tuple[str, str] = ("L", "R")  # the left and right badges, in the language

    def judgement_colour(self, judgement: str) -> Colour:
        return (_COLOUR_BLIND if self.colour_blind else _STANDARD)[judgement]

    @staticmethod
    def judgement_shape(judgement: str) -> str:
        return JUDGEMENT_SHAPES[judgement]

    @property
    def text_scale(self) -> float:
        return 1.3 if self.large_text else 1.0

    @property
    def text_colour(self) -> Colour:
        return (255, 255, 255)

    @property
    def dim_text_colour(self) -> Colour:
        return (255, 255, 255) if self.high_contrast else (200, 205, 215)
