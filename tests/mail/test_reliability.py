"""Exactly once through outages, refusals, killed workers and competing workers.

Time is driven by passing ``now`` to the worker: no test sleeps.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import datetime, timedelta

import pytest

from server import db
from server.mail import service, status
from server.mail.delivery import DeliveryError
from server.mail.tables import Outbox
from server.mail.worker import MAX_ATTEMPTS, RECORD_EVERY, Outcome, Worker, backoff, claim
from server.settings import Settings
from server.tokens import utcnow
from tests.mail.conftest import new_worker, published_event
from tests.mail.smtp import Sink


async def queue_many(count: int, *, prefix: str = "m", event_id: object = None) -> None:
    async with db.write_transaction():
        for n in range(count):
            assert await service.queue(
                to=f"person{n}@example.org",
                kind="broadcast",
                subject=f"Message {n}",
                text=f"Body {n}",
                html=f"<p>Body {n}</p>",
                idempotency_key=f"{prefix}-{n}",
                event_id=event_id,  # type: ignore[arg-type]
            )


async def statuses() -> Counter[str]:
    return Counter(r["status"] for r in await Outbox.select(Outbox.status))


def subjects(sink: Sink) -> Counter[str]:
    return Counter(str(m["Subject"]) for m in sink.messages)


async def test_outage_then_451s_then_every_message_arrives_exactly_once(
    settings: Settings,
) -> None:
    sink = Sink()  # not started: connections are refused
    worker = new_worker(settings, sink.port, batch=10, rng=random.Random(1))
    await queue_many(25)
    now = utcnow()
    try:
        # The server is down for several rounds: every message waits, none is lost.
        for _ in range(3):
            now += timedelta(hours=2)
            await worker.drain(now)
            assert (await statuses())["queued"] == 25
        rows = await Outbox.select(Outbox.attempts, Outbox.next_attempt_at, Outbox.last_error)
        assert {r["attempts"] for r in rows} == {3}
        assert all(r["next_attempt_at"] > now for r in rows)  # backing off
        assert all("connect" in r["last_error"] for r in rows)

        # Back up, but answering 451 to the next 7 recipients.
        sink.start()
        sink.recorder.temporary_failures = 7
        rounds = 0
        while (await statuses())["sent"] < 25:
            rounds += 1
            assert rounds < 10
            now += timedelta(hours=2)
            await worker.drain(now)
        assert sink.recorder.temporary_failures == 0
        assert sink.recorder.rcpt_attempts == 25 + 7
        assert subjects(sink) == Counter({f"Message {n}": 1 for n in range(25)})
        assert await statuses() == Counter({"sent": 25})
        now += timedelta(days=1)
        assert await worker.drain(now) == 0 and len(sink.messages) == 25
    finally:
        await worker.transport.close()
        sink.stop()


async def test_550_fails_the_message_after_one_try_and_the_rest_go_out(
    settings: Settings, sink: Sink
) -> None:
    _, event = await published_event()
    sink.recorder.refused.add("person3@example.org")
    worker = new_worker(settings, sink.port)
    await queue_many(5, event_id=event["id"])
    await worker.drain()
    assert await statuses() == Counter({"sent": 4, "failed": 1})
    failed = await status.failed_messages(event["id"])
    assert [(f["recipient"], f["attempts"]) for f in failed] == [("person3@example.org", 1)]
    assert failed[0]["last_error"].startswith("550")
    await worker.drain(utcnow() + timedelta(days=2))  # never tried again
    assert sink.recorder.rcpt_attempts == 5
    assert "Message 3" not in subjects(sink) and len(sink.messages) == 4
    await worker.transport.close()


async def test_temporary_failures_give_up_after_the_limit(settings: Settings, sink: Sink) -> None:
    sink.recorder.temporary_failures = 10_000
    worker = new_worker(settings, sink.port, max_attempts=4)
    await queue_many(1)
    now = utcnow()
    for _ in range(6):
        await worker.drain(now)
        now += timedelta(days=1)
    row = await Outbox.select(Outbox.status, Outbox.attempts, Outbox.last_error).first()
    assert row is not None
    assert (row["status"], row["attempts"]) == ("failed", 4)
    assert row["last_error"].startswith("451")
    assert sink.recorder.rcpt_attempts == 4 and sink.messages == []
    await worker.transport.close()


def test_backoff_doubles_up_to_an_hour_with_jitter() -> None:
    rng = random.Random(7)
    for attempts, minutes in [(1, 1), (2, 2), (3, 4), (6, 32), (7, 60), (11, 60)]:
        delays = {backoff(attempts, rng) for _ in range(20)}
        assert len(delays) > 1  # jittered
        for delay in delays:
            assert timedelta(minutes=minutes * 0.75) <= delay <= timedelta(minutes=minutes * 1.25)
    # Enough tries to outlast an hour-long outage.
    total = sum((backoff(n, random.Random(0)) for n in range(1, MAX_ATTEMPTS)), timedelta())
    assert total > timedelta(hours=3)


async def test_a_worker_killed_after_claiming_is_replaced_once_the_lease_expires(
    settings: Settings, sink: Sink
) -> None:
    await queue_many(3)
    now = utcnow()
    # A worker claims and "dies" before sending: its rows stay leased.
    claimed = await claim("dead-worker", now=now, lease=timedelta(minutes=5))
    assert len(claimed) == 3 and {r["status"] for r in claimed} == {"sending"}
    other = new_worker(settings, sink.port, lease=timedelta(minutes=5))
    assert await other.drain(now + timedelta(minutes=4)) == 0  # still leased
    assert sink.messages == []
    assert await other.drain(now + timedelta(minutes=6)) == 3  # the lease ran out
    assert subjects(sink) == Counter({"Message 0": 1, "Message 1": 1, "Message 2": 1})
    rows = await Outbox.select(Outbox.status, Outbox.attempts, Outbox.lease_owner)
    assert {(r["status"], r["attempts"], r["lease_owner"]) for r in rows} == {
        ("sent", 2, other.owner)
    }
    # The dead worker's late result, if it ever came, is not recorded over the new one.
    late = Worker(service.config(), other.transport, owner="dead-worker")
    lost = DeliveryError("451 late", temporary=True)
    await late.record([Outcome(r["id"], lost) for r in claimed], {r["id"]: 1 for r in claimed}, now)
    assert await statuses() == Counter({"sent": 3})
    assert await other.drain(now + timedelta(hours=1)) == 0 and len(sink.messages) == 3
    await other.transport.close()


async def test_two_workers_draining_500_messages_send_each_exactly_once(
    settings: Settings, sink: Sink
) -> None:
    """Two workers at once (PostgreSQL: SKIP LOCKED on two connections; SQLite: the
    BEGIN IMMEDIATE claim) never take the same row."""
    await queue_many(500)
    first = new_worker(settings, sink.port, batch=25, lanes=3)  # three connections at once
    second = new_worker(settings, sink.port, batch=25)
    now: datetime = utcnow()
    handled = await asyncio.gather(first.drain(now), second.drain(now))
    await first.close()
    await second.close()
    assert sum(handled) == 500 and min(handled) > 0  # both took part
    received = subjects(sink)
    assert len(received) == 500 and set(received.values()) == {1}
    assert await statuses() == Counter({"sent": 500})
    owners = Counter(r["lease_owner"] for r in await Outbox.select(Outbox.lease_owner))
    assert set(owners) == {first.owner, second.owner}
    assert owners[first.owner] == handled[0] and owners[second.owner] == handled[1]


class Killed(BaseException):
    """Stands for the process dying (not an error the worker could handle)."""


async def test_a_worker_killed_mid_batch_resends_at_most_a_few_messages(
    settings: Settings, sink: Sink
) -> None:
    await queue_many(50)
    inner = new_worker(settings, sink.port).transport

    class DiesAfter15:
        sent = 0

        async def send(self, message: object, *, sender: str, recipient: str) -> None:
            if self.sent == 15:
                raise Killed
            await inner.send(message, sender=sender, recipient=recipient)  # type: ignore[arg-type]
            self.sent += 1

        async def close(self) -> None:
            await inner.close()

    now = utcnow()
    doomed = Worker(service.config(), DiesAfter15(), batch=50)
    with pytest.raises(BaseExceptionGroup) as died:  # the lanes' task group passes it on
        await doomed.run_once(now)
    assert died.group_contains(Killed)
    assert await statuses() == Counter({"sent": RECORD_EVERY, "sending": 50 - RECORD_EVERY})
    heir = new_worker(settings, sink.port)
    assert await heir.drain(now + timedelta(minutes=10)) == 50 - RECORD_EVERY
    await heir.transport.close()
    await inner.close()
    received = subjects(sink)
    assert len(received) == 50  # every message arrived ...
    resent = sum(received.values()) - 50
    assert resent == 15 - RECORD_EVERY  # ... and only those sent but not yet recorded twice
    assert await statuses() == Counter({"sent": 50})


async def test_nothing_is_queued_for_an_undeliverable_invalid_address() -> None:
    """Deleted volunteers' stand-ins live under .invalid (RFC 2606): never a message."""
    async with db.write_transaction():
        for to in ("x@deleted.invalid", "Y@Other.INVALID "):
            queued = await service.queue(
                to=to, kind="broadcast", subject="S", text="T", html=None, idempotency_key=to
            )
            assert queued is False
    assert await Outbox.count() == 0
