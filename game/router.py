"""The one place that knows every scene: builds the scene a `Goto` names.

Scenes ask for each other by name (`self.goto("results", level=..., session=...)`), so no
scene module imports another; this table is the only import of the scene classes. To add a
scene: write its class in game/scenes/ (a `Scene`, or a `MenuScene` for buttons), give it a
name here, and ask for it with `goto(name, **params)`: the params become its constructor's
keyword arguments after the context.
"""

from __future__ import annotations

from collections.abc import Callable

from game.context import GameContext
from game.scene import Goto, Scene
from game.scenes.calibrate import CalibrationScene
from game.scenes.devices import DeviceScene
from game.scenes.kiosk_admin import KioskPlansScene, KioskReportsScene
from game.scenes.kiosk_child import KioskAttractScene, KioskCallScene, KioskPlayersScene
from game.scenes.kiosk_plan import KioskBreakScene, KioskCelebrationScene, KioskPlanScene
from game.scenes.kiosk_plan_edit import KioskPlanEditScene
from game.scenes.kiosk_therapist import KioskMenuScreen, KioskPinScene
from game.scenes.level_map import LevelMapScene
from game.scenes.midi_learn import MidiLearnScene
from game.scenes.new_profile import NewProfileScene
from game.scenes.no_sound import NoSoundScene
from game.scenes.play import PlayScene
from game.scenes.profiles import ProfilesScene
from game.scenes.results import ResultsScene
from game.scenes.settings import ReportsFolderScene, SettingsScene
from game.scenes.sound_check import SoundCheckScene
from game.scenes.stickers import StickerBookScene
from game.scenes.therapist import (
    TherapistProfilesScene,
    TherapistSessionScene,
    TherapistSessionsScene,
)
from game.scenes.title import TitleScene

SCENES: dict[str, Callable[..., Scene]] = {
    "title": TitleScene,
    "profiles": ProfilesScene,
    "new_profile": NewProfileScene,
    "level_map": LevelMapScene,
    "stickers": StickerBookScene,
    "play": PlayScene,
    "results": ResultsScene,
    "settings": SettingsScene,
    "reports_folder": ReportsFolderScene,
    "calibrate": CalibrationScene,
    "devices": DeviceScene,
    "midi_learn": MidiLearnScene,
    "no_sound": NoSoundScene,
    "sound_check": SoundCheckScene,
    "therapist_profiles": TherapistProfilesScene,
    "therapist_sessions": TherapistSessionsScene,
    "therapist_session": TherapistSessionScene,
    # The kiosk station's scenes (game/kiosk/director.py routes to them).
    "kiosk_attract": KioskAttractScene,
    "kiosk_players": KioskPlayersScene,
    "kiosk_plan": KioskPlanScene,
    "kiosk_break": KioskBreakScene,
    "kiosk_celebration": KioskCelebrationScene,
    "kiosk_call": KioskCallScene,
    "kiosk_pin": KioskPinScene,
    "kiosk_menu": KioskMenuScreen,
    "kiosk_plans": KioskPlansScene,
    "kiosk_plan_edit": KioskPlanEditScene,
    "kiosk_reports": KioskReportsScene,
}


def build_scene(context: GameContext, goto: Goto) -> Scene:
    """The scene ``goto`` names, built (not yet entered) with the context and its params."""
    if goto.name not in SCENES:
        raise KeyError(f"no scene named {goto.name!r}; the scenes are {', '.join(SCENES)}")
    return SCENES[goto.name](context, **goto.params)
