"""OnBeat scenes and visuals. Thin: every decision and number comes from engine/."""
