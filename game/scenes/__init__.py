"""The game's scenes: title, profiles, level map, play, results, settings."""
