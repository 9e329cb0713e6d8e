"""What every benchmark shares: seeded databases, a pinned server, the load generator, results.

The server runs in its own process with one uvicorn worker pinned to CPU 0 (``taskset``
when there is one); the load generator runs pinned to CPU 1, so on a two-core machine
each has a core. Ratios to a hello-world served the same way in the same run make the
figures comparable across machines.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from tests.perf import seed

ROOT = Path(__file__).resolve().parents[2]
BENCH_SECRET = "benchmark-secret-key-not-for-production-0123456789"


@dataclass
class Options:
    seconds: float = 5.0
    warmup: float = 1.0
    connections: int = 32
    events: int = 100_000


@dataclass(frozen=True)
class Database:
    engine: str  # "sqlite" | "postgresql"
    url: str

    def env(self, port: int) -> dict[str, str]:
        return {
            "DATABASE_URL": self.url,
            "SECRET_KEY": BENCH_SECRET,
            "BASE_URL": f"http://127.0.0.1:{port}",
            "MUSTER_ENV": "development",
        }


@dataclass
class Result:
    bench: str
    scenario: str
    engine: str
    rps: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    ratio: float | None = None  # of hello-world req/s
    target: str = ""  # e.g. ">= 30%" or "p99 <= 10 ms"
    ok: bool | None = None
    note: str = ""


@dataclass
class Env:
    options: Options
    databases: list[Database]
    data: seed.Dataset
    hello_rps: float = 0.0
    results: list[Result] = field(default_factory=list)


def _pin(core: int) -> list[str]:
    if shutil.which("taskset") and (os.cpu_count() or 1) > core:
        return ["taskset", "-c", str(core)]
    return []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Server:
    """``uvicorn APP`` in a subprocess, one worker on CPU 0, no access log."""

    def __init__(
        self, app: str, database: Database | None = None, ready_path: str = "/healthz"
    ) -> None:
        self.app = app
        self.ready_path = ready_path
        self.port = free_port()
        self.env = {**os.environ, **(database.env(self.port) if database else {})}
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        command = [
            *_pin(0), sys.executable, "-m", "uvicorn", self.app, "--host", "127.0.0.1",
            "--port", str(self.port), "--workers", "1", "--log-level", "warning",
            "--no-access-log",
        ]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=ROOT, env=self.env)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.app} exited with {self.process.returncode}")
            with contextlib.suppress(OSError):
                if self.get(self.ready_path)[0] == 200:
                    return self
            time.sleep(0.2)
        raise RuntimeError(f"{self.app} did not start")

    def __exit__(self, *_: object) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, Any, bytes]:
        """One request from here (to warm up or to read an ETag); any status is returned."""
        request = urllib.request.Request(self.url + path, headers=headers or {})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers, exc.read()


def load(
    server: Server,
    options: Options,
    paths: list[str],
    *,
    headers: dict[str, str] | None = None,
    expect: tuple[int, ...] = (200,),
    unique: tuple[float, float, str] | None = None,
) -> dict[str, Any]:
    """Run the load generator (pinned to CPU 1) against ``server``; its JSON result.

    ``unique=(base, step, fmt)`` replaces "{n}" in the paths with a value per request.
    """
    spec: dict[str, Any] = {
        "host": "127.0.0.1",
        "port": server.port,
        "paths": paths,
        "connections": options.connections,
        "seconds": options.seconds,
        "warmup": options.warmup,
        "headers": headers or {},
        "expect": list(expect),
    }
    if unique:
        spec.update(base=unique[0], step=unique[1], fmt=unique[2])
    out = subprocess.run(
        [*_pin(1), sys.executable, "-m", "tests.perf.loadgen", json.dumps(spec)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, Any] = json.loads(out.stdout)
    return result


def measure_hello(env: Env, label: str = "Litestar hello-world") -> Result:
    """Measure the hello-world ceiling now; later ratios use it. On a shared machine the
    ceiling moves, so a long benchmark measures it again before each part."""
    with Server("tests.perf.hello:app", ready_path="/") as hello:
        stats = load(hello, env.options, ["/"])
    env.hello_rps = stats["rps"]
    return Result("baseline", label, "-", stats["rps"], stats["p50_ms"], stats["p99_ms"], 1.0)


def measured(
    env: Env, bench: str, scenario: str, engine: str, stats: dict[str, Any], at_least: float | None
) -> Result:
    ratio = stats["rps"] / env.hello_rps if env.hello_rps else None
    note = ""
    if stats["unexpected"] or stats["errors"]:
        note = f"statuses {stats['statuses']}, connection errors {stats['errors']}"
    ok = None if at_least is None or ratio is None else ratio >= at_least and not note
    return Result(
        bench,
        scenario,
        engine,
        stats["rps"],
        stats["p50_ms"],
        stats["p99_ms"],
        ratio,
        f">= {at_least:.0%}" if at_least is not None else "",
        ok,
        note,
    )


# --- databases ----------------------------------------------------------------------------


def _migrate(url: str) -> None:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": BENCH_SECRET}
    subprocess.run(
        [sys.executable, "-m", "server.cli", "migrate"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def prepare_sqlite(folder: Path, data: seed.Dataset) -> Database:
    path = folder / "bench.db"
    database = Database("sqlite", f"sqlite:///{path}")
    _migrate(database.url)
    seed.load_sqlite(str(path), data)
    return database


async def prepare_postgres(url: str, data: seed.Dataset, name: str = "muster_bench") -> Database:
    """A fresh database ``name`` next to the one ``url`` names (never that one)."""
    import asyncpg

    parts = urlsplit(url)
    admin = await asyncpg.connect(urlunsplit(parts._replace(path="/postgres")))
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    database = Database("postgresql", urlunsplit(parts._replace(path=f"/{name}")))
    _migrate(database.url)
    await seed.load_postgres(database.url, data)
    return database


@contextlib.contextmanager
def timed(label: str) -> Iterator[None]:
    started = time.perf_counter()
    print(f"… {label}", flush=True)
    yield
    print(f"  done in {time.perf_counter() - started:.1f} s", flush=True)


def report(env: Env) -> str:
    header = (
        f"{'bench':<10} {'scenario':<34} {'engine':<10} {'req/s':>8} {'p50 ms':>7} "
        f"{'p99 ms':>7} {'% hello':>8} {'target':>12}  ok"
    )
    lines = [header, "-" * len(header)]

    def num(value: float | None, fmt: str) -> str:
        return "" if value is None else format(value, fmt)

    for r in env.results:
        verdict = {True: "yes", False: "NO", None: ""}[r.ok]
        lines.append(
            f"{r.bench:<10} {r.scenario:<34} {r.engine:<10} {num(r.rps, ',.0f'):>8} "
            f"{num(r.p50_ms, '.2f'):>7} {num(r.p99_ms, '.2f'):>7} {num(r.ratio, '.1%'):>8} "
            f"{r.target:>12}  {verdict}{('  ' + r.note) if r.note else ''}"
        )
    return "\n".join(lines)
