"""`python -m bench` (make bench): every benchmark that this machine can run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from bench import clinic_scale, frame_draw, input_paths, scoring_kernels, stamp_error

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    stamp_error.main()
    print()
    input_paths.main([])
    print()
    if shutil.which("Xvfb"):
        subprocess.run([sys.executable, str(ROOT / "bench" / "x11_end_to_end.py")], check=False)
    else:
        print("x11_end_to_end: skipped, Xvfb is not installed (apt-get install xvfb)")
    print()
    scoring_kernels.main([])
    print()
    clinic_scale.main([])
    print()
    frame_draw.main([])
    return 0


if __name__ == "__main__":
    sys.exit(main())
