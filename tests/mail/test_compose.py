"""compose.py is pure: plain values in, drafts and MIME out (no database, no clock)."""

from __future__ import annotations

from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import cast

import icalendar

from server.mail import compose
from server.mail import mime as wire
from server.mail.compose import EventInfo, Recipient

START = datetime(2026, 12, 5, 17, 0, tzinfo=UTC)  # Saturday, 18:00 in Berlin


def info(**changes: object) -> EventInfo:
    values: dict[str, object] = {
        "id": "0b9d3d6e-8f5e-4a55-9d35-1b0f7d1e8c11",
        "title": "Vigil for Chechnya",
        "starts_at": START,
        "ends_at": START.replace(hour=19),
        "timezone": "Europe/Berlin",
        "url": "https://muster.test/events/0b9d3d6e-8f5e-4a55-9d35-1b0f7d1e8c11",
        "sequence": 3,
        "updated_at": datetime(2026, 11, 1, tzinfo=UTC),
        "venue_name": "Pariser Platz",
        "address": "Pariser Platz 1, 10117 Berlin",
        "city": "Berlin",
        "country": "DE",
        "lat": 52.516,
        "lon": 13.378,
        "organization_name": "Rainbow Railroad Berlin",
        "calendar_host": "muster.test",
        "organizer_email": "noreply@muster.test",
    }
    values.update(changes)
    return EventInfo(**values)  # type: ignore[arg-type]


ADA = Recipient("ada@example.org", "Ada", manage_url="https://muster.test/m/secret-ada")


def mime(draft: compose.Draft, to: Recipient = ADA) -> EmailMessage:
    message = wire.email_message(
        mail_from="Muster <noreply@muster.test>",
        to=to.email,
        to_name=to.name,
        subject=draft.subject,
        text=draft.text,
        html=draft.html,
        message_id="<1@muster.test>",
        date=START,
        ics=draft.ics,
        ics_method=draft.ics_method,
        headers=wire.unsubscribe_headers(draft.unsubscribe_url),
    )
    # Through bytes and back, as a mail client would see it.
    return cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(bytes(message)))


def every_kind() -> dict[str, compose.Draft]:
    event = info()
    return {
        "rsvp_confirmation": compose.rsvp_confirmation(event, ADA),
        "waitlist_promotion": compose.waitlist_promotion(event, ADA),
        "reminder": compose.reminder(
            event, ADA, lead_minutes=1440, unsubscribe_url="https://muster.test/unsubscribe/x"
        ),
        "event_changed": compose.event_changed(event, ADA, changed=["time"]),
        "event_cancelled": compose.event_cancelled(event, ADA),
        "broadcast": compose.broadcast(
            event,
            ADA,
            subject="Bring water",
            body="It will be hot.\n\nSee you there.",
            sender_name="Sam",
            unsubscribe_url="https://muster.test/unsubscribe/y",
        ),
        "my_signups_link": compose.my_signups_link(ADA, url="https://muster.test/s/secret"),
        "organizer_invitation": compose.organizer_invitation(
            Recipient("new@example.org"),
            organization_name="Rainbow Railroad Berlin",
            inviter_name="Sam",
            role="organizer",
            url="https://muster.test/invitations/secret",
            expires_at=START,
        ),
    }


def test_every_kind_has_a_subject_plain_text_and_an_html_alternative() -> None:
    drafts = every_kind()
    assert set(drafts) == set(compose.KINDS)
    for kind, draft in drafts.items():
        assert draft.kind == kind
        assert draft.subject and "\n" not in draft.subject
        assert draft.text.strip() and draft.html and "<html" in draft.html
        # No tracking pixels or remote images, and links are not rewritten.
        assert "<img" not in draft.html
        message = mime(draft)
        body = message.get_body(("plain",))
        html = message.get_body(("html",))
        assert body is not None and html is not None, kind
    assert "https://muster.test/m/secret-ada" in drafts["rsvp_confirmation"].text
    assert 'href="https://muster.test/m/secret-ada"' in (drafts["rsvp_confirmation"].html or "")
    assert "It will be hot." in drafts["broadcast"].text
    assert "https://muster.test/invitations/secret" in drafts["organizer_invitation"].text


def test_times_are_shown_in_the_events_own_zone() -> None:
    draft = compose.rsvp_confirmation(info(), ADA)
    assert "Saturday, 5 December 2026" in draft.text
    # 24-hour, as on the site (English here is Europe's: en-GB).
    assert "18:00" in draft.text and "PM" not in draft.text and "CET" in draft.text


def test_reminders_and_broadcasts_carry_one_click_unsubscribe_headers() -> None:
    drafts = every_kind()
    for kind, draft in drafts.items():
        message = mime(draft)
        if kind in compose.UNSUBSCRIBABLE:
            assert message["List-Unsubscribe"].startswith("<https://muster.test/unsubscribe/")
            assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        else:
            assert message["List-Unsubscribe"] is None, kind


def ics_of(message: EmailMessage) -> tuple[str, icalendar.Calendar]:
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    part = parts[0]
    payload = part.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return str(part.get_param("method")), icalendar.Calendar.from_ical(payload)


