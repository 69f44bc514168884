"""Commented level files for therapists to start from (`run.py levels new`).

Each template is a whole level that passes the validator; its comments explain every key
where it stands, so that the file itself teaches the format. The id and title come from the
new file's name, and the first line points editors at levels/schema.json.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Collection
from pathlib import Path
from string import Template

from engine.levels.paths import SCHEMA_PATH

DEFAULT_TEMPLATE = "warmup"
_MAX_ID_CHARS = 64
_MAX_TITLE_CHARS = 40
_FALLBACK_ID = "my-level"

_HEADER = """\
# Check this file with:  python run.py levels validate ${file_name}
# Every key is explained in docs/levels.md. Text after '#' is a comment: keep it or delete it.
"""

_WARMUP = """\
# WARM-UP: one steady beat with both hands. The tempo slows while the child keeps the beat
# (a slow beat is harder for young children) and comes back up when it gets hard.
format: 1                    # always 1
# id: unique among all levels; lowercase letters, digits and '-'
id: ${level_id}
# title: shown to the child, at most 40 characters
title: ${title}
description: Warm-up with both hands; the tempo follows the child.   # for therapists
instruction: Clap with both hands on every beat!   # shown to the child before the level
theme: pond                  # pond, space or parade
ages: [5, 10]                # youngest and oldest age it suits
tempo_bpm: 100               # beats per minute; young children keep 100-120 best
count_in: 4                  # clicks to listen to before taps count
adaptive:                    # delete this block to keep the tempo fixed
  target: 0.8                # aim for 8 hits in 10 taps
  adjust: [tempo]            # change only the tempo
  tempo_bpm: [80, 100]       # slower is harder from 100 bpm down: never below 80
tasks:
  - name: Clap along         # shown to the child
    limb: both_hands         # both_hands accepts either hand or the "both" pad
    length: {beats: 40}      # or {seconds: 30}
    guide_sounds: true       # a sound tells the child: early, on time or late
"""

_ASSESSMENT = """\
# ASSESSMENT: a fixed test, the same every time, so that results can be compared across
# sessions. No 'adaptive' block, no guide sounds. The full 14-task standard assessment is
# levels/assessment/standard.yaml.
format: 1                    # always 1
id: ${level_id}
title: ${title}
description: Short fixed test of hands and toes at 54 bpm, one minute per task.
instruction: Listen to the clicks and tap with them. Try your best!
theme: space                 # pond, space or parade
ages: [7, 14]                # slow tempi are hard before about age 7
tempo_bpm: 54                # the tempo of the standard assessment
count_in: 4                  # clicks to listen to before each task counts
tasks:                       # played in this order
  - name: Both hands
    limb: both_hands
    length: {seconds: 60}    # one minute = 54 beats at 54 bpm
  - name: Right hand
    limb: right_hand
    length: {seconds: 60}
  - name: Left hand
    limb: left_hand
    length: {seconds: 60}
  - name: Balance and tap
    limb: left_toe
    length: {seconds: 60}
    instruction: Stand on your right foot and tap with your left toes.   # before this task
"""

_ADAPTIVE = """\
# ADAPTIVE TRAINING: the game makes it easier or harder so that the child succeeds about
# 8 times in 10. Here it may change the window, the tempo and the beat picture.
format: 1
id: ${level_id}
title: ${title}
description: Adaptive training with a rest in the pattern; window, tempo and cue adapt.
instruction: Tap on the beat, and be still on the rest!
theme: parade
ages: [6, 12]
tempo_bpm: 90
count_in: 4
windows:                     # how close to the beat a tap must be, in ms either side
  sro: 15                    # "super right on"
  good: 60                   # a hit; wider than the default 45 to start gently
  ok: 120                    # beyond this a tap counts as "off"
adaptive:
  target: 0.8                # success rate to aim for, 0.5 to 0.95
  adjust: [window, tempo, visual_cue]   # what may change; list each once
  tempo_bpm: [70, 100]       # must include tempo_bpm above; below 100, slower is harder
  window_ms: [30, 90]        # narrowest and widest 'good' window; must include good
