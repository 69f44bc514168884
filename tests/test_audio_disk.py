"""What actually comes out of the SDL audio device, written to a file by the disk driver."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from tests.audio_onsets import onsets

SCRIPT = Path(__file__).with_name("disk_audio_render.py")


def test_every_click_starts_on_its_exact_sample(tmp_path: Path) -> None:
    out_file = tmp_path / "out.raw"
    env = dict(
        os.environ,
        SDL_AUDIODRIVER="disk",
        SDL_DISKAUDIOFILE=str(out_file),
        SDL_DISKAUDIODELAY="0",  # no pacing: the file is the product, not real time
    )
    completed = subprocess.run(
        [sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=120
    )
    assert completed.returncode == 0, completed.stderr
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report["frames_handed"] >= report["end"]
    samples = np.fromfile(out_file, dtype=np.float32).reshape(-1, 2)
    # While paused, SDL writes whole buffers of silence without calling us; the audio clock
    # (frames our callback handed out) starts after them. So the file is the clock shifted by
    # a whole number of buffers, and every click must sit exactly on clock frame + that shift.
    found = onsets(samples)
    shift_frames = found[0] - report["clicks"][0]
    assert shift_frames >= 0 and shift_frames % 256 == 0
    expected = [frame + shift_frames for frame in report["clicks"]]
    assert found[: len(expected)] == expected
    assert len(expected) == 2 + 6 + 2 + 5
