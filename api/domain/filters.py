"""Bounds on what a client may ask a listing to filter by: one set of limits, whichever transport asks.

REST declares them on its query parameters (so they show in OpenAPI); the use cases check them again, so
GraphQL, the command line and anything else meet the same limits with the same field names.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

from api.domain.errors import FieldProblem, InvalidInput
from api.domain.ports import PartnerFilter

MAX_SEARCH_LENGTH = 200
"""Free text to search for (``q``, ``search``)."""
MAX_CODE_LENGTH = 64
"""A code to match exactly: a region, a partner type, a source, a period."""
MAX_CURSOR_LENGTH = 500
"""An opaque cursor: ours are far shorter."""
MAX_CODES_PER_FILTER = 100
"""Codes in one list-valued filter (the regions of an in-demand query)."""
MAX_RADIUS_KM = 5000.0


def check_text(*, search: Mapping[str, str | None] | None = None, codes: Mapping[str, str | None] | None = None,
               cursors: Mapping[str, str | None] | None = None) -> None:
    """Refuse free text, codes or cursors longer than their limits, naming every field that is."""
    problems = [
        FieldProblem(name, f"must be at most {limit} characters")
        for values, limit in ((search, MAX_SEARCH_LENGTH), (codes, MAX_CODE_LENGTH), (cursors, MAX_CURSOR_LENGTH))
        for name, value in (values or {}).items() if value is not None and len(value) > limit
    ]
    if problems:
        raise InvalidInput(problems)


def check_code_list(name: str, values: Sequence[str]) -> None:
    """Refuse a list-valued filter with too many codes, or a code too long."""
    if len(values) > MAX_CODES_PER_FILTER:
        raise InvalidInput(FieldProblem(name, f"must name at most {MAX_CODES_PER_FILTER} codes"))
    check_text(codes={f"{name}[{i}]": v for i, v in enumerate(values)})


def check_partner_filter(flt: PartnerFilter) -> None:
    """Refuse a directory filter that is out of bounds (text lengths, coordinates, radius)."""
    check_text(search={"q": flt.q}, codes={"partner_type": flt.partner_type, "population": flt.population,
                                           "service_category": flt.service_category, "region": flt.region,
                                           "local_area": flt.local_area, "status": flt.status})
    problems: list[FieldProblem] = []
    if flt.state is not None and not (len(flt.state) == 2 and flt.state.isalpha()):
        problems.append(FieldProblem("jurisdiction", "must be a two-letter USPS state code"))
    if flt.near is not None:
        lat, lon = flt.near
        if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
            problems.append(FieldProblem("near", "latitude must be within ±90 and longitude within ±180"))
    if flt.radius_km is not None:
        if flt.near is None:
            problems.append(FieldProblem("radius_km", "needs near=lat,lon"))
        elif not (math.isfinite(flt.radius_km) and 0 < flt.radius_km <= MAX_RADIUS_KM):
            problems.append(FieldProblem("radius_km", f"must be above 0 and at most {MAX_RADIUS_KM:g}"))
    if problems:
        raise InvalidInput(problems)
