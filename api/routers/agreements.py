"""REST routes of a system's agreements: record, revise, sign, delete, and completeness by the checklist of its kind."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response, status

from api.deps import ReadUowDep, UowDep
from api.domain.agreements import Agreement
from api.domain.filters import MAX_CURSOR_LENGTH
from api.problems import responses
from api.routers._http import etag, expected_version, not_modified, reject_unknown_params, set_next_link
from api.routers.partners import IfMatch
from api.schemas.agreements import AgreementIn, AgreementOut, AgreementPage, AgreementPatch, CompletenessOut, SignIn
from api.usecases import agreements as uc

router = APIRouter(prefix="/v1/systems/{system_id}/agreements", tags=["agreements"])


def _out(response: Response, agreement: Agreement) -> AgreementOut:
    response.headers["ETag"] = etag(agreement.version)
    return AgreementOut.of(agreement, uc.today_utc())


@router.get("", response_model=AgreementPage, responses=responses(404, 422))
async def list_agreements(
    system_id: UUID,
    request: Request,
    response: Response,
    uow: ReadUowDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=MAX_CURSOR_LENGTH)] = None,
) -> AgreementPage:
    """The system's agreements by title, each with its status derived from its dates today."""
    reject_unknown_params(request, {"limit", "cursor"})
    page = await uc.list_agreements(uow, system_id=system_id, limit=limit, cursor=cursor)
    set_next_link(request, response, page.next_cursor)
    today = uc.today_utc()
    return AgreementPage(items=[AgreementOut.of(a, today) for a in page.items], next_cursor=page.next_cursor)


@router.post("", response_model=AgreementOut, status_code=status.HTTP_201_CREATED,
             responses=responses(400, 404, 409, 413, 422))
async def create_agreement(system_id: UUID, body: AgreementIn, response: Response, uow: UowDep) -> AgreementOut:
    """Record an agreement among members (an MOU, a contract, ...) and the role assignments it formalizes."""
    agreement = await uc.create_agreement(uow, agreement=body.to_domain(system_id))
    response.headers["Location"] = f"/v1/systems/{system_id}/agreements/{agreement.id}"
    return _out(response, agreement)


@router.get("/{agreement_id}", response_model=AgreementOut, responses=responses(304, 404))
async def get_agreement(
    system_id: UUID, agreement_id: UUID, request: Request, response: Response, uow: ReadUowDep
) -> AgreementOut | Response:
    """One agreement, its status derived from its dates today."""
    agreement = await uc.get_agreement(uow, system_id=system_id, agreement_id=agreement_id)
    if not_modified(request, agreement.version):
        return Response(status_code=304, headers={"ETag": etag(agreement.version)})
    return _out(response, agreement)


@router.patch("/{agreement_id}", response_model=AgreementOut, responses=responses(400, 404, 409, 412, 413, 422))
async def update_agreement(
    system_id: UUID, agreement_id: UUID, body: AgreementPatch, response: Response, uow: UowDep,
    if_match: IfMatch = None,
) -> AgreementOut:
    """Change an agreement's dates, parties, formalized roles, contents or recorded status."""
    agreement = await uc.update_agreement(
        uow, system_id=system_id, agreement_id=agreement_id, changes=body.changes(),
        expected_version=expected_version(if_match, "agreement", agreement_id))
    return _out(response, agreement)


@router.delete("/{agreement_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(404, 412))
async def delete_agreement(system_id: UUID, agreement_id: UUID, uow: UowDep, if_match: IfMatch = None) -> Response:
    """Delete an agreement; the roles it formalized are no longer formalized by it."""
    await uc.delete_agreement(uow, system_id=system_id, agreement_id=agreement_id,
                              expected_version=expected_version(if_match, "agreement", agreement_id))
    return Response(status_code=204)


@router.post("/{agreement_id}/sign", response_model=AgreementOut, responses=responses(400, 404, 409, 412, 422))
async def sign_agreement(
    system_id: UUID, agreement_id: UUID, response: Response, uow: UowDep, body: SignIn | None = None,
    if_match: IfMatch = None,
) -> AgreementOut:
    """Record that a draft was signed (today unless ``signed_on`` says): it becomes active. Only drafts sign."""
    agreement = await uc.sign_agreement(
        uow, system_id=system_id, agreement_id=agreement_id, signed_on=body.signed_on if body else None,
        expected_version=expected_version(if_match, "agreement", agreement_id))
    return _out(response, agreement)


@router.get("/{agreement_id}/completeness", response_model=CompletenessOut, responses=responses(404))
async def completeness(system_id: UUID, agreement_id: UUID, uow: ReadUowDep) -> CompletenessOut:
    """Which items of its kind's checklist the agreement covers and lacks: the seeds' checklist for partnership and
    state/local MOUs, 20 CFR 678.500(b) for one-stop MOUs; no checklist (``applies`` false) for other kinds."""
    return CompletenessOut.of(await uc.completeness(uow, system_id=system_id, agreement_id=agreement_id))
