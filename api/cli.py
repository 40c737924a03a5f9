"""The ``pathways`` command: serve, migrate, seed-demo, keys, import, export, export-schemas.

Errors are one line on standard error and an exit code that says what kind of failure it was (``EXIT_CODES``);
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any
from uuid import UUID

from api import __version__
from api.settings import Settings, get_settings

ROOT = Path(__file__).resolve().parents[1]
EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_UNREACHABLE, EXIT_AUTH, EXIT_INPUT, EXIT_FAILED = 0, 1, 2, 3, 4, 5, 6
EXIT_CODES = {
    EXIT_OK: "done",
    EXIT_REJECTED: "the service refused the request or the data (invalid lines, a rule, not found)",
    EXIT_USAGE: "wrong command line or settings",
    EXIT_UNREACHABLE: "the service (--url) or the database cannot be reached",
    EXIT_AUTH: "the API key is missing, wrong, revoked or lacks the scope",
    EXIT_INPUT: "the input file cannot be read",
    EXIT_FAILED: "the service or the command failed unexpectedly",
}
SETTINGS_DEFAULTS = Settings.model_fields


class CliError(Exception):
    """A failure to report on one line, with its exit code."""

    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def _default(name: str) -> str:
    field = SETTINGS_DEFAULTS[name]
    value = field.default_factory() if field.default_factory is not None else field.default  # type: ignore[call-arg]
    return "none" if value is None else str(value)


def _env(name: str, setting: str | None = None) -> str:
    """Help text's tail: the environment variable behind an option and its default."""
    return f"(env {name}; default: {_default(setting) if setting else 'none'})"


def _connect_target(settings: Settings) -> tuple[str, object | None]:
    """The DSN to use: ``DATABASE_URL``, or a started embedded server (returned so it can be stopped)."""
    if settings.database_url:
        return settings.database_url, None
    from api.repositories.database import EmbeddedPostgres

    embedded = EmbeddedPostgres(settings.data_dir)
    return embedded.start(), embedded


def _prepare(settings: Settings, dsn: str, *, migrate: bool = True) -> str:
    """Prepare the database (roles, migrations as the owner, reference data, grants); return the DSN to work
    with, the service role's whenever the service made the roles."""
    from api.main import database_roles
    from api.repositories import bootstrap

    return asyncio.run(bootstrap.prepare(dsn, migration_dsn=settings.migration_database_url,
                                         roles=database_roles(settings), run_migrations=migrate))


async def _seed_demo(dsn: str) -> int:
    from api.demo import load_demo
    from api.domain.access import system_caller
    from api.repositories.database import Database
    from api.repositories.uow import PgUnitOfWork

    db = await Database.connect(dsn, min_size=1, max_size=2, statement_cache_size=get_settings().statement_cache_size)
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

    db = await Database.connect(dsn, min_size=1, max_size=2, statement_cache_size=get_settings().statement_cache_size)
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
    from api.usecases import access as access_uc

    dsn, embedded = _connect_target(settings)
    try:
        dsn = _prepare(settings, dsn, migrate=settings.migrate_on_start)
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
            try:
                key_id = UUID(args.key_id)
            except ValueError:
                raise CliError(f"{args.key_id!r} is not a key id (a UUID, as `pathways keys list` shows)",
                               EXIT_USAGE) from None
            key = asyncio.run(_with_uow(dsn, lambda uow: access_uc.revoke_key(uow, caller=uow.caller, key_id=key_id)))
            print(f"revoked key {key.id} ({key.name})")
    finally:
        if embedded is not None:
            embedded.stop()  # type: ignore[attr-defined]
    return 0


def _http_failure(r: Any) -> CliError:
    """The one-line error for a response the service refused (a problem document when it sent one)."""
    try:
        problem = r.json()
        detail = problem.get("detail") or problem.get("title") or r.reason_phrase
    except ValueError:
        detail = r.text.strip()[:200] or r.reason_phrase
    code = EXIT_AUTH if r.status_code in (401, 403) else EXIT_FAILED if r.status_code >= 500 else EXIT_REJECTED
    return CliError(f"{r.request.method} {r.request.url.path}: {r.status_code} {r.reason_phrase}: {detail}", code)


