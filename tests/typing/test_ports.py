"""The typing checks of tests/typing pass: the adapters satisfy their ports (and the check can fail)."""

from __future__ import annotations

from pathlib import Path

from mypy import api as mypy

HERE = Path(__file__).parent
ROOT = HERE.parent.parent


def _check(path: Path) -> tuple[str, int]:
    stdout, stderr, status = mypy.run([str(path), "--no-error-summary", "--cache-dir", str(ROOT / ".mypy_cache")])
    return stdout + stderr, status


def test_the_postgres_unit_of_work_and_repositories_satisfy_the_ports() -> None:
    output, status = _check(HERE / "ports_conform.py")
    assert status == 0, output


def test_a_unit_of_work_missing_a_repository_does_not_satisfy_the_port(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from api.domain.ports import UnitOfWork\n"
        "class Partial:\n"
        "    partners = None\n"
        "def as_port(uow: Partial) -> UnitOfWork:\n"
        "    return uow\n"
    )
    output, status = _check(probe)
    assert status == 1 and "UnitOfWork" in output, output
