"""Schemathesis hooks for ``make fuzz`` (loaded through ``SCHEMATHESIS_HOOKS``).

They only make requests sendable and keep the run able to continue; they never hide a response.
"""

from __future__ import annotations

import json
import os
from typing import Any

import schemathesis

# The admin key the run authenticates with: revoking it would turn every later request into a 401.
PROTECTED_KEY_ID = os.environ.get("FUZZ_PROTECTED_KEY_ID", "")
STAND_IN_KEY_ID = "00000000-0000-4000-8000-000000000000"


@schemathesis.serializer("application/x-ndjson")
def ndjson(ctx: Any, value: Any) -> bytes:
    """Send a generated string as it is, and generated objects one JSON document a line."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    items = value if isinstance(value, list) else [value]
    return b"".join(json.dumps(item).encode("utf-8", "surrogatepass") + b"\n" for item in items)


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Revoke any key but the one the run itself presents."""
    if PROTECTED_KEY_ID and (case.path_parameters or {}).get("key_id") == PROTECTED_KEY_ID:
        case.path_parameters["key_id"] = STAND_IN_KEY_ID
