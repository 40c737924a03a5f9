"""Vendor the explorers' browser assets (Swagger UI, ReDoc, GraphiQL) from the npm registry, with their licences.

Run it after changing a version in ``api/explorers.py`` or upgrading strawberry (whose GraphiQL page names the
files it needs, with their integrity hashes): ``.venv/bin/python scripts/refresh_explorers.py``. It writes
``api/static/explorers/npm/<package>@<version>/...`` (the layout of the CDN the pages would otherwise use) and
``api/static/explorers/MANIFEST.json``; ``tests/rest/test_explorers.py`` fails when they and the pages disagree.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.explorers import NPM_DIR, STATIC, required_assets  # noqa: E402

LICENCE_NAMES = ("LICENSE", "LICENSE.md", "LICENSE.txt", "LICENCE", "NOTICE")
# The only changes made to upstream files, each recorded in the manifest: ReDoc's sidebar shows Redocly's logo from
# Redocly's CDN, which a network without internet cannot reach (and the pages' CSP refuses); an empty image
# takes its place.
EMPTY_SVG = b"data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E"
PATCHES: dict[tuple[str, str], list[tuple[bytes, bytes]]] = {
    ("redoc", "bundles/redoc.standalone.js"): [
        (b"https://cdn.redoc.ly/redoc/logo-mini-full.svg", EMPTY_SVG),
        (b"https://cdn.redoc.ly/redoc/logo-mini.svg", EMPTY_SVG),
    ],
}


def sri(data: bytes) -> str:
    """The subresource-integrity hash browsers check (sha384)."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode()


def main() -> int:
    """Fetch every package the explorers need and keep only the files they load, plus licences."""
    wanted: dict[tuple[str, str], set[str]] = {}
    for package, version, path, _ in required_assets():
        wanted.setdefault((package, version), set()).add(path)
    if NPM_DIR.exists():
        shutil.rmtree(NPM_DIR)
    manifest: dict[str, dict[str, str]] = {}
    packages: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for (package, version), paths in sorted(wanted.items()):
            out = subprocess.run(["npm", "pack", "--silent", f"{package}@{version}"], cwd=tmp, check=True,
                                 capture_output=True, text=True).stdout.strip().splitlines()[-1]
            target = NPM_DIR / f"{package}@{version}"
            with tarfile.open(Path(tmp) / out) as tar:
                members = {m.name.removeprefix("package/"): m for m in tar.getmembers() if m.isfile()}
                keep = set(paths) | {n for n in members if Path(n).name in LICENCE_NAMES and "/" not in n}
                keep |= {n for n in members if n.endswith(".LICENSE.txt") and any(n.startswith(p) for p in paths)}
                meta = json.loads(tar.extractfile(members["package.json"]).read())  # type: ignore[union-attr]
                packages[f"{package}@{version}"] = {"license": str(meta.get("license", "see the package")),
                                                    "homepage": str(meta.get("homepage", ""))}
                missing = set(paths) - set(members)
                if missing:
                    raise SystemExit(f"{package}@{version} has no {sorted(missing)}")
                for name in sorted(keep):
                    data = tar.extractfile(members[name]).read()  # type: ignore[union-attr]
                    entry = {"upstream_integrity": sri(data)}
                    for old, new in PATCHES.get((package, name), []):
                        if old in data:
                            data = data.replace(old, new)
                            entry["patched"] = entry.get("patched", "") + f"{old.decode()} -> an empty image; "
                    dest = target / name
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.write_bytes(data)
                    manifest[f"{package}@{version}/{name}"] = {**entry, "integrity": sri(data), "bytes": str(len(data))}
    document = {"packages": packages, "files": manifest}
    (STATIC / "MANIFEST.json").write_text(json.dumps(document, indent=2, sort_keys=True) + "\n")
    print(f"vendored {len(manifest)} files into {NPM_DIR.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
