"""reference_impl/sync."""
