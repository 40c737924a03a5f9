"""Fixed-concurrency HTTP load on loopback: ``wrk`` when installed, otherwise a small asyncio generator.

The asyncio generator runs in its own process (``python -m bench.loadgen``) so that its CPU is not the
benchmark's: N keep-alive connections on raw sockets, each sending the next request as soon as the previous
answer is read, for a fixed time. Both report requests per second, p50 and p99 latency, and non-2xx answers.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")


@dataclass
class LoadResult:
    tool: str
    connections: int
    seconds: float
    requests: int
    errors: int
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    output: str = ""  # the load generator's own report, kept when something failed


def _check_loopback(url: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in LOOPBACK_HOSTS and not host.startswith("127."):
        raise ValueError(f"load is only ever sent to loopback, not {host!r}")


def run_load(url: str, *, connections: int, seconds: float, method: str = "GET", body: bytes | None = None,
             headers: dict[str, str] | None = None, tool: str | None = None) -> LoadResult:
    """Send requests to ``url`` from ``connections`` connections for ``seconds``; ``tool`` forces wrk or python."""
    _check_loopback(url)
    if connections < 1 or not 0 < seconds <= 600:
        raise ValueError("connections >= 1 and 0 < seconds <= 600")
    use_wrk = tool == "wrk" or (tool is None and shutil.which("wrk") is not None)
    if use_wrk:
        return _wrk(url, connections=connections, seconds=seconds, method=method, body=body, headers=headers or {})
    return _python(url, connections=connections, seconds=seconds, method=method, body=body, headers=headers or {})


def _lua_string(text: str) -> str:
    return "[==[" + text + "]==]"


def _wrk(url: str, *, connections: int, seconds: float, method: str, body: bytes | None,
         headers: dict[str, str]) -> LoadResult:
    with tempfile.TemporaryDirectory(prefix="pathways-wrk-") as folder:
        script = Path(folder) / "request.lua"
        lines = [f"wrk.method = {_lua_string(method)}"]
        if body is not None:
            lines.append(f"wrk.body = {_lua_string(body.decode())}")
        lines += [f"wrk.headers[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in headers.items()]
        script.write_text("\n".join(lines) + "\n")
        duration = max(1, round(seconds))
        out = subprocess.run(
            ["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "30s", "--latency", "-s", str(script),
             url],
            capture_output=True, text=True, timeout=duration + 60, check=True,
        ).stdout
    return _parse_wrk(out, connections, duration)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip()).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def _parse_wrk(out: str, connections: int, seconds: float) -> LoadResult:
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)\s*$", out, re.M))
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in m.groups())
    return LoadResult(tool="wrk", connections=connections, seconds=seconds, requests=requests, errors=errors,
                      requests_per_s=rate, p50_ms=_ms(percentiles["50"]), p99_ms=_ms(percentiles["99"]),
                      output=out if errors else "")


def _python(url: str, *, connections: int, seconds: float, method: str, body: bytes | None,
            headers: dict[str, str]) -> LoadResult:
    with tempfile.NamedTemporaryFile(prefix="pathways-load-", suffix=".body") as f:
        command = [sys.executable, "-m", "bench.loadgen", url, "--connections", str(connections),
                   "--seconds", str(seconds), "--method", method]
        if body is not None:
            f.write(body)
            f.flush()
            command += ["--body-file", f.name]
        for k, v in headers.items():
            command += ["--header", f"{k}: {v}"]
        out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60, check=True,
                             cwd=Path(__file__).resolve().parents[1]).stdout
    return LoadResult(**json.loads(out))


async def _read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    if m := re.search(rb"content-length:\s*(\d+)", lower):
        await reader.readexactly(int(m.group(1)))
    elif b"transfer-encoding: chunked" in lower:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


async def _generate(url: str, connections: int, seconds: float, method: str, body: bytes | None,
                    headers: dict[str, str]) -> LoadResult:
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"{method} {target} HTTP/1.1", f"Host: {parts.netloc}", "Connection: keep-alive"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    request = ("\r\n".join(lines) + "\r\n\r\n").encode() + (body or b"")
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
        try:
            while time.perf_counter() < stop_at:
                sent = time.perf_counter()
                writer.write(request)
                status = await asyncio.wait_for(_read_response(reader), timeout=30)
                latencies.append(time.perf_counter() - sent)
                if not 200 <= status < 400:
                    errors += 1
        finally:
            writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(connections)))
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else 0.0

    return LoadResult(tool="python", connections=connections, seconds=elapsed, requests=len(latencies),
                      errors=errors, requests_per_s=len(latencies) / elapsed, p50_ms=pct(0.50), p99_ms=pct(0.99))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--method", default="GET")
    parser.add_argument("--body-file")
    parser.add_argument("--header", action="append", default=[])
    args = parser.parse_args()
    _check_loopback(args.url)
    body = Path(args.body_file).read_bytes() if args.body_file else None
    headers = dict(h.split(": ", 1) for h in args.header)
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    result = asyncio.run(_generate(args.url, min(args.connections, 256), min(args.seconds, 600.0), args.method,
                                   body, headers))
    print(json.dumps(asdict(result)))


if __name__ == "__main__":
    main()
