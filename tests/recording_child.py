"""The child process of the kill test: records one endless task through the real Recorder.

Usage: python tests/recording_child.py DATA_DIR

Prints ``session SESSION_ID`` once the session is stored, then one line ``TAP_INDEX
HANDED_NS`` per tap right after handing it to the recorder, where HANDED_NS is
``time.monotonic_ns()`` (CLOCK_MONOTONIC, the same clock in every process on the machine).
Taps come every TAP_INTERVAL_NS, paired with a beat, until the process is killed.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from engine.store.recorder import Recorder
from engine.store.records import BeatRecord, SessionRecord, TapRecord, TaskRecord

SAMPLE_RATE_HZ = 48_000
TAP_INTERVAL_NS = 10_000_000  # 100 taps a second: far busier than any child
BEATS = 30_000  # 300 s of beats, far longer than the test lets the child live
FRAMES_PER_BEAT = SAMPLE_RATE_HZ * TAP_INTERVAL_NS // 1_000_000_000


def main(data_dir: Path) -> None:
    recorder = Recorder(data_dir)
    session_id = recorder.start_session(
        SessionRecord(
            profile_code=recorder.station_profile("Kill test").code,
            level_id="endless",
            level_title="Endless",
            level_path="",
            station="test",
            sample_rate_hz=SAMPLE_RATE_HZ,
            input_offset_ms=0.0,
            output_latency_ms=20.0,
            started_at_utc="2026-01-05T10:00:00+00:00",
        )
    )
    recorder.task(
        TaskRecord(
            session_id=session_id,
            task_index=0,
            task_name="Endless",
            settings_json="{}",
            tempo_bpm_start=6000.0,
            tempo_bpm_end=6000.0,
            start_frame=0,
        )
    )
    recorder.beats(
        [
            BeatRecord(
                session_id,
                0,
                index,
                "both_hands",
                index * FRAMES_PER_BEAT,
                tempo_bpm=6000.0,
                ioi_ms=10.0,
                sro_ms=15.0,
                good_ms=45.0,
                ok_ms=100.0,
            )
            for index in range(BEATS)
        ]
    )
    print(f"session {session_id}", flush=True)
    start_ns = time.monotonic_ns()
    for index in range(BEATS):
        # Pace like a tapping child; the parent decides when to kill from what is printed.
        delay_ns = start_ns + index * TAP_INTERVAL_NS - time.monotonic_ns()
        if delay_ns > 0:
            time.sleep(delay_ns / 1e9)
        recorder.tap(
            TapRecord(
                session_id=session_id,
                task_index=0,
                tap_index=index,
                channel="right_hand",
                host_ns=time.perf_counter_ns(),
                stamp_source="scripted",
                audio_frame=index * FRAMES_PER_BEAT + 48,
                audio_time_s=(index * FRAMES_PER_BEAT + 48) / SAMPLE_RATE_HZ,
                beat_index=index,
                asynchrony_ms=1.0,
                judgement="sro",
                sro_ms=15.0,
                good_ms=45.0,
                ok_ms=100.0,
            )
        )
        print(index, time.monotonic_ns(), flush=True)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
