"""OnBeat engine: timing, audio, input, levels, scoring, storage. No scene code lives here."""
