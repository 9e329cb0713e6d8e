"""Attendee data in the audit log (accounts/audit.py), and the owners' email when a list
leaves Muster.

What counts as what:

- ``attendees.viewed``: the attendee list page; ``checkin.viewed``: the check-in page.
  Both are coalesced (one entry per person and event every ten minutes, with a count).
- ``attendees.exported``: the CSV download, and the organizer API's attendee list — a
  complete, machine-readable copy with every email and phone, so the same thing as an
  export. Every CSV download is its own entry and emails every owner; API reads are
  coalesced like views (scripts poll) and email the owners once per coalesced entry, so
  a stolen token cannot copy the list without the owners hearing of it.

The detail says how many rows and which filters, never what was searched for: a search
is a volunteer's name or email. The email is queued in the same transaction as the
entry (both or neither), once per export (its idempotency key is new each time), to
each owner in their language; a discreet event's title stays out of the subject.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from server.accounts import audit
from server.accounts.service import OrganizerView
from server.mail import compose, render
from server.mail import service as mail
from server.signups.roster import STATUSES, RosterView
from server.tokens import utcnow

KIND = "attendee_export_notice"  # a security notice: not in mail's UNSUBSCRIBABLE kinds


def describe(view: RosterView, *, status: str = "", shift: str = "", searched: bool = False) -> str:
    """ "12 rows, filter: going, shift Marshal, a search" — known filter values only."""
    shown = []
    if status == "blocked" or status in STATUSES:
        shown.append(status)
    if shift == "none":
        shown.append("no shift")
    elif shift:
        roles = {str(s.id): s.role for s, _ in view.shifts}
        shown.append(f"shift {roles.get(shift, 'unknown')}")
    if searched:
        shown.append("a name/email search")
    rows = f"{len(view.items)} row{'' if len(view.items) == 1 else 's'}"
    return f"{rows}, filter: {', '.join(shown)}" if shown else rows


async def viewed(viewer: OrganizerView, view: RosterView, action: str, detail: str) -> None:
    """A look at attendee data (``attendees.viewed``, ``checkin.viewed``), coalesced."""
    event = view.event
    await audit.record(
        event["organization"],
        viewer,
        action,
        event["title"],
        detail,
        subject_id=event["id"],
        coalesce=True,
    )


async def exported(viewer: OrganizerView, view: RosterView, detail: str, *, api: bool) -> None:
    """Record an export and email every owner, in one transaction."""
    event = view.event
    async with mail.atomic():
        new = await audit.record(
            event["organization"],
            viewer,
            "attendees.exported",
            event["title"],
            detail + (", through the API" if api else ""),
            subject_id=event["id"],
            coalesce=api,
        )
        if new:
            await _tell_owners(viewer, view, utcnow(), api=api)


async def _tell_owners(viewer: OrganizerView, view: RosterView, at: datetime, *, api: bool) -> None:
    event = view.event
    export_id = uuid.uuid4()  # one message per owner and export, never merged with another
    url = f"{mail.config().base_url}/organizer/orgs/{event['organization']}/audit"
    for owner in await audit.owners(event["organization"]):
        to = compose.Recipient(
            email=owner["email"], name=owner["display_name"], locale=owner["locale"] or "en"
        )
        subject, text, html = _message(viewer, event, len(view.items), at, to, url, api=api)
        await mail.queue(
            to=to.email,
            to_name=to.name,
            kind=KIND,
            subject=subject,
            text=text,
            html=html,
            locale=to.locale,
            idempotency_key=f"{KIND}:{export_id}:{owner['id']}",
        )


def _message(
    viewer: OrganizerView,
    event: dict[str, Any],
    rows: int,
    at: datetime,
    to: compose.Recipient,
    url: str,
    *,
    api: bool,
) -> tuple[str, str, str]:
    _ = render.gettext(to.locale)
    title = compose.one_line(event["title"])
    if event["discreet"]:
        # Subjects show on lock screens and in notification previews.
        subject = _("An attendee list was exported")
    else:
        subject = _("Attendee list exported: %(title)s", title=title)
    values = {
        "who": compose.one_line(viewer.display_name, 100),
        "title": title,
        "rows": rows,
        "at": at.strftime("%Y-%m-%d %H:%M"),
    }
    if api:
        values["token"] = compose.one_line(viewer.api_token or "-", 100)
        lead = _(
            "%(who)s exported the attendee list of %(title)s (%(rows)s rows) at %(at)s UTC "
            "through the API (token: %(token)s).",
            **values,
        )
    else:
        lead = _(
            "%(who)s exported the attendee list of %(title)s (%(rows)s rows) at %(at)s UTC.",
            **values,
        )
    context = {
        "name": compose.one_line(to.name, 100),
        "unsubscribe_url": "",
        "subject": compose.one_line(subject),
        "site": compose.SITE_NAME,
        "lang": render.babel_locale(to.locale).replace("_", "-"),
        "organization": compose.one_line(event.get("organization_name") or "", 120),
        "lead": lead,
        "url": url,
    }
    return (
        compose.one_line(subject),
        render.render(f"{KIND}.txt", to.locale, **context),
        render.render(f"{KIND}.html", to.locale, **context),
    )
