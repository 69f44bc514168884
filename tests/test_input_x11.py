"""X server press stamps: time conversion, key names, and real presses sent to Xvfb by XTest."""

from __future__ import annotations

import importlib.util
import queue
import shutil
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import NamedTuple

import pygame
import pytest

from engine.input import x11 as input_x11
from engine.input.stamps import PRESS_BUTTON, PRESS_KEY, PRESS_TOUCH, OsPress, PressMatcher
from engine.input.x11 import (
    RAW_EVENT_HEAD,
    SERVER_MS_MIDPOINT_NS,
    SERVER_TIME_PERIOD_MS,
    X11PressSource,
    pygame_key_name_for_keysym,
    server_ms_to_host_ns,
    start_x11_press_source,
)
from tests.xvfb_server import start_xvfb, stop_process

HAVE_XLIB = importlib.util.find_spec("Xlib") is not None
needs_xlib = pytest.mark.skipif(not HAVE_XLIB, reason="python-xlib is not installed")

# -noreset: by default the server resets when its last client leaves, and resets the
# connections of clients that arrive meanwhile.
XVFB_OPTIONS = ("-noreset", "-nolisten", "tcp", "-screen", "0", "640x480x24")
PRESS_ARRIVAL_TIMEOUT_S = 2.0
# A press stamp must lie between its XTest send and the server's reply to a later request;
# widened by the ms truncation, which our mid-ms stamp splits into ±0.5 ms, and by up to one
# more ms early where the server reads CLOCK_MONOTONIC_COARSE (kernels with HZ >= 1000).
# Against a quiet machine that is within about 1.5 ms of the send; a fixed bound on the send
# alone fails on a busy machine, where the server may wait a few ms for a CPU.
MAX_EARLY_STAMP_NS = 1_500_000
MAX_LATE_STAMP_NS = 500_000
MAX_STOP_DURATION_S = 0.5
MS_NS = 1_000_000


class RecordingMatcher(PressMatcher):
    """A PressMatcher that also hands every pushed press to the test, in order."""

    def __init__(self) -> None:
        super().__init__("x11-test")
        self.pushed: queue.Queue[OsPress] = queue.Queue()

    def push(self, press: OsPress) -> None:
        super().push(press)
        self.pushed.put(press)

    def next_press(self) -> OsPress:
        return self.pushed.get(timeout=PRESS_ARRIVAL_TIMEOUT_S)


def test_server_ms_maps_to_the_middle_of_its_millisecond() -> None:
    now_ns = 5_000 * MS_NS + 123_456
    assert server_ms_to_host_ns(5_000, now_ns) == 5_000 * MS_NS + SERVER_MS_MIDPOINT_NS
    assert server_ms_to_host_ns(4_990, now_ns) == 4_990 * MS_NS + SERVER_MS_MIDPOINT_NS


def test_server_ms_unwraps_to_the_period_nearest_now() -> None:
    third_period_ms = 3 * SERVER_TIME_PERIOD_MS
    just_after_wrap_ns = (third_period_ms + 2) * MS_NS
    stamp_before_wrap_ms = SERVER_TIME_PERIOD_MS - 3
    assert server_ms_to_host_ns(stamp_before_wrap_ms, just_after_wrap_ns) == (
        (third_period_ms - 3) * MS_NS + SERVER_MS_MIDPOINT_NS
    )
    just_before_wrap_ns = (third_period_ms - 2) * MS_NS
    assert server_ms_to_host_ns(1, just_before_wrap_ns) == (
        (third_period_ms + 1) * MS_NS + SERVER_MS_MIDPOINT_NS
    )


@needs_xlib
@pytest.mark.parametrize(
    ("keysym_name", "pygame_key"),
    [
        ("f", pygame.K_f),
        ("j", pygame.K_j),
        ("F", pygame.K_f),
        ("7", pygame.K_7),
        ("space", pygame.K_SPACE),
        ("Return", pygame.K_RETURN),
        ("Escape", pygame.K_ESCAPE),
        ("Left", pygame.K_LEFT),
        ("Up", pygame.K_UP),
        ("Shift_L", pygame.K_LSHIFT),
        ("Shift_R", pygame.K_RSHIFT),
        ("Control_L", pygame.K_LCTRL),
        ("Control_R", pygame.K_RCTRL),
    ],
)
def test_keysyms_get_pygame_key_names(keysym_name: str, pygame_key: int) -> None:
    from Xlib import XK

    keysym = XK.string_to_keysym(keysym_name)
    assert pygame_key_name_for_keysym(keysym) == pygame.key.name(pygame_key)


