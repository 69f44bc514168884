"""A session's minutes per billing code, edited with big steppers, and the therapist's signature.

Reached from the therapist's session screen (in the kiosk, behind the station PIN). It shows
the active time measured from the recording, the minutes per code (as stored, else the
default codes' shares of the active minutes: the profile's, else its plan's), the units they
bill under the chosen rule as they change, and whether the session is signed. Saving and
signing ask who does it; a therapist with a PIN of their own types it on the pad first, under
the pad's rules (engine/session/pin_gate.py), counted per therapist and kept in the store.
Every number and rule comes from engine/billing; this screen only shows, steps and stores.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pygame

from engine.billing.active_time import whole_minutes
from engine.billing.codes import (
    BillingConfig,
    BillingConfigError,
    billing_config_path,
    load_billing_config,
)
from engine.billing.session_billing import (
    BILLED_OVER_ACTIVE_ALLOWANCE_MIN,
    BillingRecordError,
    assign_minutes,
    billable_limit_min,
    default_lines,
    measured_active_seconds,
    minutes_audit_detail,
    sign_session,
    signature_audit_detail,
    signature_state,
)
from engine.billing.units import SessionUnits, UnitRule, UnknownCodeError, session_units
from engine.input.pump import Tap, UiEvent
from engine.reports.model import local_time
from engine.session.audit import audit
from engine.session.pin_gate import FAILURES_BEFORE_LOCKOUT, LOCKED_OUT, UNLOCKED, WRONG, PinGate
from engine.session.station_pin import (
    load_gate_state,
    pin_matches,
    save_gate_state,
    therapist_gate_setting,
)
from engine.store.chart_records import Therapist
from engine.store.records import ProfileRecord
from game.canvas import design_unit
from game.context import GameContext
from game.menu_scene import MenuScene
from game.paging import rows_between
from game.pin_pad import clock_text, draw_dots, pad_buttons, pad_key, typed
from game.text import draw_text, wrap_lines
from game.widgets import Button, draw_fitted_text, take_typing

# Where the minutes' screen puts things, in design pixels: rows of codes from the top, the
# totals and the reason or allowance measured up from the window's foot, so that a taller
# window shows more codes on a page.
ROWS_TOP, ROW_PITCH, STEP = 150, 72, 64
TOTAL_FROM_FOOT, REASON_FROM_FOOT, ALLOWANCE_FROM_FOOT, MESSAGE_FROM_FOOT = 250, 220, 200, 112
THERAPISTS_TOP, THERAPIST_PITCH = 130, 66
MAX_SESSION_MINUTES = 24 * 60
WARN = (255, 170, 120)
GOOD = (170, 235, 170)
NOTICE = (255, 215, 150)
EDIT, PICK, PIN = "edit", "pick", "pin"  # what the screen shows
SAVE, SIGN = "save", "sign"  # what the therapist picked is asked to do


class TherapistBillingScene(MenuScene):
    def __init__(self, context: GameContext, profile: ProfileRecord, session_id: int) -> None:
        super().__init__(context)
        self.profile = profile
        self.session_id = session_id
        self.config: BillingConfig | None = None
        self.active_seconds = 0.0
        self.minutes: dict[str, int] = {}  # code -> minutes, in the order shown
        self.stored: dict[str, int] | None = None  # as in the store; None: never assigned
        self.unchanged: dict[str, int] = {}  # the minutes as shown on entering or last saved
        self.leaving = False  # Back was pressed once over unsaved minutes
        self.rule = UnitRule.CMS
        self.reason = ""  # why more minutes than the active time allows
        self.signed_line = ""
        self.signed_current = False
        self.message = ""
        self.mode = EDIT
        self.action = SAVE
        self.therapists: list[Therapist] = []
        self.signer: Therapist | None = None
        self.digits = ""
        self.gate: PinGate | None = None
        self._now_ns = 0
        self.code_pages = self.paging("codes")
        self.codes_shown = range(0)
        self.therapist_pages = self.paging("therapists")

    # --- reading ------------------------------------------------------------------------------
    def on_enter(self) -> None:
        self.context.recorder.flush()
        try:
            self.config = load_billing_config(billing_config_path())
        except BillingConfigError as error:
            self.message = self.text("billing.config_broken", reason=str(error).splitlines()[0])
        store = self.context.open_store()
        try:
            self.active_seconds = measured_active_seconds(store, self.session_id)
            assigned = store.session_minutes(self.session_id)
            self.stored = None if assigned is None else assigned.as_mapping()
            lines = (
                assigned.lines
                if assigned is not None
                else default_lines(store, self.session_id, self.active_seconds)
            )
            self.minutes = {line.code: line.minutes for line in lines}
            self.unchanged = self.billed_minutes()
            self.therapists = store.therapists(include_retired=False)
            self._read_signature(store)
        finally:
            store.close()

    def _read_signature(self, store) -> None:
        state = signature_state(store, self.session_id)
        if state is None:
            self.signed_line, self.signed_current = self.text("billing.not_signed"), False
            return
        when = local_time(state.signature.signed_at_utc).strftime("%Y-%m-%d %H:%M")
        key = "billing.signed" if state.current else "billing.signed_changed"
        self.signed_line = self.text(key, who=state.therapist.signed_name, when=when)
        self.signed_current = state.current

    # --- what the numbers are now ---------------------------------------------------------
    def billed_minutes(self) -> dict[str, int]:
        """The minutes as they would be stored: codes left at 0 are not billed."""
        return {code: minutes for code, minutes in self.minutes.items() if minutes > 0}

    def units(self) -> SessionUnits | None:
        billed = self.billed_minutes()
        if self.config is None or not billed:
            return None
        try:
            return session_units(billed, self.config, self.rule)
        except UnknownCodeError:
            return None

    @property
    def limit_min(self) -> int:
        return billable_limit_min(self.active_seconds)

    def over_limit(self) -> bool:
        return sum(self.billed_minutes().values()) > self.limit_min

    # --- layout ---------------------------------------------------------------------------
    def title(self) -> str:
        if self.mode == PICK:
            return self.text("billing.who_signs" if self.action == SIGN else "billing.who_saves")
        if self.mode == PIN:
            return self.text("billing.pin_of", who=self.signer.signed_name)
        return self.text("billing.title", code=self.profile.code, session=self.session_id)

    def layout(self, width: int, height: int) -> list[Button]:
        unit = design_unit((width, height))
        cancel = pygame.Rect(0, 0, int(240 * unit), int(60 * unit))
        cancel.bottomright = (width - int(30 * unit), height - int(24 * unit))
        if self.mode == PICK:
            top, pitch, row_h = int(THERAPISTS_TOP * unit), int(THERAPIST_PITCH * unit), cancel.h
            rows = rows_between(top, cancel.top - int(12 * unit), row_h, pitch)
            buttons = []
            for row, index in enumerate(self.therapist_pages.fit(len(self.therapists), rows)):
                therapist = self.therapists[index]
                label = therapist.signed_name
                if therapist.has_pin:
                    label += " · " + self.text("billing.has_pin")
                rect = pygame.Rect(0, 0, int(640 * unit), row_h)
                rect.midtop = (width // 2, top + row * pitch)
                button = Button(f"therapist:{therapist.therapist_id}", label, rect)
                buttons.append(self.therapist_pages.row(button, index))
            area = pygame.Rect(int(40 * unit), cancel.top, int(900 * unit), cancel.height)
            return [
                *buttons,
                Button("back", self.text("billing.cancel"), cancel),
                *self.page_controls(self.therapist_pages, area),
            ]
        if self.mode == PIN:
            locked = self.gate is not None and self.gate.wait_s(self._now_ns) > 0
            ok = self.text("billing.pin_ok")
            pad = pad_buttons(width, unit, int(220 * unit), ok, not locked)
            return [*pad, Button("back", self.text("billing.cancel"), cancel)]
        return self._edit_layout(width, height, unit)

    def _edit_layout(self, width: int, height: int, unit: float) -> list[Button]:
        buttons = []
        step, pitch = int(STEP * unit), int(ROW_PITCH * unit)
        top = int(ROWS_TOP * unit)
        # The codes' rows end above the total's line.
        rows = rows_between(top, height - int((TOTAL_FROM_FOOT + 22) * unit), step, pitch)
        codes = list(self.minutes)
        self.codes_shown = self.code_pages.fit(len(codes), rows)
        for row, index in enumerate(self.codes_shown):
            code = codes[index]
            minus = pygame.Rect(int(620 * unit), top + row * pitch, step, step)
            plus = pygame.Rect(int(800 * unit), top + row * pitch, step, step)
            buttons.append(self.code_pages.row(Button(f"minus:{code}", "−", minus), index))
            buttons.append(self.code_pages.row(Button(f"plus:{code}", "+", plus), index))
        side = pygame.Rect(int(1000 * unit), top, int(240 * unit), int(56 * unit))
        buttons.append(Button("add_code", self.text("billing.add_code"), side))
        buttons.append(Button("rule", self.text(self._rule_key()), side.move(0, pitch)))
        # The codes' pages under the side buttons, as tall as the rows left beside them.
        pager = pygame.Rect(side.left, side.top + 2 * pitch, side.width, int(150 * unit))
        buttons += self.page_controls(self.code_pages, pager, stacked=True)
        if self.over_limit():
            box = pygame.Rect(
                int(40 * unit), height - int(REASON_FROM_FOOT * unit), width - int(80 * unit),
                step - 8,
            )  # fmt: skip
            buttons.append(Button("reason_box", "", box, draw_extra=self._draw_reason))
        actions = (
            ("save", self.text("billing.save")),
            ("sign", self.text("billing.sign")),
            ("back", self.text("menu.back")),
        )
        button_w = int(300 * unit)
        for index, (key, label) in enumerate(actions):
            rect = pygame.Rect(0, 0, button_w, int(60 * unit))
            rect.bottomleft = (
                int(40 * unit) + index * (button_w + int(20 * unit)),
                height - int(24 * unit),
            )
            if key == "back":
                rect.bottomright = (width - int(30 * unit), height - int(24 * unit))
            buttons.append(Button(key, label, rect))
        return buttons

    def _rule_key(self) -> str:
        return "billing.rule_cms" if self.rule is UnitRule.CMS else "billing.rule_per_code"

    def _draw_reason(self, surface: pygame.Surface, box: pygame.Rect) -> None:
        pygame.draw.rect(surface, (255, 255, 255), box, border_radius=8)
        shown = self.reason[-90:] or self.text("billing.reason_hint")
        draw_text(
            surface,
            shown,
            int(24 * self.unit),
            (20, 20, 30) if self.reason else (120, 120, 130),
            midleft=(box.left + 12 * self.unit, box.centery),
        )

    # --- input ----------------------------------------------------------------------------
    def on_input(self, taps: list[Tap], ui_events: list[UiEvent], now_ns: int) -> None:
        self._now_ns = now_ns
        if self.mode == PIN and self.keyboard is None:
            menu_events = []
            for event in ui_events:
                if event.kind == "text":  # typed digits also come as keys
                    continue
                key = pad_key(event)
                if key is None:
                    menu_events.append(event)
                else:
                    self.activate(key)
                    if self.mode != PIN:
                        return
            super().on_input(taps, menu_events, now_ns)
            return
        if self.mode == EDIT and self.over_limit():
            self.reason, ui_events = take_typing(self.reason, ui_events)
        super().on_input(taps, ui_events, now_ns)

    def on_update(self, now_ns: int) -> None:
        self._now_ns = now_ns
        if self.mode == PIN and self.gate is not None:
            locked = self.gate.wait_s(now_ns) > 0
            if self.menu.buttons and self.menu.buttons[0].enabled == locked:
                self.relayout()  # a lockout began or ended
        super().on_update(now_ns)

    def activate(self, key: str) -> None:
        if self.mode == PICK:
            self._pick(key)
        elif self.mode == PIN:
            self._pad(key)
        else:
            self._edit(key)

    def _show(self, mode: str) -> None:
        self.mode = mode
        self.menu.focus = 0
        self.relayout()

    def _edit(self, key: str) -> None:
        leaving, self.leaving = self.leaving, False
        if key == "back":
            # Minutes changed and not saved: say so once; a second Back leaves without them.
            if self.billed_minutes() != self.unchanged and not leaving:
                self.leaving = True
                self.message = self.text("billing.unsaved")
                return
            self.goto("therapist_session", profile=self.profile, session_id=self.session_id)
        elif key.startswith(("minus:", "plus:")):
            sign, code = key.split(":", 1)
            change = -1 if sign == "minus" else 1
            self.minutes[code] = min(MAX_SESSION_MINUTES, max(0, self.minutes[code] + change))
            self.relayout()  # the reason box comes and goes with the limit
        elif key == "add_code":
            self._add_code()
        elif key == "rule":
            self.rule = UnitRule.PER_CODE if self.rule is UnitRule.CMS else UnitRule.CMS
            self.relayout()
        elif key == "reason_box":
            self.open_keyboard("reason")
        elif key in (SAVE, SIGN):
            self._ask_who(key)

    def _add_code(self) -> None:
        """The next code of the billing file not shown yet, from 0 minutes."""
        if self.config is None:
            return
        unused = [entry.code for entry in self.config.codes if entry.code not in self.minutes]
        if not unused:
            self.message = self.text("billing.no_more_codes")
            return
        self.minutes[unused[0]] = 0
        self.code_pages.show(len(self.minutes) - 1)  # the page with the new code
        self.relayout()

    def _ask_who(self, action: str) -> None:
        self.action = action
        problem = self._problem()
        if problem:
            self.message = problem
            return
        if not self.therapists:
            self.message = self.text("billing.no_therapists")
            return
        self.message = ""
        self._show(PICK)

    def _problem(self) -> str:
        """Why the minutes as they are cannot be stored (empty: they can)."""
        if self.config is None:
            return self.text("billing.config_missing")
        billed = self.billed_minutes()
        if not billed and (self.action == SAVE or self.stored is None):
            return self.text("billing.no_minutes")
        if self.over_limit() and not " ".join(self.reason.split()):
            return self.text(
                "billing.over_limit",
                billed=sum(billed.values()),
                active=whole_minutes(self.active_seconds),
                allowance=BILLED_OVER_ACTIVE_ALLOWANCE_MIN,
                limit=self.limit_min,
            )
        return ""

    def _pick(self, key: str) -> None:
        if key == "back":
            self._show(EDIT)
            return
        therapist_id = int(key.split(":", 1)[1])
        self.signer = next(t for t in self.therapists if t.therapist_id == therapist_id)
        if self.action == SIGN and self.signer.has_pin:
            self._open_pad()
        else:
            self._store()

    # --- the therapist's own PIN ----------------------------------------------------------
    def _open_pad(self) -> None:
        store = self.context.open_store()
        try:
            pin_hash = store.therapist_pin_hash(self.signer.therapist_id)
            setting = therapist_gate_setting(self.signer.therapist_id)
            state = load_gate_state(store, datetime.now(UTC), setting)
        finally:
            store.close()
        self.gate = PinGate(lambda pin: pin_matches(pin_hash, pin), 0.0, self._now_ns, state=state)
        self.digits, self.message = "", ""
        self._show(PIN)

    def _pad(self, key: str) -> None:
        if key == "back":
            self.digits = ""
            self._show(EDIT)
            return
        if self.gate.wait_s(self._now_ns) > 0:
            return
        if key != "ok":
            self.digits = typed(self.digits, key)
            return
        if not self.digits:
            return
        attempt = self.gate.submit(self.digits, self._now_ns)
        self.digits = ""
        self._keep_gate_state()
        if attempt.outcome == UNLOCKED:
            self._store()
        elif attempt.outcome == WRONG:
            self.message = self.text(
                "billing.pin_wrong",
                who=self.signer.signed_name,
                failures=attempt.failures_in_row,
                allowed=FAILURES_BEFORE_LOCKOUT,
            )
        elif attempt.outcome == LOCKED_OUT:
            self.message = ""
            self.relayout()  # the pad's keys are disabled while locked

    def _keep_gate_state(self) -> None:
        store = self.context.open_store()
        try:
            setting = therapist_gate_setting(self.signer.therapist_id)
            save_gate_state(store, self.gate.state(self._now_ns), datetime.now(UTC), setting)
        finally:
            store.close()

    # --- storing --------------------------------------------------------------------------
    def _store(self) -> None:
        """Assign the minutes as shown (when they differ from the store's), then sign if
        asked; back to the minutes with what happened."""
        store = self.context.open_store()
        try:
            billed = self.billed_minutes()
            therapist_id = self.signer.therapist_id
            if billed and billed != self.stored:
                lines = assign_minutes(
                    store,
                    self.session_id,
                    therapist_id,
                    self.config,
                    billed,
                    override_reason=self.reason if self.over_limit() else None,
                )
                self.stored = billed
                stored_minutes = {line.code: line.minutes for line in lines}
                detail = minutes_audit_detail(self.session_id, therapist_id, stored_minutes)
                audit(store, self.context.station_name, "minutes_billed", detail)
            if self.action == SIGN:
                sign_session(store, self.session_id, self.signer)
                detail = signature_audit_detail(self.session_id, therapist_id)
                audit(store, self.context.station_name, "signed", detail)
                self.message = self.text("billing.signed_now", who=self.signer.signed_name)
            else:
                self.message = self.text("billing.saved", who=self.signer.signed_name)
            self.minutes = dict(billed) or self.minutes
            self.unchanged = self.billed_minutes()
            self.reason = ""
            self._read_signature(store)
        except (BillingRecordError, UnknownCodeError, ValueError) as error:
            self.message = str(error)
        finally:
            store.close()
        self._show(EDIT)

    # --- drawing --------------------------------------------------------------------------
    def draw_more(self, surface: pygame.Surface) -> None:
        if self.mode == PIN:
            self._draw_pad(surface)
        elif self.mode == EDIT:
            self._draw_minutes(surface)
        if self.message and self.mode != PIN:
            width, height = surface.get_size()
            draw_fitted_text(
                surface,
                self.message,
                int(24 * self.unit),
                NOTICE,
                (width / 2, height - MESSAGE_FROM_FOOT * design_unit((width, height))),
                int(width - 60 * self.unit),
            )

    def _draw_pad(self, surface: pygame.Surface) -> None:
        width = surface.get_width()
        unit = self.unit
        draw_dots(surface, len(self.digits), unit, 150 * unit)
        wait_s = self.gate.wait_s(self._now_ns)
        if wait_s > 0:
            line, colour = self.text("billing.pin_locked", time=clock_text(wait_s)), WARN
        elif self.message:
            line, colour = self.message, NOTICE
        else:
            line, colour = self.text("billing.pin_hint"), self.context.look.dim_text_colour
        draw_text(surface, line, int(28 * unit), colour, center=(width / 2, 192 * unit))

    def _draw_minutes(self, surface: pygame.Surface) -> None:
        width, height = surface.get_size()
        unit = self.unit
        design = design_unit((width, height))
        look = self.context.look
        size = int(26 * unit)
        active = self.text(
            "billing.active",
            minutes=whole_minutes(self.active_seconds),
            clock=clock_text(self.active_seconds),
        )
        draw_text(surface, active, size, look.text_colour, center=(width / 2, 110 * design))
        units = self.units()
        per_code = {line.code: line for line in units.codes} if units else {}
        codes = list(self.minutes.items())
        for row, index in enumerate(self.codes_shown):
            code, minutes = codes[index]
            middle = (ROWS_TOP + row * ROW_PITCH + STEP / 2) * design
            entry = self.config.find(code) if self.config else None
            draw_text(
                surface, code, int(32 * unit), look.text_colour,
                midleft=(40 * design, middle - 13 * design),
            )  # fmt: skip
            # The clinic's words for the code under it, on the lines the row has room for (two,
            # one with large text).
            description = entry.description if entry else self.text("billing.unknown_code")
            room_px = (ROW_PITCH - STEP / 2 - 4) * design  # down to the next row's top
            lines = min(2, 1 + int((room_px - 15 * unit) // (17 * unit)))
            for line_index, words in enumerate(
                wrap_lines(description, int(20 * unit), int(560 * design))[:lines]
            ):
                draw_text(
                    surface, words, int(20 * unit), look.dim_text_colour,
                    topleft=(40 * design, middle + 4 * design + 17 * line_index * unit),
                )  # fmt: skip
            draw_text(
                surface, str(minutes), int(40 * unit), look.text_colour,
                center=(752 * design, middle),
            )  # fmt: skip
            line = per_code.get(code)
            shown = self.context.messages.count("billing.units", line.units) if line else "–"
            draw_fitted_text(
                surface, shown, size, look.text_colour, (935 * design, middle), int(120 * design)
            )
        if not self.minutes:
            draw_text(
                surface, self.text("billing.no_codes"), size, look.dim_text_colour,
                center=(width / 2, 200 * design),
            )  # fmt: skip
        total_minutes = sum(self.billed_minutes().values())
        total = self.text(
            "billing.total",
            minutes=total_minutes,
            units=self.context.messages.count("billing.units", units.total_units if units else 0),
        )
        colour = WARN if self.over_limit() else look.text_colour
        total_y = height - TOTAL_FROM_FOOT * design
        draw_text(surface, total, int(30 * unit), colour, midleft=(40 * design, total_y))
        signed_colour = GOOD if self.signed_current else WARN
        draw_text(
            surface, self.signed_line, int(22 * unit), signed_colour,
            topright=(width - 40 * design, total_y - 10 * design),
        )  # fmt: skip
        if self.over_limit():
            return
        allowance = self.text(
            "billing.allowance", allowance=BILLED_OVER_ACTIVE_ALLOWANCE_MIN, limit=self.limit_min
        )
        draw_text(
            surface, allowance, int(20 * unit), look.dim_text_colour,
            midleft=(40 * design, height - ALLOWANCE_FROM_FOOT * design),
        )  # fmt: skip
