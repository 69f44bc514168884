"""The kiosk's supervisor: runs the game as a child process and starts it again whenever it
dies, by the rules of engine/session/supervision.py, until the therapist quits the station.

The game is a separate process so that nothing the game does (a crash in a driver, a
``kill -9``, running out of memory) can leave a child in front of a desktop: the supervisor
only waits and starts processes, and a session the game left running is marked incomplete
by the next game when it opens the store. After repeated deaths it starts the
call-your-therapist screen instead; from there the therapist (behind the PIN) starts the game
again or stops the station. SIGTERM or SIGINT to the supervisor (systemd stopping the
service, Ctrl+C at a terminal) stops the child and the supervisor.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Sequence
from types import FrameType

from engine.session.supervision import CALL_THERAPIST, RestartPolicy

QUIT_STATION_EXIT = 3  # the therapist quit the station
RETRY_GAME_EXIT = 4  # from the call-your-therapist screen: start the game again
CALL_SCREEN_RETRY_S = 2.0  # if even the call screen dies, it comes back after this
STOP_WAIT_S = 10.0
WAIT_STEP_S = 0.2  # how often the waiting supervisor looks whether it was asked to stop


class Supervisor:
    def __init__(
        self,
        game_command: Sequence[str],
        call_command: Sequence[str],
        policy: RestartPolicy | None = None,
        log: Callable[[str], None] = print,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.game_command = list(game_command)
        self.call_command = list(call_command)
        self.policy = policy or RestartPolicy()
        self.log = log
        self.sleep = sleep
        self.monotonic = monotonic
        self.child: subprocess.Popen | None = None
        self.stopping = False
        self.started = 0  # processes started, for logs and tests

    def stop(self, signal_number: int = 0, frame: FrameType | None = None) -> None:
        """Stop the child and then the supervisor (a signal handler: it only sets a flag,
        which the waiting loop acts on)."""
        self.stopping = True

    def run(self) -> int:
        """Supervise until the therapist quits (0) or the supervisor is stopped (0)."""
        previous = {
            number: signal.signal(number, self.stop) for number in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            return self._loop()
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
            self._end_child()

    def _loop(self) -> int:
        command = self.game_command
        while not self.stopping:
            code = self._run_child(command)
            if self.stopping:
                break
            if code == QUIT_STATION_EXIT:
                self.log("Kiosk: the therapist quit the station")
                return 0
            if command is self.call_command:
                if code == RETRY_GAME_EXIT:
                    self.log("Kiosk: the therapist asked for the game again")
                    self.policy.forget()
                    command = self.game_command
                else:
                    self.log(f"Kiosk: the call screen ended ({code}); showing it again")
                    self.sleep(CALL_SCREEN_RETRY_S)
                continue
            decision = self.policy.after_death(self.monotonic())
            if decision.kind == CALL_THERAPIST:
                self.log(f"Kiosk: the game ended ({code}) again; asking for the therapist")
                command = self.call_command
            else:
                self.log(f"Kiosk: the game ended ({code}); starting it in {decision.delay_s:g} s")
                self.sleep(decision.delay_s)
        return 0

    def _run_child(self, command: list[str]) -> int:
        child = self.child = subprocess.Popen(command)
        self.started += 1
        stop_asked_s = None
        while True:
            try:
                return child.wait(timeout=WAIT_STEP_S)
            except subprocess.TimeoutExpired:
                pass
            if not self.stopping:
                continue
            # Stopping: ask the child to end, and make it if it does not within STOP_WAIT_S.
            if stop_asked_s is None:
                stop_asked_s = self.monotonic()
                child.terminate()
            elif self.monotonic() - stop_asked_s > STOP_WAIT_S:
                child.kill()

    def _end_child(self) -> None:
        child = self.child
        if child is None or child.poll() is not None:
            return
        child.terminate()
        try:
            child.wait(timeout=STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
