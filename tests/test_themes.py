"""Themes: every phase and judgement draws, cues follow visual_cue, reduced motion holds still."""

from __future__ import annotations

import pygame
import pytest

from engine.session.play_view import PHASE_BETWEEN, PHASE_COUNT_IN, PHASE_PLAYING
from game.canvas import Canvas
from game.look import Look
from game.themes.base import THEME_NAMES, StageGeometry
from game.themes.registry import get_theme
from game.themes.stage import FADE_GONE_S, LANE_LOOKAHEAD_S, cue_spots
from tests.play_views import JUDGEMENTS, make_view, tapped

SIZES = ((640, 360), (1280, 720))
DEFAULT = Look()
ACCESSIBLE = Look(colour_blind=True, high_contrast=True, reduced_motion=True, large_text=True)


@pytest.fixture
def window():
    """A real SDL window surface (dummy video driver), sized by the test."""
    pygame.display.init()

    def open_window(size: tuple[int, int]) -> pygame.Surface:
        return pygame.display.set_mode(size)

    yield open_window
    pygame.display.quit()


def draw(theme_name: str, surface: pygame.Surface, view, look: Look = DEFAULT) -> list[pygame.Rect]:
    """Draw one frame of the stage; returns the rects the theme marked."""
    theme = get_theme(theme_name)
    size = surface.get_size()
    surface.blit(theme.background(size, look), (0, 0))
    marks: list[pygame.Rect] = []
    canvas = Canvas(surface, lambda rect: marks.append(rect) or rect, look)
    theme.draw_stage(canvas, view, StageGeometry.for_size(size))
    return marks


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("theme_name", THEME_NAMES)
def test_every_phase_and_judgement_draws_inside_the_window(window, theme_name, size):
    surface = window(size)
    whole = surface.get_rect()
    for look in (Look(), ACCESSIBLE):
        background = get_theme(theme_name).background(size, look)
        assert background.get_size() == size
        for phase in (PHASE_COUNT_IN, PHASE_PLAYING, PHASE_BETWEEN):
            for judgement in JUDGEMENTS:
                for age_s in (0.0, 0.4):
                    view = make_view(
                        phase=phase, feedback=tapped(judgement, age_s), beat_fraction=age_s
                    )
                    marks = draw(theme_name, surface, view, look)
                    assert marks, (phase, judgement)
                    # Anything drawn off the window would be presented as nothing; a clipped
                    # rect is fine, one entirely outside is a drawing in the wrong place.
                    assert all(rect.colliderect(whole) for rect in marks)


def test_get_theme_names_the_level_formats_themes():
    for name in THEME_NAMES:
        assert get_theme(name).name == name
        assert get_theme(name) is get_theme(name)  # pre-rendered art is shared
    with pytest.raises(KeyError, match="pond, space, parade"):
        get_theme("jungle")


def test_full_cues_travel_the_lane_and_arrive_on_their_beat():
    geometry = StageGeometry.for_size((1280, 720))
    spots = cue_spots(make_view(), geometry, Look(), unit=1.0)
    within = [s for s, _ in make_view().upcoming_s if s <= LANE_LOOKAHEAD_S]
    assert [spot.seconds_until for spot in spots] == within
    assert all(spot.alpha == 255 for spot in spots)
    xs = [spot.x for spot in spots]
    assert xs == sorted(xs)  # sooner is nearer the target
    assert [spot.limb for spot in spots] == ["right_toe", "left_toe", "right_toe"]
    arriving = cue_spots(make_view(upcoming_s=((0.0, "any"),)), geometry, Look(), 1.0)
    target_x, _ = geometry.target_center
    rim_x = target_x + geometry.target_radius_px
    assert arriving[0].x == rim_x  # on the rim, on the beat
    # Just after its beat a cue stays on the rim, fading, while the guide still names it.
    just_past = make_view(upcoming_s=((-0.05, "left_hand"), (-0.3, "right_hand")))
    (landed,) = cue_spots(just_past, geometry, Look(), 1.0)
    assert (landed.x, landed.limb) == (rim_x, "left_hand") and 0 < landed.alpha < 255


