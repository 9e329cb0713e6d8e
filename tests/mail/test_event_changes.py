"""Moved events move their reminders; cancelled events drop them and tell attendees."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from zoneinfo import ZoneInfo

import icalendar

from server.events import service as events
from server.mail import event_notices, notices, sealed, service
from server.mail.tables import EventNotice, Outbox
from server.mail.worker import Worker
from server.signups import event_notices as signup_event_notices
from server.tokens import utcnow
from tests.mail.conftest import event_input, published_event, volunteer
from tests.mail.smtp import Sink


async def reminders(*, replanned: bool = True) -> list[dict]:
    """The outbox's reminders, once what an edit marked was re-planned in the background
    (``replanned=False``: as the edit left them)."""
    if replanned:
        await signup_event_notices.send_due()
    rows = await Outbox.select().where(Outbox.kind == "reminder").order_by(Outbox.due_at)
    return [sealed.opened(row) for row in rows]


async def test_moving_an_event_reschedules_and_rewrites_its_pending_reminders(
    sink: Sink, worker: Worker
) -> None:
    member, event = await published_event(starts_in=timedelta(days=5))
    ada, bo = volunteer(1), volunteer(2)
    await notices.set_reminders(event, ada)
    await notices.set_reminders(event, bo)
    new_start = event["starts_at"] + timedelta(days=2, hours=3)
    moved = await events.update_event(
        member.who,
        event["id"],
        event_input(event, starts_at=new_start, ends_at=new_start + timedelta(hours=2)),
    )
    assert moved["sequence"] == event["sequence"] + 1
    # The edit rendered nothing: it held the reminders back and left a marker.
    held = await reminders(replanned=False)
    assert {r["next_attempt_at"] for r in held} == {service.HELD}
    assert await worker.drain(utcnow() + timedelta(days=30)) == 0  # none goes out as it was
    assert await EventNotice.count().where(EventNotice.reminders == True) == 1  # noqa: E712
    rows = await reminders()
    assert len(rows) == 4 and {r["status"] for r in rows} == {"queued"}
    assert Counter(r["due_at"] for r in rows) == {
        new_start - timedelta(hours=24): 2,
        new_start - timedelta(hours=2): 2,
    }
    assert all(r["next_attempt_at"] == r["due_at"] for r in rows)
    # Nothing goes out at the old times...
    assert await worker.drain(event["starts_at"] - timedelta(hours=1)) == 0
    # ... and at the new ones the text shows the new time.
    await worker.drain(new_start - timedelta(hours=1))
    assert len(sink.messages) == 4
    berlin_time = new_start.astimezone(ZoneInfo("Europe/Berlin"))
    for message in sink.messages:
        body = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert f"{berlin_time.day} {berlin_time:%B} {berlin_time.year}" in body
        assert str(message["Subject"]).startswith("Reminder: Vigil for Chechnya")


async def test_a_change_a_calendar_does_not_see_leaves_reminders_alone() -> None:
    member, event = await published_event()
    await notices.set_reminders(event, volunteer(1))
    before = [(r["due_at"], r["text_body"]) for r in await reminders()]
    await events.update_event(member.who, event["id"], event_input(event, capacity=40))
    assert [(r["due_at"], r["text_body"]) for r in await reminders()] == before


async def test_a_move_to_soon_sends_only_the_most_imminent_reminder(worker: Worker) -> None:
    member, event = await published_event(starts_in=timedelta(days=4))
    await notices.set_reminders(event, volunteer(1))
    soon = utcnow().replace(microsecond=0) + timedelta(hours=1)
    await events.update_event(
        member.who,
        event["id"],
        event_input(event, starts_at=soon, ends_at=soon + timedelta(hours=1)),
    )
    rows = await reminders()
    by_status = {r["status"]: r for r in rows}
    assert sorted(r["status"] for r in rows) == ["dropped", "queued"]
    assert "in 2 hours" in by_status["queued"]["text_body"]  # the 2-hour one, sent now
    assert by_status["queued"]["due_at"] <= utcnow()


async def test_a_sent_reminder_is_planned_again_when_the_event_moves_later(
    sink: Sink, worker: Worker
) -> None:
    member, event = await published_event(starts_in=timedelta(days=3))
    await notices.set_reminders(event, volunteer(1))
    await worker.drain(event["starts_at"] - timedelta(hours=23))  # the day-before one went
    assert len(sink.messages) == 1
    later = event["starts_at"] + timedelta(days=7)
    await events.update_event(
        member.who,
        event["id"],
        event_input(event, starts_at=later, ends_at=later + timedelta(hours=2)),
    )
    rows = await reminders()
    assert Counter((r["status"], r["due_at"]) for r in rows) == {
        ("sent", event["starts_at"] - timedelta(hours=24)): 1,
        ("queued", later - timedelta(hours=24)): 1,
        ("queued", later - timedelta(hours=2)): 1,
    }


async def test_cancelling_drops_reminders_and_sends_each_attendee_a_cancellation(
    sink: Sink, worker: Worker
) -> None:
    member, event = await published_event()
    ada, bo = volunteer(1), volunteer(2, going=False)
    await notices.set_reminders(event, ada)
    cancelled = await events.cancel_event(member.who, event["id"])
    rows = await reminders()
    assert {r["status"] for r in rows} == {"dropped"} and len(rows) == 2
    # Signups knows the attendees and calls this from its own hook listener.
    assert await event_notices.notify_attendees(cancelled, [ada, bo], "event_cancelled") == 2
    await worker.drain(event["starts_at"])  # even at event time, no reminder goes
    messages = {m["To"].addresses[0].addr_spec: m for m in sink.messages}
    assert set(messages) == {ada.email, bo.email}
    cancel = [p for p in messages[ada.email].walk() if p.get_content_type() == "text/calendar"]
    assert len(cancel) == 1 and cancel[0].get_param("method") == "CANCEL"
    payload = cancel[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    vevent = icalendar.Calendar.from_ical(payload).walk("VEVENT")[0]
    assert vevent["STATUS"] == "CANCELLED" and int(str(vevent["SEQUENCE"])) == cancelled["sequence"]
    # Someone who was not going had no calendar entry to remove.
    assert not any(p.get_content_type() == "text/calendar" for p in messages[bo.email].walk())
    assert str(messages[bo.email]["Subject"]) == "Cancelled: Vigil for Chechnya"


async def test_cancelling_a_signup_drops_only_its_reminders() -> None:
    _, event = await published_event()
    ada, bo = volunteer(1), volunteer(2)
    await notices.set_reminders(event, ada)
    await notices.set_reminders(event, bo)
    assert await notices.cancel_reminders(event["id"], ada.email) == 2
    rows = await reminders()
    assert Counter((r["recipient"], r["status"]) for r in rows) == {
        (ada.email, "dropped"): 2,
        (bo.email, "queued"): 2,
    }
    # Coming back re-plans them (the dropped rows do not block the keys).
    assert await notices.set_reminders(event, ada) == 2


async def test_new_reminder_times_replace_the_pending_reminders(sink: Sink, worker: Worker) -> None:
    member, event = await published_event(starts_in=timedelta(days=5))
    await notices.set_reminders(event, volunteer(1))
    await notices.set_reminders(event, volunteer(2))
    start = event["starts_at"]
    await events.update_event(
        member.who, event["id"], event_input(event, reminder_minutes=[2880, 120])
    )
    queued = [r for r in await reminders() if r["status"] == "queued"]
    assert Counter(r["due_at"] for r in queued) == {
        start - timedelta(hours=48): 2,  # added
        start - timedelta(hours=2): 2,  # kept
    }
    dropped = [r for r in await reminders() if r["status"] == "dropped"]
    assert {r["due_at"] for r in dropped} == {start - timedelta(hours=24)}
    assert {r["last_error"] for r in dropped} == {"reminder times changed"}
    # The new two-day reminder goes out and says so.
    assert await worker.drain(start - timedelta(hours=47)) == 2
    assert all("in 2 days" in m.get_body(("plain",)).get_content() for m in sink.messages)  # type: ignore[union-attr]


async def test_no_reminder_times_drop_every_pending_reminder() -> None:
    member, event = await published_event(starts_in=timedelta(days=5))
    await notices.set_reminders(event, volunteer(1))
    await events.update_event(member.who, event["id"], event_input(event, reminder_minutes=[]))
    assert {r["status"] for r in await reminders()} == {"dropped"}
