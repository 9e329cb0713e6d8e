"""The worker runs inside `muster serve` by default; `--no-worker` + `muster worker` split it."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from server.mail.service import email_hash
from server.settings import PROJECT_ROOT
from tests.e2e.live import LiveServer, muster_env, muster_executable, run_muster
from tests.mail.smtp import Sink


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "worker.db"
    result = run_muster("migrate", env=muster_env(path))
    assert result.returncode == 0, result.stderr
    return path


def queue_row(database: Path, subject: str) -> None:
    """One due message, written as Piccolo writes it (``str()`` of a UTC datetime)."""
    now = str(datetime.now(UTC))
    values = {
        "id": str(uuid.uuid4()), "idempotency_key": subject, "recipient": "ada@example.org",
        "recipient_name": "Ada", "recipient_hash": email_hash("ada@example.org"), "locale": "en",
        "kind": "my_signups_link", "subject": subject, "text_body": "Hello", "html_body": None,
        "ics": None, "ics_method": None, "headers": "{}", "context": None, "event_id": None,
        "status": "queued", "due_at": now, "next_attempt_at": now, "attempts": 0,
        "lease_until": None, "lease_owner": None, "last_error": "", "created_at": now,
        "sent_at": None,
    }  # fmt: skip
    columns = ", ".join(values)
    marks = ", ".join("?" for _ in values)
    with closing(sqlite3.connect(database)) as conn, conn:
        conn.execute(f"INSERT INTO mail_outbox ({columns}) VALUES ({marks})", list(values.values()))


def sent_by(database: Path) -> list[tuple[str, str]]:
    with closing(sqlite3.connect(database)) as conn:
        return conn.execute("SELECT status, lease_owner FROM mail_outbox").fetchall()


@pytest.fixture
def sink() -> Iterator[Sink]:
    server = Sink().start()
    yield server
    server.stop()


def test_serve_sends_queued_mail_by_default(database: Path, tmp_path: Path, sink: Sink) -> None:
    queue_row(database, "From serve")
    env = muster_env(database, SMTP_HOST="127.0.0.1", SMTP_PORT=str(sink.port))
    server = LiveServer(env, tmp_path)
    try:
        server.wait_healthy()
        assert sink.recorder.arrived.wait(timeout=30), server.output()
    finally:
        server.stop()
    assert [str(m["Subject"]) for m in sink.messages] == ["From serve"]
    [(status, owner)] = sent_by(database)
    assert status == "sent" and f":{server.process.pid}:" in owner


def test_serve_without_worker_leaves_mail_to_muster_worker(
    database: Path, tmp_path: Path, sink: Sink
) -> None:
    queue_row(database, "From the worker")
    env = muster_env(database, SMTP_HOST="127.0.0.1", SMTP_PORT=str(sink.port))
    server = LiveServer(env, tmp_path, "--no-worker")
    try:
        server.wait_healthy()
        with (tmp_path / "worker.err").open("wb") as err:
            worker = subprocess.Popen(
                [muster_executable(), "worker"], env=env, cwd=PROJECT_ROOT,
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
            )  # fmt: skip
            try:
                assert sink.recorder.arrived.wait(timeout=30)
            finally:
                worker.send_signal(signal.SIGTERM)
                assert worker.wait(timeout=20) == 0  # a clean stop
    finally:
        server.stop()
    assert [str(m["Subject"]) for m in sink.messages] == ["From the worker"]
    [(status, owner)] = sent_by(database)
    assert status == "sent" and f":{worker.pid}:" in owner
    assert f":{server.process.pid}:" not in owner
    assert "Ctrl+C" in (tmp_path / "worker.err").read_text()
