"""The ``pathways`` command: serve, migrate, seed-demo, export-schemas."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from pathlib import Path
from typing import Any
from uuid import UUID

from api.settings import Settings, get_settings

ROOT = Path(__file__).resolve().parents[1]


def _connect_target(settings: Settings) -> tuple[str, object | None]:
    """The DSN to use: ``DATABASE_URL``, or a started embedded server (returned so it can be stopped)."""
    if settings.database_url:
        return settings.database_url, None
    from api.repositories.database import EmbeddedPostgres

    embedded = EmbeddedPostgres(settings.data_dir)
    return embedded.start(), embedded


async def _seed_demo(dsn: str) -> int:
    from api.demo import load_demo
    from api.domain.access import system_caller
    from api.repositories.database import Database
    from api.repositories.uow import PgUnitOfWork

    db = await Database.connect(dsn, min_size=1, max_size=2)
    try:
        async with PgUnitOfWork(db, caller=system_caller("demo")) as uow:
            added = await load_demo(uow)
            await uow.commit()
        return added
    finally:
        await db.close()


async def _with_uow(dsn: str, action: Any) -> Any:
    """Run ``action(uow)`` in one committed unit of work as the command line itself."""
    from api.domain.access import system_caller
    from api.repositories.database import Database
    from api.repositories.uow import PgUnitOfWork

    db = await Database.connect(dsn, min_size=1, max_size=2)
    try:
        async with PgUnitOfWork(db, caller=system_caller("pathways-cli")) as uow:
            result = await action(uow)
            await uow.commit()
        return result
    finally:
        await db.close()


async def _demo_key(dsn: str) -> str | None:
    """Mint an admin key for a development demo when the deployment has no key yet."""
    from api.domain.access import Scope
    from api.usecases import access as access_uc

    async def mint(uow: Any) -> str | None:
        if await uow.keys.list_keys():
            return None
        _, full = await access_uc.create_key(uow, caller=uow.caller, name="demo admin",
                                             scopes=frozenset({Scope.ADMIN}), jurisdiction=None)
        return str(full)

    result: str | None = await _with_uow(dsn, mint)
    return result


def cmd_keys(settings: Settings, args: argparse.Namespace) -> int:
    from api.domain.access import parse_scopes
    from api.domain.partners import Jurisdiction
    from api.repositories import bootstrap
    from api.usecases import access as access_uc

    dsn, embedded = _connect_target(settings)
    try:
        asyncio.run(bootstrap.prepare(dsn, run_migrations=settings.migrate_on_start))
        if args.keys_command == "create":
            jurisdiction = None
            if args.jurisdiction:
                state, _, local = args.jurisdiction.partition("/")
                jurisdiction = Jurisdiction(state=state.upper(), local_area=local or None)

            async def create(uow: Any) -> Any:
                return await access_uc.create_key(uow, caller=uow.caller, name=args.name,
                                                  scopes=parse_scopes(args.scopes), jurisdiction=jurisdiction)

            key, full = asyncio.run(_with_uow(dsn, create))
            print(f"created key {key.id} ({key.name}); shown once, store it now:\n{full}")
        elif args.keys_command == "list":
            for key in asyncio.run(_with_uow(dsn, lambda uow: access_uc.list_keys(uow, caller=uow.caller))):
                where = "all" if key.jurisdiction is None else (
                    key.jurisdiction.state + (f"/{key.jurisdiction.local_area}" if key.jurisdiction.local_area else ""))
                state = "revoked" if key.revoked_at else "active"
                print(f"{key.id}  pw_{key.prefix}_…  {key.name}  [{', '.join(sorted(key.scopes))}]  {where}  {state}")
        else:
            key = asyncio.run(_with_uow(dsn, lambda uow: access_uc.revoke_key(uow, caller=uow.caller,
                                                                               key_id=UUID(args.key_id))))
            print(f"revoked key {key.id} ({key.name})")
    finally:
        if embedded is not None:
            embedded.stop()  # type: ignore[attr-defined]
    return 0


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    """Sync a file of NDJSON records into the directory, with a progress bar and a final report."""
    import orjson
    from tqdm import tqdm

    path = Path(args.file)
    params = {"source": args.source, "mode": "complete" if args.complete else "upsert",
              "on_error": "skip" if args.skip_invalid else "reject"}
    progress = tqdm(total=path.stat().st_size, unit="B", unit_scale=True, desc=f"import {path.name}",
                    file=sys.stderr, disable=args.quiet)
    if args.url:
        import httpx

        def chunks() -> Any:
            with path.open("rb") as f:
                while chunk := f.read(1 << 20):
                    progress.update(len(chunk))
                    yield chunk

        headers = {"Authorization": f"Bearer {args.key}", "Content-Type": "application/x-ndjson"}
        if args.kind == "hsds":
            params["state"] = args.state or ""
            headers["Content-Type"] = "application/json" if path.suffix == ".json" else "application/x-ndjson"
        with httpx.Client(base_url=args.url, timeout=None) as client:
            r = client.post(f"/v1/sync/{args.kind}", params={k: v for k, v in params.items() if v},
                            headers=headers, content=chunks())
        progress.close()
        print(r.text)
        return 0 if r.is_success else 1

    from api.domain.sync import OnError, SyncMode, SyncRejected, SyncReport
    from api.repositories import bootstrap
    from api.schemas.sync import SyncReportOut, sync_item
    from api.usecases import sync as sync_uc

    async def objects() -> Any:
        async for line, _, value in _raw():
            yield line, value

    async def _raw() -> Any:
        with path.open("rb") as f:  # noqa: ASYNC230 - a command-line run has no other task to block
            text = f.read() if args.kind == "hsds" and path.suffix == ".json" else None
            if text is not None:
                progress.update(len(text))
                data = orjson.loads(text)
                for i, item in enumerate(data if isinstance(data, list) else [data], start=1):
                    yield i, None, item
                return
            for number, raw in enumerate(f, start=1):
                progress.update(len(raw))
                if raw.strip():
                    try:
                        value: object = orjson.loads(raw)
                    except orjson.JSONDecodeError as exc:
                        value = ValueError(f"not valid JSON ({exc})")
                    yield number, None, value

    async def items() -> Any:
        async for number, _, value in _raw():
            yield sync_item(args.kind, number, value)

    async def run(uow: Any) -> Any:
        mode, on_error = SyncMode(params["mode"]), OnError(params["on_error"])
        if args.kind == "hsds":
            from api.routers.sync import import_hsds

            return await import_hsds(uow, objects=objects(), source=args.source, state=args.state, mode=mode,
                                     on_error=on_error, batch_size=settings.sync_batch_size)
        return await sync_uc.sync_directory(uow, kind=args.kind.rstrip("s"), source=args.source, items=items(),
                                            mode=mode, on_error=on_error)

    dsn, embedded = _connect_target(settings)
    try:
        asyncio.run(bootstrap.prepare(dsn, run_migrations=settings.migrate_on_start))
        try:
            report = asyncio.run(_with_uow(dsn, run))
            code = 0
        except SyncRejected as exc:
            report, code = exc.report, 1
        progress.close()
        if isinstance(report, SyncReport):
            report = SyncReportOut.model_validate(report, from_attributes=True)
        print(report.model_dump_json())
        return code
    finally:
        if embedded is not None:
            embedded.stop()  # type: ignore[attr-defined]


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    """Write the directory as NDJSON to a file or standard output."""
    import orjson

    out = open(args.out, "wb") if args.out else sys.stdout.buffer
    try:
        if args.url:
            import httpx

            headers = {"Authorization": f"Bearer {args.key}"} if args.key else {}
            with httpx.Client(base_url=args.url, timeout=None) as client, client.stream(
                    "GET", f"/v1/export/{args.kind}", headers=headers) as r:
                r.raise_for_status()
                for chunk in r.iter_bytes():
                    out.write(chunk)
            return 0
        from api.repositories import bootstrap
        from api.schemas.partners import PartnerOut, ServiceOut
        from api.usecases import sync as sync_uc

        model = PartnerOut if args.kind == "partners" else ServiceOut

        async def run(uow: Any) -> int:
            count = 0
            async for records in sync_uc.export_directory(uow, kind=args.kind.rstrip("s")):
                for record in records:
                    out.write(orjson.dumps(model.model_validate(record).model_dump(mode="json")) + b"\n")
                    count += 1
            return count

        dsn, embedded = _connect_target(settings)
        try:
            asyncio.run(bootstrap.prepare(dsn, run_migrations=settings.migrate_on_start))
            count = asyncio.run(_with_uow(dsn, run))
            print(f"exported {count} {args.kind}", file=sys.stderr)
        finally:
            if embedded is not None:
                embedded.stop()  # type: ignore[attr-defined]
        return 0
    finally:
        if args.out:
            out.close()


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:
    from api.repositories import bootstrap

    dsn, embedded = _connect_target(settings)
    try:
        asyncio.run(bootstrap.prepare(dsn))
        print("database migrated to head; reference data seeded")
    finally:
        if embedded is not None:
            embedded.stop()  # type: ignore[attr-defined]
    return 0


def cmd_seed_demo(settings: Settings, args: argparse.Namespace) -> int:
    from api.repositories import bootstrap

    dsn, embedded = _connect_target(settings)
    try:
        asyncio.run(bootstrap.prepare(dsn))
        added = asyncio.run(_seed_demo(dsn))
        print(f"demo data loaded: {added} partners added")
    finally:
        if embedded is not None:
            embedded.stop()  # type: ignore[attr-defined]
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from api.repositories import bootstrap

    host = args.host or settings.host
    port = args.port or settings.port
    workers = args.workers or settings.workers
    if args.data_dir:
        settings = settings.model_copy(update={"data_dir": Path(args.data_dir)})
    dsn, embedded = _connect_target(settings)
    try:
        asyncio.run(bootstrap.prepare(dsn, run_migrations=settings.migrate_on_start))
        if args.demo or settings.seed_demo_on_start:
            added = asyncio.run(_seed_demo(dsn))
            print(f"demo data: {added} partners added")
            if settings.environment == "development":
                key = asyncio.run(_demo_key(dsn))
                if key:
                    print(f"demo admin API key (shown once; send it as 'Authorization: Bearer <key>'):\n  {key}")
        # Workers inherit the prepared database; they must not migrate again.
        os.environ["DATABASE_URL"] = dsn
        os.environ["PATHWAYS_MIGRATE_ON_START"] = "false"
        get_settings.cache_clear()
        base = f"http://{host}:{port}"
        where = "embedded PostgreSQL in " + str(settings.data_dir) if embedded else "DATABASE_URL"
        print(f"Pathways on {base} ({where})\n  REST docs: {base}/docs\n  GraphiQL:  {base}/graphql", flush=True)
        # uvicorn re-raises SIGTERM after its graceful shutdown; turn it into SystemExit so the
        # embedded PostgreSQL is stopped below instead of being left running.
        signal.signal(signal.SIGTERM, _exit_on_signal)
        uvicorn.run("api.main:app_factory", factory=True, host=host, port=port, workers=workers,
                    log_config=None, proxy_headers=True)
    finally:
        if embedded is not None:
            embedded.stop()  # type: ignore[attr-defined]
    return 0


def _exit_on_signal(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def export_schemas(out_dir: Path) -> list[Path]:
    """Write ``openapi.json`` and ``schema.graphql`` generated from the code."""
    from api.graphql.schema import schema
    from api.main import create_app

    out_dir.mkdir(parents=True, exist_ok=True)
    openapi = out_dir / "openapi.json"
    openapi.write_text(json.dumps(create_app(manage_database=False).openapi(), indent=2, sort_keys=True) + "\n")
    sdl = out_dir / "schema.graphql"
    sdl.write_text(schema.as_str() + "\n")
    return [openapi, sdl]


def cmd_export_schemas(settings: Settings, args: argparse.Namespace) -> int:
    for path in export_schemas(Path(args.out)):
        print(f"wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    parser = argparse.ArgumentParser(prog="pathways", description="Pathways API service")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the API (embedded PostgreSQL unless DATABASE_URL is set)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    serve.add_argument("--data-dir", help="folder of the embedded database")
    serve.add_argument("--demo", action="store_true", help="load demo data if it is not there yet")
    serve.set_defaults(func=cmd_serve)
    migrate = sub.add_parser("migrate", help="migrate the database to head and seed reference data")
    migrate.add_argument("--data-dir", help="folder of the embedded database")
    migrate.set_defaults(func=cmd_migrate)
    seed = sub.add_parser("seed-demo", help="load the demo directory and systems")
    seed.add_argument("--data-dir", help="folder of the embedded database")
    seed.set_defaults(func=cmd_seed_demo)
    keys = sub.add_parser("keys", help="create, list or revoke API keys")
    keys.add_argument("--data-dir", help="folder of the embedded database")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True)
    create = keys_sub.add_parser("create", help="mint a key (its secret is shown once)")
    create.add_argument("--name", required=True)
    create.add_argument("--scopes", nargs="+", required=True,
                        help="directory:read directory:write systems:read systems:write lmi:write admin")
    create.add_argument("--jurisdiction", help="STATE or STATE/local-area; omit only for admin keys")
    keys_sub.add_parser("list", help="list keys (never their secrets)")
    revoke = keys_sub.add_parser("revoke", help="revoke a key")
    revoke.add_argument("key_id")
    keys.set_defaults(func=cmd_keys)
    imp = sub.add_parser("import", help="sync an NDJSON file of partners or services into the directory")
    imp.add_argument("file")
    imp.add_argument("--kind", choices=["partners", "services", "hsds"], default="partners",
                     help="our NDJSON sync format, or an HSDS 3.0 dataset (.json array or NDJSON)")
    imp.add_argument("--state", help="for HSDS: the state of records whose address names none")
    imp.add_argument("--source", required=True, help="the name of the system the identifiers belong to")
    imp.add_argument("--complete", action="store_true", help="retire the source's records missing from the file")
    imp.add_argument("--skip-invalid", action="store_true", help="apply valid lines even if some are invalid")
    imp.add_argument("--url", help="a running service (otherwise the database directly)")
    imp.add_argument("--key", help="API key for --url")
    imp.add_argument("--data-dir", help="folder of the embedded database")
    imp.add_argument("--quiet", action="store_true", help="no progress bar")
    imp.set_defaults(func=cmd_import)
    exp = sub.add_parser("export", help="write the directory as NDJSON")
    exp.add_argument("kind", choices=["partners", "services"])
    exp.add_argument("--out", help="file to write (standard output otherwise)")
    exp.add_argument("--url", help="a running service (otherwise the database directly)")
    exp.add_argument("--key", help="API key for --url")
    exp.add_argument("--data-dir", help="folder of the embedded database")
    exp.set_defaults(func=cmd_export)
    export = sub.add_parser("export-schemas", help="write openapi/openapi.json and openapi/schema.graphql")
    export.add_argument("--out", default=str(ROOT / "openapi"))
    export.set_defaults(func=cmd_export_schemas)
    args = parser.parse_args(argv)
    settings = get_settings()
    if getattr(args, "data_dir", None) and args.command != "serve":
        settings = settings.model_copy(update={"data_dir": Path(args.data_dir)})
    return int(args.func(settings, args))


if __name__ == "__main__":
    sys.exit(main())
