"""`run.py devices`: the input devices found and how their taps are stamped, and the sound
outputs SDL lists (Settings: Sound picks one); live taps with their stamp source and jitter
(`--listen`); MIDI learn for a drum kit (`--learn-midi`)."""

from __future__ import annotations

import argparse
import json
import math
import time

from cli.common import AddCommand, UserError

LEARN_POLL_S = 0.02  # how often the terminal learn loop looks for pad hits


def register(add_command: AddCommand) -> None:
    devices = add_command(
        "devices", "list input devices and their stamps; --listen shows live taps"
    )
    devices.add_argument("--format", choices=["text", "json"], default="text")
    devices.add_argument(
        "--listen",
        type=float,
        metavar="SECONDS",
        help="then show every tap for this long, with stamp source, delay and jitter",
    )
    devices.add_argument(
        "--learn-midi",
        action="store_true",
        help="ask for a pad per channel and save the notes for this station",
    )
    devices.add_argument(
        "--channels",
        default="right_hand,left_hand,right_toe,left_toe",
        help="channels to learn, in order (comma-separated)",
    )
    devices.add_argument(
        "--timeout", type=float, default=15.0, help="seconds to wait for each pad, then skip"
    )
    devices.set_defaults(handler=cmd_devices)


def cmd_devices(args: argparse.Namespace) -> int:
    from engine.input.mapping import InputConfigError, load_station_input_mapping

    if args.listen is not None and not (math.isfinite(args.listen) and args.listen > 0):
        raise UserError(f"--listen {args.listen}: give a number of seconds above 0")
    try:
        mapping = load_station_input_mapping()
    except InputConfigError as error:
        raise UserError(str(error)) from None
    if args.learn_midi:
        return _learn_midi(mapping, args)
    from engine.input.devices import list_devices, open_input_window, probe_x11_stamps

    window = open_input_window()
    key_stamp_source, key_stamp_reason = probe_x11_stamps() if window else ("polled", "")
    report = list_devices(mapping, key_stamp_source, window)
    output = report.as_dict()
    from engine.audio.devices import output_device_names

    output["sound_outputs"] = output_device_names()
    if args.format == "text":
        _print_report(report, key_stamp_reason)
        outputs = ", ".join(output["sound_outputs"]) or "none listed (no sound will be heard)"
        print(f"sound outputs: {outputs}")
    if args.listen is not None:
        told = set(report.problems)  # said once in the listing; not again when starting
        output["listen"] = _listen(mapping, args.listen, window, args.format == "text", told)
    if args.format == "json":
        print(json.dumps(output, indent=2))
    return 0


def _print_report(report, key_stamp_reason: str) -> None:
    print(f"{'back-end':8}  {'kind':9}  {'stamps':10}  {'state':18}  device")
    for device in report.devices:
        where = f" [{device.address}]" if device.address else ""
        note = f"  ({device.note})" if device.note else ""
        print(
            f"{device.backend:8}  {device.kind:9}  {device.stamp_source or '-':10}  "
            f"{device.state:18}  {device.name}{where}{note}"
        )
    if key_stamp_reason:
        print(f"keyboard and mouse stamps are polled: {key_stamp_reason}")
    for problem in report.problems:
        print(problem)


def _listen(mapping, seconds: float, window: bool, as_text: bool, told: set[str]) -> dict:
    from engine.input.devices import listen
    from engine.input.pump import InputPump
    from engine.input.sources import close_all, start_tap_sources
    from engine.input.stamps import PressMatcher
    from engine.input.x11 import start_x11_press_source
    from engine.store.records import STAMP_X11_SERVER
    from engine.timing.host_clock import RealClock

    def notify(line: str) -> None:
        if as_text and line not in told:
            print(line)

    matcher = PressMatcher(STAMP_X11_SERVER)
    x11_source = start_x11_press_source(matcher) if window else None
    sources = start_tap_sources(mapping, notify)
    clock = RealClock()
    pump = InputPump(mapping, clock, matcher if x11_source else None, sources)
    taps = []
    start_ns = clock.now_ns()
    if as_text:
        where = "in the small window or on any mapped device" if window else "on mapped devices"
        print(f"\nListening for {seconds:g} s: tap {where}.")

    def show(tap, delay_ns: int) -> None:
        row = {
            "at_s": round((tap.host_ns - start_ns) / 1e9, 6),
            "channel": tap.channel,
            "stamp_source": tap.stamp_source,
            "device": tap.device,
            "velocity": tap.velocity,
            "delay_ms": round(delay_ns / 1e6, 3),
        }
        taps.append(row)
        if as_text:
            velocity = f"  velocity {tap.velocity}" if tap.velocity is not None else ""
            print(
                f"  {row['at_s']:9.3f} s  {tap.channel:11} {tap.stamp_source:10} "
                f"delay {row['delay_ms']:7.3f} ms  {tap.device}{velocity}"
            )

    def tell_unmapped(name: str) -> None:
        if as_text:
            print(f"  {name}: not mapped")

    try:
        monitor = listen(pump, clock, seconds, show, on_unmapped=tell_unmapped)
    finally:
        close_all(sources)
        if x11_source is not None:
            x11_source.stop()
        pump.gamepads.close()
    summary = monitor.summary()
    if as_text:
        _print_summary(summary, pump.longest_poll_gap_ns)
    return {"taps": taps, "summary": summary, "longest_poll_gap_ms": pump.longest_poll_gap_ns / 1e6}


def _print_summary(summary: list[dict], longest_poll_gap_ns: int) -> None:
    if not summary:
        print("No taps. Are the devices mapped in input.yaml? (docs/hardware.md)")
        return
    print("\nchannel      stamps      taps  delay mean   jitter (SD)  max        device")
    for row in summary:
        print(
            f"{row['channel']:11}  {row['stamp_source']:10} {row['taps']:5}  "
            f"{row['delay_mean_ms']:7.3f} ms  {row['jitter_ms']:7.3f} ms   "
            f"{row['delay_max_ms']:7.3f} ms  {row['device']}"
        )
    print(f"longest gap between polls: {longest_poll_gap_ns / 1e6:.2f} ms")


def _learn_midi(mapping, args: argparse.Namespace) -> int:
    from engine.input.mapping import save_station_midi
    from engine.input.midi import open_midi_inputs
    from engine.input.midi_learn import MidiLearn

    channels = [part.strip() for part in args.channels.split(",") if part.strip()]
    try:
        learn = MidiLearn(channels)
    except ValueError as error:
        raise UserError(f"--channels: {error}") from None
    midi = open_midi_inputs(mapping, print)
    if midi is None:
        raise UserError("MIDI learn needs MIDI input; see the line above")
    try:
        if not midi.ports:
            print("No MIDI input yet: plug the pads in; they are found within a few seconds.")
        while not learn.done:
            asked = learn.current
            print(f"{learn.prompt()} (or wait {args.timeout:g} s to skip)")
            deadline = time.monotonic() + args.timeout
            while learn.current == asked and time.monotonic() < deadline:
                time.sleep(LEARN_POLL_S)
                for press in midi.drain_presses():
                    said = learn.hear(press)
                    if said:
                        print(f"  {said}")
            if learn.current == asked:
                learn.skip()
                print("  skipped")
    finally:
        midi.close()
    if not learn.notes() and not learn.controls():
        print("Nothing learned; nothing saved.")
        return 1
    path = save_station_midi(learn.notes(), learn.controls())
    print(f"Saved in {path}")
    return 0
