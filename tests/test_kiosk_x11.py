"""The kiosk as a station runs it: `run.py kiosk` (supervisor and game) on a real X server
(Xvfb), driven with xdotool's real key presses and a window manager's close request sent with
python-xlib. Waits are bounded polls for an event (a window, a pixel, a database row), never
a sleep, and no assertion is about how fast this machine is, except the issue's 5 s for a new
window after `kill -9`, which is the deadline of such a poll."""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from engine.session.plans import parse_plan, plan_json
from engine.session.station_pin import save_station_pin
from engine.store.opening import open_store
from engine.store.records import AUDIO_SILENT
from tests.test_cli import ROOT
from tests.test_kiosk_privacy import listening_ports
from tests.xvfb_server import XScreen, start_xvfb, stop_process

pytestmark = [
    pytest.mark.x11,
    pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb is not installed"),
    pytest.mark.skipif(shutil.which("xdotool") is None, reason="xdotool is not installed"),
    pytest.mark.skipif(
        importlib.util.find_spec("Xlib") is None, reason="python-xlib is not installed"
    ),
]

PIN = "2468"
SCREEN = (1280, 720)
START_TIMEOUT_S = 90.0  # the first start may compile the scoring kernels
STEP_TIMEOUT_S = 20.0
RESTART_DEADLINE_S = 5.0  # the promise for a new game window after a kill
ATTRACT_TOP = (18, 70, 78)  # the attract screen's sky (game/palette.py, pond)
MENU_BACKGROUND = (24, 40, 70)  # menu scenes (game/menu_scene.py): the players, the PIN pad
CORNER = (5, 5)
GO_BUTTON = (520, 600)  # a point of the plan path's Go! button (game/scenes/kiosk_plan.py)
BUTTON = (60, 90, 150)  # buttons of menu scenes
FIRST_AVATAR = (259, 215)  # the middle of the first player's card (kiosk_child.py)
PATH_BACK = (99, 60)  # the path's Back button, top left (kiosk_plan.py)
PLAN = "format: 1\ntitle: Frogs\nlevels: [frog-hop, duck-paddle]\nassessment_every: 0\n"

T = TypeVar("T")


def wait_for(what: str, check: Callable[[], T | None], timeout_s: float) -> T:
    """Poll ``check`` until it returns something true; fail naming ``what`` at the deadline."""
    deadline_s = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline_s:
            pytest.fail(f"{what}: not within {timeout_s} s")
        time.sleep(0.05)  # between polls only; every wait ends on the event or the deadline


