"""Stars, unlocks and collectibles, all derived from the sessions a profile has played.

Nothing here is stored separately: a profile's rewards follow from its recorded, complete
sessions, so they can never disagree with the clinical record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from engine.levels.model import Level
from engine.scoring.judgement import codes_of_labels
from engine.scoring.summary import summarize
from engine.store.protocol import Store

# Hit rate (hits / targets) needed for 1, 2 and 3 stars. The staircase aims at 0.8, so a
# child training at their level earns two stars and now and then three.
STAR_HIT_RATES: tuple[float, float, float] = (0.5, 0.7, 0.85)


@dataclass(frozen=True)
class Sticker:
    sticker_id: str  # also the message key "sticker.<id>" for its name
    needs_total_stars: int = 0
    needs_theme_done: str | None = None  # every level of this theme has a star
    needs_three_stars: bool = False  # some level with three stars


STICKERS: tuple[Sticker, ...] = (
    Sticker("first-star", needs_total_stars=1),
    Sticker("shooting-star", needs_three_stars=True),
    Sticker("ten-stars", needs_total_stars=10),
    Sticker("pond-friend", needs_theme_done="pond"),
    Sticker("space-cadet", needs_theme_done="space"),
    Sticker("band-leader", needs_theme_done="parade"),
    Sticker("superstar", needs_total_stars=40),
)
# Avatar items unlocked by total stars: (stars needed, item id).
AVATAR_ITEMS: tuple[tuple[int, str], ...] = ((5, "cap"), (15, "crown"), (30, "cape"))
UNLOCK_REACH = 2  # levels open from the start, and opened by a star on the level before


def stars_for_hit_rate(hit_rate: float) -> int:
    return sum(hit_rate >= needed for needed in STAR_HIT_RATES)


@dataclass(frozen=True)
class Progress:
    stars_by_level: Mapping[str, int]  # best stars per level id
    stickers: tuple[str, ...]
    avatar_items: tuple[str, ...]

    @property
    def total_stars(self) -> int:
        return sum(self.stars_by_level.values())


def session_hit_rate(store: Store, session_id: int) -> float:
    """Hits over scored targets of a session (0 for a session without targets): the one
    summary of its taps as they were judged, as the results screen showed it."""
    targets = int(store.beat_columns(session_id).scored.sum())
    taps = store.tap_columns(session_id)
    return summarize(codes_of_labels(taps.judgement), taps.asynchrony_ms, targets).hit_rate


def profile_progress(
    store: Store, profile_code: str, levels_by_theme: Mapping[str, Sequence[Level]]
) -> Progress:
    """Best stars per level over the profile's complete sessions (autoplayed ones left out),
    and what they unlock."""
    stars_by_level: dict[str, int] = {}
    for session in store.list_sessions(profile_code):
        if session.status != "complete" or session.autoplayed:
            continue  # a session the program played by itself earns the child nothing
        stars = stars_for_hit_rate(session_hit_rate(store, session.session_id))
        stars_by_level[session.level_id] = max(stars, stars_by_level.get(session.level_id, 0))
    total = sum(stars_by_level.values())
    stickers = tuple(
        sticker.sticker_id
        for sticker in STICKERS
        if total >= sticker.needs_total_stars
        and (not sticker.needs_three_stars or 3 in stars_by_level.values())
        and (
            sticker.needs_theme_done is None
            or all(
                stars_by_level.get(level.id, 0) > 0
                for level in levels_by_theme.get(sticker.needs_theme_done, ())
            )
        )
    )
    items = tuple(item for needed, item in AVATAR_ITEMS if total >= needed)
    return Progress(stars_by_level, stickers, items)


def unlocked_level_ids(
    levels_by_theme: Mapping[str, Sequence[Level]], stars_by_level: Mapping[str, int]
) -> set[str]:
    """The first two levels of each theme (in map order, easiest first) are open, and a star
    on a level opens the two after it: so a star on the first level opens the third, and any
    star always opens something new while levels are left."""
    unlocked = set()
    for levels in levels_by_theme.values():
        for index, level in enumerate(levels):
            earlier = levels[max(0, index - UNLOCK_REACH) : index]
            if index < UNLOCK_REACH or any(stars_by_level.get(e.id, 0) > 0 for e in earlier):
                unlocked.add(level.id)
    return unlocked
