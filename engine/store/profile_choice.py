"""What a profile typed by a person means: its code, or a display name that exactly one
profile in use has. Names may repeat (two children called Mia), so a name that fits several
profiles, or none, is refused with the codes that fit rather than guessed.
"""

from __future__ import annotations

import re

from engine.store.protocol import Store
from engine.store.records import ProfileRecord

# P- and six letters or digits (engine/store/sqlite/sessions.py makes them); typed in any case.
_CODE_PATTERN = re.compile(r"P-[A-Z0-9]{6}", re.IGNORECASE)


class ProfileChoiceError(LookupError):
    """``text`` is no profile's code and the display name of no profile in use, or of several
    (``matches``, oldest first). The message lists their codes and says what to type."""

    def __init__(self, text: str, matches: tuple[ProfileRecord, ...], message: str) -> None:
        super().__init__(message)
        self.text = text
        self.matches = matches


def looks_like_code(text: str) -> bool:
    return _CODE_PATTERN.fullmatch(text.strip()) is not None


def describe(profile: ProfileRecord) -> str:
    """One line that tells profiles of the same name apart: code, name, avatar, sessions."""
    avatar = profile.avatar or "no avatar"
    archived = f", archived {profile.archived_at_utc[:10]}" if profile.archived else ""
    return (
        f"{profile.code} {profile.display_name} ({avatar}, {profile.session_count} sessions"
        f"{archived})"
    )


def choose_profile(store: Store, text: str) -> ProfileRecord:
    """The profile whose code is ``text`` (archived or not), else the one profile in use
    whose display name is ``text``. ProfileChoiceError for none or several."""
    wanted = text.strip()
    if looks_like_code(wanted):
        try:
            return store.profile(wanted.upper())
        except LookupError:
            pass  # a child may be called something that looks like a code; try the name
    matches = tuple(store.active_profiles_named(wanted))
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise ProfileChoiceError(
            text,
            matches,
            f"no profile in use has the code or name {wanted!r}; see them with "
            "`run.py profiles list`, or add one with `run.py profiles add NAME`",
        )
    listed = "; ".join(describe(profile) for profile in matches)
    raise ProfileChoiceError(
        text,
        matches,
        f"{len(matches)} profiles in use are called {wanted!r}: {listed}; give the code instead",
    )


def station_profile(store: Store, display_name: str) -> ProfileRecord:
    """The profile sessions are recorded under when nobody chose one (`run.py play` and the
    demo without --profile): the one profile in use called ``display_name``, made if there is
    none. ProfileChoiceError when several have that name."""
    with store.transaction():  # one look and one insert: two stations cannot both make it
        matches = store.active_profiles_named(display_name)
        if not matches:
            return store.profile(store.create_profile(display_name))
    if len(matches) == 1:
        return matches[0]
    return choose_profile(store, display_name)  # raises, listing the codes


def picker_order(profiles: list[ProfileRecord]) -> list[ProfileRecord]:
    """The order of a child's player picker: the most recent players first (the child at the
    station is usually one of them), the others by name, as a child looks for their own."""
    by_name = sorted(profiles, key=lambda profile: (profile.display_name.casefold(), profile.code))
    return sorted(
        by_name, key=lambda profile: profile.last_session_started_at_utc or "", reverse=True
    )
