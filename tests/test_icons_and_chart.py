"""Limb icons (left/right told apart without colour too) and the tap-by-tap chart."""

from __future__ import annotations

import pygame
import pytest

from engine.levels.limbs import LIMBS
from engine.levels.model import Windows
from game.canvas import Canvas
from game.icons import BADGE_COLOURS, limb_icon
from game.look import Look
from game.tap_chart import chart_range_ms, draw_tap_chart


@pytest.fixture
def window():
    pygame.display.init()
    yield pygame.display.set_mode((800, 400))
    pygame.display.quit()


def _has_colour(surface: pygame.Surface, area: pygame.Rect, colour) -> bool:
    return any(
        tuple(surface.get_at((x, y)))[:3] == colour
        for x in range(area.left, area.right)
        for y in range(area.top, area.bottom)
    )


def test_every_limb_has_an_icon_of_the_size_asked(window):
    for limb in LIMBS:
        icon = limb_icon(limb, 60)
        assert icon.get_size() == (60, 60)
        assert icon.get_bounding_rect().width > 30  # something is drawn


def test_left_and_right_carry_their_badge_on_their_own_side(window):
    size = 80
    bottom_left = pygame.Rect(0, size // 2, size // 2, size // 2)
    bottom_right = pygame.Rect(size // 2, size // 2, size // 2, size // 2)
    for part in ("hand", "toe", "heel"):
        left = limb_icon(f"left_{part}", size)
        right = limb_icon(f"right_{part}", size)
        assert _has_colour(left, bottom_left, BADGE_COLOURS["left"])
        assert not _has_colour(left, bottom_right, BADGE_COLOURS["right"])
        assert _has_colour(right, bottom_right, BADGE_COLOURS["right"])
        both = limb_icon(f"both_{part}s", size)
        assert _has_colour(both, bottom_left, BADGE_COLOURS["left"])
        assert _has_colour(both, bottom_right, BADGE_COLOURS["right"])


def _chart(surface, asynchrony_ms, judgements, look=None):
    marks = []
    rect = pygame.Rect(20, 20, 760, 360)
    surface.fill((0, 0, 0))
    canvas = Canvas(surface, lambda r: marks.append(r) or r, look or Look())
    draw_tap_chart(canvas, rect, asynchrony_ms, judgements, Windows())
    return rect, marks


def test_early_taps_sit_below_the_line_and_late_taps_above(window):
    look = Look()
    colour = look.judgement_colour("ok")
    for asynchrony_ms, above in ((-70.0, False), (70.0, True)):
        rect, marks = _chart(window, [asynchrony_ms], ["ok"], look)
        assert marks == [rect]
        upper = pygame.Rect(rect.left, rect.top, rect.width, rect.height // 2 - 4)
        lower = pygame.Rect(rect.left, rect.centery + 4, rect.width, rect.height // 2 - 4)
        # The point's shape is smoothed at its edge; its middle has the judgement's colour
        # within a unit or two, which no band tint comes near.
        near = [
            (x, y)
            for area in (upper, lower)
            for x in range(area.left, area.right, 2)
            for y in range(area.top, area.bottom, 2)
            if all(abs(a - b) <= 4 for a, b in zip(window.get_at((x, y))[:3], colour, strict=True))
        ]
        assert near
        assert all((y < rect.centery) == above for _, y in near)


def test_the_chart_draws_with_no_taps_and_with_taps_far_out(window):
    _chart(window, [], [])
    _chart(window, [-900.0, 5.0, 400.0], ["off", "sro", "off"], Look(high_contrast=True))
    assert chart_range_ms([], Windows()) == pytest.approx(Windows().ok_ms * 1.4)
    assert chart_range_ms([900.0], Windows()) == pytest.approx(Windows().ok_ms * 3.0)


def test_each_tap_is_drawn_over_the_windows_it_was_judged_with(window):
    """An adaptive level narrowed the windows after the second tap: the bands narrow there."""
    marks = []
    rect = pygame.Rect(20, 20, 760, 360)
    window.fill((0, 0, 0))
    canvas = Canvas(window, lambda r: marks.append(r) or r, Look())
    wide, narrow = Windows(), Windows(sro_ms=10.0, good_ms=30.0, ok_ms=66.0)
    asynchrony_ms = [0.0, 0.0, 0.0, 0.0]
    draw_tap_chart(canvas, rect, asynchrony_ms, ["sro"] * 4, [wide, wide, narrow, narrow])

    def band_height(x: int) -> int:
        # Rows tinted by a band (not the dark panel) in one column, away from the points.
        return sum(
            1 for y in range(rect.top + 20, rect.bottom - 20) if max(window.get_at((x, y))[:3]) > 60
        )

    # Between the labels and the first point, and past the last point.
    left, right = rect.left + 100, rect.right - 40
    assert band_height(left) > band_height(right) > 0
