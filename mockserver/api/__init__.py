"""mockserver/api."""
