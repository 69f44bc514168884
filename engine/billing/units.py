"""Billing units from a session's minutes per code: the CMS 8-minute rule and the per-code rule.

A timed code bills 15-minute units, and a unit is earned at its midpoint: 0–7 minutes are no
unit, 8–22 one, 23–37 two, 38–52 three, and so on.

- **CMS** (Medicare, and payers that follow it) adds up all timed minutes of the session and
  takes the units of the total. Each code first gets its own full 15-minute units; the units
  still left go one each to the codes with the most minutes left over. Equal leftovers: the
  code listed first in the billing configuration wins (CMS lets the clinic choose; a fixed
  order makes the same minutes always give the same bill).
- **Per code** (payers that count each code alone): each timed code's own minutes give its
  units, so 7 minutes of one code and 7 of another bill nothing.

Untimed codes bill one unit per session if any minutes were spent on them, under either
rule, and their minutes never join the timed total. A pair such as 97129 (first 15 minutes)
and 97130 (each additional 15 minutes) is one timed service: its minutes, given under either
code, are added up, the rule gives the service its units, the first goes to 97129 and the
rest to 97130.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from engine.billing.codes import BillingCode, BillingConfig

MINUTES_PER_UNIT = 15
# A unit is billed once more than half of it is done: 8 of its 15 minutes.
MIDPOINT_MINUTES = 8


class UnitRule(StrEnum):
    CMS = "cms"
    PER_CODE = "per-code"


UNIT_RULES: tuple[str, ...] = tuple(rule.value for rule in UnitRule)  # as typed on the command line


@dataclass(frozen=True)
class CodeUnits:
    code: str
    minutes: int  # minutes given for this code (0 for the unnamed half of a pair)
    units: int


@dataclass(frozen=True)
class SessionUnits:
    rule: UnitRule
    codes: tuple[CodeUnits, ...]  # in the order given; a pair together, primary first
    timed_minutes: int
    untimed_minutes: int

    @property
    def total_units(self) -> int:
        return sum(line.units for line in self.codes)

    @property
    def treatment_minutes(self) -> int:
        """Timed and untimed minutes together, as a treatment note records them."""
        return self.timed_minutes + self.untimed_minutes


class UnknownCodeError(LookupError):
    """A code that the billing configuration does not list."""

    def __init__(self, code: str, config_path: Path) -> None:
        super().__init__(code)
        self.code = code
        self.config_path = config_path


def units_for_timed_minutes(minutes: int) -> int:
    """15-minute units that ``minutes`` of timed service come to: 0–7 → 0, 8–22 → 1, …"""
    if minutes < 0:
        raise ValueError(f"minutes must not be negative (got {minutes})")
    return (minutes + MINUTES_PER_UNIT - MIDPOINT_MINUTES) // MINUTES_PER_UNIT


def cms_units(minutes_per_service: Sequence[int]) -> tuple[int, ...]:
    """Units per timed service of one session under the CMS 8-minute rule.

    ``minutes_per_service`` is in order of preference: of services with equal minutes left
    over, the earlier gets the unit. The units add up to those of the total minutes.
    """
    total_units = units_for_timed_minutes(sum(minutes_per_service))
    units = [minutes // MINUTES_PER_UNIT for minutes in minutes_per_service]
    # Never negative, and never more than the services with minutes left over: the total's
    # units exceed the full units by the units of the leftovers, and a leftover is < 15.
    units_left = total_units - sum(units)
    by_leftover = sorted(
        range(len(units)), key=lambda index: -(minutes_per_service[index] % MINUTES_PER_UNIT)
    )
    for index in by_leftover[:units_left]:
        units[index] += 1
    return tuple(units)


def session_units(
    minutes_by_code: Mapping[str, int], config: BillingConfig, rule: UnitRule
) -> SessionUnits:
    """Units per code of one session's ``minutes_by_code`` (whole minutes) under ``rule``.

    Raises UnknownCodeError for a code ``config`` does not list, ValueError for negative
    minutes.
    """
    services = _services(minutes_by_code, config)
    timed = [service for service in services if service.primary.timed]
    timed_minutes = [service.minutes for service in timed]
    if rule is UnitRule.CMS:
        timed_units = cms_units(timed_minutes)
    else:
        timed_units = tuple(units_for_timed_minutes(minutes) for minutes in timed_minutes)
    units_of: dict[str, int] = {}
    for service, units in zip(timed, timed_units, strict=True):
        if service.add_on is None:
            units_of[service.primary.code] = units
        else:
            units_of[service.primary.code] = min(units, 1)
            units_of[service.add_on.code] = max(units - 1, 0)
    for service in services:
        if not service.primary.timed:
            units_of[service.primary.code] = 1 if service.minutes > 0 else 0
    lines = tuple(
        CodeUnits(code, minutes_by_code.get(code, 0), units_of[code])
        for code in _codes_in_order(minutes_by_code, services)
    )
    return SessionUnits(
        rule=rule,
        codes=lines,
        timed_minutes=sum(timed_minutes),
        untimed_minutes=sum(service.minutes for service in services if not service.primary.timed),
    )


@dataclass(frozen=True)
class _Service:
    """One code, or an add-on pair, with the minutes given under it."""

    primary: BillingCode
    add_on: BillingCode | None
    minutes: int


def _services(minutes_by_code: Mapping[str, int], config: BillingConfig) -> list[_Service]:
    """The services of a session in the order of the configuration (the tie order)."""
    minutes_of: dict[str, int] = {}
    for code, minutes in minutes_by_code.items():
        entry = config.find(code)
        if entry is None:
            raise UnknownCodeError(code, config.source_path)
        if minutes < 0:
            raise ValueError(f"{code}: minutes must not be negative (got {minutes})")
        primary = entry.add_on_to or code
        minutes_of[primary] = minutes_of.get(primary, 0) + minutes
    return [
        _Service(entry, config.add_on_of(entry.code), minutes_of[entry.code])
        for entry in config.codes
        if entry.code in minutes_of
    ]


def _codes_in_order(minutes_by_code: Mapping[str, int], services: list[_Service]) -> list[str]:
    """The codes given, in their order; a pair's two codes together, the primary first."""
    pair_of: dict[str, tuple[str, str]] = {}
    for service in services:
        if service.add_on is not None:
            pair = (service.primary.code, service.add_on.code)
            pair_of[service.primary.code] = pair_of[service.add_on.code] = pair
    ordered: list[str] = []
    for code in minutes_by_code:
        for name in pair_of.get(code, (code,)):
            if name not in ordered:
                ordered.append(name)
    return ordered
