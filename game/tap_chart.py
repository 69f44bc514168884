"""The tap-by-tap chart of a task for the results screen: one point per tap, in tap order,
late taps above the line, early taps below, over shaded bands of the judgement windows (each
tap's own, where an adaptive level changed them).

Each point has its judgement's colour and shape (as decided by the scorer), so the chart
reads without colour too. Taps beyond the chart's range sit on its edge.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pygame

from engine.levels.model import Windows
from game.canvas import Canvas
from game.icons import shape_sprite
from game.look import Colour
from game.text import font
from game.themes.stage import mix

# The chart's words; a scene passes them in the child's language.
CHART_WORDS: dict[str, str] = {"late": "late", "early": "early", "ms": "{ms:+.0f} ms"}
PANEL: Colour = (18, 22, 44)
HIGH_CONTRAST_PANEL: Colour = (0, 0, 0)
RANGE_OVER_OK = 1.4  # the chart reaches this far past the ok window...
RANGE_OVER_OK_MAX = 3.0  # ...or to the farthest tap, up to this multiple of it
BAND_SHARE = 0.28  # how much of a judgement's colour tints its window band


def chart_range_ms(asynchrony_ms: Sequence[float], windows: Windows) -> float:
    """Half the height of the chart in ms: the ok window with room, or the farthest tap."""
    farthest_ms = max((abs(value) for value in asynchrony_ms if value == value), default=0.0)
    reach_ms = max(windows.ok_ms * RANGE_OVER_OK, farthest_ms * 1.1)
    return min(reach_ms, windows.ok_ms * RANGE_OVER_OK_MAX)


def draw_tap_chart(
    canvas: Canvas,
    rect: pygame.Rect,
    asynchrony_ms: list[float],
    judgements: list[str],
    windows: Windows | Sequence[Windows],
    words: Mapping[str, str] = CHART_WORDS,
    window_labels: bool = True,
) -> None:
    """Draw the chart of one task's taps (asynchrony in ms, negative early, NaN unpaired)
    into ``rect``, over the windows: one set for all taps, or each tap's own;
    ``window_labels``: the windows' edges in ms beside the chart (for therapists)."""
    per_tap = [windows] * len(asynchrony_ms) if isinstance(windows, Windows) else list(windows)
    widest = max(per_tap, key=lambda w: w.ok_ms, default=windows)
    latest = per_tap[-1] if per_tap else widest
    surface, look, unit = canvas.surface, canvas.look, canvas.unit
    panel = HIGH_CONTRAST_PANEL if look.high_contrast else PANEL
    line_colour = look.text_colour
    canvas.mark(pygame.draw.rect(surface, panel, rect, border_radius=round(10 * unit)))
    padding = round(14 * unit)
    label_px = round(20 * unit * look.text_scale)
    plot = rect.inflate(-2 * padding, -2 * padding)
    if window_labels:
        plot.left += round(label_px * 3.2)  # room for the window labels
        plot.width -= round(label_px * 3.2)
    range_ms = chart_range_ms(asynchrony_ms, widest)
    middle_y = plot.centery

    def y_of(ms: float) -> int:
        clamped = max(-range_ms, min(range_ms, ms))
        return round(middle_y - clamped / range_ms * (plot.height / 2))

    # Widest band first, so the narrower ones lie on top of it; a column per run of taps that
    # had the same windows.
    column_px = plot.width / max(1, len(per_tap))
    runs = _runs(per_tap) or [(0, 1, latest)]
    for first, end, in_force in runs:
        left = round(plot.left + first * column_px) if per_tap else plot.left
        right = round(plot.left + end * column_px) if per_tap else plot.right
        for judgement, half_ms in (
            ("ok", in_force.ok_ms),
            ("good", in_force.good_ms),
            ("sro", in_force.sro_ms),
        ):
            tint = mix(panel, look.judgement_colour(judgement), BAND_SHARE)
            top, bottom = y_of(half_ms), y_of(-half_ms)
            pygame.draw.rect(surface, tint, (left, top, max(1, right - left), max(1, bottom - top)))
    label_face = font(label_px)
    for half_ms in (latest.ok_ms, latest.good_ms) if window_labels else ():
        for sign in (1, -1):
            label = label_face.render(
                words["ms"].format(ms=sign * half_ms), True, look.dim_text_colour
            )
            surface.blit(
                label, label.get_rect(midright=(plot.left - 6 * unit, y_of(sign * half_ms)))
            )
    pygame.draw.line(
        surface, line_colour, (plot.left, middle_y), (plot.right, middle_y), max(1, round(2 * unit))
    )
    for word, anchor in (("late", "topleft"), ("early", "bottomleft")):
        image = label_face.render(words[word], True, look.dim_text_colour)
        corner = plot.topleft if anchor == "topleft" else plot.bottomleft
        surface.blit(image, image.get_rect(**{anchor: (corner[0] + 6 * unit, corner[1])}))
    if not asynchrony_ms:
        return
    step_px = plot.width / len(asynchrony_ms)
    points = [
        (round(plot.left + (index + 0.5) * step_px), y_of(value))
        for index, value in enumerate(asynchrony_ms)
    ]
    if len(points) > 1:
        pygame.draw.lines(
            surface, mix(panel, line_colour, 0.35), False, points, max(1, round(unit))
        )
    radius_px = round(max(4 * unit, min(9 * unit, step_px * 0.4)))
    outline = (0, 0, 0) if look.high_contrast else (36, 40, 66)
    for point, judgement in zip(points, judgements, strict=True):
        sprite = shape_sprite(
            look.judgement_shape(judgement), radius_px, look.judgement_colour(judgement), outline
        )
        surface.blit(sprite, sprite.get_rect(center=point))


def _runs(per_tap: list[Windows]) -> list[tuple[int, int, Windows]]:
    """(first tap, end tap, windows) of each run of taps judged with the same windows."""
    runs: list[tuple[int, int, Windows]] = []
    for index, windows in enumerate(per_tap):
        if runs and runs[-1][2] == windows:
            runs[-1] = (runs[-1][0], index + 1, windows)
        else:
            runs.append((index, index + 1, windows))
    return runs
