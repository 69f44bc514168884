"""What to say to a child about a round: praise that fits what happened.

Never "well done" over a round with no hits: a hard round gets encouragement to try again,
a good one its praise. The game turns the kind into words (`praise.<kind>` in the message
catalogues).
"""

from __future__ import annotations

from engine.session.rewards import stars_for_hit_rate

PRAISE_KINDS = ("try_again", "keep_going", "good", "great", "super")


def praise_kind(hits: int, targets: int) -> str:
    """One of PRAISE_KINDS for a round of ``hits`` out of ``targets``."""
    if hits == 0:
        return "try_again"
    stars = stars_for_hit_rate(hits / targets if targets else 0.0)
    return PRAISE_KINDS[1 + stars]
