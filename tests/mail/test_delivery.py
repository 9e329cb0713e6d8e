"""Every kind of message through the outbox and the worker to a real SMTP server."""

from __future__ import annotations

import dataclasses
import json
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import icalendar
import pytest

from server import db
from server.accounts import members
from server.events import service as events
from server.mail import event_notices, notices, service
from server.mail.delivery import FileTransport
from server.mail.tables import Outbox
from server.mail.worker import Worker
from server.settings import Settings
from tests.events.helpers import new_organizer
from tests.mail.conftest import event_input, published_event, volunteer
from tests.mail.smtp import Sink


def calendar_part(message: EmailMessage) -> tuple[str, icalendar.Calendar] | None:
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    if not parts:
        return None
    assert len(parts) == 1
    payload = parts[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    return str(parts[0].get_param("method")), icalendar.Calendar.from_ical(payload)


async def test_each_kind_arrives_once_with_headers_parts_and_ics(
    sink: Sink, worker: Worker
) -> None:
    member, event = await published_event()
    ada, bo = volunteer(1, name="Ada"), volunteer(2, name="Bo")
    assert await notices.send_rsvp_confirmation(event, ada)
    assert await notices.send_waitlist_promotion(event, bo)
    assert await notices.set_reminders(event, ada) == 2
    assert await notices.send_my_signups_link(ada, url="http://testserver/s/secret", key="link-1")
    await members.invite(member.who, member.org_id, "newcomer@example.org", "organizer")
    moved = await events.update_event(
        member.who, event["id"], event_input(event, venue_name="Brandenburger Tor")
    )
    assert (
        await event_notices.notify_attendees(moved, [ada, bo], "event_changed", before=event) == 2
    )
    sent = await notices.broadcast(
        moved, [ada, bo], subject="Bring water", body="It will be hot.", sender_name="Sam",
        broadcast_id="b1",
    )  # fmt: skip
    assert sent == 2
    cancelled = await events.cancel_event(member.who, event["id"])
    assert await event_notices.notify_attendees(cancelled, [ada], "event_cancelled") == 1

    # Queueing all of it again changes nothing: every key is taken.
    assert not await notices.send_rsvp_confirmation(event, ada)
    assert (
        await event_notices.notify_attendees(moved, [ada, bo], "event_changed", before=event) == 0
    )

    # The reminders were dropped by the cancellation; all else is due now.
    await worker.drain()
    # (Security notices to the organizer's own address, if any, are not counted here.)
    organizer = member.email.lower()
    messages = [m for m in sink.messages if m["To"].addresses[0].addr_spec != organizer]
    ids = [m["Message-ID"] for m in messages]
    assert len(ids) == len(set(ids)) == 9
    total = len(sink.messages)
    assert await worker.drain() == 0 and len(sink.messages) == total  # nothing goes twice

    by_subject = {str(m["Subject"]): m for m in messages}
    assert set(by_subject) >= {
        "You're going: Vigil for Chechnya",
        "A place opened up: Vigil for Chechnya",
        "Your sign-ups on Muster",
        "Changed: Vigil for Chechnya",
        "Bring water",
        "Cancelled: Vigil for Chechnya",
    }
    for message in messages:
        assert message["From"] == "Muster <noreply@localhost>"
        assert len(message["To"].addresses) == 1 and message["Cc"] is None
        assert message["Auto-Submitted"] == "auto-generated"
        assert message.get_body(("plain",)) is not None
        assert message.get_body(("html",)) is not None
    for sender, recipients in sink.envelopes():
        assert sender == "noreply@localhost" and len(recipients) == 1

    confirmation = by_subject["You're going: Vigil for Chechnya"]
    assert confirmation["To"].addresses[0].addr_spec == ada.email
    assert ada.manage_url in confirmation.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    method, calendar = calendar_part(confirmation) or ("", icalendar.Calendar())
    vevent = calendar.walk("VEVENT")[0]
    assert method == "REQUEST" == calendar["METHOD"]
    assert vevent["UID"] == f"{event['id']}@testserver"
    assert int(str(vevent["SEQUENCE"])) == event["sequence"]
    assert str(vevent["ATTENDEE"]) == f"mailto:{ada.email}"
    assert str(vevent["ORGANIZER"]) == "mailto:noreply@localhost"

    changes = [m for m in messages if str(m["Subject"]).startswith("Changed:")]
    assert sorted(m["To"].addresses[0].addr_spec for m in changes) == [ada.email, bo.email]
    method, calendar = calendar_part(changes[0]) or ("", icalendar.Calendar())
    vevent = calendar.walk("VEVENT")[0]
    assert method == "REQUEST" and vevent["UID"] == f"{event['id']}@testserver"
    assert int(str(vevent["SEQUENCE"])) == moved["sequence"] > event["sequence"]
    assert "Brandenburger Tor" in str(vevent["LOCATION"])
    assert "place" in changes[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]

    cancellation = by_subject["Cancelled: Vigil for Chechnya"]
    method, calendar = calendar_part(cancellation) or ("", icalendar.Calendar())
    vevent = calendar.walk("VEVENT")[0]
    assert method == "CANCEL" == calendar["METHOD"] and vevent["STATUS"] == "CANCELLED"
    assert int(str(vevent["SEQUENCE"])) == cancelled["sequence"] > moved["sequence"]
    assert vevent["UID"] == f"{event['id']}@testserver"

    broadcasts = [m for m in messages if str(m["Subject"]) == "Bring water"]
    assert sorted(m["To"].addresses[0].addr_spec for m in broadcasts) == [ada.email, bo.email]
    for message in broadcasts:
        # Folded onto its own line (the URL is long): unfolded, it is the one-click URL.
        assert (
            str(message["List-Unsubscribe"]).strip().startswith("<http://testserver/unsubscribe/")
        )
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert calendar_part(message) is None
    invitation = next(m for m in messages if "invited you to" in str(m["Subject"]))
    assert invitation["To"].addresses[0].addr_spec == "newcomer@example.org"
    assert "/invitations/" in invitation.get_body(("plain",)).get_content()  # type: ignore[union-attr]


async def test_reminders_arrive_when_due_with_unsubscribe_headers(
    sink: Sink, worker: Worker
) -> None:
    _, event = await published_event()
    ada = volunteer(1)
    assert await notices.set_reminders(event, ada) == 2
    assert await notices.set_reminders(event, ada) == 2  # re-planned, not doubled
    assert await worker.drain() == 0  # not due yet
    rows = await Outbox.select(Outbox.due_at).where(Outbox.kind == "reminder")
    assert sorted(r["due_at"] for r in rows) == [
        event["starts_at"] - notices.timedelta(hours=24),
        event["starts_at"] - notices.timedelta(hours=2),
    ]
    await worker.drain(now=event["starts_at"] - notices.timedelta(hours=23))
    assert [str(m["Subject"]).split(",")[0] for m in sink.messages] == [
        "Reminder: Vigil for Chechnya"
    ]
    await worker.drain(now=event["starts_at"] - notices.timedelta(minutes=90))
    messages = sink.messages
    assert len(messages) == 2
    assert "starts in 1 day" in messages[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "starts in 2 hours" in messages[1].get_body(("plain",)).get_content()  # type: ignore[union-attr]
    for message in messages:
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


async def test_reminder_minutes_of_the_event_are_used() -> None:
    _, event = await published_event()
    assert notices.reminder_leads({**event, "reminder_minutes": "60, 2880,x,0"}) == [2880, 60]
    assert notices.reminder_leads({**event, "reminder_minutes": ""}) == []
    assert notices.reminder_leads(event) == [1440, 120]  # the default (column may not exist)
    custom = {**event, "reminder_minutes": "60"}
    assert await notices.set_reminders(custom, volunteer(1)) == 1


async def test_queue_is_idempotent_and_commits_with_the_callers_transaction() -> None:
    values: dict[str, Any] = {
        "to": "a@example.org", "kind": "my_signups_link", "subject": "s", "text": "t", "html": None
    }  # fmt: skip
    assert await service.queue(**values, idempotency_key="k1")
    assert not await service.queue(**values, idempotency_key="k1")

    class Boom(Exception):
        pass

    with pytest.raises(Boom):
        async with db.write_transaction():
            assert await service.queue(**values, idempotency_key="k2")
            assert await notices.send_my_signups_link(volunteer(1), url="u", key="k3")
            raise Boom
    keys = {r["idempotency_key"] for r in await Outbox.select(Outbox.idempotency_key)}
    assert keys == {"k1"}  # rolled back with the change that caused them


async def test_a_failed_invitation_email_rolls_back_the_invitation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The invitation row and its email commit together, or neither does."""
    from tests.events.helpers import member_with_org

    member = await member_with_org()

    async def broken(*_: object, **__: object) -> bool:
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(service, "queue_draft", broken)
    with pytest.raises(RuntimeError):
        await members.invite(member.who, member.org_id, "x@example.org", "viewer")
    assert await members.invitation_for("nothing") is None
    from server.accounts.tables import Invitation

    assert await Invitation.count() == 0


async def test_without_smtp_host_each_message_is_an_eml_file(
    settings: Settings, tmp_path: Path
) -> None:
    who, _ = await new_organizer()
    assert await notices.send_my_signups_link(volunteer(1), url="http://t/s/x", key="eml")
    files = FileTransport(tmp_path / "mail")
    worker = Worker(service.config(), files)
    assert await worker.drain() == 1
    written = list((tmp_path / "mail").glob("*.eml"))
    assert len(written) == 1
    text = written[0].read_text()
    assert "Subject: Your sign-ups on Muster" in text and "To: Volunteer 1 <volunteer1@" in text
    row = await Outbox.select(Outbox.status, Outbox.id).first()
    assert row is not None and row["status"] == "sent" and str(row["id"]) in written[0].name
    assert dataclasses.replace(settings, smtp_host=None).smtp_host is None
    del who


async def test_header_injection_through_smtp_adds_no_header_or_recipient(
    sink: Sink, worker: Worker
) -> None:
    _, event = await published_event(title="Vigil")
    evil = volunteer(1, name="Eve\r\nBcc: everyone@example.org\r\nX-Injected: yes")
    await notices.broadcast(
        event, [evil], subject="Hello\r\nBcc: spy@example.org", body="b", sender_name="S\nT",
        broadcast_id="inject",
    )  # fmt: skip
    assert await worker.drain() == 1
    [message] = sink.messages
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert [a.addr_spec for a in message["To"].addresses] == [evil.email]
    assert str(message["Subject"]) == "Hello Bcc: spy@example.org"
    assert sink.envelopes() == [("noreply@localhost", [evil.email])]
    assert message["List-Unsubscribe"] and message["List-Unsubscribe-Post"]
    row = await Outbox.select(Outbox.headers).first()
    assert row is not None and json.loads(row["headers"]) == {}  # wiped once sent
