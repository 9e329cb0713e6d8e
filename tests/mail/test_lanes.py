"""The worker's SMTP lanes are one structured unit: when a lane fails, the others stop
with it, and nothing they were sending is lost (it stays leased and is sent later)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from email.message import EmailMessage

import pytest

from server.mail import service
from server.mail.worker import Worker
from server.settings import Settings
from server.tokens import utcnow
from tests.mail.conftest import new_worker
from tests.mail.smtp import Sink
from tests.mail.test_reliability import queue_many, statuses, subjects


class Broken:
    """A lane whose connection fails with an error the worker does not expect."""

    async def send(self, message: EmailMessage, *, sender: str, recipient: str) -> None:
        raise RuntimeError("transport bug")

    async def close(self) -> None:
        return None


class Stuck:
    """A lane waiting for a server that never answers; records being cancelled."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.cancelled = False

    async def send(self, message: EmailMessage, *, sender: str, recipient: str) -> None:
        self.started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise

    async def close(self) -> None:
        return None


async def test_a_failing_lane_stops_the_others_and_their_rows_are_sent_later(
    settings: Settings, sink: Sink
) -> None:
    await queue_many(4)
    stuck = Stuck()

    class BrokenOnceStuckStarted(Broken):
        async def send(self, message: EmailMessage, *, sender: str, recipient: str) -> None:
            await stuck.started.wait()  # the other lane is mid-send when this one fails
            await super().send(message, sender=sender, recipient=recipient)

    worker = Worker(service.config(), [BrokenOnceStuckStarted(), stuck], batch=4)
    now = utcnow()
    with pytest.raises(ExceptionGroup) as failed:
        await worker.run_once(now)
    assert failed.group_contains(RuntimeError)
    # The stuck lane did not run on into the next round: it was cancelled with the round.
    assert stuck.cancelled
    assert await statuses() == Counter({"sending": 4})  # leased, not lost
    heir = new_worker(settings, sink.port)
    assert await heir.drain(now + timedelta(minutes=10)) == 4
    await heir.close()
    assert len(subjects(sink)) == 4 and await statuses() == Counter({"sent": 4})
