import os

from hypothesis import HealthCheck, settings

# "ci" (the default, what `make test` runs): no per-example deadline on slower shared
# machines, and derandomized, so a run is reproducible and CI never goes red on an
# example no one has seen before. "explore": fresh random examples each run, for hunting
# counterexamples (HYPOTHESIS_PROFILE=explore).
settings.register_profile(
    "ci",
    deadline=None,
    max_examples=200,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "explore",
    deadline=None,
    max_examples=200,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