def _open_input(name: str) -> IO[bytes]:
    if name == "-":
        return sys.stdin.buffer
    return Path(name).open("rb")


def _count_lines(name: str) -> int | None:
    """How many non-blank lines a file has (None for standard input, which can be read only once)."""
    if name == "-":
        return None
    with Path(name).open("rb") as f:
        return sum(1 for line in f if line.strip())


def _applied(report: dict[str, Any]) -> int:
    """Records a sync report says were applied (created, updated, unchanged, retired)."""
    if "partners" in report:
        return _applied(report["partners"]) + _applied(report["services"])
    return sum(int(report.get(k, 0)) for k in ("created", "updated", "unchanged", "retired"))


def cmd_import(settings: Settings, args: argparse.Namespace) -> int:
    """Sync a file of records into the directory, with progress in records and a final report."""
    import orjson
    from tqdm import tqdm

    name = args.file
    display = "standard input" if name == "-" else Path(name).name
    hsds_json = args.kind == "hsds" and name.endswith(".json")
    params = {"source": args.source, "mode": "complete" if args.complete else "upsert",
              "on_error": "skip" if args.skip_invalid else "reject", "dry_run": "true" if args.dry_run else "",
              "max_retire": "" if args.max_retire is None else str(args.max_retire),
              "allow_mass_retire": "true" if args.allow_mass_retire else ""}
    url = args.url or settings.url
    key = args.key or settings.api_key
    data: bytes | None = None
    if hsds_json:
        with _open_input(name) as f:
            data = f.read()
        try:
            parsed = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise CliError(f"{display} is not valid JSON: {exc}", EXIT_INPUT) from None
        total: int | None = len(parsed) if isinstance(parsed, list) else 1
    else:
        total = _count_lines(name)
    progress = tqdm(total=total, unit=" records", desc=f"import {display}", file=sys.stderr, disable=args.quiet)
    if url:
        import httpx

        if not key:
            raise CliError("--url needs an API key: set PATHWAYS_API_KEY (or pass --key)", EXIT_AUTH)

        def chunks() -> Iterator[bytes]:
            if data is not None:
                yield data
                progress.update(total or 0)
                return
            with _open_input(name) as f:
                batch: list[bytes] = []
                for line in f:
                    batch.append(line)
                    if len(batch) == 1000:
                        yield b"".join(batch)
                        progress.update(sum(1 for b in batch if b.strip()))
                        batch = []
                if batch:
                    yield b"".join(batch)
                    progress.update(sum(1 for b in batch if b.strip()))

        headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/x-ndjson"}
        if args.kind == "hsds":
            params["state"] = args.state or ""
            headers["Content-Type"] = "application/json" if hsds_json else "application/x-ndjson"
        with httpx.Client(base_url=url, timeout=None) as client:
            r = client.post(f"/v1/sync/{args.kind}", params={k: v for k, v in params.items() if v},
                            headers=headers, content=chunks())
        if r.status_code == 422 and r.headers.get("content-type", "").startswith("application/problem+json"):
            progress.close()
            print(r.text)
            return EXIT_REJECTED
        if not r.is_success:
            progress.close()
            raise _http_failure(r)
        report = r.json()
        progress.n = _applied(report)  # what the service applied, now that it says
        progress.close()
        print(r.text)
        return EXIT_OK

    from api.domain.bulk import BulkRejected, BulkReport
    from api.domain.sync import OnError, RetireGuard, SyncMode
    from api.schemas.bulk import report_out
    from api.schemas.sync import sync_item
    from api.usecases import sync as sync_uc

    guard = RetireGuard(share=settings.complete_sync_max_retire_share, max_retire=args.max_retire,
                        allow_mass_retire=args.allow_mass_retire)

    async def objects() -> Any:
        async for line, _, value in _raw():
            yield line, value

    async def _raw() -> Any:
        if data is not None:
            items = parsed if isinstance(parsed, list) else [parsed]
            for i, item in enumerate(items, start=1):
                progress.update(1)
                yield i, None, item
            return
        with _open_input(name) as f:
            for number, raw in enumerate(f, start=1):
                if raw.strip():
                    progress.update(1)
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
            from api.hsds.importing import import_hsds
            from api.hsds.schemas import HsdsImportReport

            found = await import_hsds(uow, objects=objects(), source=args.source, state=args.state, mode=mode,
                                      on_error=on_error, batch_size=settings.sync_batch_size, dry_run=args.dry_run,
                                      guard=guard)
            return HsdsImportReport.of(found)
        return await sync_uc.sync_directory(uow, kind=args.kind.rstrip("s"), source=args.source, items=items(),
                                            mode=mode, on_error=on_error, dry_run=args.dry_run, guard=guard)

    dsn, embedded = _connect_target(settings)
    try:
        dsn = _prepare(settings, dsn, migrate=settings.migrate_on_start)
        try:
            report = asyncio.run(_with_uow(dsn, run))
            code = EXIT_OK
        except BulkRejected as exc:
            report, code = exc.report, EXIT_REJECTED
        progress.close()
        if isinstance(report, BulkReport):
            report = report_out(report)
        print(report.model_dump_json())
        return code
    finally:
        if embedded is not None:
            embedded.stop()  # type: ignore[attr-defined]


