"""Use cases of the partner directory."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from uuid import UUID

from api.domain.errors import NotFound, VersionMismatch
from api.domain.filters import check_partner_filter
from api.domain.partners import (
    Partner,
    Service,
    retires_services,
    revise_partner,
    revise_service,
    validate_partner,
    validate_service,
)
from api.domain.ports import PartnerFilter, UnitOfWork
from api.usecases import policy
from api.usecases.paging import LazyCursors, Paged, decode_cursor, encode_cursor, number_key, text_key


def _order(flt: PartnerFilter) -> str:
    return "near" if flt.near is not None else ("q" if flt.q else "name")


async def list_partners(
    uow: UnitOfWork, *, flt: PartnerFilter, limit: int, cursor: str | None = None, with_total: bool = False,
    backward: bool = False,
) -> Paged[Partner]:
    """List partners matching the filter, one keyset page at a time;
    ``backward``: the page before ``cursor``, in the same order."""
    policy.read_directory(uow)
    check_partner_filter(flt)
    order = _order(flt)
    after = decode_cursor(order, cursor, key=text_key if order == "name" else number_key)
    page = await uow.partners.list_partners(flt, limit=limit, after=after, with_total=with_total,
                                            backward=backward)
    next_cursor = encode_cursor(order, page.next_after) if page.next_after else None
    return Paged(items=list(page.items), next_cursor=next_cursor, cursors=LazyCursors(order, page.keys),
                 total=page.total)


async def get_partner(uow: UnitOfWork, *, partner_id: UUID) -> Partner:
    """Return one partner or raise NotFound."""
    policy.read_directory(uow)
    partner = await uow.partners.get(partner_id)
    if partner is None:
        raise NotFound("partner", partner_id)
    return partner


async def create_partner(uow: UnitOfWork, *, partner: Partner) -> Partner:
    """Validate a new partner against the vocabularies and store it."""
    policy.write_directory(uow, partner.jurisdiction)
    catalog = await uow.reference.catalog()
    stored = await uow.partners.add(validate_partner(partner, catalog))
    await policy.audit(uow, action="create", kind="partner", record_id=stored.id, new=stored)
    return stored


def _check_version(kind: str, ident: UUID, expected: int | None, actual: int) -> None:
    if expected is not None and expected != actual:
        raise VersionMismatch(kind, ident, expected, actual)


async def update_partner(
    uow: UnitOfWork, *, partner_id: UUID, changes: Mapping[str, Any], expected_version: int | None = None
) -> Partner:
    """Apply a partial update, refusing it if the caller's copy is stale."""
    current = await get_partner(uow, partner_id=partner_id)
    policy.write_directory(uow, current.jurisdiction)
    _check_version("partner", partner_id, expected_version, current.version)
    revised = revise_partner(current, changes, await uow.reference.catalog())
    policy.write_directory(uow, revised.jurisdiction)
    stored = await uow.partners.update(revised, expected_version=current.version)
    if stored is None:  # changed between our read and our write
        latest = await get_partner(uow, partner_id=partner_id)
        raise VersionMismatch("partner", partner_id, current.version, latest.version)
    if retires_services(current, stored):
        await uow.partners.retire_services(partner_id)
    await policy.audit(uow, action="update", kind="partner", record_id=partner_id, old=current, new=stored)
    return stored


async def delete_partner(uow: UnitOfWork, *, partner_id: UUID, expected_version: int | None = None) -> None:
    """Delete a partner and its services.

    The delete names the version it judged, so of concurrent deletes one wins and the others meet the
    record gone (404) or changed (412, or, without ``If-Match``, judge the new version in turn).
    """
    while True:
        current = await get_partner(uow, partner_id=partner_id)
        policy.write_directory(uow, current.jurisdiction)
        _check_version("partner", partner_id, expected_version, current.version)
        if await uow.partners.delete(partner_id, version=current.version):
            break
    await policy.audit(uow, action="delete", kind="partner", record_id=partner_id, old=current)


async def services_of_partners(uow: UnitOfWork, *, partner_ids: Sequence[UUID]) -> dict[UUID, list[Service]]:
    """Return the services of many partners in one read."""
    policy.read_directory(uow)
    return await uow.partners.services_of(partner_ids)


async def partners_by_id(uow: UnitOfWork, *, partner_ids: Sequence[UUID]) -> dict[UUID, Partner]:
    """Return many partners in one read; missing ids are simply absent."""
    policy.read_directory(uow)
    return await uow.partners.get_many(partner_ids)


async def services_by_id(uow: UnitOfWork, *, service_ids: Sequence[UUID]) -> dict[UUID, Service]:
    """Return many services in one read; missing ids are simply absent."""
    policy.read_directory(uow)
    return await uow.partners.get_services(service_ids)


async def list_services(uow: UnitOfWork, *, partner_id: UUID) -> list[Service]:
    """Return the services of one partner."""
    await get_partner(uow, partner_id=partner_id)
    return (await uow.partners.services_of([partner_id]))[partner_id]


async def get_service(uow: UnitOfWork, *, partner_id: UUID, service_id: UUID) -> Service:
    """Return one service of a partner or raise NotFound."""
    policy.read_directory(uow)
    service = await uow.partners.get_service(service_id)
    if service is None or service.partner_id != partner_id:
        raise NotFound("service", service_id)
    return service


async def create_service(uow: UnitOfWork, *, service: Service) -> Service:
    """Validate a new service of an existing partner and store it."""
    partner = await get_partner(uow, partner_id=service.partner_id)
    policy.write_directory(uow, partner.jurisdiction)
    catalog = await uow.reference.catalog()
    stored = await uow.partners.add_service(validate_service(service, catalog))
    await policy.audit(uow, action="create", kind="service", record_id=stored.id, new=stored)
    return stored


async def update_service(
    uow: UnitOfWork, *, partner_id: UUID, service_id: UUID, changes: Mapping[str, Any],
    expected_version: int | None = None,
) -> Service:
    """Apply a partial update to a service, refusing it if the caller's copy is stale."""
    current = await get_service(uow, partner_id=partner_id, service_id=service_id)
    policy.write_directory(uow, (await get_partner(uow, partner_id=partner_id)).jurisdiction)
    _check_version("service", service_id, expected_version, current.version)
    revised = revise_service(current, changes, await uow.reference.catalog())
    stored = await uow.partners.update_service(revised, expected_version=current.version)
    if stored is None:
        latest = await get_service(uow, partner_id=partner_id, service_id=service_id)
        raise VersionMismatch("service", service_id, current.version, latest.version)
    await policy.audit(uow, action="update", kind="service", record_id=service_id, old=current, new=stored)
    return stored


async def delete_service(
    uow: UnitOfWork, *, partner_id: UUID, service_id: UUID, expected_version: int | None = None
) -> None:
    """Delete one service of a partner (as ``delete_partner``, one of concurrent deletes wins)."""
    while True:
        current = await get_service(uow, partner_id=partner_id, service_id=service_id)
        policy.write_directory(uow, (await get_partner(uow, partner_id=partner_id)).jurisdiction)
        _check_version("service", service_id, expected_version, current.version)
        if await uow.partners.delete_service(service_id, version=current.version):
            break
    await policy.audit(uow, action="delete", kind="service", record_id=service_id, old=current)
