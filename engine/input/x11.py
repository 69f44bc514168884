"""X server stamps for key, button and touch presses, read as XInput 2 raw events.

SDL stamps an event when it is pumped, which can be late by a whole draw phase (flip blocks
for milliseconds with nothing pumped). The X server stamps every input event itself, in
milliseconds of CLOCK_MONOTONIC, the clock of ``time.perf_counter_ns()``. So a thread with
its own X connection reads raw press events and pushes them, stamped in host ns, to a
`PressMatcher`; the input pump takes those stamps for the presses SDL reports.

Raw events are used because they reach a root-window listener whatever window has focus or
grabs the device, and they carry the server's stamp of the press itself, and which device
sent it (a foot switch that types a key is told from the keyboard; SDL merges them).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import select
import struct
import threading
import time

import pygame

from engine.input.stamps import PRESS_BUTTON, PRESS_KEY, PRESS_TOUCH, OsPress, PressMatcher

try:
    from Xlib import XK, X, Xatom
    from Xlib import display as xdisplay
    from Xlib import error as xerror
    from Xlib.ext import xinput
    from Xlib.ext.ge import GenericEventCode
except ImportError:  # python-xlib is a Linux-only dependency; the factory reports its absence
    xdisplay = None

log = logging.getLogger(__name__)

# Raw touch events came with XI 2.2; python-xlib 0.33 knows neither the version nor the type.
XI_MIN_VERSION = (2, 2)
XI_RAW_TOUCH_BEGIN = 22
XI_KEY_REPEAT_FLAG = 1 << 16  # on key events
XI_POINTER_EMULATED_FLAG = 1 << 16  # on button events
# Head of every XI 2 raw event after python-xlib's GenericEvent fields, in the byte order
# python-xlib asked the server for (native): deviceid, time, detail, sourceid,
# valuators_len, flags. python-xlib 0.33 leaves raw events unparsed.
RAW_EVENT_HEAD = struct.Struct("=HIIHHI")

SERVER_TIME_PERIOD_MS = 1 << 32
# The server truncates to whole ms, so the press happened on average half a ms later.
SERVER_MS_MIDPOINT_NS = 500_000
# A server on our CLOCK_MONOTONIC is within a few ms of us; anything this far off is
# another clock (gettimeofday, another machine) and its stamps are useless to us.
MAX_SERVER_CLOCK_OFFSET_NS = 1_000_000_000
CLOCK_PROBE_TIMEOUT_S = 2.0
STOP_TIMEOUT_S = 1.0

# X buttons 4-7 are wheel steps, not presses. 8 and 9 are the side buttons, which SDL calls
# X1 and X2 and pygame numbers 6 and 7 (it keeps 4 and 5 for the wheel).
PYGAME_BUTTON_BY_X_BUTTON = {
    1: pygame.BUTTON_LEFT,
    2: pygame.BUTTON_MIDDLE,
    3: pygame.BUTTON_RIGHT,
    8: pygame.BUTTON_X1,
    9: pygame.BUTTON_X2,
}

# X keysym names of the keys that are not printable ASCII, with the pygame key SDL makes of
# them. Printable ASCII keysyms equal their character, which is also SDL's key code.
PYGAME_KEY_BY_KEYSYM_NAME = {
    "Return": pygame.K_RETURN,
    "KP_Enter": pygame.K_KP_ENTER,
    "Escape": pygame.K_ESCAPE,
    "Tab": pygame.K_TAB,
    "BackSpace": pygame.K_BACKSPACE,
    "Delete": pygame.K_DELETE,
    "Insert": pygame.K_INSERT,
    "Home": pygame.K_HOME,
    "End": pygame.K_END,
    "Page_Up": pygame.K_PAGEUP,
    "Page_Down": pygame.K_PAGEDOWN,
    "Left": pygame.K_LEFT,
    "Right": pygame.K_RIGHT,
    "Up": pygame.K_UP,
    "Down": pygame.K_DOWN,
    "Shift_L": pygame.K_LSHIFT,
    "Shift_R": pygame.K_RSHIFT,
    "Control_L": pygame.K_LCTRL,
    "Control_R": pygame.K_RCTRL,
    "Alt_L": pygame.K_LALT,
    "Alt_R": pygame.K_RALT,
    "Super_L": pygame.K_LGUI,
    "Super_R": pygame.K_RGUI,
    "Caps_Lock": pygame.K_CAPSLOCK,
    **{f"F{number}": getattr(pygame, f"K_F{number}") for number in range(1, 13)},
}


class X11PressSourceUnavailable(Exception):
    """The X server cannot give us usable press stamps; the message says why."""


def server_ms_to_host_ns(server_ms: int, now_ns: int) -> int:
    """Host ns (CLOCK_MONOTONIC) of the middle of the X server millisecond ``server_ms``.

    The server's time is a 32-bit count of CLOCK_MONOTONIC ms that wraps every 49.7 days;
    ``now_ns`` (a recent ``time.perf_counter_ns()``) picks the period nearest to now.
    """
    now_ms = now_ns // 1_000_000
    ahead_ms = (server_ms - now_ms) % SERVER_TIME_PERIOD_MS
    if ahead_ms >= SERVER_TIME_PERIOD_MS // 2:
        ahead_ms -= SERVER_TIME_PERIOD_MS
    return (now_ms + ahead_ms) * 1_000_000 + SERVER_MS_MIDPOINT_NS


@functools.cache
def _pygame_key_by_named_keysym() -> dict[int, int]:
    return {XK.string_to_keysym(name): key for name, key in PYGAME_KEY_BY_KEYSYM_NAME.items()}


def pygame_key_name_for_keysym(keysym: int) -> str | None:
    """``pygame.key.name()`` of the key SDL reports for this X keysym, or None if unknown."""
    if 0x20 <= keysym <= 0x7E:
        return pygame.key.name(ord(chr(keysym).lower()))
    pygame_key = _pygame_key_by_named_keysym().get(keysym)
    return None if pygame_key is None else pygame.key.name(pygame_key)


class X11PressSource:
    """Pushes an `OsPress` for every key, button and touch press the X server sees.

    Construction connects to the X server (``display_name`` or $DISPLAY), checks XInput 2.2
    and that the server's clock is ours, and starts a daemon thread; it raises
    `X11PressSourceUnavailable` when any of that fails. Call `stop()` to end it.
    ``server_clock_offset_ns`` is the server's clock minus ours as probed at the start.
    """

    def __init__(self, matcher: PressMatcher, display_name: str | None = None) -> None:
        if xdisplay is None:
            raise X11PressSourceUnavailable("python-xlib is not installed")
        self._matcher = matcher
        try:
            self._display = xdisplay.Display(display_name)
        except (xerror.DisplayError, xerror.ConnectionClosedError, OSError) as exc:
            raise X11PressSourceUnavailable(f"cannot connect to the X server: {exc}") from exc
        try:
            self._xi_opcode = self._check_xinput()
            self.server_clock_offset_ns = self._probe_server_clock_offset_ns()
            self._select_raw_presses()
            self._key_code_by_keycode = self._read_key_codes()
            self._device_names = self._read_device_names()
        except (xerror.XError, xerror.ConnectionClosedError) as exc:
            self._close_display()
            raise X11PressSourceUnavailable(f"the X server failed our set-up: {exc}") from exc
        except X11PressSourceUnavailable:
            self._close_display()
            raise
        self._stopping = threading.Event()
        # Writing to this pipe wakes the thread out of select() at once when stopping.
        self._wake_read_fd, self._wake_write_fd = os.pipe()
        self._thread = threading.Thread(target=self._run, name="x11-press-source", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """End the thread and close the X connection; safe to call more than once."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        os.write(self._wake_write_fd, b"\0")
        self._thread.join(STOP_TIMEOUT_S)
        if self._thread.is_alive():
            log.warning("X11 press thread did not stop within %.1f s", STOP_TIMEOUT_S)
        self._close_display()
        os.close(self._wake_read_fd)
        os.close(self._wake_write_fd)

    def _close_display(self) -> None:
        # If the server is gone already, there is nothing left to close.
        with contextlib.suppress(xerror.ConnectionClosedError, OSError):
            self._display.close()

    def _check_xinput(self) -> int:
        if not self._display.has_extension(xinput.extname):
            raise X11PressSourceUnavailable("the X server has no XInput extension")
        opcode = self._display.display.get_extension_major(xinput.extname)
        # Announce 2.2 ourselves: python-xlib announces 2.0, and the server refuses touch
        # events to clients that announced less than 2.2.
        reply = xinput.XIQueryVersion(
            display=self._display.display,
            opcode=opcode,
            major_version=XI_MIN_VERSION[0],
            minor_version=XI_MIN_VERSION[1],
        )
        version = (reply.major_version, reply.minor_version)
        if version < XI_MIN_VERSION:
            raise X11PressSourceUnavailable(
                f"the X server has XInput {version[0]}.{version[1]}; raw presses need 2.2"
            )
        return opcode

    def _probe_server_clock_offset_ns(self) -> int:
        """Server stamp minus our clock, from a property change on a private window."""
        probe_window = self._display.screen().root.create_window(
            0, 0, 1, 1, 0, X.CopyFromParent, X.InputOnly, event_mask=X.PropertyChangeMask
        )
        probe_atom = self._display.intern_atom("_ONBEAT_CLOCK_PROBE")
        sent_ns = time.perf_counter_ns()
        probe_window.change_property(probe_atom, Xatom.STRING, 8, b"1")
        self._display.flush()
        deadline_ns = sent_ns + int(CLOCK_PROBE_TIMEOUT_S * 1e9)
        server_ms = None
        while server_ms is None:
            remaining_s = (deadline_ns - time.perf_counter_ns()) / 1e9
            if remaining_s <= 0:
                raise X11PressSourceUnavailable("the X server did not answer the clock probe")
            if not self._display.pending_events():
                select.select([self._display], [], [], remaining_s)
                continue
            event = self._display.next_event()
            if event.type == X.PropertyNotify and event.window == probe_window:
                server_ms = event.time
        received_ns = time.perf_counter_ns()
        probe_window.destroy()
        self._display.flush()
        midway_ns = (sent_ns + received_ns) // 2
        offset_ns = server_ms_to_host_ns(server_ms, midway_ns) - midway_ns
        if abs(offset_ns) > MAX_SERVER_CLOCK_OFFSET_NS:
            raise X11PressSourceUnavailable(
                f"the X server's clock is {offset_ns / 1e9:+.1f} s from CLOCK_MONOTONIC "
                "(another clock or another machine)"
            )
        return offset_ns

    def _select_raw_presses(self) -> None:
        errors: list[xerror.XError] = []
        self._display.set_error_handler(lambda error, _request: errors.append(error))
        mask = xinput.RawKeyPressMask | xinput.RawButtonPressMask | (1 << XI_RAW_TOUCH_BEGIN)
        # Devices plugged in or out change the hierarchy: their names are read again then.
        self._display.screen().root.xinput_select_events(
            [(xinput.AllMasterDevices, mask), (xinput.AllDevices, xinput.HierarchyChangedMask)]
        )
        self._display.sync()
        if errors:
            raise X11PressSourceUnavailable(f"the X server refused raw press events: {errors[0]}")
        self._display.set_error_handler(
            lambda error, _request: log.warning("X error on the press-stamp connection: %s", error)
        )

    def _read_key_codes(self) -> dict[int, str]:
        """Press code of every keycode under the current keyboard mapping."""
        key_code_by_keycode = {}
        first_keycode = self._display.display.info.min_keycode
        last_keycode = self._display.display.info.max_keycode
        for keycode in range(first_keycode, last_keycode + 1):
            keysym = self._display.keycode_to_keysym(keycode, 0)
            # Keys we cannot name as SDL would get a code that no SDL event ever claims.
            key_name = pygame_key_name_for_keysym(keysym) or _unknown_key_code(keycode)
            key_code_by_keycode[keycode] = key_name
        return key_code_by_keycode

    def _read_device_names(self) -> dict[int, str]:
        """Name of every input device by its XInput id (the raw events' source)."""
        reply = self._display.xinput_query_device(xinput.AllDevices)
        return {info.deviceid: str(info.name) for info in reply.devices}

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                while self._display.pending_events():
                    self._handle(self._display.next_event())
                select.select([self._display, self._wake_read_fd], [], [])
        except (xerror.ConnectionClosedError, OSError, ValueError) as exc:
            if not self._stopping.is_set():
                log.warning("X11 press stamps stopped, polled stamps from now on: %s", exc)
        except Exception:
            log.exception("X11 press stamps stopped, polled stamps from now on")

    def _handle(self, event) -> None:
        if event.type == X.MappingNotify:
            if event.request == X.MappingKeyboard:
                self._display.refresh_keyboard_mapping(event)
                self._key_code_by_keycode = self._read_key_codes()
            return
        if event.type != GenericEventCode or event.extension != self._xi_opcode:
            return
        if event.evtype == xinput.HierarchyChanged:
            self._device_names = self._read_device_names()
            return
        _device, server_ms, detail, source, _valuators, flags = RAW_EVENT_HEAD.unpack_from(
            event.data
        )
        if event.evtype == xinput.RawKeyPress:
            if flags & XI_KEY_REPEAT_FLAG:
                return  # a held key is not a new tap
            kind = PRESS_KEY
            code = self._key_code_by_keycode.get(detail) or _unknown_key_code(detail)
        elif event.evtype == xinput.RawButtonPress:
            # A touch also comes as an emulated button press; its touch event is the tap.
            if detail not in PYGAME_BUTTON_BY_X_BUTTON or flags & XI_POINTER_EMULATED_FLAG:
                return
            kind = PRESS_BUTTON
            code = str(PYGAME_BUTTON_BY_X_BUTTON[detail])
        elif event.evtype == XI_RAW_TOUCH_BEGIN:
            kind = PRESS_TOUCH
            code = ""
        else:
            return
        host_ns = server_ms_to_host_ns(server_ms, time.perf_counter_ns())
        device = self._device_names.get(source, "")
        self._matcher.push(OsPress(host_ns=host_ns, kind=kind, code=code, device=device))


