"""The problem types this service sends, each at the URI problem documents name in ``type``."""

from __future__ import annotations

from html import escape
from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from api.domain.errors import NotFound
from api.problems import ProblemType, problem_types, responses
from api.schemas.problems import ProblemTypeOut

router = APIRouter(prefix="/problems", tags=["operations"])
HTML = "text/html"


def _out(problem: ProblemType) -> ProblemTypeOut:
    return ProblemTypeOut(type=problem.uri, name=problem.name, title=problem.title, status=problem.status,
                          meaning=problem.meaning, action=problem.action)


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    html, json = accept.find(HTML), accept.find("application/json")
    return html >= 0 and (json < 0 or html < json)


@router.get("", response_model=list[ProblemTypeOut])
async def list_problem_types() -> list[ProblemTypeOut]:
    """Every problem type the service sends: what each means and what to do."""
    return [_out(p) for p in problem_types().values()]


@router.get("/{name}", response_model=ProblemTypeOut, responses={
    **responses(404), 200: {"content": {HTML: {"schema": {"type": "string"}, "example": "<!doctype html>..."}}}})
async def get_problem_type(
    name: Annotated[str, Path(max_length=100, description="The problem type's name.", examples=["stale-version"])],
    request: Request,
) -> ProblemTypeOut | Response:
    """What one problem type means and what to do about it (a short page for a browser, JSON otherwise)."""
    problem = problem_types().get(name)
    if problem is None:
        raise NotFound("problem type", name)
    if not _wants_html(request):
        return _out(problem)
    page = (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{escape(problem.title)}</title>"
            f"</head><body><h1>{escape(problem.title)} ({problem.status})</h1><p><code>{escape(problem.uri)}</code></p>"
            f"<h2>What it means</h2><p>{escape(problem.meaning)}</p><h2>What to do</h2><p>{escape(problem.action)}</p>"
            "<p><a href=\"/problems\">All problem types</a></p></body></html>")
    return Response(page, media_type=HTML)
