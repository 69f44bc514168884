"""The supervisor with real child processes standing in for the game and the call screen:
deaths restart the game with growing delays, repeated deaths bring the call screen, the
therapist's retry brings the game back, and quitting ends the supervisor."""

from __future__ import annotations

import sys
from pathlib import Path

from engine.session.supervision import RestartPolicy
from game.kiosk.supervisor import QUIT_STATION_EXIT, RETRY_GAME_EXIT, Supervisor

# Each run appends its name to the journal and exits with the next status of its script.
CHILD = """
import sys
from pathlib import Path
journal, name, statuses = Path(sys.argv[1]), sys.argv[2], sys.argv[3].split(",")
earlier = journal.read_text().splitlines() if journal.exists() else []
runs = [line for line in earlier if line == name]
with journal.open("a") as out:
    out.write(name + "\\n")
sys.exit(int(statuses[min(len(runs), len(statuses) - 1)]))
"""


def command(journal: Path, name: str, statuses: list[int]) -> list[str]:
    return [sys.executable, "-c", CHILD, str(journal), name, ",".join(map(str, statuses))]


def test_deaths_back_off_then_the_call_screen_then_a_retry_then_quit(tmp_path: Path) -> None:
    journal = tmp_path / "journal"
    waits: list[float] = []
    clock = iter(range(0, 1000))  # one second passes between deaths
    supervisor = Supervisor(
        command(journal, "game", [1, -9 % 256, 1, 1, QUIT_STATION_EXIT]),
        command(journal, "call", [RETRY_GAME_EXIT]),
        RestartPolicy(first_delay_s=0.5, window_s=120, max_deaths=4),
        log=lambda line: None,
        sleep=waits.append,
        monotonic=lambda: float(next(clock)),
    )
    assert supervisor.run() == 0
    assert journal.read_text().split() == ["game"] * 4 + ["call", "game"]
    assert waits == [0.5, 1.0, 2.0]  # then the call screen, with no wait
    assert supervisor.started == 6


def test_a_call_screen_that_dies_comes_back_and_can_quit(tmp_path: Path) -> None:
    journal = tmp_path / "journal"
    supervisor = Supervisor(
        command(journal, "game", [1]),
        command(journal, "call", [1, QUIT_STATION_EXIT]),
        RestartPolicy(first_delay_s=0.1, window_s=120, max_deaths=1),
        log=lambda line: None,
        sleep=lambda seconds: None,
    )
    assert supervisor.run() == 0
    assert journal.read_text().split() == ["game", "call", "call"]
