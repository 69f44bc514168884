"""The game's scenes, one module per screen (or family of screens): title, profiles, new
profile, level map, stickers, play, results, settings, calibration, the headphone check, the
stop screen when there is no sound, the therapist screens.

A scene module imports none of the others: a scene asks for the next one by name
(`self.goto("level_map")`, game/scene.py) and game/router.py, the only importer of these
modules, builds it. Menu screens build on game/menu_scene.py; shared drawing is in
game/widgets.py, game/canvas.py and the play painter (game/play_painter.py).
"""
