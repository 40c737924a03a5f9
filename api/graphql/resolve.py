"""The three shapes every resolver takes: a mutation (:func:`mutate`), a lookup of one record (:func:`lookup`)
and a page of a listing as a Relay connection (:func:`paginate`)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode
from pydantic import ValidationError as PydanticValidationError

from api.deps import TransactionalUnitOfWork, app_settings
from api.domain.errors import DomainError, NotFound
from api.domain.ports import UnitOfWork
from api.graphql.context import Context
from api.graphql.errors import as_result, query_error
from api.graphql.types import PageInfo
from api.settings import Settings
from api.usecases.paging import Paged

Info = strawberry.Info[Context, None]
# The arguments of every connection (Relay's): one direction at a time.
First = Annotated[int | None, strawberry.argument(
    description="Page forward: at most this many items (the default page size when neither first nor last is given).")]
After = Annotated[str | None, strawberry.argument(
    description="Page forward: the items after this cursor (an edge's cursor or pageInfo.endCursor).")]
Last = Annotated[int | None, strawberry.argument(
    description="Page backward: at most this many items, the last ones before `before` (or of the listing).")]
Before = Annotated[str | None, strawberry.argument(
    description="Page backward: the items before this cursor (an edge's cursor or pageInfo.startCursor).")]
T = TypeVar("T")
P = TypeVar("P")
R = TypeVar("R")
E = TypeVar("E")


def settings_of(info: Info) -> Settings:
    """The settings of the application serving this request."""
    return app_settings(info.context.request)  # type: ignore[arg-type]


def _nothing() -> None:
    return None


async def mutate(info: Info, change: Callable[[TransactionalUnitOfWork, P], Awaitable[T]], answer: Callable[[T], R],
                 *, result: object, given: Callable[[], P] = _nothing) -> Any:  # type: ignore[assignment]
    """Validate the input (``given``: a DTO's ``model_validate`` and ``to_domain``, before any connection is
    taken), run ``change(uow, input)`` in a unit of work of its own and commit it: the answer, or the typed error
    of the input or the rule that refused it (nothing is written then), one of those the mutation's result union
    ``result`` lists (:func:`api.graphql.errors.as_result`)."""
    try:
        value = given()
        async with info.context.write_uow() as uow:
            done = await change(uow, value)
            await uow.commit()
    except (DomainError, PydanticValidationError) as exc:
        return as_result(exc, result)
    return answer(done)


async def lookup(info: Info, get: Callable[[UnitOfWork], Awaitable[T]], answer: Callable[[T], R]) -> R | None:
    """One record through the request's read unit of work: null when it does not exist (or the caller may not
    see it), a coded error for anything else a use case refuses."""
    try:
        return answer(await get(await info.context.read_uow()))
    except NotFound:
        return None
    except DomainError as exc:
        raise query_error(exc) from exc


@dataclass(frozen=True, slots=True)
class PageRequest:
    """Which page a connection's arguments ask for: its size, the cursor to start from and the direction."""

    limit: int
    cursor: str | None
    backward: bool


def page_request(info: Info, *, first: int | None, after: str | None, last: int | None,
                 before: str | None) -> PageRequest:
    """The page ``first``/``after`` (forward) or ``last``/``before`` (backward) ask for, bounded by the settings
    REST pages with (``default_page_size`` when neither size is given, at most ``max_page_size``)."""
    settings = settings_of(info)
    if last is not None or before is not None:
        if first is not None or after is not None:
            raise query_error(DomainError("give first/after to page forward or last/before to page backward, "
                                          "not both"))
        size, name, cursor, backward = last, "last", before, True
    else:
        size, name, cursor, backward = first, "first", after, False
    if size is None:
        size = settings.default_page_size
    if not 1 <= size <= settings.max_page_size:
        raise query_error(DomainError(f"{name} must be between 1 and {settings.max_page_size}"))
    return PageRequest(limit=size, cursor=cursor, backward=backward)


@dataclass(frozen=True, slots=True)
class Connection(Generic[E]):
    """What a connection type is built from: its edges, its page info and, where counted, the total."""

    edges: list[E]
    page_info: PageInfo
    total_count: int | None


async def paginate(info: Info, load: Callable[[UnitOfWork, PageRequest], Awaitable[Paged[T]]],
                   edge: Callable[[T, str], E], *, first: int | None, after: str | None, last: int | None,
                   before: str | None) -> Connection[E]:
    """Load the page the arguments ask for (:func:`page_request`) and assemble its edges and Relay page info.

    Going forward, ``hasPreviousPage`` is whether the page starts after a cursor; going backward,
    ``hasNextPage`` is whether it ends before one (the item of that cursor follows it).
    """
    request = page_request(info, first=first, after=after, last=last, before=before)
    try:
        page = await load(await info.context.read_uow(), request)
    except DomainError as exc:
        raise query_error(exc) from exc
    cursors: Sequence[str] = page.cursors
    # A cursor costs a JSON document and base64 to encode: an edge's only when the query may read it.
    edge_cursors = cursors if selects(info, "edges", "cursor") else [""] * len(page.items)
    more, started = page.next_cursor is not None, request.cursor is not None
    info_ = PageInfo(
        has_next_page=started if request.backward else more,
        has_previous_page=more if request.backward else started,
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
    )
    return Connection(edges=[edge(item, c) for item, c in zip(page.items, edge_cursors, strict=True)],
                      page_info=info_, total_count=page.total)


def selects(info: Info, *path: str) -> bool:
    """Whether the query may select the field at ``path`` under the current one, through fragments too.

    Directives are not evaluated: a field under ``@skip`` counts as selected (the answer may only be too broad)."""
    raw = info._raw_info  # Strawberry's Info keeps graphql-core's resolve info there

    def under(selection_sets: list[Any], depth: int) -> bool:
        for selection_set in selection_sets:
            for selection in selection_set.selections:
                if isinstance(selection, FieldNode):
                    if selection.name.value == path[depth] and (
                            depth + 1 == len(path)
                            or (selection.selection_set is not None and under([selection.selection_set], depth + 1))):
                        return True
                elif isinstance(selection, InlineFragmentNode):
                    if under([selection.selection_set], depth):
                        return True
                elif isinstance(selection, FragmentSpreadNode):
                    fragment = raw.fragments.get(selection.name.value)
                    if fragment is None or under([fragment.selection_set], depth):
                        return True  # an unknown fragment: assume it selects the field
        return False

    return under([node.selection_set for node in raw.field_nodes if node.selection_set is not None], 0)
