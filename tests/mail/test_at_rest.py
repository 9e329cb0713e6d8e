"""Invariant 3 at rest: the database never holds a working secret link or a hidden address
in clear — not while mail waits in the outbox, and not after it was sent.

The links are real (an RSVP's manage link, a "my signups" link, an organizer invitation,
one-click unsubscribe links) and shown to work, so the scans are not vacuous.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
from piccolo.table import Table

from server import crypto
from server.accounts import members
from server.events import service as events
from server.mail import notices, sealed, status
from server.mail.compose import Recipient
from server.mail.tables import ComposeRetry, EventNotice, Outbox
from server.mail.worker import Worker
from server.settings import Settings
from server.signups import notices as signup_notices
from tests.conftest import csrf_token
from tests.events.helpers import event_json
from tests.mail.conftest import published_event as mail_event
from tests.mail.smtp import Sink
from tests.signups.helpers import mails_to, person, published_event, rsvp, soon

LINK = re.compile(r"http://testserver/(m|my|invitations|unsubscribe)/([A-Za-z0-9_\-]+)")
PATHS = ("/m/", "/my/", "/invitations/", "/unsubscribe/")

# Every table that holds mail, or marks mail still to be composed.
SCANNED: tuple[type[Table], ...] = (Outbox, EventNotice, ComposeRetry)


async def raw_dump(tables: tuple[type[Table], ...] = SCANNED) -> str:
    """Every column of every row, as the database returns it to a plain SELECT."""
    dumps = []
    for table in tables:
        rows = await table.raw(f"SELECT * FROM {table._meta.tablename}")
        dumps.append(repr(rows))
    return "\n".join(dumps)


async def opened_mail() -> list[dict[str, Any]]:
    return [sealed.opened(row) for row in await Outbox.select()]


def links_in(rows: list[dict[str, Any]]) -> dict[str, set[str]]:
    """The secret of each link the rows' messages carry, by path."""
    found: dict[str, set[str]] = {}
    for row in rows:
        text = " ".join(str(row[c] or "") for c in sealed.COLUMNS)
        for kind, secret in LINK.findall(text):
            found.setdefault(kind, set()).add(secret)
    return found


def assert_nothing_in_clear(dump: str, secrets: set[str], hidden: str) -> None:
    for secret in secrets:
        assert secret not in dump, "a secret link's token is stored in clear"
    for path in PATHS:
        assert f"testserver{path}" not in dump, f"a {path} link is stored in clear"
    assert hidden not in dump, "the hidden address is stored in clear"


async def assert_columns_sealed() -> None:
    for row in await Outbox.select(
        Outbox.id, *(Outbox._meta.get_column_by_name(c) for c in sealed.COLUMNS)
    ):
        for column in sealed.COLUMNS:
            value = row[column]
            assert value in (None, "", "{}") or value.startswith("v1."), (column, value[:20])


async def test_no_working_link_or_hidden_address_in_clear_before_or_after_sending(
    client: httpx.AsyncClient, sink: Sink, worker: Worker
) -> None:
    hidden = f"Hidden Lane {uuid.uuid4().hex[:8]}"
    member, event = await published_event(
        client, address_visibility="attendees", address=hidden, title="Discreet vigil"
    )
    event_row = await events.event_row(uuid.UUID(event["id"]))
    assert event_row is not None
    me = person("at-rest")
    answered = await rsvp(client, event["id"], me)
    assert answered.status_code == 201, answered.text
    await mails_to(me["email"])  # what the RSVP owes is composed (signups.notices)
    going = Recipient(email=me["email"], name="At Rest", key="at-rest-going")
    await notices.send_rsvp_confirmation(event_row, going)  # carries the hidden address
    await notices.set_reminders(event_row, going)  # carry unsubscribe links
    refused = Recipient(email="refused@example.org", key="refused")
    await notices.send_rsvp_confirmation(event_row, refused)
    asked = await client.post(
        "/my-signups",
        data={"email": me["email"], "_csrf_token": await csrf_token(client, "/my-signups")},
    )
    assert asked.status_code == 200, asked.text
    await mails_to(me["email"])
    await members.invite(member.who, member.org_id, "newcomer@example.org", "organizer")
    # The organizer moves the event: its attendees are owed a notice (a marker, for now).
    moved = event_json(
        title="Discreet vigil", starts_at=soon(days=20), ends_at=soon(days=20, hour=20),
        address_visibility="attendees", address=hidden,
    )  # fmt: skip
    put = await client.put(f"/api/v1/events/{event['id']}", json=moved, headers=member.bearer)
    assert put.status_code == 200, put.text
    assert await EventNotice.count() == 1
    assert_nothing_in_clear(await raw_dump(), set(), hidden)
    await signup_notices.flush()  # the change notice is composed (sealed in the outbox)
    assert await EventNotice.count() == 0

    rows = await opened_mail()
    links = links_in(rows)
    assert set(links) == {"m", "my", "invitations", "unsubscribe"}, links
    assert any(hidden in (r["text_body"] or "") for r in rows), "the address is mailed"
    assert any(r["kind"] == "event_changed" and hidden in r["text_body"] for r in rows)
    # The links are real: each kind opens its page (GETs change nothing).
    for kind, secrets in links.items():
        answers = [(await client.get(f"/{kind}/{s}")).status_code for s in secrets]
        assert any(code != 404 for code in answers), (kind, answers)
    secrets = set().union(*links.values())

    assert_nothing_in_clear(await raw_dump(), secrets, hidden)
    await assert_columns_sealed()

    sink.recorder.refused.add("refused@example.org")
    await worker.drain()
    received = "\n".join(m.as_string() for m in sink.messages)
    assert hidden in received and any(s in received for s in links["m"])  # opened to send

    assert_nothing_in_clear(await raw_dump(), secrets, hidden)
    await assert_columns_sealed()
    done = await Outbox.select().where(Outbox.status.is_in(["sent", "failed"]))
    assert {r["status"] for r in done} == {"sent", "failed"}
    for row in done:  # wiped down to what the status page shows
        assert (row["subject"], row["text_body"], row["html_body"], row["ics"]) == (
            "",
            "",
            None,
            None,
        )
        assert row["recipient_name"] == "" and row["recipient"]
    [failed] = await status.failed_messages(event_row["id"])
    assert failed["recipient"] == "refused@example.org" and failed["last_error"].startswith("550")
    # Reminders are not due yet: they wait sealed, with everything needed to send them.
    waiting = [sealed.opened(r) for r in await Outbox.select().where(Outbox.status == "queued")]
    assert waiting and all(r["kind"] == "reminder" and hidden in r["text_body"] for r in waiting)


async def test_mail_sealed_under_another_secret_key_fails_instead_of_going_out(
    settings: Settings, sink: Sink, worker: Worker
) -> None:
    _, event = await mail_event()
    await notices.send_rsvp_confirmation(event, Recipient(email="a@example.org", key="a"))
    crypto.use_secret_key("another-secret-key-after-rotation-0123456789abcdef")
    try:
        assert await worker.drain() == 1
    finally:
        crypto.use_secret_key(settings.secret_key)
    assert sink.messages == []
    row = await Outbox.select(Outbox.status, Outbox.last_error, Outbox.text_body).first()
    assert row is not None and row["status"] == "failed"
    assert row["last_error"].startswith("cannot decrypt") and row["text_body"] == ""
