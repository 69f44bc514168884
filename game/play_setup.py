"""Wiring one level's play: the audio clock, the click track, the session and its scene.

Shared by the real game and the headless harness, so both run the same parts.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from datetime import UTC, datetime

import pygame

from engine.audio_output import AudioRing, AudioSettings
from engine.audio_synth import click_sounds
from engine.audio_track import ClickTrack
from engine.clock import ClockMap
from engine.level_model import Level
from engine.play_session import PlaySession
from engine.recorder import Recorder
from engine.records import SessionStart
from game.play_scene import PlayScene


@dataclass
class PlayRig:
    clock_map: ClockMap
    ring: AudioRing
    track: ClickTrack
    session: PlaySession
    scene: PlayScene


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def build_play(
    level: Level,
    surface: pygame.Surface,
    recorder: Recorder,
    audio: AudioSettings,
    profile_name: str,
    input_offset_ms: float = 0.0,
    visual_offset_ms: float = 0.0,
    exit_when_done: bool = False,
    results_hold_s: float = 4.0,
) -> PlayRig:
    clock_map = ClockMap(audio.sample_rate_hz, audio.output_latency_ns)
    ring = AudioRing(audio, clock_map)
    track = ClickTrack(click_sounds(audio.sample_rate_hz))
    session_id = recorder.start_session(
        SessionStart(
            profile_name=profile_name,
            level_id=level.id,
            level_title=level.title,
            level_path=str(level.source_path or ""),
            station=platform.node() or "station",
            sample_rate_hz=audio.sample_rate_hz,
            input_offset_ms=input_offset_ms,
            output_latency_ms=audio.output_latency_ns / 1e6,
            started_at_utc=utc_now_iso(),
        )
    )
    session = PlaySession(level, session_id, ring, clock_map, track, recorder, input_offset_ms)
    scene = PlayScene(
        session,
        surface,
        exit_when_done=exit_when_done,
        results_hold_s=results_hold_s,
        visual_offset_ms=visual_offset_ms,
    )
    return PlayRig(clock_map, ring, track, session, scene)
