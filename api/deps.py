"""Dependency aliases for the transports, defined once.

The composition root (``api.main``) puts a unit-of-work factory on ``app.state``; nothing here knows
which adapter builds it, so routers and GraphQL stay free of ``api.repositories``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Annotated, Protocol

from fastapi import Depends, Request

from api.domain.ports import UnitOfWork
from api.settings import Settings, get_settings


class TransactionalUnitOfWork(UnitOfWork, Protocol):
    """A unit of work the transport commits once the handler succeeds."""

    async def commit(self) -> None: ...


UowFactory = Callable[[bool], AbstractAsyncContextManager[TransactionalUnitOfWork]]


def uow_factory(request: Request) -> UowFactory:
    """The factory the composition root installed."""
    factory: UowFactory = request.app.state.uow_factory
    return factory


async def _write_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    async with uow_factory(request)(False) as uow:
        yield uow
        await uow.commit()


async def _read_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    async with uow_factory(request)(True) as uow:
        yield uow


# scope="function": the commit happens before the response is sent, so a failed commit is never a 2xx.
UowDep = Annotated[UnitOfWork, Depends(_write_uow, scope="function")]
ReadUowDep = Annotated[UnitOfWork, Depends(_read_uow, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
