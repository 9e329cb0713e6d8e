"""Which addresses Muster takes, end to end through a real SMTP server (issue 12, item 11).

Decision: our mail goes out without SMTPUTF8, so an address whose part before the @ is
not ASCII is refused where it is typed, with a field error, instead of being accepted
and then bouncing for good in the worker. An internationalised domain is fine: it is
stored and sent in its IDNA form (``bücher.example`` -> ``xn--bcher-kva.example``).
"""

from __future__ import annotations

import httpx
import pytest

from server.mail.worker import Worker
from server.signups import notices
from server.text import EMAIL_LOCAL_NOT_ASCII, normalize_email, validate_email
from tests.conftest import csrf_token
from tests.mail.smtp import Sink
from tests.signups.helpers import person, published_event, rsvp, signups_of

UNICODE_LOCAL = "zoë.müller@example.org"
IDN = "Ada@Bücher.example"
IDN_ASCII = "ada@xn--bcher-kva.example"


@pytest.mark.parametrize(
    ("typed", "stored", "error"),
    [
        ("ada@example.org", "ada@example.org", None),
        (IDN, IDN_ASCII, None),
        ("Ада@пример.рф", "ада@xn--e1afmkfd.xn--p1ai", EMAIL_LOCAL_NOT_ASCII),
        (UNICODE_LOCAL, UNICODE_LOCAL, EMAIL_LOCAL_NOT_ASCII),
        ("ada@exa\u202emple.org", "ada@exa\u202emple.org", "Enter a valid email address"),
    ],
    ids=["ascii", "idn-domain", "cyrillic", "accented-local", "bidi-domain"],
)
def test_addresses_are_normalised_and_checked(typed: str, stored: str, error: str | None) -> None:
    assert normalize_email(typed) == stored
    found = validate_email(normalize_email(typed)).get("email")
    assert (found is None) if error is None else (found is not None and found.startswith(error))


async def test_a_non_ascii_local_part_is_refused_at_rsvp_and_nothing_is_sent(
    client: httpx.AsyncClient, sink: Sink, worker: Worker
) -> None:
    _, event = await published_event(client)
    answer = await rsvp(client, event["id"], person(1, email=UNICODE_LOCAL))
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"] == [{"field": "email", "message": EMAIL_LOCAL_NOT_ASCII}]
    assert await signups_of(event["id"]) == []
    # The HTML form says the same next to the field.
    page = f"/events/{event['id']}/rsvp"
    form = await client.post(
        page,
        data={**person(2, email=UNICODE_LOCAL), "_csrf_token": await csrf_token(client, page)},
    )
    assert form.status_code == 422
    assert "before the @: our mail cannot reach this address." in form.text
    await notices.flush()  # signups compose their mail after the answer (signups/notices.py)
    await worker.drain()
    assert not [to for _, to in sink.envelopes() if UNICODE_LOCAL in to]


async def test_an_internationalised_domain_gets_its_mail(
    client: httpx.AsyncClient, sink: Sink, worker: Worker
) -> None:
    _, event = await published_event(client)
    answer = await rsvp(client, event["id"], person(1, email=IDN))
    assert answer.status_code == 201, answer.text
    assert [r["email"] for r in await signups_of(event["id"])] == [IDN_ASCII]
    await notices.flush()  # signups compose their mail after the answer (signups/notices.py)
    await worker.drain()
    # The organizer's own notices may arrive too: look at the volunteer's mail only.
    assert [to for _, to in sink.envelopes() if IDN_ASCII in to] == [[IDN_ASCII]]
    [mail] = [m for m in sink.messages if IDN_ASCII in str(m["To"])]
    assert "Vigil" in str(mail["Subject"])
