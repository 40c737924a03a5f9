"""The words beside the codes: labels from the reference data in force, for reports written for people."""

from __future__ import annotations

from api.domain.labels import Labels
from api.domain.ports import UnitOfWork
from api.domain.systems import RoleCatalog


async def labels_of(uow: UnitOfWork, roles: RoleCatalog) -> Labels:
    """The names of partner types, populations, service categories and functions (one query: the vocabularies)."""
    catalog = await uow.reference.catalog()
    return Labels(
        partner_types={code: t.name for code, t in catalog.partner_types.items()},
        populations={code: p.name for code, p in catalog.populations.items()},
        categories={code: c.name for code, c in catalog.service_categories.items()},
        functions={code: f.name for code, f in roles.functions.items()},
    )
