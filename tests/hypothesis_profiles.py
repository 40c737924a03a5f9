"""Hypothesis profiles: ``dev`` (the default) is quick, ``ci`` (``HYPOTHESIS_PROFILE=ci``, set by .ci/run) thorough.

``ci`` runs each property with the number of examples its test asks for (``examples(n)``: n; unadorned tests:
Hypothesis's 100); ``dev`` runs a tenth of them (at least 10), so ``make test`` stays quick while CI keeps
today's thoroughness. Neither sets a deadline: timings are never asserted in this suite.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "dev")
THOROUGH = PROFILE == "ci"

# Nor does either fail a test because generating its data was slow (``too_slow``): on a loaded machine that is
# a timing, not a finding.
settings.register_profile("ci", max_examples=100, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(PROFILE)


def examples(n: int) -> int:
    """The examples a property runs: ``n`` on CI, a tenth of it (at least 10) otherwise."""
    return n if THOROUGH else max(10, n // 10)