@needs_xlib
def test_unknown_keysym_has_no_name() -> None:
    from Xlib import XK

    assert pygame_key_name_for_keysym(XK.string_to_keysym("Hangul")) is None


@pytest.mark.parametrize(
    ("driver", "wayland_display", "display", "reason_part"),
    [
        ("dummy", None, ":0", "'dummy'"),
        ("wayland", "wayland-0", ":0", "'wayland'"),
        ("", "wayland-0", ":0", "Wayland"),
        ("x11", None, None, "DISPLAY"),
    ],
)
def test_factory_refuses_where_x_stamps_do_not_apply(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    driver: str,
    wayland_display: str | None,
    display: str | None,
    reason_part: str,
) -> None:
    monkeypatch.setattr(input_x11, "_sdl_video_driver", lambda: driver)
    for name, value in (("WAYLAND_DISPLAY", wayland_display), ("DISPLAY", display)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    caplog.set_level("INFO", logger=input_x11.__name__)

    assert start_x11_press_source(PressMatcher("x11-test")) is None
    if HAVE_XLIB:
        assert reason_part in caplog.text


@pytest.fixture(scope="module")
def xvfb_display() -> Iterator[str]:
    if not HAVE_XLIB:
        pytest.skip("python-xlib is not installed")
    if shutil.which("Xvfb") is None:
        pytest.skip("Xvfb is not installed")
    server, display_name = start_xvfb(*XVFB_OPTIONS)
    yield display_name
    stop_process(server)


@pytest.fixture
def sender(xvfb_display: str):
    """The test's own X connection, from which XTest sends presses."""
    from Xlib import display

    connection = display.Display(xvfb_display)
    if not connection.has_extension("XTEST"):
        connection.close()
        pytest.skip("Xvfb has no XTEST extension")
    yield connection
    connection.close()


@pytest.fixture
def source_and_matcher(xvfb_display: str) -> Iterator[tuple[X11PressSource, RecordingMatcher]]:
    matcher = RecordingMatcher()
    source = X11PressSource(matcher, xvfb_display)
    yield source, matcher
    source.stop()


class SendWindow(NamedTuple):
    """When an XTest press was sent, and when the server had certainly handled it."""

    sent_ns: int  # perf_counter_ns() just before the XTest request
    handled_ns: int  # perf_counter_ns() when the reply to a later request arrived

    def holds(self, host_ns: int) -> bool:
        return self.sent_ns - MAX_EARLY_STAMP_NS < host_ns <= self.handled_ns + MAX_LATE_STAMP_NS


def _send_press(sender, event_type: int, detail: int) -> SendWindow:
    """Send one XTest press; sync so that the server has stamped it by the time we return."""
    sent_ns = time.perf_counter_ns()
    sender.xtest_fake_input(event_type, detail)
    sender.sync()
    return SendWindow(sent_ns, time.perf_counter_ns())


def _send_key(sender, keysym_name: str) -> SendWindow:
    from Xlib import XK, X

    keycode = sender.keysym_to_keycode(XK.string_to_keysym(keysym_name))
    assert keycode, f"Xvfb's keymap has no key for {keysym_name!r}"
    window = _send_press(sender, X.KeyPress, keycode)
    sender.xtest_fake_input(X.KeyRelease, keycode)
    sender.flush()
    return window


def _send_button(sender, x_button: int) -> SendWindow:
    from Xlib import X

    window = _send_press(sender, X.ButtonPress, x_button)
    sender.xtest_fake_input(X.ButtonRelease, x_button)
    sender.flush()
    return window


@pytest.mark.x11
def test_key_presses_carry_pygame_names_and_server_stamps(source_and_matcher, sender) -> None:
    _source, matcher = source_and_matcher
    for keysym_name, pygame_key in [
        ("f", pygame.K_f),
        ("j", pygame.K_j),
        ("space", pygame.K_SPACE),
    ]:
        for _repeat in range(5):
            window = _send_key(sender, keysym_name)
            press = matcher.next_press()
            assert (press.kind, press.code) == (PRESS_KEY, pygame.key.name(pygame_key))
            assert window.holds(press.host_ns), (window, press)


@pytest.mark.x11
def test_button_presses_map_to_pygame_buttons_and_wheel_is_ignored(
    source_and_matcher, sender
) -> None:
    _source, matcher = source_and_matcher
    for x_button, pygame_button in [
        (1, pygame.BUTTON_LEFT),
        (2, pygame.BUTTON_MIDDLE),
        (3, pygame.BUTTON_RIGHT),
    ]:
        for wheel_button in (4, 5, 6, 7):
            _send_button(sender, wheel_button)
        window = _send_button(sender, x_button)
        press = matcher.next_press()
        assert (press.kind, press.code) == (PRESS_BUTTON, str(pygame_button))
        assert window.holds(press.host_ns), (window, press)
    assert matcher.pushed.empty()


@pytest.mark.x11
def test_pushed_presses_are_claimed_by_matching_sdl_presses(xvfb_display: str, sender) -> None:
    matcher = PressMatcher("x11-test")
    source = X11PressSource(matcher, xvfb_display)
    try:
        window = _send_key(sender, "f")
        deadline_s = time.monotonic() + PRESS_ARRIVAL_TIMEOUT_S
        claimed = None
        while claimed is None and time.monotonic() < deadline_s:
            claimed = matcher.claim(PRESS_KEY, "f", time.perf_counter_ns())
            time.sleep(0.001)
    finally:
        source.stop()
    assert claimed is not None
    assert window.holds(claimed.host_ns), (window, claimed)
    # The raw event says which device sent it; XTest presses come from its own keyboard.
    assert claimed.device == "Virtual core XTEST keyboard"


@pytest.mark.x11
def test_raw_touches_push_and_key_repeats_and_emulated_clicks_do_not(source_and_matcher) -> None:
    # XTest cannot touch, so hand the source the raw events the server would send.
    from Xlib.ext import xinput
    from Xlib.ext.ge import GenericEventCode

    source, matcher = source_and_matcher
    now_ns = time.perf_counter_ns()
    server_ms = now_ns // MS_NS % SERVER_TIME_PERIOD_MS
    xi_opcode = source._display.display.get_extension_major(xinput.extname)

    def raw_event(evtype: int, detail: int, flags: int) -> SimpleNamespace:
        head = RAW_EVENT_HEAD.pack(2, server_ms, detail, 6, 0, flags)
        return SimpleNamespace(
            type=GenericEventCode, extension=xi_opcode, evtype=evtype, data=head + bytes(8)
        )

    source._handle(raw_event(input_x11.XI_RAW_TOUCH_BEGIN, 1, 0))
    source._handle(raw_event(xinput.RawKeyPress, 41, input_x11.XI_KEY_REPEAT_FLAG))
    source._handle(raw_event(xinput.RawButtonPress, 1, input_x11.XI_POINTER_EMULATED_FLAG))

    touch = matcher.next_press()
    assert (touch.kind, touch.code) == (PRESS_TOUCH, "")
    assert touch.host_ns == server_ms_to_host_ns(server_ms, now_ns)
    assert matcher.pushed.empty()


@pytest.mark.x11
def test_refuses_a_server_on_another_clock(
    monkeypatch: pytest.MonkeyPatch, xvfb_display: str
) -> None:
    true_clock_ns = time.perf_counter_ns
    monkeypatch.setattr(time, "perf_counter_ns", lambda: true_clock_ns() + 30 * 10**9)
    with pytest.raises(input_x11.X11PressSourceUnavailable, match="clock"):
        X11PressSource(PressMatcher("x11-test"), xvfb_display)


@pytest.mark.x11
def test_stop_returns_promptly_and_twice(xvfb_display: str) -> None:
    source = X11PressSource(PressMatcher("x11-test"), xvfb_display)
    started_s = time.monotonic()
    source.stop()
    source.stop()
    assert time.monotonic() - started_s < MAX_STOP_DURATION_S
    assert not source._thread.is_alive()


@pytest.mark.x11
@pytest.mark.usefixtures("xvfb_display")  # for its skips; this test needs a server of its own
def test_stop_returns_promptly_after_the_server_died() -> None:
    server, display_name = start_xvfb(*XVFB_OPTIONS)
    try:
        source = X11PressSource(PressMatcher("x11-test"), display_name)
    finally:
        stop_process(server)
    started_s = time.monotonic()
    source.stop()
    assert time.monotonic() - started_s < MAX_STOP_DURATION_S


@pytest.mark.x11
def test_factory_starts_on_x11(monkeypatch: pytest.MonkeyPatch, xvfb_display: str) -> None:
    monkeypatch.setattr(input_x11, "_sdl_video_driver", lambda: "x11")
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("DISPLAY", xvfb_display)

    source = start_x11_press_source(PressMatcher("x11-test"))
    assert source is not None
    assert abs(source.server_clock_offset_ns) < input_x11.MAX_SERVER_CLOCK_OFFSET_NS
    source.stop()
