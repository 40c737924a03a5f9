"""Swagger UI, ReDoc and GraphiQL are served from assets shipped with the service: no page names another host."""

from __future__ import annotations

import base64
import hashlib
import json
import re

from api.explorers import NPM_DIR, STATIC, required_assets

PAGES = ("/docs", "/redoc", "/graphql")


def _references(html: str) -> list[str]:
    return re.findall(r'(?:src|href|url)\s*[=:(]\s*["\']?([^"\'\s)>]+)', html)


async def test_every_explorer_page_loads_only_assets_of_the_service_itself(anon_client):
    for page in PAGES:
        r = await anon_client.get(page, headers={"Accept": "text/html"})
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), page
        assert "default-src 'self'" in r.headers["content-security-policy"], page
        external = [u for u in _references(r.text) if re.match(r"^(https?:)?//", u)]
        assert not external, f"{page} loads {external}"
        assets = [u for u in _references(r.text) if u.startswith("/explorers/")]
        assert assets, page
        for url in assets:
            asset = await anon_client.get(url)
            assert asset.status_code == 200 and asset.content, url


def test_the_vendored_assets_are_the_upstream_files_with_their_licences():
    manifest = json.loads((STATIC / "MANIFEST.json").read_text())
    for package, version, path, integrity in required_assets():
        data = (NPM_DIR / f"{package}@{version}" / path).read_bytes()
        digest = "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()
        assert manifest["files"][f"{package}@{version}/{path}"]["integrity"] == digest, (
            f"{package}@{version}/{path} differs from the manifest: run scripts/refresh_explorers.py")
        if integrity is not None:
            assert digest == integrity, f"the GraphiQL page demands another {path}: run scripts/refresh_explorers.py"
        assert manifest["packages"][f"{package}@{version}"]["license"]
    for folder in NPM_DIR.iterdir():
        for sub in [folder, *folder.iterdir()] if folder.name.startswith("@") else [folder]:
            if "@" in sub.name[1:]:
                assert any(f.name.startswith(("LICENSE", "NOTICE")) for f in sub.iterdir()) or (
                    manifest["packages"][f"{folder.name}/{sub.name}" if sub is not folder else sub.name]["license"]
                ), sub


async def test_a_graphiql_share_link_opens_graphiql_whatever_its_query_parameters(anon_client):
    r = await anon_client.get("/graphql", params={"q": "{ __typename }", "variables": "{}"},
                              headers={"Accept": "text/html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html"), r.text[:300]
