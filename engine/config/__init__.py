"""Station settings a therapist or child changes in the game (volumes, language, display),
kept in the user config folder, and the kiosk station's settings (config/kiosk.yaml with the
station's own file over it). Plain files, no pygame.
"""