def _unknown_key_code(keycode: int) -> str:
    return f"x11-keycode-{keycode}"


def _sdl_video_driver() -> str:
    """The SDL video driver in use, or the one asked for if the display is not up yet."""
    if pygame.display.get_init():
        return pygame.display.get_driver()
    return os.environ.get("SDL_VIDEODRIVER", "")


def _reason_not_x11(display_name: str | None) -> str | None:
    if xdisplay is None:
        return "python-xlib is not installed"
    driver = _sdl_video_driver()
    if driver and driver != "x11":
        return f"the SDL video driver is {driver!r}, not 'x11'"
    if not driver and os.environ.get("WAYLAND_DISPLAY"):
        return (
            "a Wayland session and the SDL video driver is not known yet "
            "(start this after pygame.display is up, or set SDL_VIDEODRIVER=x11)"
        )
    if not (display_name or os.environ.get("DISPLAY")):
        return "DISPLAY is not set"
    return None


def start_x11_press_source(
    matcher: PressMatcher, display_name: str | None = None
) -> X11PressSource | None:
    """Start X server press stamps for ``matcher``, or log why not and return None.

    None means: use polled stamps. Call it after pygame.display is initialised, so that the
    SDL driver actually in use decides.
    """
    return open_x11_press_source(matcher, display_name)[0]


def open_x11_press_source(
    matcher: PressMatcher, display_name: str | None = None
) -> tuple[X11PressSource | None, str]:
    """As `start_x11_press_source`, with the one line saying why there is none ("" if there
    is one), for the screens and listings that tell a therapist how taps are stamped."""
    reason = _reason_not_x11(display_name)
    if reason is None:
        try:
            source = X11PressSource(matcher, display_name)
        except X11PressSourceUnavailable as exc:
            reason = str(exc)
        else:
            log.info(
                "X11 press stamps on (server clock %+.2f ms from ours)",
                source.server_clock_offset_ns / 1e6,
            )
            return source, ""
    log.info("X11 press stamps off, polled stamps instead: %s", reason)
    return None, reason