def cmd_export(settings: Settings, args: argparse.Namespace) -> int:
    """Write the directory as NDJSON to a file or standard output (``-``)."""
    import orjson

    url = args.url or settings.url
    key = args.key or settings.api_key
    out = sys.stdout.buffer if args.out in (None, "-") else open(args.out, "wb")
    try:
        if url:
            import httpx

            headers = {"Authorization": f"Bearer {key}"} if key else {}
            count = 0
            with httpx.Client(base_url=url, timeout=None) as client, client.stream(
                    "GET", f"/v1/export/{args.kind}", headers=headers, params={"status": args.status}) as r:
                if not r.is_success:
                    r.read()
                    raise _http_failure(r)
                for chunk in r.iter_bytes():
                    count += chunk.count(b"\n")
                    out.write(chunk)
            print(f"exported {count} {args.kind}; feed cursor: {r.headers.get('pathways-feed-cursor', '')}",
                  file=sys.stderr)
            return EXIT_OK
        from api.schemas.partners import PartnerOut, ServiceOut
        from api.usecases import sync as sync_uc

        model = PartnerOut if args.kind == "partners" else ServiceOut

        async def run(uow: Any) -> tuple[int, str]:
            count = 0
            opened = await sync_uc.export_directory(uow, kind=args.kind.rstrip("s"), status=args.status)
            try:
                async for records in opened.batches:
                    for record in records:
                        out.write(orjson.dumps(model.model_validate(record).model_dump(mode="json")) + b"\n")
                        count += 1
            finally:
                await opened.batches.aclose()
            return count, opened.cursor

        dsn, embedded = _connect_target(settings)
        try:
            dsn = _prepare(settings, dsn, migrate=settings.migrate_on_start)
            count, cursor = asyncio.run(_with_uow(dsn, run))
            print(f"exported {count} {args.kind}; feed cursor: {cursor}", file=sys.stderr)
        finally:
            if embedded is not None:
                embedded.stop()  # type: ignore[attr-defined]
        return EXIT_OK
    finally:
        if out is not sys.stdout.buffer:
            out.close()
        else:
            out.flush()


def cmd_migrate(settings: Settings, args: argparse.Namespace) -> int:

    dsn, embedded = _connect_target(settings)
    try:
        dsn = _prepare(settings, dsn)
        print("database migrated to head; reference data seeded")
    finally:
        if embedded is not None:
            embedded.stop()  # type: ignore[attr-defined]
    return 0


def cmd_seed_demo(settings: Settings, args: argparse.Namespace) -> int:

    dsn, embedded = _connect_target(settings)
    try:
        dsn = _prepare(settings, dsn)
        added = asyncio.run(_seed_demo(dsn))
        print(f"demo data loaded: {added} partners added")
    finally:
        if embedded is not None:
            embedded.stop()  # type: ignore[attr-defined]
    return 0


