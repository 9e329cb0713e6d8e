"""``make bench`` = ``python -m tests.perf``: Muster against a hello-world, in one run.

1. Seeds 100,000 events over the world into a fresh SQLite file (a temporary folder) and,
   when ``DATABASE_URL`` names PostgreSQL, into a fresh ``muster_bench`` database beside it
   (the named database itself is never touched).
2. Measures a Litestar hello-world served the same way (one uvicorn worker on CPU 0).
3. Runs each benchmark module in ``BENCHES`` and prints requests/s, p50/p99 latency and
   the share of the hello-world's requests/s, against the targets in DESIGN.md.

Options: ``--seconds`` per scenario (default 5), ``--connections`` (32), ``--events``
(100000), and benchmark names to run only those. A module is added by listing it in
``BENCHES``: it has ``NAME`` and ``async def run(env) -> list[Result]``.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.perf import seed
from tests.perf.harness import (
    Env,
    Options,
    measure_hello,
    prepare_postgres,
    prepare_sqlite,
    report,
    timed,
)

BENCHES = [
    "tests.perf.discovery",
    "tests.perf.event_pages",
    "tests.perf.feeds",
    "tests.perf.rsvp",
    "tests.perf.mail",
]


def _arguments() -> tuple[Options, list[str]]:
    parser = argparse.ArgumentParser(prog="python -m tests.perf", description=__doc__)
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per scenario")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("only", nargs="*", help="benchmark names (default: all)")
    args = parser.parse_args()
    return Options(
        seconds=args.seconds, connections=args.connections, events=args.events
    ), args.only


async def main() -> None:
    options, only = _arguments()
    started = time.perf_counter()
    modules: list[Any] = [importlib.import_module(name) for name in BENCHES]
    modules = [m for m in modules if not only or m.NAME in only]
    with tempfile.TemporaryDirectory(prefix="muster-bench-") as folder:
        with timed(f"generating {options.events:,} events"):
            data = seed.generate(options.events)
        with timed("SQLite: migrate and load"):
            databases = [prepare_sqlite(Path(folder), data)]
        url = os.environ.get("DATABASE_URL", "")
        if url.startswith(("postgresql://", "postgres://")):
            with timed("PostgreSQL: create muster_bench, migrate and load"):
                databases.append(await prepare_postgres(url, data))
        env = Env(options, databases, data)
        with timed("hello-world"):
            env.results.append(measure_hello(env))
        for module in modules:
            with timed(module.NAME):
                env.results += await module.run(env)
    print()
    print(report(env))
    print(
        f"\n{options.connections} connections, {options.seconds:g} s per scenario, "
        f"{os.cpu_count()} CPUs; total {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    asyncio.run(main())
