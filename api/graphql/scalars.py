"""Scalars the service writes its own way: ``DateTime`` as REST writes it (``2026-06-01T08:30:00Z``)."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from strawberry.schema.types.base_scalars import DateTimeDefinition
from strawberry.types.scalar import ScalarDefinition

from api.domain.moments import rfc3339

DATETIME: ScalarDefinition = dataclasses.replace(
    DateTimeDefinition, serialize=rfc3339,
    description="A moment, RFC 3339 (`2026-06-01T08:30:00Z`): in UTC with a `Z`, as REST writes it.")
SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {datetime: DATETIME}