def cmd_serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from api.server import uvicorn_options

    host = args.host or settings.host
    port = args.port or settings.port
    workers = args.workers or settings.workers
    dsn, embedded = _connect_target(settings)
    try:
        dsn = _prepare(settings, dsn, migrate=settings.migrate_on_start)
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
                    log_config=None, **uvicorn_options(settings))
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


def build_parser() -> argparse.ArgumentParser:
    """The command line: every option says its environment variable and default; common options go anywhere."""
    formatter = argparse.RawDescriptionHelpFormatter
    codes = "\n".join(f"  {code}  {meaning}" for code, meaning in EXIT_CODES.items())
    # Options every command takes, accepted before or after the subcommand (SUPPRESS: a later level that is not
    # given them does not reset what an earlier level set).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                        help="show the traceback of an unexpected error instead of one line")
    database = argparse.ArgumentParser(add_help=False)
    database.add_argument("--data-dir", default=argparse.SUPPRESS, metavar="DIR",
                          help="folder of the embedded database, used when DATABASE_URL is not set "
                               + _env("PATHWAYS_DATA_DIR", "data_dir"))
    remote = argparse.ArgumentParser(add_help=False)
    remote.add_argument("--url", help="a running service to go through (otherwise the database directly) "
                                      + _env("PATHWAYS_URL", "url"))
    remote.add_argument("--key", help="API key for --url; prefer the environment variable, which stays out of the "
                                      "process list and shell history " + _env("PATHWAYS_API_KEY"))

    parser = argparse.ArgumentParser(
        prog="pathways", description="Pathways API service", parents=[common, database], formatter_class=formatter,
        epilog=f"exit codes:\n{codes}\n\nSettings are also read from .env; DATABASE_URL selects a PostgreSQL server.")
    parser.add_argument("--version", action="version", version=f"pathways {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = sub.add_parser("serve", parents=[common, database], formatter_class=formatter,
                           help="run the API (embedded PostgreSQL unless DATABASE_URL is set)")
    serve.add_argument("--host", help="address to listen on " + _env("PATHWAYS_HOST", "host"))
    serve.add_argument("--port", type=int, help="port to listen on " + _env("PATHWAYS_PORT", "port"))
    serve.add_argument("--workers", type=int, help="worker processes, one per core is a good start "
                                                   + _env("PATHWAYS_WORKERS", "workers"))
    serve.add_argument("--demo", action="store_true", help="load the demo data if it is not there yet, and print a "
                                                           "demo admin key the first time "
                                                           + _env("PATHWAYS_SEED_DEMO_ON_START", "seed_demo_on_start"))
    serve.set_defaults(func=cmd_serve)
    migrate = sub.add_parser("migrate", parents=[common, database],
                             help="migrate the database to head and seed reference data")
    migrate.set_defaults(func=cmd_migrate)
    seed = sub.add_parser("seed-demo", parents=[common, database], help="load the demo directory and systems")
    seed.set_defaults(func=cmd_seed_demo)
    keys = sub.add_parser("keys", parents=[common, database], help="create, list or revoke API keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    create = keys_sub.add_parser("create", parents=[common, database], help="mint a key (its secret is shown once)")
    create.add_argument("--name", required=True, help="what the key is for (shown in lists and the audit log)")
    create.add_argument("--scopes", nargs="+", required=True, metavar="SCOPE",
                        help="any of: directory:read directory:write systems:read systems:write lmi:write admin")
    create.add_argument("--jurisdiction", metavar="STATE[/AREA]",
                        help="the state (or local area) the key is confined to; omit only for admin keys "
                             "(default: none)")
    keys_sub.add_parser("list", parents=[common, database], help="list keys (never their secrets)")
    revoke = keys_sub.add_parser("revoke", parents=[common, database], help="revoke a key")
    revoke.add_argument("key_id", help="the key's id, as `pathways keys list` shows")
    keys.set_defaults(func=cmd_keys)
    imp = sub.add_parser("import", parents=[common, database, remote], formatter_class=formatter,
                         help="sync a file of partners, services or an HSDS dataset into the directory")
    imp.add_argument("file", help="NDJSON file (an HSDS dataset may also be a .json array); - reads standard input")
    imp.add_argument("--kind", choices=["partners", "services", "hsds"], default="partners",
                     help="our NDJSON sync format, or an HSDS 3.0 dataset (default: partners)")
    imp.add_argument("--state", help="for HSDS: the state of records whose address names none (default: none)")
    imp.add_argument("--source", required=True, help="the name of the system the identifiers belong to")
    imp.add_argument("--complete", action="store_true",
                     help="retire the source's records missing from the file (default: upsert only)")
    imp.add_argument("--skip-invalid", action="store_true",
                     help="apply the valid lines even if some are invalid (default: reject the whole file)")
    imp.add_argument("--dry-run", action="store_true",
                     help="report what the import would do and write nothing (default: write)")
    imp.add_argument("--max-retire", type=int, metavar="N",
                     help="with --complete: confirm retiring up to N records (default: the share "
                          + _env("PATHWAYS_COMPLETE_SYNC_MAX_RETIRE_SHARE", "complete_sync_max_retire_share")
                          + " of the source's records)")
    imp.add_argument("--allow-mass-retire", action="store_true",
                     help="with --complete: confirm retiring any number of records (default: refuse a mass retirement)")
    imp.add_argument("--quiet", action="store_true", help="no progress bar (default: a bar counting records)")
    imp.set_defaults(func=cmd_import)
    exp = sub.add_parser("export", parents=[common, database, remote], help="write the directory as NDJSON")
    exp.add_argument("kind", choices=["partners", "services"], help="what to export")
    exp.add_argument("--out", default="-", help="file to write; - is standard output (default: -)")
    exp.add_argument("--status", choices=["active", "inactive", "retired", "all"], default="all",
                     help="only records of this status (default: all, retired ones included)")
    exp.set_defaults(func=cmd_export)
    export = sub.add_parser("export-schemas", parents=[common],
                            help="write openapi/openapi.json and openapi/schema.graphql")
    export.add_argument("--out", default=str(ROOT / "openapi"), help="folder to write them to (default: %(default)s)")
    export.set_defaults(func=cmd_export_schemas)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; failures are one line on standard error and an exit code (``EXIT_CODES``)."""
    args = build_parser().parse_args(argv)
    debug = getattr(args, "debug", False)
    try:
        settings = get_settings()
        if getattr(args, "data_dir", None):
            settings = settings.model_copy(update={"data_dir": Path(args.data_dir)})
        return int(args.func(settings, args))
    except Exception as exc:
        if debug:
            raise
        message, code = _explain(exc)
        print(f"pathways: {message}", file=sys.stderr)
        return code
    except KeyboardInterrupt:
        print("pathways: interrupted", file=sys.stderr)
        return 130


def _explain(exc: Exception) -> tuple[str, int]:
    """One line and an exit code for a failure."""
    from pydantic import ValidationError

    from api.domain.errors import DomainError

    if isinstance(exc, CliError):
        return str(exc), exc.code
    if isinstance(exc, ValidationError):
        return f"invalid settings: {exc.errors()[0].get('loc')}: {exc.errors()[0].get('msg')}", EXIT_USAGE
    if isinstance(exc, DomainError):
        return exc.detail, EXIT_REJECTED
    if isinstance(exc, (FileNotFoundError, IsADirectoryError, PermissionError)):
        return f"cannot read {exc.filename}: {exc.strerror}", EXIT_INPUT
    try:
        import httpx
    except ImportError:  # pragma: no cover - httpx is a dependency
        httpx = None  # type: ignore[assignment]
    if httpx is not None and isinstance(exc, httpx.TransportError):
        where = exc.request.url if getattr(exc, "_request", None) is not None else "the service"
        return f"cannot reach {where}: {exc or type(exc).__name__}", EXIT_UNREACHABLE
    if isinstance(exc, OSError):  # the database refused or dropped the connection
        return f"cannot reach the database: {exc.strerror or exc}", EXIT_UNREACHABLE
    return f"{type(exc).__name__}: {exc} (--debug shows the traceback)", EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
