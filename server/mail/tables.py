"""Tables of the mail feature; only server/mail (service, worker) reads or writes them.

The outbox is generic on purpose: it knows recipients, kinds and events by value, never
by a foreign key into signups (which comes after mail in the feature order). A row is
written in the same transaction as the change that causes it and is sent by the worker.
"""

from piccolo.columns import UUID, Integer, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

STATUSES = ("queued", "sending", "sent", "failed", "dropped")


class Outbox(Table, tablename="mail_outbox"):
    """One email to send, exactly once: ``idempotency_key`` is unique.

    ``status``: queued (waiting for ``next_attempt_at``) → sending (claimed by a worker
    until ``lease_until``) → sent | failed (permanent error or too many attempts) |
    dropped (no longer wanted: event cancelled, recipient unsubscribed).
    """

    id = UUID(primary_key=True)
    idempotency_key = Varchar(length=255, unique=True)
    recipient = Varchar(length=254)
    recipient_name = Varchar(length=200, default="")
    # SHA-256 of the lower-cased address: unsubscribing finds pending rows by it.
    recipient_hash = Varchar(length=64, index=True)
    locale = Varchar(length=16, default="en")
    kind = Varchar(length=40)
    subject = Text()
    text_body = Text()
    html_body = Text(null=True, default=None)
    ics = Text(null=True, default=None)  # an iCalendar attachment (UTF-8 text)
    ics_method = Varchar(length=16, null=True, default=None)  # REQUEST | CANCEL | None
    headers = Text(default="{}")  # JSON: extra headers (List-Unsubscribe, ...)
    # JSON: what the message was built from, so a moved event can re-render it.
    context = Text(null=True, default=None)
    event_id = UUID(null=True, default=None, index=True)
    status = Varchar(length=16, default="queued")
    due_at = Timestamptz(default=TimestamptzNow())
    next_attempt_at = Timestamptz(default=TimestamptzNow())
    attempts = Integer(default=0)
    lease_until = Timestamptz(null=True, default=None)
    lease_owner = Varchar(length=64, null=True, default=None)
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    sent_at = Timestamptz(null=True, default=None)


class Suppression(Table, tablename="mail_suppression"):
    """An address (by hash) that asked for no more reminders or broadcasts."""

    email_hash = Varchar(length=64, primary_key=True)
    created_at = Timestamptz(default=TimestamptzNow())


class UnsubscribeToken(Table, tablename="mail_unsubscribe_token"):
    """A one-click unsubscribe link; only the SHA-256 of its secret is kept (invariant 3)."""

    id = UUID(primary_key=True)
    token_hash = Varchar(length=64, unique=True)
    email_hash = Varchar(length=64, index=True)
    created_at = Timestamptz(default=TimestamptzNow())
    used_at = Timestamptz(null=True, default=None)
