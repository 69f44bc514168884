"""The chart fields a clinic may keep for a child (MRN, date of birth, ICD-10 diagnosis
codes), and their format checks. The fields are off unless the clinic turns them on; only
therapist screens and reports show them, never a child's screen."""

from __future__ import annotations

import re
from datetime import date

MAX_MRN_CHARS = 32
MAX_DIAGNOSIS_CODES = 12
EARLIEST_BIRTH = date(1900, 1, 1)
# ICD-10 (and ICD-10-CM): a letter, a digit, a digit or letter; then, after a dot, up to four
# more digits or letters (F82, R27.8, F80.89, S52.521A).
_ICD10 = re.compile(r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?")
_MRN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-/.]*")
ICD10_HINT = (
    "an ICD-10 code is a letter, a digit and a digit or letter, then optionally a dot and up "
    "to 4 more, like F82 or R27.8"
)


def diagnosis_code(text: str) -> str:
    """``text`` as an ICD-10 code in its printed form (capitals, the dot after the third
    character: "f820" -> "F82.0"). ValueError that says the format when it is not one."""
    code = text.strip().upper()
    if len(code) > 3 and "." not in code:
        code = f"{code[:3]}.{code[3:]}"
    if not _ICD10.fullmatch(code):
        raise ValueError(f"'{text.strip()[:20]}' is not an ICD-10 code; {ICD10_HINT}")
    return code


def diagnosis_codes(texts: list[str]) -> tuple[str, ...]:
    """Codes separated by commas or spaces, each checked; a code given twice counts once."""
    codes: list[str] = []
    for text in texts:
        for part in re.split(r"[,\s]+", text):
            if part and (code := diagnosis_code(part)) not in codes:
                codes.append(code)
    if len(codes) > MAX_DIAGNOSIS_CODES:
        raise ValueError(f"at most {MAX_DIAGNOSIS_CODES} diagnosis codes, not {len(codes)}")
    return tuple(codes)


def mrn_problem(mrn: str) -> str | None:
    if not mrn or len(mrn) > MAX_MRN_CHARS or not _MRN.fullmatch(mrn):
        return (
            f"'{mrn[:MAX_MRN_CHARS]}': a medical record number is letters and digits (and - / .),"
            f" at most {MAX_MRN_CHARS}, as the clinic's records write it"
        )
    return None


def birth_date_problem(born: date, today: date) -> str | None:
    if born > today:
        return f"{born}: a date of birth cannot be in the future"
    if born < EARLIEST_BIRTH:
        return f"{born}: a date of birth before {EARLIEST_BIRTH} is a typing mistake"
    return None
