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
        if await uow.keys.list():
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
