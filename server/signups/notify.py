"""What signups tell volunteers by email, through the mail feature's outbox.

Every function queues outbox rows inside a write transaction: ``notices`` calls them when
it composes what a change marked, the events hook inside the event's own transaction.
Links carry secrets, so they are only ever put in mail, never in a page or API answer.

The mail feature composes going / waitlisted / promoted / my-signups messages; the two it
has no builder for (pending approval, declined) are written here with its templates.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from server.mail import compose, event_notices, notices, render
from server.mail import service as mail
from server.mail.compose import Draft, Recipient

# The text of every status message: web/templates/email/signup_status.{txt,html}.
_STATUS_TEMPLATE = "signup_status"


def base_url() -> str:
    return mail.config().base_url


def manage_url(token: str) -> str:
    return f"{base_url()}/m/{token}"


def home_url(token: str) -> str:
    return f"{base_url()}/my/{token}"


def recipient(signup: Mapping[str, Any], email: str, *, going: bool, token: str = "") -> Recipient:
    """A signup's volunteer; ``going`` decides whether mail may carry the exact address."""
    return Recipient(
        email=email,
        name=str(signup.get("display_name") or ""),
        locale=str(signup.get("locale") or "en"),
        going=going,
        manage_url=manage_url(token) if token else "",
        key=str(signup["id"]),
    )


def _status_draft(info: compose.EventInfo, to: Recipient, kind: str) -> Draft:
    _ = render.gettext(to.locale)
    title = compose.display_title(info, to.locale)
    if kind == "rsvp_pending":
        subject = _("Waiting for approval: %(title)s", title=title)
        lead = _(
            "Thank you. The organizers confirm each RSVP for this event themselves: we will "
            "write to you as soon as they have."
        )
    elif kind == "rsvp_unconfirmed":
        subject = _("Please confirm your RSVP: %(title)s", title=title)
        lead = _(
            "Places at this event are limited, so we keep one for you once you confirm. "
            "Open your private link below and press “Confirm my place”. "
            "If you did not RSVP, ignore this email: nothing happens without you."
        )
    elif kind == "rsvp_again":
        subject = _("You are already signed up: %(title)s", title=title)
        lead = _(
            "Someone, most likely you, RSVP'd again with this email address. Nothing has "
            "changed: your RSVP stands as it was. Your private link is in the first email we "
            "sent you; for a new link to all your RSVPs, go to %(url)s",
            url=f"{base_url()}/my-signups",
        )
    else:
        subject = _("Your RSVP: %(title)s", title=title)
        lead = _("The organizers could not offer you a place at this event.")
    view = {
        "title": title,
        "when": render.when(info.starts_at, info.ends_at, info.timezone, to.locale),
        "where": compose.one_line(info.city) if info.address_hidden else "",
        "address_hidden": info.address_hidden,
        "online_url": "",
        "url": info.url,
        "organization": "" if info.discreet else compose.one_line(info.organization_name),
        "discreet": info.discreet,
    }
    if not info.address_hidden:
        parts = [info.venue_name, info.address, info.city]
        view["where"] = ", ".join(compose.one_line(p) for p in parts if p.strip())
    values = {
        "name": compose.one_line(to.name, 100),
        "manage_url": to.manage_url if kind in ("rsvp_pending", "rsvp_unconfirmed") else "",
        "unsubscribe_url": "",
        "subject": compose.one_line(subject),
        "site": compose.SITE_NAME,
        "lang": render.babel_locale(to.locale).replace("_", "-"),
        "event": view,
        "lead": lead,
    }
    return Draft(
        kind=kind,
        subject=compose.one_line(subject),
        text=render.render(f"{_STATUS_TEMPLATE}.txt", to.locale, **values),
        html=render.render(f"{_STATUS_TEMPLATE}.html", to.locale, **values),
    )


async def _queue_status(event: Mapping[str, Any], to: Recipient, kind: str, key: str) -> bool:
    draft = _status_draft(await notices.event_info(event), to, kind)
    return await mail.queue_draft(draft, to, idempotency_key=key, event_id=event["id"])


async def tell_status(event: Mapping[str, Any], to: Recipient, status: str, *, key: str) -> None:
    """The confirmation for a signup's current status, with its (new) manage link.

    ``status`` is what the volunteer may know: a blocked signup is told "waitlisted".
    """
    if status in ("going", "checked_in"):
        await notices.send_rsvp_confirmation(event, to, key=key)
        await notices.set_reminders(event, to)
    elif status == "waitlisted":
        await notices.send_rsvp_confirmation(event, _not_going(to), waitlisted=True, key=key)
    elif status == "pending":
        await _queue_status(event, _not_going(to), "rsvp_pending", key)
    elif status == "unconfirmed":
        await _queue_status(event, _not_going(to), "rsvp_unconfirmed", key)
    elif status == "declined":
        await _queue_status(event, _not_going(to), "rsvp_declined", key)


async def already_signed_up(event: Mapping[str, Any], to: Recipient, *, day: str) -> None:
    """A repeat RSVP: "you are already signed up", with no link (a stranger may have sent
    it). The key makes it one mail per signup and day, however often it is sent."""
    key = f"rsvp_again:{to.key}:{day}"
    await _queue_status(event, _not_going(to), "rsvp_again", key)


def _not_going(to: Recipient) -> Recipient:
    return dataclasses.replace(to, going=False)


async def promoted(event: Mapping[str, Any], people: Iterable[Recipient], *, key: str) -> None:
    """Each promoted volunteer: "a place opened up", and their reminders."""
    for to in people:
        await notices.send_waitlist_promotion(event, to, key=f"waitlist_promotion:{key}")
        await notices.set_reminders(event, to)


async def remind(event: Mapping[str, Any], to: Recipient) -> None:
    await notices.set_reminders(event, to)


async def declined(event: Mapping[str, Any], to: Recipient, *, key: str) -> None:
    """The "declined" message. Its reminders were stopped with the decision itself
    (``signups.notices.stopped``): dropping them here, later, would also drop those just
    planned for another of their signups to the event."""
    await _queue_status(event, _not_going(to), "rsvp_declined", f"rsvp_declined:{key}")


async def stopped(event_id: uuid.UUID, email: str) -> None:
    """No more reminders, nor queued mail with the address, for this volunteer and event
    (cancelled, removed, blocked)."""
    await notices.stopped_going(event_id, email)


async def home_link(email: str, token: str, locale: str) -> None:
    to = Recipient(email=email, locale=locale)
    key = f"my_signups_link:{uuid.uuid4()}"  # one mail per request (the rate limit bounds them)
    await notices.send_my_signups_link(to, url=home_url(token), key=key)


async def event_notice(
    event: Mapping[str, Any], people: list[Recipient], kind: str, before: Mapping[str, Any]
) -> None:
    """Inside the event's write transaction: mark the change or cancellation as owed to
    its attendees. Nothing is rendered here (a big event would hold the write lock, and a
    template error would fail the organizer's edit): ``signups.event_notices`` composes
    the messages afterwards, for whoever is still signed up then."""
    if people:
        await event_notices.mark(event, kind, before)  # type: ignore[arg-type]
