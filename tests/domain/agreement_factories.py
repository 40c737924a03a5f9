"""Builders for agreements, funding streams and allocations in domain tests, on the shipped reference data."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any
from uuid import UUID, uuid4

from api.domain.agreements import Agreement, AgreementStatus, AgreementType
from api.domain.funding import Allocation, FundingStream, funding_streams_from_dicts
from tests.domain.system_factories import load_json, reference_catalog


@cache
def funding_catalogue() -> dict[str, FundingStream]:
    """Build the funding stream catalogue from the shipped JSON, checked against the vocabularies."""
    return funding_streams_from_dicts(load_json("funding_streams.json"), reference_catalog())


def category_parents() -> dict[str, str | None]:
    """Return each service category's parent, from the shipped taxonomy."""
    return {c.code: c.parent for c in reference_catalog().service_categories.values()}


def make_agreement(system_id: UUID, parties: tuple[UUID, ...], **overrides: Any) -> Agreement:
    """Build an active MOU signed on 2025-01-01, in force for two years, reviewed within three."""
    fields: dict[str, Any] = {
        "id": uuid4(),
        "system_id": system_id,
        "type": AgreementType.MOU,
        "title": "Willamette partners MOU",
        "parties": parties,
        "effective_on": date(2025, 1, 1),
        "expires_on": date(2026, 12, 31),
        "review_by": date(2027, 1, 1),
        "status": AgreementStatus.ACTIVE,
        "signed_on": date(2025, 1, 1),
    }
    fields.update(overrides)
    return Agreement(**fields)


def make_allocation(
    system_id: UUID,
    stream_code: str,
    amount: str | int,
    *,
    service_id: UUID | None = None,
    function: str | None = None,
    period: str = "2025",
    partner_id: UUID | None = None,
) -> Allocation:
    """Build an allocation of a stream to a service or a function."""
    return Allocation(
        id=uuid4(),
        system_id=system_id,
        stream_code=stream_code,
        period=period,
        amount=Decimal(amount),
        service_id=service_id,
        function=function,
        partner_id=partner_id,
    )
