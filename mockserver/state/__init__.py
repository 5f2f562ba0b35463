"""mockserver/state."""