class Station:
    """A kiosk supervisor on its own Xvfb, with a data folder holding a PIN and one child
    with a plan."""

    def __init__(self, tmp_path: Path) -> None:
        self.data_dir = tmp_path / "data"
        store = open_store(self.data_dir)
        save_station_pin(store, PIN)
        self.child_code = store.create_profile("Mia")
        plan = parse_plan(PLAN, Path("plan.yaml"))
        store.assign_plan(self.child_code, plan.title, plan.steps, None, plan_json(plan), PLAN)
        store.close()
        # This machine has no speakers: the therapist chose to play without sound, as a
        # station must before a level starts silent.
        settings = tmp_path / "config" / "OnBeat" / "settings.yaml"
        settings.parent.mkdir(parents=True, exist_ok=True)
        settings.write_text(f"audio_device: {AUDIO_SILENT}\n", encoding="utf-8")
        self.server, self.display = start_xvfb(
            "-noreset", "-nolisten", "tcp", "-screen", "0", f"{SCREEN[0]}x{SCREEN[1]}x24"
        )
        self.env = dict(
            os.environ,
            DISPLAY=self.display,
            SDL_AUDIODRIVER="dummy",
            PYGAME_HIDE_SUPPORT_PROMPT="1",
            # The station's own settings, calibration and levels live in the test's folder.
            XDG_CONFIG_HOME=str(tmp_path / "config"),
            XDG_DATA_HOME=str(tmp_path / "share"),
        )
        self.env.pop("SDL_VIDEODRIVER", None)
        self.log = open(tmp_path / "kiosk.log", "w+b")  # noqa: SIM115 (closed in stop)
        self.supervisor = subprocess.Popen(
            [sys.executable, str(ROOT / "run.py"), "kiosk", "--data-dir", str(self.data_dir)],
            env=self.env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, ended whole in stop()
        )
        self.screen = XScreen(self.display)

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.supervisor.pid, signal.SIGTERM)
        stop_process(self.supervisor, timeout_s=20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.supervisor.pid, signal.SIGKILL)  # anything the group left behind
        self.screen.close()
        stop_process(self.server)
        self.log.close()

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    # --- what the test sees -------------------------------------------------------------------
    def game_window(self, not_pid: int | None = None) -> tuple[int, int] | None:
        """(window id, pid) of the one OnBeat window, if there is one (not of ``not_pid``)."""
        windows = [(w, pid) for w, pid in self.screen.onbeat_windows().items() if pid != not_pid]
        return windows[0] if len(windows) == 1 else None

    def shows(self, colour: tuple[int, int, int]) -> bool:
        return self.screen.pixel(*CORNER) == colour

    def wait_for_attract(self, timeout_s: float = START_TIMEOUT_S) -> tuple[int, int]:
        window = wait_for("a kiosk window", self.game_window, timeout_s)
        wait_for("the attract screen", lambda: self.shows(ATTRACT_TOP), timeout_s)
        return window

    def audit(self) -> list[tuple[str, str]]:
        store = open_store(self.data_dir)
        try:
            return [(e.action, e.detail) for e in store.audit_entries()]
        finally:
            store.close()

    def sessions(self):
        store = open_store(self.data_dir)
        try:
            return store.list_sessions()
        finally:
            store.close()

    # --- what a person does -------------------------------------------------------------------
    def keys(self, *keys: str) -> None:
        """Real key presses (XTEST) to the focused window, as a keyboard makes them."""
        subprocess.run(
            ["xdotool", "key", "--delay", "60", *keys], env=self.env, check=True, timeout=30
        )

    def click(self, x: int, y: int) -> None:
        """A real mouse click (XTEST) at (x, y) of the screen."""
        subprocess.run(
            ["xdotool", "mousemove", str(x), str(y), "click", "1"],
            env=self.env,
            check=True,
            timeout=30,
        )

    def type_pin(self, pin: str) -> None:
        self.keys(*pin, "Return")


@pytest.fixture
def station(tmp_path: Path) -> Iterator[Station]:
    running = Station(tmp_path)
    try:
        yield running
    finally:
        running.stop()


def test_close_request_escape_and_alt_f4_leave_it_running_and_the_pin_pad_audits(
    station: Station,
) -> None:
    window, pid = station.wait_for_attract()
    # The window manager's close request: SDL makes it a quit event; the kiosk stays.
    station.screen.send_close_request(window)
    station.keys("Return")  # handled after the close request: the kiosk still answers
    wait_for("the players after a close request", lambda: station.shows(MENU_BACKGROUND), 20)
    station.keys("Escape")  # the players' back: to the attract screen, nowhere else
    wait_for("the attract screen after Esc", lambda: station.shows(ATTRACT_TOP), 20)
    station.keys("alt+F4")  # without a window manager, keys; the attract screen starts
    wait_for("the players after Alt+F4", lambda: station.shows(MENU_BACKGROUND), 20)
    station.keys("Escape")
    wait_for("the attract screen again", lambda: station.shows(ATTRACT_TOP), 20)
    assert station.game_window() == (window, pid)  # the same game process all along
    assert station.supervisor.poll() is None
    assert listening_ports([station.supervisor.pid, pid]) == []  # no port to reach it by

    station.keys("ctrl+alt+shift+t")
    wait_for("the PIN pad", lambda: station.shows(MENU_BACKGROUND), STEP_TIMEOUT_S)
    station.type_pin(PIN)
    wait_for("the unlock in the audit log", lambda: ("unlocked", "") in station.audit(), 20)
    station.keys("Return")  # the menu's first item: back to the child, which locks
    wait_for("the attract screen, locked", lambda: station.shows(ATTRACT_TOP), 20)
    station.keys("ctrl+alt+shift+t")
    wait_for("the PIN pad", lambda: station.shows(MENU_BACKGROUND), STEP_TIMEOUT_S)
    for wrong in ("1111", "2222", "3333", "4444", "5555"):
        station.type_pin(wrong)
    wait_for("the lockout in the audit log", lambda: ("locked_out", "120 s") in station.audit(), 30)
    assert station.audit() == [
        ("unlocked", ""),
        ("locked", "back to the child"),
        ("pin_failed", "1 of 5"),
        ("pin_failed", "2 of 5"),
        ("pin_failed", "3 of 5"),
        ("pin_failed", "4 of 5"),
        ("pin_failed", "5 of 5"),
        ("locked_out", "120 s"),
    ]
    assert station.game_window() == (window, pid)
    assert "Traceback" not in station.output()


