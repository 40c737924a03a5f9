"""Hypothesis profiles: ``dev`` (the default) is quick, ``ci`` (``HYPOTHESIS_PROFILE=ci``, set by .ci/run) thorough.

``ci`` runs each property with the number of examples its test asks for (``examples(n)``: n; unadorned tests:
Hypothesis's 100); ``dev`` runs a tenth of them (at least 10), so ``make test`` stays quick while CI keeps
today's thoroughness. Neither sets a deadline: timings are never asserted in this suite.
"""

from __future__ import annotations

import os

from hypothesis import settings

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "dev")
THOROUGH = PROFILE == "ci"

settings.register_profile("ci", max_examples=100, deadline=None, print_blob=True)
settings.register_profile("dev", max_examples=10, deadline=None)
settings.load_profile(PROFILE)


def examples(n: int) -> int:
    """The examples a property runs: ``n`` on CI, a tenth of it (at least 10) otherwise."""
    return n if THOROUGH else max(10, n // 10)
