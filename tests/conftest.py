import os

from hypothesis import HealthCheck, settings

# CI machines are slower and shared: no per-example deadline, a fixed seed-independent profile.
settings.register_profile("ci", deadline=None, max_examples=200, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