def test_itip_request_and_cancel_share_the_uid_and_carry_organizer_and_attendee() -> None:
    request_method, request = ics_of(mime(compose.event_changed(info(sequence=4), ADA)))
    cancel_method, cancel = ics_of(mime(compose.event_cancelled(info(sequence=5), ADA)))
    assert (request_method, cancel_method) == ("REQUEST", "CANCEL")
    assert request["METHOD"] == "REQUEST" and cancel["METHOD"] == "CANCEL"
    first, second = request.walk("VEVENT")[0], cancel.walk("VEVENT")[0]
    assert first["UID"] == second["UID"] == "0b9d3d6e-8f5e-4a55-9d35-1b0f7d1e8c11@muster.test"
    assert (int(str(first["SEQUENCE"])), int(str(second["SEQUENCE"]))) == (4, 5)
    assert second["STATUS"] == "CANCELLED"
    for vevent in (first, second):
        assert str(vevent["ORGANIZER"]) == "mailto:noreply@muster.test"
        assert str(vevent["ATTENDEE"]) == "mailto:ada@example.org"


def test_discreet_events_get_neutral_subjects_and_calendar_titles() -> None:
    event = info(discreet=True)
    drafts = [
        compose.rsvp_confirmation(event, ADA),
        compose.reminder(event, ADA, lead_minutes=120, unsubscribe_url="https://x/unsubscribe/t"),
        compose.event_changed(event, ADA, changed=["title", "time"]),
        compose.event_cancelled(event, ADA),
        compose.broadcast(
            event, ADA, subject="Vigil tonight", body="Hi", sender_name="S", unsubscribe_url="u"
        ),
    ]
    for draft in drafts:
        assert "Saturday plans" in draft.subject
        for secret in ("Vigil", "Chechnya", "Rainbow"):
            # Not in the subject, nor anywhere a lock-screen preview could take it from.
            assert secret not in draft.subject
            assert secret not in draft.text and secret not in (draft.html or "")
        if draft.ics:
            vevent = icalendar.Calendar.from_ical(draft.ics).walk("VEVENT")[0]
            assert str(vevent["SUMMARY"]) == "Your Saturday plans"
            assert b"Chechnya" not in draft.ics and b"Rainbow" not in draft.ics


def test_a_hidden_address_reaches_only_a_going_recipient() -> None:
    event = info(address_hidden=True, online_url="https://meet/x")
    going = compose.rsvp_confirmation(event, ADA)
    waiting = compose.rsvp_confirmation(
        event, Recipient("bo@example.org", going=False), waitlisted=True
    )
    assert "Pariser Platz 1" in going.text and going.ics and b"Pariser Platz 1" in going.ics
    assert "Pariser Platz 1" not in waiting.text and "Pariser Platz 1" not in (waiting.html or "")
    assert "https://meet/x" not in waiting.text
    assert "Berlin" in waiting.text and waiting.ics is None


def test_names_titles_and_subjects_with_line_breaks_add_no_header() -> None:
    evil = "Eve\r\nBcc: everyone@example.org\r\nX-Injected: yes"
    event = info(title="Vigil\r\nBcc: spy@example.org")
    to = Recipient("ada@example.org", evil)
    draft = compose.broadcast(
        event, to, subject="Hi\nX-Injected: 1", body="b", sender_name=evil, unsubscribe_url="u"
    )
    message = mime(draft, to)
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert message["To"].addresses[0].addr_spec == "ada@example.org"
    assert "\n" not in str(message["Subject"]) and "\r" not in str(message["To"])
    confirmation = mime(compose.rsvp_confirmation(event, to), to)
    assert confirmation["Bcc"] is None
    assert str(confirmation["Subject"]) == "You're going: Vigil Bcc: spy@example.org"


def test_the_same_input_gives_the_same_text() -> None:
    assert compose.reminder(info(), ADA, lead_minutes=120, unsubscribe_url="u") == compose.reminder(
        info(), ADA, lead_minutes=120, unsubscribe_url="u"
    )


def test_dates_follow_the_recipients_language_and_unknown_ones_fall_back() -> None:
    german = compose.reminder(
        info(), Recipient("d@example.org", locale="de"), lead_minutes=120, unsubscribe_url="u"
    )
    assert "Samstag" in german.text and "5. Dezember 2026" in german.text
    assert 'lang="de"' in (german.html or "")
    odd = compose.rsvp_confirmation(info(), Recipient("x@example.org", locale="xx-!!"))
    assert "Saturday" in odd.text and 'lang="en-GB"' in (odd.html or "")


def test_smtp_tls_setting_picks_the_connection_kind() -> None:
    from server.mail.delivery import SmtpTransport
    from server.settings import Settings

    def client(tls: str) -> tuple[bool, object]:
        made = SmtpTransport(Settings(smtp_host="mail.example.org", smtp_tls=tls))._new_client()  # type: ignore[arg-type]
        return made.use_tls, made._start_tls_on_connect

    # "none" must not upgrade on its own (aiosmtplib's default would, when offered).
    assert client("none") == (False, False)
    assert client("starttls") == (False, True)
    assert client("tls") == (True, False)