tasks:
  - name: Drum and rest
    limb: both_hands
    length: {beats: 32}
    pattern: "xx.x"          # x = tap, . = rest; quotes keep the dots safe
  - name: Quick drum
    limb: both_hands
    length: {beats: 16}
    pattern: "xx"            # two taps ...
    steps_per_beat: 2        # ... in every beat (1, 2, 3 or 4 steps per beat)
  - name: Keep going alone
    limb: both_hands
    length: {beats: 24}
    continuation: {beats: 8} # the music stops for the last 8 beats; keep tapping
    instruction: When the music stops, keep the beat going!
"""

_ALTERNATING = """\
# ALTERNATING: a list of limbs is taken in turn, one per tap. Crossing the midline (right
# hand with left toe) is harder than two hands.
format: 1                    # always 1
id: ${level_id}
title: ${title}
description: Alternating hands, then right hand with left toe.   # for therapists
instruction: Take turns, like walking!   # shown to the child before the level
theme: space                 # pond, space or parade
ages: [6, 12]                # youngest and oldest age it suits
tempo_bpm: 90                # beats per minute
count_in: 4                  # clicks to listen to before taps count
windows:                     # how close to the beat a tap must be, in ms either side
  good: 60                   # alternating is harder: a little wider than 45
  ok: 120                    # beyond this a tap counts as "off"
tasks:
  - name: Hand, hand
    limb: [right_hand, left_hand]   # right, left, right, left...
    length: {beats: 24}
  - name: Hand and foot
    limb: [right_hand, left_toe]    # crosses the midline
    length: {beats: 24}
    visual_cue: fade         # full, fade or none: how much of the beat is shown
    instruction: Right hand, then left foot!   # shown before this task
"""

TEMPLATES: dict[str, str] = {
    "warmup": _WARMUP,
    "assessment": _ASSESSMENT,
    "adaptive": _ADAPTIVE,
    "alternating": _ALTERNATING,
}


def level_text(template: str, path: Path, taken_ids: Collection[str] = ()) -> str:
    """The text of a new level file at ``path`` from ``template`` (a key of TEMPLATES).

    The id is the file name in id form, made unique against ``taken_ids``.
    """
    values = {
        "file_name": _printable(path.name),
        # Quoted, so that an id like "yes" or "2024" is read as text, not true or a number.
        "level_id": json.dumps(_unused_id(_id_from(path.stem), taken_ids)),
        "title": _title_from(path.stem),
    }
    body = Template(_HEADER + TEMPLATES[template]).substitute(values)
    return f"# yaml-language-server: $schema={schema_reference(path)}\n{body}"


def schema_reference(path: Path) -> str:
    """levels/schema.json as seen from a file at ``path``: relative if possible, else a URI."""
    try:
        return Path(os.path.relpath(SCHEMA_PATH, path.resolve().parent)).as_posix()
    except ValueError:  # on Windows, another drive has no relative path
        return SCHEMA_PATH.as_uri()


def _id_from(stem: str) -> str:
    words = re.findall(r"[a-z0-9]+", stem.lower())
    return "-".join(words)[:_MAX_ID_CHARS].strip("-") or _FALLBACK_ID


def _unused_id(level_id: str, taken_ids: Collection[str]) -> str:
    number = 1
    candidate = level_id
    while candidate in taken_ids:
        number += 1
        suffix = f"-{number}"
        candidate = level_id[: _MAX_ID_CHARS - len(suffix)] + suffix
    return candidate


def _printable(text: str) -> str:
    """``text`` without line breaks, control characters and undecodable bytes of a file name."""
    return "".join(char for char in text if char.isprintable())


def _title_from(stem: str) -> str:
    words = re.sub(r"[-_.\s]+", " ", _printable(stem)).strip()
    title = (words[:1].upper() + words[1:])[:_MAX_TITLE_CHARS].strip() or "My level"
    return json.dumps(title, ensure_ascii=False)
