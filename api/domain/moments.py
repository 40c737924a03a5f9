"""How the service writes a moment, everywhere it writes one as text."""

from __future__ import annotations

from datetime import datetime


def rfc3339(moment: datetime) -> str:
    """``moment`` in RFC 3339 as REST's DTOs write it (pydantic): UTC as ``Z``, other offsets as they are.

    GraphQL's ``DateTime``, gap figures and audit values use it too, so a record's timestamps read the same
    whichever way they are read."""
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
