"""Seed files of the reference vocabularies, shipped with the package and editable per deployment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).resolve().parent


def load(name: str) -> Any:
    """Parse one seed file (``name`` without ``.json``)."""
    return json.loads((FOLDER / f"{name}.json").read_text(encoding="utf-8"))
