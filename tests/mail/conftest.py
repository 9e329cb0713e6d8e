"""Mail test set-up: a real SMTP server on loopback, workers driven by hand, events."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar

from server.events import service as events
from server.events.schemas import EventInput
from server.mail import service
from server.mail.compose import Recipient
from server.mail.delivery import SmtpTransport
from server.mail.worker import Worker
from server.settings import Settings
from server.tokens import utcnow
from tests.events.helpers import Member, member_with_org
from tests.mail.smtp import Sink


@pytest.fixture(autouse=True)
def _database(app: Litestar) -> None:
    """Every mail test runs against the migrated, emptied test database."""


@pytest.fixture
def sink() -> Iterator[Sink]:
    server = Sink().start()
    yield server
    server.stop()


def smtp_settings(settings: Settings, port: int) -> Settings:
    return dataclasses.replace(settings, smtp_host="127.0.0.1", smtp_port=port, smtp_tls="none")


def new_worker(settings: Settings, port: int, *, lanes: int = 1, **options: Any) -> Worker:
    """A worker with ``lanes`` SMTP connections to the test server on ``port``."""
    transports = [SmtpTransport(smtp_settings(settings, port)) for _ in range(lanes)]
    return Worker(service.config(), transports, **options)


@pytest.fixture
async def worker(settings: Settings, sink: Sink) -> AsyncIterator[Worker]:
    one = new_worker(settings, sink.port)
    yield one
    await one.close()


async def published_event(
    member: Member | None = None, *, starts_in: timedelta = timedelta(days=3), **fields: Any
) -> tuple[Member, dict[str, Any]]:
    """A published event in Berlin starting ``starts_in`` from now (whole seconds)."""
    member = member or await member_with_org(name="Rainbow Railroad Berlin")
    starts = utcnow().replace(microsecond=0) + starts_in
    values: dict[str, Any] = {
        "title": "Vigil for Chechnya",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "city": "Berlin",
        "country": "DE",
        "venue_name": "Pariser Platz",
        "address": "Pariser Platz 1, 10117 Berlin",
        **fields,
    }
    row = await events.create_event(member.who, member.org_id, EventInput(**values))
    row = await events.publish_event(member.who, row["id"])
    return member, row


def event_input(row: dict[str, Any], **changes: Any) -> EventInput:
    """The event as its organizer would send it again, with ``changes``."""
    values: dict[str, Any] = {
        "title": row["title"],
        "starts_at": row["starts_at"],
        "ends_at": row["ends_at"],
        "timezone": row["timezone"],
        "city": row["city"],
        "country": row["country"],
        "venue_name": row["venue_name"],
        "address": row["address"],
        "address_visibility": row["address_visibility"],
        "capacity": row["capacity"],
        **changes,
    }
    return EventInput(**values)


def volunteer(n: int = 1, **fields: Any) -> Recipient:
    values: dict[str, Any] = {
        "email": f"volunteer{n}@example.org",
        "name": f"Volunteer {n}",
        "manage_url": f"http://testserver/m/manage-secret-{n}-abcdefghijklmnopqrstuvwxyz",
        "key": f"signup-{n}",
        **fields,
    }
    return Recipient(**values)
