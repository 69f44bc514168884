"""What the kiosk's scenes share: the kiosk's state and its words, on top of a menu scene."""

from __future__ import annotations

from game.context import GameContext
from game.kiosk.state import KioskState
from game.menu_scene import MenuScene


class KioskMenuScene(MenuScene):
    """A menu scene of the kiosk; the director hands every kiosk scene the kiosk's state."""

    def __init__(self, context: GameContext, kiosk: KioskState) -> None:
        super().__init__(context)
        self.kiosk = kiosk

    def say(self, key: str, **values: object) -> str:
        """The kiosk's words for ``key`` in the station's language."""
        return self.kiosk.say(key, self.context.settings.language, **values)
