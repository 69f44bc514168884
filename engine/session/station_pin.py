"""The kiosk station's therapist PIN: what a PIN may be, and how it is kept.

Only a salted slow hash is stored (argon2id, through argon2-cffi), in the store's station
settings; the PIN itself never reaches a file or a log. A PIN is 4 to 8 digits because a
child-proof pad is its only way in; the slow hash is what keeps a copied database file from
giving the PIN away in seconds, and the pad's lockouts (engine/session/pin_gate.py) are what
keep guessing at the station slow.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import argon2

from engine.session.pin_gate import MAX_LOCKOUT_S, GateState
from engine.store.protocol import Store

PIN_HASH_SETTING = "therapist_pin_argon2id"
GATE_STATE_SETTING = "pin_gate_state"
MIN_PIN_DIGITS = 4
MAX_PIN_DIGITS = 8

# argon2-cffi's defaults (RFC 9106's second recommended set, lowered for interactive use):
# about 50 ms per check on a small PC, which the pad can afford and a guesser cannot.
_HASHER = argon2.PasswordHasher()


def pin_problem(pin: str) -> str | None:
    """What is wrong with ``pin`` as a station PIN, or None if it is fine."""
    if not pin:
        return "the PIN is empty; give 4 to 8 digits"
    if not (pin.isascii() and pin.isdigit()):
        return "a PIN is digits only (0-9), as on the kiosk's pad"
    if not MIN_PIN_DIGITS <= len(pin) <= MAX_PIN_DIGITS:
        return f"a PIN has {MIN_PIN_DIGITS} to {MAX_PIN_DIGITS} digits, not {len(pin)}"
    return None


def hash_pin(pin: str) -> str:
    """The argon2id hash of ``pin`` (with a fresh random salt), as an encoded string."""
    problem = pin_problem(pin)
    if problem is not None:
        raise ValueError(problem)
    return _HASHER.hash(pin)


def pin_matches(pin_hash: str, pin: str) -> bool:
    """Whether ``pin`` is the PIN ``pin_hash`` was made from."""
    try:
        return _HASHER.verify(pin_hash, pin)
    except argon2.exceptions.VerificationError:
        return False
    except argon2.exceptions.InvalidHashError:
        return False


def save_station_pin(store: Store, pin: str) -> None:
    """Make ``pin`` the station's therapist PIN (ValueError if it is not 4 to 8 digits)."""
    store.set_station_setting(PIN_HASH_SETTING, hash_pin(pin))


def station_pin_hash(store: Store) -> str | None:
    """The stored hash of the station's PIN, or None when no PIN was ever set."""
    return store.station_setting(PIN_HASH_SETTING)


def therapist_gate_setting(therapist_id: int) -> str:
    """The station setting that keeps the pad's counts for one therapist's own PIN."""
    return f"{GATE_STATE_SETTING}:therapist:{therapist_id}"


def save_gate_state(
    store: Store, state: GateState, now_utc: datetime, setting: str = GATE_STATE_SETTING
) -> None:
    """Keep the pad's wrong PINs and lockouts so that a restart does not reset them
    (``setting``: the station PIN's, or a therapist's from therapist_gate_setting)."""
    locked_until = now_utc + timedelta(seconds=state.locked_for_s)
    store.set_station_setting(
        setting,
        json.dumps(
            {
                "failures_in_row": state.failures_in_row,
                "lockouts_in_row": state.lockouts_in_row,
                "locked_until_utc": locked_until.isoformat(timespec="seconds"),
            }
        ),
    )


def load_gate_state(
    store: Store, now_utc: datetime, setting: str = GATE_STATE_SETTING
) -> GateState:
    """The pad's state as last kept (a fresh one if never kept or unreadable)."""
    text = store.station_setting(setting)
    if text is None:
        return GateState()
    try:
        data = json.loads(text)
        locked_until = datetime.fromisoformat(data["locked_until_utc"])
        # A clock set back must not lock the pad for longer than the lockout was.
        locked_for_s = min(max(0.0, (locked_until - now_utc).total_seconds()), MAX_LOCKOUT_S)
        return GateState(int(data["failures_in_row"]), int(data["lockouts_in_row"]), locked_for_s)
    except (ValueError, KeyError, TypeError):
        return GateState()
