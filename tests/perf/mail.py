"""Mail benchmark: messages per minute from the outbox to a local SMTP sink, one worker.

The outbox is filled with real reminders (text + HTML, one unsubscribe header each), then
``muster worker`` runs in its own process pinned to CPU 0 against an aiosmtpd sink pinned
to CPU 1 (``python -m aiosmtpd`` with its discarding ``Sink`` handler). The rate is the
number of messages over the time between the first and the last ``sent_at``, so process
start-up is not counted. Target (DESIGN.md): >= 10,000 messages/min.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

from tests.perf.harness import BENCH_SECRET, ROOT, Database, Env, Result, _pin, free_port

NAME = "mail"
MESSAGES = 5000
TARGET_PER_MIN = 10_000
TIMEOUT_S = 300


async def _fill(database: Database, count: int) -> None:
    from server import crypto, db
    from server.mail import compose, service
    from server.mail.tables import Outbox

    crypto.use_secret_key(BENCH_SECRET)  # queued mail is sealed with the worker's key
    engine = db.make_engine(database.url)
    db.bind(engine)
    await db.start(engine)
    try:
        await Outbox.delete(force=True)
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=2)
        event = compose.EventInfo(
            id="6f1c2b1e-3f4d-4a5b-8c9d-0e1f2a3b4c5d",
            title="Vigil for Chechnya",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            timezone="Europe/Berlin",
            url="https://muster.example.org/events/6f1c2b1e-3f4d-4a5b-8c9d-0e1f2a3b4c5d",
            sequence=1,
            updated_at=start,
            venue_name="Pariser Platz",
            address="Pariser Platz 1, 10117 Berlin",
            city="Berlin",
            organization_name="Rainbow Railroad Berlin",
        )
        for first in range(0, count, 500):
            async with db.write_transaction():
                for n in range(first, min(first + 500, count)):
                    to = compose.Recipient(f"volunteer{n}@example.org", f"Volunteer {n}")
                    url = f"https://muster.example.org/unsubscribe/bench-token-{n:06d}"
                    draft = compose.reminder(event, to, lead_minutes=120, unsubscribe_url=url)
                    await service.queue_draft(draft, to, idempotency_key=f"bench-{n}")
    finally:
        await db.stop(engine)


async def _progress(database: Database, *, times: bool) -> tuple[int, list[datetime]]:
    """How many are sent (cheap, while the worker runs), and when each went (at the end)."""
    from server import db
    from server.mail.tables import Outbox

    engine = db.make_engine(database.url)
    db.bind(engine)
    await db.start(engine)
    try:
        if not times:
            return await Outbox.count().where(Outbox.status == "sent"), []
        rows = await Outbox.select(Outbox.sent_at).where(Outbox.status == "sent")
    finally:
        await db.stop(engine)
    return len(rows), [r["sent_at"] for r in rows]


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a running process (Linux), 0 when unknown."""
    try:
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()  # noqa: SIM115
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_listening(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the SMTP sink exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the SMTP sink did not start")


async def _one(database: Database) -> Result:
    await _fill(database, MESSAGES)
    port = free_port()
    sink = subprocess.Popen(
        [*_pin(1), sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}",
         "-c", "aiosmtpd.handlers.Sink"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    worker: subprocess.Popen[bytes] | None = None
    cpu_s = sink_s = 0.0
    try:
        _wait_listening(port, sink)
        env = {
            **os.environ,
            "DATABASE_URL": database.url,
            "SECRET_KEY": BENCH_SECRET,
            "BASE_URL": "https://muster.example.org",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(port),
            "SMTP_TLS": "none",
            "MUSTER_ENV": "development",
        }
        worker = subprocess.Popen(
            [*_pin(0), sys.executable, "-m", "server.cli", "worker"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + TIMEOUT_S
        sent = 0
        while time.monotonic() < deadline and sent < MESSAGES and worker.poll() is None:
            await asyncio.sleep(1.0)
            sent, _ = await _progress(database, times=False)
        cpu_s, sink_s = _cpu_seconds(worker.pid), _cpu_seconds(sink.pid)
    finally:
        for process in (worker, sink):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=20)
    sent, times = await _progress(database, times=True)
    seconds = (max(times) - min(times)).total_seconds() if len(times) > 1 else 0.0
    per_min = sent / seconds * 60 if seconds else 0.0
    ok = sent == MESSAGES and per_min >= TARGET_PER_MIN
    # CPU per message does not depend on what else the machine is doing: a check on a
    # busy machine (a free core gives at most 60,000 / cpu_ms messages a minute).
    cpu_ms = cpu_s / sent * 1000 if sent else 0.0
    sink_ms = sink_s / sent * 1000 if sent else 0.0
    note = (
        f"{per_min:,.0f} messages/min ({sent:,} of {MESSAGES:,} sent); CPU per message: "
        f"worker {cpu_ms:.2f} ms, sink {sink_ms:.2f} ms"
    )
    return Result(
        NAME, "outbox → SMTP sink, one worker", database.engine, per_min / 60, None, None, None,
        f">= {TARGET_PER_MIN:,}/min", ok, note,
    )  # fmt: skip


async def run(env: Env) -> list[Result]:
    return [await _one(database) for database in env.databases]
