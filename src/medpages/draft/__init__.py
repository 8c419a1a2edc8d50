"""Drafting: turning a catalogue medicine into a page (skeletons now; providers and the runner later)."""
