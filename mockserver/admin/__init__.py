"""mockserver/admin."""
