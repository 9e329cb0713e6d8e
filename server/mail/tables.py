"""Tables of the mail feature; only server/mail (service, worker) reads or writes them.

The outbox is generic on purpose: it knows recipients, kinds and events by value, never
by a foreign key into signups (which comes after mail in the feature order). A row is
written in the same transaction as the change that causes it and is sent by the worker.
"""

from piccolo.columns import UUID, Boolean, Integer, Text, Timestamptz, Varchar
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


class EventNotice(Table, tablename="mail_event_notice"):
    """An event change (or cancellation) its attendees have yet to be told of.

    Written in the event's own write transaction (one row per event: a later change
    folds into it), composed later by signups' background sender, which knows who is
    coming (``signups.event_notices``). It names what changed, never the values: the
    row holds no address, title or link. ``attempts``/``next_attempt_at`` bound retries
    of a notice that cannot be composed; after ``event_notices.MAX_ATTEMPTS`` it stays
    ``failed`` for an operator to look at.
    """

    id = UUID(primary_key=True)
    event_id = UUID(unique=True)
    kind = Varchar(length=16, default="")  # event_changed | event_cancelled | "" (none)
    sequence = Integer(default=0)  # the event's sequence the notice is about
    changed = Varchar(length=100, default="")  # "time,place": what to mention
    reminders = Boolean(default=False)  # pending reminders to re-render and move too
    version = Integer(default=0)  # +1 on every change folded in: "done" only if unchanged
    status = Varchar(length=16, default="pending")  # pending | failed
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow())
    last_error = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class ComposeRetry(Table, tablename="mail_compose_retry"):
    """Bounded retries of mail another feature failed to compose (``mail.retries``).

    ``key`` names what failed ("signup:<id>:<kind>"): ids and kinds only, nothing personal.
    """

    key = Varchar(length=120, primary_key=True)
    attempts = Integer(default=0)
    next_attempt_at = Timestamptz(default=TimestamptzNow())
    gave_up = Boolean(default=False)
    last_error = Text(default="")
    updated_at = Timestamptz(default=TimestamptzNow())
