"""The kit's hypothesis profiles: ``conformance-ci`` (derandomized, bounded) and ``conformance-deep``.

Registered on import, by the pytest plugin (conformance.plugin) and by the kill-rate run (conformance.kill)
alike; a module of its own so that neither has to import the other.
"""

from __future__ import annotations

from hypothesis import HealthCheck, settings

CI_PROFILE = "conformance-ci"
DEEP_PROFILE = "conformance-deep"

settings.register_profile(CI_PROFILE, derandomize=True, max_examples=30, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile(DEEP_PROFILE, max_examples=1000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
