"""The typed per-request context: one read unit of work, DataLoaders, and a way to open writes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import TypeVar
from uuid import UUID

from fastapi import Request
from strawberry.dataloader import DataLoader
from strawberry.fastapi import BaseContext

from api.deps import CallerDep, TransactionalUnitOfWork, UowFactory, uow_factory
from api.domain.access import Caller
from api.domain.agreements import Agreement
from api.domain.errors import DomainError, NotFound
from api.domain.partners import Partner, Service
from api.domain.ports import PlanContents, UnitOfWork
from api.domain.readiness import Framework, Response, Round
from api.domain.systems import SystemState
from api.usecases import action_plans as plans_uc
from api.usecases import agreements as agreements_uc
from api.usecases import partners as partner_uc
from api.usecases import readiness as readiness_uc
from api.usecases import systems as systems_uc

T = TypeVar("T")


async def _or_error(read: Awaitable[T]) -> T | DomainError:
    """What a use case answers for one key of a loader, or the error it refuses the key with."""
    try:
        return await read
    except DomainError as exc:
        return exc


class Loaders:
    """DataLoaders of one request, so nested fields cost one query per level, not per row."""

    def __init__(self, context: Context) -> None:
        self._context = context
        async def load_services(keys: list[UUID]) -> list[list[Service]]:
            by_partner = await partner_uc.services_of_partners(await context.read_uow(), partner_ids=keys)
            return [by_partner.get(k, []) for k in keys]

        async def load_partners(keys: list[UUID]) -> list[Partner | None]:
            found = await partner_uc.partners_by_id(await context.read_uow(), partner_ids=keys)
            return [found.get(k) for k in keys]

        async def load_round_responses(keys: list[UUID]) -> list[list[Response]]:
            by_round = await readiness_uc.responses_of_rounds(await context.read_uow(), round_ids=keys)
            return [by_round.get(k, []) for k in keys]

        # The records foreign ids name, each through the use case of its own query (same access rules); a key
        # that use case refuses loads as its error (a DomainError), which the resolver maps.
        async def load_service_records(keys: list[UUID]) -> list[Service | None]:
            found = await partner_uc.services_by_id(await context.read_uow(), service_ids=keys)
            return [found.get(k) for k in keys]

        async def load_systems(keys: list[UUID]) -> list[SystemState | BaseException]:
            found = await systems_uc.systems_by_id(await context.read_uow(), system_ids=keys)
            return [found.get(k) or NotFound("system", k) for k in keys]

        async def load_frameworks(keys: list[UUID]) -> list[Framework | None]:
            found = await readiness_uc.frameworks_by_id(await context.read_uow(), framework_ids=keys)
            return [found.get(k) for k in keys]

        async def round_of(key: UUID) -> Round:
            return (await readiness_uc.get_round(await context.read_uow(), round_id=key))[0]

        async def load_rounds(keys: list[UUID]) -> list[Round | BaseException]:
            return [await _or_error(round_of(k)) for k in keys]

        async def load_plans(keys: list[UUID]) -> list[PlanContents | BaseException]:
            return [await _or_error(plans_uc.get_plan(await context.read_uow(), system_id=k)) for k in keys]

        async def load_agreements_of(keys: list[UUID]) -> list[list[Agreement] | BaseException]:
            return [await _or_error(agreements_uc.agreements_of_system(await context.read_uow(), system_id=k))
                    for k in keys]

        self.services = DataLoader(load_fn=load_services)
        self.partners = DataLoader(load_fn=load_partners)
        self.round_responses = DataLoader(load_fn=load_round_responses)
        self.service_records = DataLoader(load_fn=load_service_records)
        self.systems = DataLoader(load_fn=load_systems)
        self.frameworks = DataLoader(load_fn=load_frameworks)
        self.rounds = DataLoader(load_fn=load_rounds)
        self.plans = DataLoader(load_fn=load_plans)
        self.agreements_of = DataLoader(load_fn=load_agreements_of)

    async def services_of(self, partner_ids: Sequence[UUID]) -> list[list[Service]]:
        """What ``services.load_many`` answers, without a future and a callback per partner: one read for the
        partners not loaded yet, primed into the loader (its resolvers then answer from it without a query)."""
        loader = self.services
        cache = loader.cache_map
        missing = []
        for key in dict.fromkeys(partner_ids):
            known = cache.get(key)
            if known is None or known.cancelled():
                missing.append(key)
        if missing:
            try:
                by_partner = await partner_uc.services_of_partners(await self._context.read_uow(),
                                                                   partner_ids=missing)
            except Exception as exc:  # as a failed batch: every missing key fails the same way, remembered
                for key in missing:
                    failed = loader.loop.create_future()
                    failed.set_exception(exc)
                    failed.exception()  # raised here; a later load raises it again, nothing to log
                    cache.set(key, failed)
                raise
            loader.prime_many({key: by_partner.get(key, []) for key in missing}, force=True)
        answers = []
        for key in partner_ids:
            future = cache.get(key)
            answers.append(future.result() if future.done() else await future)
        return answers

    def forget(self) -> None:
        """Let go of everything loaded, once the request is answered.

        A DataLoader's batch and its futures refer to each other (done callbacks), and the loaders to the
        context: left alone, a page of records waits for the cyclic garbage collector, which under load
        runs the full collection rarely (``api.main.tune_garbage_collector``), so memory grows with the
        request rate. Only settled batches are emptied.
        """
        for loader in (self.services, self.partners, self.round_responses, self.service_records, self.systems,
                       self.frameworks, self.rounds, self.plans, self.agreements_of):
            loader.clear_all()
            batch = loader.batch
            if batch is not None and batch.dispatched and all(task.future.done() for task in batch.tasks):
                batch.tasks.clear()


class Context(BaseContext):
    """What every resolver receives as ``info.context``."""

    def __init__(self, factory: UowFactory, stack: AsyncExitStack, caller: Caller) -> None:
        super().__init__()
        self.caller = caller
        self._factory = factory
        self._stack = stack
        self._read: UnitOfWork | None = None
        self.loaders = Loaders(self)

    async def read_uow(self) -> UnitOfWork:
        """The request's read-only unit of work, opened on first use."""
        if self._read is None:
            self._read = await self._stack.enter_async_context(self._factory(True, self.caller))
        return self._read

    @asynccontextmanager
    async def write_uow(self) -> AsyncIterator[TransactionalUnitOfWork]:
        """A unit of work for one mutation; the mutation commits it."""
        async with self._factory(False, self.caller) as uow:
            yield uow


async def get_context(request: Request, caller: CallerDep) -> AsyncIterator[Context]:
    """FastAPI dependency building the context and releasing its connection afterwards."""
    async with AsyncExitStack() as stack:
        context = Context(uow_factory(request), stack, caller)
        try:
            yield context
        finally:
            context.loaders.forget()
