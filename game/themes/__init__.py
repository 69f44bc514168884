"""Themes draw the play stage: the beat coming, the target, and reactions to taps.

`base` holds what every theme shares (the stage's geometry, the `Theme` protocol), `stage`
the drawing common to the stage themes, one module per theme, and `registry` finds a theme
by the name a level gives. The themes import `base` and `stage`, never `registry`, so that
nothing here imports in a circle. A theme only draws what `PlayView` says; it decides
nothing, and everything is drawn in code (no third-party art).
"""
