"""Station settings a therapist or child changes in the game (volumes, language, display),
kept in the user config folder. Plain files, no pygame.
"""
