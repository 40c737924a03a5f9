"""The API explorers (Swagger UI at ``/docs``, ReDoc at ``/redoc``, GraphiQL at ``/graphql``), served from assets
shipped with the service, so that they work on a network with no internet.

The assets are the upstream npm distributions, vendored with their licences under ``api/static/explorers/npm``
by ``scripts/refresh_explorers.py`` (the layout of the public CDN: ``<package>@<version>/<path>``). GraphiQL's
page is strawberry's own, with its CDN addresses pointed at the vendored copies; its integrity hashes still hold,
since the files are the same bytes. A Content-Security-Policy keeps every page to its own origin.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from strawberry.http.ides import get_graphql_ide_html

from api.graphql.router import JsonGraphQLRouter

STATIC = Path(__file__).resolve().parent / "static" / "explorers"
NPM_DIR = STATIC / "npm"
ASSETS_URL = "/explorers/npm/"
CDN_RE = re.compile(r"https://unpkg\.com/((?:@[^/@\s\"]+/)?[^/@\s\"]+)@([^/\s\"]+)/([^\s\"]+)")

SWAGGER_UI = ("swagger-ui-dist", "5.36.0", ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"))
REDOC = ("redoc", "2.5.4", ("bundles/redoc.standalone.js",))

# Swagger UI and ReDoc build their pages with inline scripts and styles, images from data: URIs, and ReDoc runs
# its search in a worker made from a blob; nothing may come from, or go to, another origin.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
       "frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


def _asset(package: str, version: str, path: str) -> str:
    return f"{ASSETS_URL}{package}@{version}/{path}"


def required_assets() -> Iterator[tuple[str, str, str, str | None]]:
    """Every vendored file the pages load, as (package, version, path, integrity the page demands or None)."""
    for package, version, paths in (SWAGGER_UI, REDOC):
        for path in paths:
            yield package, version, path, None
    page = get_graphql_ide_html(graphql_ide="graphiql")
    for match in CDN_RE.finditer(page):
        integrity = re.search(re.escape(match.group(0)) + r'"\s*integrity="([^"]+)"', page)
        yield match.group(1), match.group(2), match.group(3), integrity.group(1) if integrity else None


def offline_graphiql(page: str) -> str:
    """Strawberry's GraphiQL page with its CDN addresses pointed at the vendored copies."""
    return CDN_RE.sub(lambda m: _asset(m.group(1), m.group(2), m.group(3)), page)


class OfflineGraphQLRouter(JsonGraphQLRouter):
    """The GraphQL router whose GraphiQL page loads only the service's own assets."""

    async def render_graphql_ide(self, request: Request) -> HTMLResponse:
        """GraphiQL, from the vendored assets."""
        return HTMLResponse(offline_graphiql(self.graphql_ide_html), headers={"Content-Security-Policy": CSP})


def install(app: FastAPI, *, title: str) -> None:
    """Serve the vendored assets, Swagger UI at ``/docs`` and ReDoc at ``/redoc``."""
    app.mount(ASSETS_URL.rstrip("/"), StaticFiles(directory=NPM_DIR), name="explorer-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    swagger, swagger_version, _ = SWAGGER_UI
    redoc, redoc_version, _ = REDOC
    parameters: dict[str, Any] = {
        "persistAuthorization": False, "validatorUrl": None, "displayRequestDuration": True,
        "tryItOutEnabled": True, "filter": True, "defaultModelsExpandDepth": 0,
    }

    async def swagger_ui(request: Request) -> HTMLResponse:
        page = get_swagger_ui_html(
            openapi_url=openapi_url, title=f"{title} - Swagger UI",
            swagger_js_url=_asset(swagger, swagger_version, "swagger-ui-bundle.js"),
            swagger_css_url=_asset(swagger, swagger_version, "swagger-ui.css"),
            swagger_favicon_url=_asset(swagger, swagger_version, "favicon-32x32.png"),
            swagger_ui_parameters=parameters,
        )
        page.headers["Content-Security-Policy"] = CSP
        return page

    async def redoc_ui(request: Request) -> HTMLResponse:
        page = get_redoc_html(
            openapi_url=openapi_url, title=f"{title} - ReDoc",
            redoc_js_url=_asset(redoc, redoc_version, "bundles/redoc.standalone.js"),
            redoc_favicon_url=_asset(swagger, swagger_version, "favicon-32x32.png"), with_google_fonts=False,
        )
        page.headers["Content-Security-Policy"] = CSP
        return page

    app.add_route("/docs", swagger_ui, include_in_schema=False)
    app.add_route("/redoc", redoc_ui, include_in_schema=False)
