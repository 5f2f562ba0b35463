"""conformance/suites."""
