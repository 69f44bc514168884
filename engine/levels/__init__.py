"""Levels: the frozen model, limbs and channels, YAML reading with line and column, the
schema checks, discovery of shipped and user levels, templates, map order and live-preview
file watching. Imports only the standard library, numpy, PyYAML and pydantic, and
engine.timing.tempo_map (the one converter of beats and time, which imports nothing of OnBeat).
"""
