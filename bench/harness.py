"""What every benchmark needs: an embedded PostgreSQL in a temporary folder, servers on loopback, memory probes.

Everything started here is stopped here: servers run in their own process group and are terminated (then
killed) by id; the embedded PostgreSQL is stopped and, should its handle fail, its postmaster is stopped by
the pid in its own ``postmaster.pid``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import psutil

ROOT = Path(__file__).resolve().parents[1]
LOOPBACK = "127.0.0.1"
UNLIMITED = str(10**9)


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return int(s.getsockname()[1])


def stop_postmaster(pgdata: Path, timeout: float = 20.0) -> None:
    """Stop the PostgreSQL whose data folder is ``pgdata`` if it still runs (fast shutdown, then kill)."""
    pid_file = pgdata / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return
    if not psutil.pid_exists(pid):
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGINT)  # PostgreSQL's "fast" shutdown
    deadline = time.monotonic() + timeout
    while psutil.pid_exists(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if psutil.pid_exists(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


class TempPostgres:
    """An embedded PostgreSQL (the service's own ``EmbeddedPostgres``) in a fresh temporary folder."""

    def __init__(self, prefix: str = "pathways-bench-") -> None:
        self.folder = Path(tempfile.mkdtemp(prefix=prefix))
        self.dsn = ""
        self._embedded: object | None = None

    def __enter__(self) -> TempPostgres:
        from api.repositories.database import EmbeddedPostgres

        embedded = EmbeddedPostgres(self.folder)
        self._embedded = embedded
        try:
            self.dsn = embedded.start()
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._embedded is not None:
                self._embedded.stop()  # type: ignore[attr-defined]
        finally:
            stop_postmaster(self.folder / "pgdata")
            shutil.rmtree(self.folder, ignore_errors=True)


def bench_env(**extra: str) -> dict[str, str]:
    """The environment of a server under test: quiet logs and rate limits out of the way."""
    env = {**os.environ, "PATHWAYS_LOG_LEVEL": "WARNING", "PATHWAYS_RATE_LIMIT_PER_MINUTE": UNLIMITED,
           "PATHWAYS_ANONYMOUS_RATE_LIMIT_PER_MINUTE": UNLIMITED, "PATHWAYS_MIGRATE_ON_START": "false"}
    env.pop("DATABASE_URL", None)
    env.update(extra)
    return env


def uvicorn_command(app: str, port: int, *, factory: bool = False) -> list[str]:
    """One uvicorn worker on loopback, no access log (the same for the service and both baselines)."""
    return [sys.executable, "-m", "uvicorn", *(["--factory"] if factory else []), app, "--host", LOOPBACK,
            "--port", str(port), "--workers", "1", "--log-level", "warning", "--no-access-log"]


class Server:
    """A server process on loopback, in its own process group; ``with`` waits for ``ready_path`` and stops it."""

    def __init__(self, command: Sequence[str], *, port: int, env: dict[str, str], ready_path: str = "/readyz",
                 timeout: float = 60.0) -> None:
        self.command = list(command)
        self.port = port
        self.env = env
        self.ready_path = ready_path
        self.timeout = timeout
        self.process: subprocess.Popen[bytes] | None = None
        self._log: Path | None = None
        self._started = 0.0
        self.ready_after = 0.0

    @property
    def base(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def spawn(self) -> Server:
        """Start the process without waiting for it (``ready`` waits); lets several servers boot at once."""
        self._started = time.perf_counter()
        # stderr goes to a file, never a pipe nobody reads (a full pipe would stall the server under load).
        fd, name = tempfile.mkstemp(prefix="pathways-bench-server-", suffix=".log")
        os.close(fd)
        self._log = Path(name)
        with self._log.open("ab") as log:  # append mode: our reads never move the server's write position
            self.process = subprocess.Popen(self.command, env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                            stderr=log, start_new_session=True)
        return self

    def ready(self) -> Server:
        """Wait for the first 200 from ``ready_path``; stop the server if it never comes."""
        assert self.process is not None
        try:
            self.ready_after = wait_ready(self.base + self.ready_path, self.process, self.timeout,
                                          self._log) - self._started
        except BaseException:
            self.stop()
            raise
        return self

    def __enter__(self) -> Server:
        self.spawn()
        return self.ready()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def rss(self) -> int:
        """Resident memory of the server process, in bytes."""
        return int(psutil.Process(self.pid).memory_info().rss)

    def stop(self, timeout: float = 30.0) -> None:
        """SIGTERM, wait, then SIGKILL what is left of the process group."""
        process = self.process
        if process is None:
            return
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)  # anything the server forked and left behind
        self.process = None
        if self._log is not None:
            self._log.unlink(missing_ok=True)

    def log_tail(self, size: int = 2000) -> str:
        """The end of what the server wrote to stderr."""
        return _tail(self._log, size) if self._log is not None else ""


def _tail(log: Path, size: int) -> str:
    try:
        return log.read_bytes()[-size:].decode(errors="replace")
    except OSError:
        return ""


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float, log: Path | None = None) -> float:
    """Poll ``url`` until it answers 200; return the moment (perf_counter) it did."""
    deadline = time.monotonic() + timeout
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                err = _tail(log, 2000) if log is not None else ""
                raise RuntimeError(f"server exited with {process.returncode} before it was ready:\n{err}")
            try:
                if client.get(url).status_code == 200:
                    return time.perf_counter()
            except httpx.TransportError:
                pass
            time.sleep(0.02)
    raise TimeoutError(f"{url} did not answer 200 within {timeout:.0f} s")


class PeakRss(threading.Thread):
    """Samples a process's resident memory every 20 ms while a measurement runs."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.before = int(self.process.memory_info().rss)
        self.peak = self.before
        self._running = True

    def run(self) -> None:
        while self._running:
            try:
                self.peak = max(self.peak, int(self.process.memory_info().rss))
            except psutil.Error:
                return
            time.sleep(0.02)

    def __enter__(self) -> PeakRss:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._running = False
        self.join()

    @property
    def growth(self) -> int:
        return self.peak - self.before


@contextlib.contextmanager
def stopped_by_signals() -> Iterator[None]:
    """Turn SIGTERM/SIGINT into SystemExit so every ``finally`` (servers, PostgreSQL) runs."""

    def leave(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    previous = {s: signal.signal(s, leave) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


MB = 2**20
