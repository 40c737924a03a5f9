"""The migrations are the schema: they match the SQLModel tables and round-trip down and up."""

from __future__ import annotations

import asyncio

import asyncpg
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import create_async_engine

from api.repositories.database import downgrade, head_revision, migrate
from api.repositories.tables import metadata
from tests.conftest import create_database, drop_database


def _diff(dsn: str) -> list[object]:
    async def run() -> list[object]:
        async def creator() -> asyncpg.Connection:
            return await asyncpg.connect(dsn)

        engine = create_async_engine("postgresql+asyncpg://", async_creator=creator, poolclass=pool.NullPool)
        async with engine.connect() as conn:
            diff = await conn.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync, opts={"compare_type": True}), metadata)
            )
        await engine.dispose()
        return list(diff)

    return asyncio.run(run())


async def _revision(dsn: str) -> str | None:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval("SELECT version_num FROM alembic_version")
    finally:
        await conn.close()


async def test_migrated_schema_has_no_pending_autogenerate_diff(server_dsn):
    name, dsn = await create_database(server_dsn)
    try:
        await asyncio.to_thread(migrate, dsn)
        assert await asyncio.to_thread(_diff, dsn) == []
    finally:
        await drop_database(server_dsn, name)


async def test_downgrade_to_base_and_upgrade_again_round_trips(server_dsn):
    name, dsn = await create_database(server_dsn)
    try:
        await asyncio.to_thread(migrate, dsn)
        assert await _revision(dsn) == head_revision()
        await asyncio.to_thread(downgrade, dsn, "base")
        conn = await asyncpg.connect(dsn)
        try:
            tables = await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        finally:
            await conn.close()
        assert [t["tablename"] for t in tables] == ["alembic_version"]
        await asyncio.to_thread(migrate, dsn)
        assert await _revision(dsn) == head_revision()
        assert await asyncio.to_thread(_diff, dsn) == []
    finally:
        await drop_database(server_dsn, name)


PARTNERSHIP_RULES = "20261207_0021"


def _before(revision: str) -> str:
    from alembic.script import ScriptDirectory

    from api.repositories.database import alembic_config

    down = ScriptDirectory.from_config(alembic_config("")).get_revision(revision).down_revision
    assert isinstance(down, str)
    return down


async def test_the_partnership_rules_migration_moves_a_deployments_data_and_back(server_dsn):
    """Matrix entries get their sources, the general public becomes a catch-all, the shipped team requirements
    take their tiers, and MOUs listing one-stop sections become one-stop MOUs; downgrading undoes each."""
    name, dsn = await create_database(server_dsn)
    before = _before(PARTNERSHIP_RULES)
    try:
        await asyncio.to_thread(migrate, dsn, before)
        conn = await asyncpg.connect(dsn)
        try:
            await conn.execute("""
                INSERT INTO partner_types (code, name) VALUES ('employer', 'Employer'),
                  ('educational_institution', 'College'), ('philanthropy', 'Philanthropy');
                INSERT INTO functions (code, name) VALUES ('provide_employment', 'Employ'),
                  ('provide_trainers', 'Trainers'), ('champion_system', 'Champion'), ('design_programs', 'Design');
                INSERT INTO usual_functions (partner_type, function) VALUES ('employer', 'provide_employment'),
                  ('educational_institution', 'provide_trainers'), ('philanthropy', 'design_programs');
                INSERT INTO populations (code, name) VALUES ('general_public', 'General public'), ('youth', 'Youth');
                INSERT INTO reference_documents (name, body) VALUES ('team_requirements',
                  '{"leadership_team": ["workforce_agency", "educational_institution", "employer"],
                    "intermediary_function": "coordinate_collaboration"}');
                INSERT INTO systems (id, name, level, state) VALUES
                  ('00000000-0000-0000-0000-000000000001', 'Valley', 'local', 'OR');
                INSERT INTO agreements (id, system_id, type, title, contents) VALUES
                  ('00000000-0000-0000-0000-0000000000a1', '00000000-0000-0000-0000-000000000001', 'mou',
                   'One-stop', '{cost_sharing}'),
                  ('00000000-0000-0000-0000-0000000000a2', '00000000-0000-0000-0000-000000000001', 'mou',
                   'Partnership', '{}');
            """)
        finally:
            await conn.close()
        await asyncio.to_thread(migrate, dsn, PARTNERSHIP_RULES)
        conn = await asyncpg.connect(dsn)
        try:
            sources = dict(await conn.fetch("SELECT partner_type || '/' || function, source FROM usual_functions"))
            assert sources["employer/provide_employment"] == "seed"
            assert sources["educational_institution/provide_trainers"].startswith("project:")
            assert sources["philanthropy/design_programs"] == "deployment"
            universal = dict(await conn.fetch("SELECT code, universal FROM populations"))
            assert universal == {"general_public": True, "youth": False}
            team = await conn.fetchval("SELECT body::text FROM reference_documents WHERE name = 'team_requirements'")
            assert '"tier": "recommended"' in team
            types = dict(await conn.fetch("SELECT title, type FROM agreements"))
            assert types == {"One-stop": "one_stop_mou", "Partnership": "mou"}
            await conn.execute("UPDATE agreements SET type = 'state_local_mou', contents = '{parties,cost_sharing}' "
                               "WHERE title = 'Partnership'")
        finally:
            await conn.close()
        await asyncio.to_thread(downgrade, dsn, before)
        conn = await asyncpg.connect(dsn)
        try:
            rows = {r["title"]: (r["type"], r["contents"]) for r in
                    await conn.fetch("SELECT title, type, contents FROM agreements")}
            assert rows == {"One-stop": ("mou", ["cost_sharing"]), "Partnership": ("mou", ["cost_sharing"])}
            team = await conn.fetchval("SELECT body::text FROM reference_documents WHERE name = 'team_requirements'")
            assert "tier" not in team
        finally:
            await conn.close()
    finally:
        await drop_database(server_dsn, name)