def test_kill_9_brings_a_new_window_keeps_the_session_and_the_therapist_quits(
    station: Station,
) -> None:
    _, pid = station.wait_for_attract()
    station.keys("Return")  # the players
    wait_for("the players", lambda: station.shows(MENU_BACKGROUND), STEP_TIMEOUT_S)
    station.keys("Return")  # Mia: her plan's path
    wait_for("the plan path", lambda: station.screen.pixel(*GO_BUTTON) == BUTTON, 20)
    station.keys("Return")  # Go! The first stop
    running = wait_for(
        "a running session",
        lambda: [s for s in station.sessions() if s.status == "running"],
        STEP_TIMEOUT_S,
    )

    os.kill(pid, signal.SIGKILL)
    killed_at_s = time.monotonic()
    _, new_pid = wait_for(
        "a new game window after kill -9",
        lambda: station.game_window(not_pid=pid),
        RESTART_DEADLINE_S,
    )
    assert new_pid != pid and time.monotonic() - killed_at_s <= RESTART_DEADLINE_S
    [interrupted] = running
    wait_for(
        "the interrupted session kept, marked incomplete",
        lambda: [
            s for s in station.sessions()
            if s.session_id == interrupted.session_id and s.status == "incomplete"
        ],
        STEP_TIMEOUT_S,
    )  # fmt: skip

    station.wait_for_attract()
    station.keys("ctrl+alt+shift+t")
    wait_for("the PIN pad", lambda: station.shows(MENU_BACKGROUND), STEP_TIMEOUT_S)
    station.type_pin(PIN)
    wait_for("the menu", lambda: ("unlocked", "") in station.audit(), 20)
    station.keys(*["Tab"] * 8, "Return", "Return")  # the last of 9 items, Quit, pressed twice
    assert station.supervisor.wait(timeout=30) == 0
    assert station.audit()[-1] == ("quit", "by the therapist")
    assert not station.screen.onbeat_windows()
    assert "the game ended (-9)" in station.output()


def test_a_child_picks_their_avatar_and_goes_back_with_the_mouse(station: Station) -> None:
    # The kiosk hides the pointer in a grabbed window, which pygame turns into relative mouse
    # mode: every click then landed where a virtual pointer was, and no avatar could be
    # picked by mouse or finger.
    station.wait_for_attract()
    station.click(640, 360)  # the attract screen: a touch anywhere
    wait_for("the players", lambda: station.shows(MENU_BACKGROUND), STEP_TIMEOUT_S)
    station.click(*FIRST_AVATAR)
    wait_for("Mia's path", lambda: station.screen.pixel(*GO_BUTTON) == BUTTON, STEP_TIMEOUT_S)
    station.click(*PATH_BACK)
    wait_for("the players again", lambda: station.screen.pixel(*GO_BUTTON) == MENU_BACKGROUND, 20)
    assert "Traceback" not in station.output()