def test_fading_cues_vanish_before_their_beat():
    geometry = StageGeometry.for_size((1280, 720))
    upcoming = tuple((seconds, "both_hands") for seconds in (0.2, 0.5, 0.8, 1.2, 1.8))
    spots = cue_spots(make_view(visual_cue="fade", upcoming_s=upcoming), geometry, Look(), 1.0)
    assert all(spot.seconds_until > FADE_GONE_S for spot in spots)
    alphas = [spot.alpha for spot in spots]
    assert alphas == sorted(alphas) and alphas[0] < 255 == alphas[-1]


@pytest.mark.parametrize("theme_name", THEME_NAMES)
def test_no_visual_cue_draws_nothing_on_the_lane_and_no_pulse(window, theme_name):
    surface = window((1280, 720))
    geometry = StageGeometry.for_size((1280, 720))
    lane = pygame.Rect(geometry.lane_start_x + geometry.target_radius_px, 0, 2000, 720)
    assert cue_spots(make_view(visual_cue="none"), geometry, Look(), 1.0) == []
    on_beat = make_view(visual_cue="none", beat_fraction=0.0, streak=0)
    between_beats = make_view(visual_cue="none", beat_fraction=0.6, streak=0)
    marks_on_beat = draw(theme_name, surface, on_beat)
    assert not any(rect.colliderect(lane) for rect in marks_on_beat)
    # Without cues the stage does not move with the metronome: only the sound keeps time.
    assert marks_on_beat == draw(theme_name, surface, between_beats)
    full = draw(theme_name, surface, make_view(beat_fraction=0.0))
    assert any(rect.colliderect(lane) for rect in full)


def _character_extent(theme_name: str, surface: pygame.Surface, view, look: Look) -> pygame.Rect:
    marks: list[pygame.Rect] = []
    canvas = Canvas(surface, lambda rect: marks.append(rect) or rect, look)
    get_theme(theme_name).draw_character(canvas, view, StageGeometry.for_size(surface.get_size()))
    return marks[0].unionall(marks[1:])


def _travel_px(extents: list[pygame.Rect]) -> int:
    return max(
        max(abs(a.top - b.top), abs(a.bottom - b.bottom), abs(a.left - b.left))
        for a in extents
        for b in extents
    )


@pytest.mark.parametrize("theme_name", THEME_NAMES)
def test_reduced_motion_keeps_cues_on_the_lane_line_and_the_character_nearly_still(
    window, theme_name
):
    surface = window((1280, 720))
    geometry = StageGeometry.for_size((1280, 720))
    calm = Look(reduced_motion=True)
    spots = cue_spots(make_view(), geometry, calm, 1.0)
    assert spots and all(spot.y == geometry.target_center[1] for spot in spots)
    over_a_beat = [make_view(beat_fraction=i / 10) for i in range(10)]
    calm_extents = [_character_extent(theme_name, surface, view, calm) for view in over_a_beat]
    lively_extents = [_character_extent(theme_name, surface, view, Look()) for view in over_a_beat]
    assert _travel_px(calm_extents) <= 0.15 * geometry.target_radius_px
    assert _travel_px(lively_extents) > _travel_px(calm_extents)


def test_the_judgement_shows_in_the_colour_blind_palette(window):
    surface = window((1280, 720))
    geometry = StageGeometry.for_size((1280, 720))
    target_x, target_y = geometry.target_center
    radius = geometry.target_radius_px
    # The judgement's shape stands up and right of the target (held still in reduced motion).
    point = (target_x + round(radius * 1.15), target_y - round(radius * 1.05))
    for colour_blind in (False, True):
        look = Look(colour_blind=colour_blind, reduced_motion=True)
        view = make_view(feedback=tapped("good", 0.1), upcoming_s=())
        draw("space", surface, view, look)
        drawn = tuple(surface.get_at(point))[:3]
        # Shapes are smoothed down from a larger drawing, which rounds colours by a unit or two.
        assert all(
            abs(a - b) <= 4 for a, b in zip(drawn, look.judgement_colour("good"), strict=True)
        )
    assert Look().judgement_colour("good") != Look(colour_blind=True).judgement_colour("good")


def test_background_is_made_once_per_size_and_look(window):
    window((640, 360))
    theme = get_theme("parade")
    first = theme.background((640, 360), Look())
    assert theme.background((640, 360), Look()) is first
    assert theme.background((640, 360), Look(high_contrast=True)) is not first
    assert theme.background((800, 450), Look()).get_size() == (800, 450)
