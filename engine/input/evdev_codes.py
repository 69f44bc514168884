"""Linux input event codes by name (`linux/input-event-codes.h`), for the evdev mapping.

Only the keys and buttons a tapping device sends are named: the keyboard block that foot
switches and pedal boxes imitate, mouse, joystick and gamepad buttons. Any other code can
still be mapped by its number. Plain data, no I/O.
"""

from __future__ import annotations

EV_SYN = 0x00
EV_KEY = 0x01
SYN_REPORT = 0
SYN_DROPPED = 3

KEY_RELEASED = 0
KEY_PRESSED = 1
KEY_REPEATED = 2  # autorepeat of a held key


def _run(first_code: int, names: str) -> dict[str, int]:
    """Names given in code order from ``first_code`` on, as the header lists them."""
    return {name: first_code + offset for offset, name in enumerate(names.split())}


KEY_CODES: dict[str, int] = {
    **_run(1, "KEY_ESC KEY_1 KEY_2 KEY_3 KEY_4 KEY_5 KEY_6 KEY_7 KEY_8 KEY_9 KEY_0"),
    **_run(12, "KEY_MINUS KEY_EQUAL KEY_BACKSPACE KEY_TAB"),
    **_run(16, "KEY_Q KEY_W KEY_E KEY_R KEY_T KEY_Y KEY_U KEY_I KEY_O KEY_P"),
    **_run(26, "KEY_LEFTBRACE KEY_RIGHTBRACE KEY_ENTER KEY_LEFTCTRL"),
    **_run(30, "KEY_A KEY_S KEY_D KEY_F KEY_G KEY_H KEY_J KEY_K KEY_L"),
    **_run(39, "KEY_SEMICOLON KEY_APOSTROPHE KEY_GRAVE KEY_LEFTSHIFT KEY_BACKSLASH"),
    **_run(44, "KEY_Z KEY_X KEY_C KEY_V KEY_B KEY_N KEY_M"),
    **_run(51, "KEY_COMMA KEY_DOT KEY_SLASH KEY_RIGHTSHIFT KEY_KPASTERISK KEY_LEFTALT"),
    **_run(57, "KEY_SPACE KEY_CAPSLOCK"),
    **_run(59, " ".join(f"KEY_F{number}" for number in range(1, 11))),
    **_run(87, "KEY_F11 KEY_F12"),
    **_run(96, "KEY_KPENTER KEY_RIGHTCTRL"),
    **_run(100, "KEY_RIGHTALT"),
    **_run(102, "KEY_HOME KEY_UP KEY_PAGEUP KEY_LEFT KEY_RIGHT KEY_END KEY_DOWN"),
    **_run(109, "KEY_PAGEDOWN KEY_INSERT KEY_DELETE"),
    **_run(113, "KEY_MUTE KEY_VOLUMEDOWN KEY_VOLUMEUP"),
    **_run(119, "KEY_PAUSE"),
    **_run(125, "KEY_LEFTMETA KEY_RIGHTMETA"),
    **_run(163, "KEY_NEXTSONG KEY_PLAYPAUSE KEY_PREVIOUSSONG"),
    **_run(183, " ".join(f"KEY_F{number}" for number in range(13, 25))),
    **_run(0x100, " ".join(f"BTN_{number}" for number in range(10))),
    **_run(0x110, "BTN_LEFT BTN_RIGHT BTN_MIDDLE BTN_SIDE BTN_EXTRA"),
    **_run(
        0x120,
        "BTN_TRIGGER BTN_THUMB BTN_THUMB2 BTN_TOP BTN_TOP2 BTN_PINKIE "
        "BTN_BASE BTN_BASE2 BTN_BASE3 BTN_BASE4 BTN_BASE5 BTN_BASE6",
    ),
    **_run(
        0x130,
        "BTN_SOUTH BTN_EAST BTN_C BTN_NORTH BTN_WEST BTN_Z BTN_TL BTN_TR BTN_TL2 BTN_TR2 "
        "BTN_SELECT BTN_START BTN_MODE BTN_THUMBL BTN_THUMBR",
    ),
    **_run(0x2C0, " ".join(f"BTN_TRIGGER_HAPPY{number}" for number in range(1, 41))),
    # The header's other names for the gamepad face buttons.
    "BTN_A": 0x130,
    "BTN_B": 0x131,
    "BTN_X": 0x133,
    "BTN_Y": 0x134,
}

# One name per code for messages and listings; the first name given wins (BTN_SOUTH, not A).
KEY_NAMES: dict[int, str] = {}
for _name, _code in KEY_CODES.items():
    KEY_NAMES.setdefault(_code, _name)

BTN_MISC_FIRST = 0x100
BTN_MOUSE_FIRST = 0x110
BTN_JOYSTICK_FIRST = 0x120
BTN_GAMEPAD_FIRST = 0x130
KEY_MAX = 0x2FF


def key_code(name_or_number: str | int) -> int:
    """The code of a key or button given by header name ("KEY_A") or number (30, "0x1e").

    Raises ValueError with the accepted forms when it is neither.
    """
    if isinstance(name_or_number, int) and not isinstance(name_or_number, bool):
        code = name_or_number
    else:
        text = str(name_or_number).strip()
        if text.upper() in KEY_CODES:
            return KEY_CODES[text.upper()]
        try:
            code = int(text, 0)
        except ValueError:
            raise ValueError(
                f"{name_or_number!r} is not a key or button name (KEY_A, KEY_SPACE, BTN_0, "
                "BTN_SOUTH, ... as in linux/input-event-codes.h) nor a code number"
            ) from None
    if not 0 < code <= KEY_MAX:
        raise ValueError(f"{name_or_number!r}: key codes run from 1 to {KEY_MAX:#x}")
    return code


def key_name(code: int) -> str:
    """The header name of ``code``, or its number when it has no name here."""
    return KEY_NAMES.get(code, f"key {code:#x}")
