"""An Xvfb server for the tests that need a real X display, and what they ask of it: which
OnBeat windows exist and which process owns each, the close request a window manager sends,
and pixels of the screen."""

from __future__ import annotations

import os
import select
import subprocess
import time

import pytest

XVFB_READY_TIMEOUT_S = 10.0


def start_xvfb(*options: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start Xvfb on a display number it picks itself; return it once it accepts clients."""
    # -displayfd makes Xvfb choose a free display and write its number when it is ready to
    # accept connections, so there is neither a guessed number nor a fixed sleep.
    ready_read_fd, ready_write_fd = os.pipe()
    server = subprocess.Popen(
        ["Xvfb", "-displayfd", str(ready_write_fd), *options],
        pass_fds=(ready_write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(ready_write_fd)
    # Read up to the newline: Xvfb dies if the pipe is closed before it has written it all.
    announced = b""
    deadline_s = time.monotonic() + XVFB_READY_TIMEOUT_S
    try:
        while not announced.endswith(b"\n") and time.monotonic() < deadline_s:
            readable, _, _ = select.select([ready_read_fd], [], [], deadline_s - time.monotonic())
            chunk = os.read(ready_read_fd, 16) if readable else b""
            if readable and not chunk:
                break  # Xvfb exited before it was ready
            announced += chunk
    finally:
        os.close(ready_read_fd)
    if not announced.endswith(b"\n"):
        stop_process(server)
        pytest.fail(f"Xvfb did not announce a display within {XVFB_READY_TIMEOUT_S} s")
    return server, f":{announced.decode().strip()}"


def stop_process(process: subprocess.Popen, timeout_s: float = 5.0) -> None:
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class XScreen:
    """The test's own connection to the display: windows, close requests, pixels."""

    def __init__(self, display_name: str) -> None:
        from Xlib import display

        self.connection = display.Display(display_name)
        self.root = self.connection.screen().root
        self._atom = self.connection.intern_atom

    def close(self) -> None:
        self.connection.close()

    def onbeat_windows(self) -> dict[int, int]:
        """Window id -> the pid that owns it (_NET_WM_PID), for every window named OnBeat."""
        from Xlib import X, error

        found = {}
        for window in self.root.query_tree().children:
            try:
                name = window.get_full_property(self._atom("_NET_WM_NAME"), X.AnyPropertyType)
                pid = window.get_full_property(self._atom("_NET_WM_PID"), X.AnyPropertyType)
                mapped = window.get_attributes().map_state == X.IsViewable
            except error.XError:
                continue  # the window went away while we looked
            if name is not None and bytes(name.value) == b"OnBeat" and pid and mapped:
                found[window.id] = int(pid.value[0])
        return found

    def send_close_request(self, window_id: int) -> None:
        """What a window manager sends when its close button is pressed: a ClientMessage of
        WM_PROTOCOLS naming WM_DELETE_WINDOW."""
        from Xlib import X
        from Xlib.protocol import event

        window = self.connection.create_resource_object("window", window_id)
        message = event.ClientMessage(
            window=window,
            client_type=self._atom("WM_PROTOCOLS"),
            data=(32, [self._atom("WM_DELETE_WINDOW"), X.CurrentTime, 0, 0, 0]),
        )
        window.send_event(message, event_mask=X.NoEventMask)
        self.connection.sync()

    def pixel(self, x: int, y: int) -> tuple[int, int, int]:
        from Xlib import X

        image = self.root.get_image(x, y, 1, 1, X.ZPixmap, 0xFFFFFFFF)
        blue, green, red = image.data[0], image.data[1], image.data[2]
        return red, green, blue
