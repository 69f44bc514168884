"""What the kiosk's director and scenes share beside the game context: the station's settings,
the PIN gate, the breaks taken in each child's run, what the kiosk says, the audit log, and
how the kiosk process should end.

Built with no I/O (the scenes are built without a store in tests); `KioskState.open` reads
what it needs from the store for a real station.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from engine.config.kiosk import KioskConfig
from engine.session.audit import audit
from engine.session.break_logs import RunKey, load_break_logs, save_break_logs
from engine.session.pin_gate import PinGate
from engine.session.plan_progress import BreakLog
from engine.session.station_pin import (
    load_gate_state,
    pin_matches,
    save_gate_state,
    station_pin_hash,
)
from engine.store.clinic.settings import station_name_of
from engine.store.opening import open_store
from game.i18n import Messages

KIOSK_CATALOGUE_DIR = Path(__file__).resolve().parents[2] / "assets" / "i18n" / "kiosk"

GAME = "game"  # the kiosk for children
CALL_THERAPIST = "call_therapist"  # the screen shown after repeated crashes

# How the kiosk process ends (the supervisor reads them as exit statuses).
QUIT_STATION = "quit"  # the therapist stopped the station
RETRY_GAME = "retry"  # from the call-your-therapist screen: start the game again


@dataclass
class KioskState:
    config: KioskConfig
    data_dir: Path
    gate: PinGate
    mode: str = GAME
    ending: str | None = None  # QUIT_STATION or RETRY_GAME once the therapist chose
    # The child whose plan is running, so that "back to the map" means back to the path.
    plan_profile_code: str | None = None
    # The breaks taken in each child's run of a plan, as kept in the store (a restart must not
    # offer the same break again).
    breaks: dict[RunKey, BreakLog] = field(default_factory=dict)
    _messages: Messages | None = None

    @classmethod
    def open(cls, config: KioskConfig, data_dir: Path, now_ns: int, mode: str = GAME):
        """The state of the station in ``data_dir``: the PIN gate with its stored counts."""
        store = open_store(data_dir)
        try:
            pin_hash = station_pin_hash(store)
            gate_state = load_gate_state(store, datetime.now(UTC))
            joined_as = station_name_of(store)
            breaks = load_break_logs(store)
        finally:
            store.close()
        # A station that joined a clinic goes by that name in its audit log and on the
        # attract screen, as its sessions do (engine/store/clinic/settings.station_name_in).
        config = replace(config, station=joined_as or config.station)
        if pin_hash is None:
            raise RuntimeError(f"{data_dir}: no therapist PIN; `run.py kiosk setup` sets one")
        gate = PinGate(
            lambda pin: pin_matches(pin_hash, pin), config.therapist_lock_s, now_ns, gate_state
        )
        return cls(config, data_dir, gate, mode, breaks=breaks)

    def say(self, key: str, language: str, **values: object) -> str:
        """What the kiosk says for ``key`` in ``language`` (English where not translated)."""
        if self._messages is None or self._messages.language != language:
            self._messages = Messages(language, KIOSK_CATALOGUE_DIR)
        return self._messages(key, **values)

    def audit(self, action: str, detail: str = "") -> None:
        store = open_store(self.data_dir)
        try:
            audit(store, self.config.station_name, action, detail)
        finally:
            store.close()

    def keep_gate_state(self, now_ns: int) -> None:
        """Store the pad's counts, so that a restart keeps a lockout and the wrong PINs."""
        store = open_store(self.data_dir)
        try:
            save_gate_state(store, self.gate.state(now_ns), datetime.now(UTC))
        finally:
            store.close()

    def break_log(self, profile_code: str, plan_id: int, run_number: int) -> BreakLog:
        return self.breaks.get((profile_code, plan_id, run_number), BreakLog())

    def set_break_log(
        self, profile_code: str, plan_id: int, run_number: int, log: BreakLog
    ) -> None:
        """The break log of a run, from now on in this process; keep_break_logs stores it."""
        key = (profile_code, plan_id, run_number)
        self.breaks.pop(key, None)  # the newest last, as save_break_logs keeps them
        self.breaks[key] = log

    def keep_break_logs(self) -> None:
        """Store the break logs, once a break has run its time: a station restarted in the
        middle of a break offers it again (a rest cut short is the worse mistake), one
        restarted after it goes on with the plan."""
        store = open_store(self.data_dir)
        try:
            save_break_logs(store, self.breaks)
        finally:
            store.close()
