"""What a therapist's registration may hold: a name, credentials, an optional NPI and a
discipline, each checked with a message that says what to type instead."""

from __future__ import annotations

import re

from engine.billing.codes import DISCIPLINES

MAX_NAME_CHARS = 80
MAX_CREDENTIALS_CHARS = 40
# Credentials as signed: letters, digits, slashes, hyphens, commas, dots and spaces
# ("OTR/L", "PT, DPT", "CCC-SLP", "M.S.").
_CREDENTIALS = re.compile(r"[A-Za-z0-9/\-,. ]+")
# An NPI's check digit is the Luhn digit of the number with this prefix (the card issuer
# prefix the NPI standard gives it), so the 9 digits are counted as if they followed it.
_NPI_PREFIX = "80840"


def name_problem(name: str) -> str | None:
    if not name.strip():
        return "the name is empty; give the therapist's name as signed, like 'Kim Lee'"
    if len(name) > MAX_NAME_CHARS or not name.isprintable():
        return f"a name is one line of at most {MAX_NAME_CHARS} characters"
    return None


def credentials_problem(credentials: str) -> str | None:
    if not credentials.strip():
        return "credentials are empty; give them as signed, like OTR/L, PT or CCC-SLP"
    if len(credentials) > MAX_CREDENTIALS_CHARS or not _CREDENTIALS.fullmatch(credentials):
        return (
            f"'{credentials[:MAX_CREDENTIALS_CHARS]}': credentials are letters, digits and / - , ."
            f" (at most {MAX_CREDENTIALS_CHARS}), like OTR/L or 'PT, DPT'"
        )
    return None


def _luhn_digit(digits: str) -> int:
    """The Luhn check digit to append to ``digits``."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def npi_problem(npi: str) -> str | None:
    """What is wrong with ``npi`` as a National Provider Identifier, or None."""
    if not (len(npi) == 10 and npi.isascii() and npi.isdigit()):
        return f"'{npi[:20]}': an NPI is 10 digits, like 1234567893"
    if _luhn_digit(_NPI_PREFIX + npi[:9]) != int(npi[9]):
        return f"{npi}: the last digit does not check (a typing mistake?); copy it from NPPES"
    return None


def discipline_problem(discipline: str) -> str | None:
    if discipline not in DISCIPLINES:
        return f"'{discipline}': the discipline is one of {', '.join(DISCIPLINES)}"
    return None
