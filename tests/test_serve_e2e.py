"""End to end, as a new user would do it: ``pathways serve --demo`` on the embedded database, then a restart.

The server runs as a real subprocess on a free port with its own data folder and no DATABASE_URL, so it
starts (and must stop) its own PostgreSQL.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil

READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 20.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _command(*args: str) -> list[str]:
    """The ``pathways`` script next to this interpreter, or the module when the script is not installed."""
    script = Path(sys.executable).with_name("pathways")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "api.cli", *args]


def _postgres_processes(data_dir: Path) -> list[psutil.Process]:
    """Processes whose command line names the data folder (the embedded PostgreSQL and its children)."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        try:
            if any(str(data_dir) in part for part in proc.info["cmdline"] or ()):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def _log_tail(log: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


class Server:
    """One ``pathways serve`` subprocess, its port and its log."""

    def __init__(self, data_dir: Path, log: Path, *, demo: bool) -> None:
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = log
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL" and not k.startswith("PATHWAYS_")}
        args = ["serve", "--host", "127.0.0.1", "--port", str(self.port), "--data-dir", str(data_dir)]
        with log.open("ab") as out:
            # The data folder as working directory: no stray .env file can point the server elsewhere.
            self.process = subprocess.Popen(
                _command(*args, *(["--demo"] if demo else [])), env=env, cwd=data_dir, stdout=out,
                stderr=subprocess.STDOUT,
            )

    def wait_ready(self, client: httpx.Client) -> None:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"server exited early ({self.process.returncode}):\n{self.logs()}"
            try:
                if client.get(f"{self.base_url}/readyz").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"/readyz did not answer 200 within {READY_TIMEOUT_S}s:\n{self.logs()}")

    def terminate(self) -> int:
        """Send SIGTERM and wait for the exit; return the exit code."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"server still running {STOP_TIMEOUT_S}s after SIGTERM:\n{self.logs()}") from None

    def kill(self) -> None:
        """Make sure the subprocess is gone (cleanup after a failure)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def logs(self) -> str:
        return _log_tail(self.log)


@contextmanager
def serving(data_dir: Path, log: Path, *, demo: bool = False) -> Iterator[Server]:
    """Run a server; whatever happens, leave no server process behind."""
    server = Server(data_dir, log, demo=demo)
    try:
        yield server
    finally:
        server.kill()


def _stop_leftover_postgres(data_dir: Path) -> None:
    """Stop a PostgreSQL left running in our own data folder (only after a failure): immediate shutdown."""
    leftovers = _postgres_processes(data_dir)
    for proc in leftovers:
        try:
            if proc.parent() is None or str(data_dir) not in " ".join(proc.parent().cmdline()):
                proc.send_signal(signal.SIGQUIT)  # the postmaster: stops its children too
        except psutil.Error:
            continue
    _, alive = psutil.wait_procs(leftovers, timeout=10)
    for proc in alive:
        try:
            proc.kill()
        except psutil.Error:
            continue


def _assert_no_postgres_left(data_dir: Path, server: Server) -> None:
    deadline = time.monotonic() + 5
    while (left := _postgres_processes(data_dir)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left, f"processes still running on {data_dir}: {[p.cmdline() for p in left]}\n{server.logs()}"


def _printed_demo_key(log: Path) -> str:
    """The demo admin key `serve --demo` prints once for a new development deployment."""
    lines = log.read_text().splitlines()
    marker = next(i for i, line in enumerate(lines) if "demo admin API key" in line)
    return lines[marker + 1].strip()


NEW_PARTNER = {
    "name": "Willamette Welding Works",
    "partner_type": "employer",
    "level": "local",
    "jurisdiction": {"state": "OR"},
    "description": "Hires welding apprentices",
    "populations_served": ["veteran"],
}


def test_serve_with_demo_data_answers_survives_a_restart_and_stops_its_database_on_sigterm():
    data_dir = Path(tempfile.mkdtemp(prefix="pathways-e2e-"))
    log = data_dir / "server.log"
    try:
        with httpx.Client(timeout=10) as client:
            with serving(data_dir, log, demo=True) as server:
                server.wait_ready(client)
                base = server.base_url

                health = client.get(f"{base}/healthz")
                assert (health.status_code, health.json()["status"]) == (200, "ok")

                docs = client.get(f"{base}/docs")
                assert docs.status_code == 200
                assert docs.headers["content-type"].startswith("text/html")
                assert "swagger" in docs.text.lower()

                graphiql = client.get(f"{base}/graphql", headers={"Accept": "text/html"})
                assert graphiql.status_code == 200
                assert graphiql.headers["content-type"].startswith("text/html")
                assert "graphiql" in graphiql.text.lower()

                listed = client.get(f"{base}/v1/partners", params={"include_total": "true", "limit": 5})
                assert listed.status_code == 200, listed.text
                assert listed.json()["items"], "the demo partners are not listed"
                demo_total = listed.json()["total"]

                anonymous = client.post(f"{base}/v1/partners", json=NEW_PARTNER)
                assert anonymous.status_code == 401, anonymous.text
                key = _printed_demo_key(log)
                created = client.post(f"{base}/v1/partners", json=NEW_PARTNER,
                                      headers={"Authorization": f"Bearer {key}"})
                assert created.status_code == 201, created.text
                partner_id = created.json()["id"]
                assert created.headers["location"] == f"/v1/partners/{partner_id}"

                code = server.terminate()
                assert code in (0, 128 + signal.SIGTERM), f"exit code {code}\n{server.logs()}"
                _assert_no_postgres_left(data_dir, server)

            with serving(data_dir, log) as server:
                server.wait_ready(client)
                base = server.base_url

                again = client.get(f"{base}/v1/partners/{partner_id}")
                assert again.status_code == 200, again.text
                assert again.json()["name"] == NEW_PARTNER["name"]
                assert again.json()["jurisdiction"] == {"state": "OR", "local_area": None}
                total = client.get(f"{base}/v1/partners", params={"include_total": "true", "limit": 1}).json()["total"]
                assert total == demo_total + 1

                server.terminate()
                _assert_no_postgres_left(data_dir, server)
    finally:
        _stop_leftover_postgres(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)
