"""GraphQL projection of the change feed: the directory's changes in commit order, as REST's /v1/changes."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated
from uuid import UUID

import strawberry

from api.domain.errors import DomainError, FieldProblem, InvalidInput
from api.domain.partners import Partner as DomainPartner
from api.domain.ports import Change as DomainChange
from api.graphql.context import Context
from api.graphql.errors import query_error
from api.graphql.resolve import page_request
from api.graphql.types import ExternalId, PageInfo, Partner, Service, partner_from_domain, service_from_domain
from api.usecases import sync as uc

Info = strawberry.Info[Context, None]


@strawberry.enum(name="ChangeKind", description="The kind of record a change is about.")
class ChangeKindEnum(Enum):
    PARTNER = strawberry.enum_value("partner", description="A partner of the directory.")
    SERVICE = strawberry.enum_value("service", description="A service a partner offers.")


@strawberry.enum(name="ChangeOp", description="What happened to the record.")
class ChangeOpEnum(Enum):
    CREATE = strawberry.enum_value("create", description="The record was created.")
    UPDATE = strawberry.enum_value("update", description="The record changed (a reactivation too).")
    RETIRE = strawberry.enum_value("retire", description="The record was retired; it stays, with status RETIRED.")
    DELETE = strawberry.enum_value("delete", description="The record was deleted: a tombstone with its source keys.")


@strawberry.type(description=(
    "One change of the directory, in commit order. `partner` or `service` is the record as it is now: null for a "
    "deletion, and for a record deleted since (its DELETE follows later in the feed)."))
class Change:
    kind: ChangeKindEnum = strawberry.field(description="Whether the change is about a partner or a service.")
    record_id: UUID = strawberry.field(description="The id of the record that changed (REST's `id`).")
    op: ChangeOpEnum = strawberry.field(description="What happened to the record.")
    at: datetime = strawberry.field(description="When the change was committed.")
    partner: Partner | None = strawberry.field(description="The partner as it is now, for a partner's change.")
    service: Service | None = strawberry.field(description="The service as it is now, for a service's change.")
    external_ids: list[ExternalId] | None = strawberry.field(
        description="A deletion's source keys (its tombstone); null for other changes.")


@strawberry.type(description="A change and its cursor.")
class ChangeEdge:
    node: Change = strawberry.field(description="The change.")
    cursor: str = strawberry.field(description="Pass as `after` to read the changes that followed this one.")


@strawberry.type(description=(
    "A page of the change feed. `pageInfo.endCursor` goes on after every change read, also those the key may not "
    "see and also when the page is empty: pass it as `after` to poll for what comes next."))
class ChangeConnection:
    edges: list[ChangeEdge] = strawberry.field(description="The changes of the page, oldest first.")
    page_info: PageInfo = strawberry.field(description=(
        "Where the page sits in the feed. hasNextPage: the feed had a whole page to give, so more may follow at "
        "once; the feed pages forward only."))


def change_from_domain(c: DomainChange) -> Change:
    """Project a change of the feed."""
    record = c.record
    return Change(
        kind=ChangeKindEnum(c.kind), record_id=c.record_id, op=ChangeOpEnum(c.op), at=c.at,
        partner=partner_from_domain(record) if isinstance(record, DomainPartner) else None,
        service=service_from_domain(record) if record is not None and not isinstance(record, DomainPartner) else None,
        external_ids=[ExternalId(source=e.source, id=e.id) for e in c.external_ids] if c.op == "delete" else None,
    )


@strawberry.type
class ChangeQuery:
    @strawberry.field(description=(
        "Creations, updates, retirements and deletions of partners and services in commit order, for mirroring "
        "the directory (REST's /v1/changes: the same records and access rules). Start from an export's "
        "Pathways-Feed-Cursor to bring a copy of that export up to date."))
    async def changes(
        self, info: Info,
        first: Annotated[int | None, strawberry.argument(
            description="At most this many changes (the default page size when not given).")] = None,
        after: Annotated[str | None, strawberry.argument(
            description="The changes after this cursor (an edge's cursor, pageInfo.endCursor or a feed cursor).")]
        = None,
        kind: Annotated[ChangeKindEnum | None, strawberry.argument(
            description="Only the changes of partners, or of services.")] = None,
    ) -> ChangeConnection:
        request = page_request(info, first=first, after=after, last=None, before=None)
        try:
            page = await uc.feed_page(await info.context.read_uow(), cursor=after, kind=kind.value if kind else None,
                                      limit=request.limit)
        except InvalidInput as exc:  # the feed's use case names REST's parameter; here the cursor is `after`
            named = [FieldProblem("after" if p.field == "since" else p.field, p.message) for p in exc.problems]
            raise query_error(InvalidInput(named)) from exc
        except DomainError as exc:
            raise query_error(exc) from exc
        return ChangeConnection(
            edges=[ChangeEdge(node=change_from_domain(c), cursor=cursor)
                   for c, cursor in zip(page.changes, page.cursors, strict=True)],
            page_info=PageInfo(has_next_page=page.full, has_previous_page=after is not None,
                               start_cursor=page.cursors[0] if page.cursors else None,
                               end_cursor=page.resume or None),
        )
