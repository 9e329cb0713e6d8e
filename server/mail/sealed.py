"""What the outbox keeps encrypted, and what it wipes once a message is done (invariant 3).

A stolen database or backup must not give away a working secret link (``/m/…``,
``/my/…``, ``/invitations/…``, ``/unsubscribe/…``) or an event's hidden address, and
queued mail is full of both. So:

- Sealed (AES-256-GCM, key derived from SECRET_KEY for "mail-outbox", the row id and
  column name bound as associated data): ``subject`` (a discreet event's title),
  ``text_body``, ``html_body``, ``ics`` (the address), ``headers`` (List-Unsubscribe
  carries a link), ``context`` (the recipient's manage link, the unsubscribe link) and
  ``recipient_name``.
- In clear, because the outbox cannot work without them and they give nothing away that
  the same database does not already hold in clear: ``recipient`` (the address to send to
  and the one organizers see for a failed message; ``volunteer.email`` and the signup
  already tie that person to the event), ``recipient_hash`` (unsubscribe, erasure),
  ``idempotency_key`` (dedup; made of ids and hashes, never a secret), ``kind``,
  ``event_id``, ``ics_method``, states, times, attempts and ``last_error`` (an SMTP reply).
- Wiped when a message is sent, fails for good or is dropped: every sealed column but
  the recipient's address, which the mail-status page and a volunteer's data export
  show. A sent reminder keeps its sealed ``context``: a later move of the event plans it
  again from there (``notices.reschedule``); ``service.retire_sent`` clears it when the
  volunteer stops going.

Rotating SECRET_KEY makes queued messages unreadable: the worker fails them ("cannot
decrypt") rather than sending anything it cannot check. Values written before sealing
existed (no ``v1.`` prefix) are read as they are; the migration that introduced sealing
sealed or wiped all of them.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from server import crypto
from server.crypto import Undecryptable, is_sealed

PURPOSE = "mail-outbox"
COLUMNS = ("recipient_name", "subject", "text_body", "html_body", "ics", "headers", "context")
# A finished message keeps its recipient, kind, state and error for the status page.
WIPED: dict[str, Any] = {
    "recipient_name": "",
    "subject": "",
    "text_body": "",
    "html_body": None,
    "ics": None,
    "headers": "{}",
}


def _context(row_id: uuid.UUID | str, column: str) -> str:
    return f"mail_outbox:{column}:{row_id}"


def seal(row_id: uuid.UUID | str, column: str, value: str | None) -> str | None:
    """``value`` sealed for this row and column; None and "" stay as they are."""
    if not value:
        return value
    return crypto.box(PURPOSE).seal(value, _context(row_id, column))


def seal_all(row_id: uuid.UUID | str, values: Mapping[str, str | None]) -> dict[str, str | None]:
    return {column: seal(row_id, column, value) for column, value in values.items()}


def open_value(row_id: uuid.UUID | str, column: str, value: str | None) -> str | None:
    """The plain text of a sealed column; raises ``Undecryptable`` for a foreign key."""
    if not is_sealed(value):
        return value  # None, "" (wiped) or a value from before sealing existed
    assert value is not None
    return crypto.box(PURPOSE).open(value, _context(row_id, column))


def opened(row: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of an outbox row with its sealed columns (those selected) in plain text."""
    plain = dict(row)
    for column in COLUMNS:
        if column in plain:
            plain[column] = open_value(row["id"], column, plain[column])
    return plain


def readable(row: Mapping[str, Any]) -> dict[str, Any] | None:
    """``opened(row)``, or None when it cannot be opened (SECRET_KEY changed)."""
    try:
        return opened(row)
    except Undecryptable:
        return None
