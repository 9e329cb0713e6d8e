"""Each kind of message, built from an event row and queued with the right key: the one
path mail takes (see the package docstring for who calls what).

Every function here only INSERTs/UPDATEs outbox rows inside the caller's write
transaction (``service.atomic()`` joins it). What a volunteer's or organizer's change
owes is only marked in that change's transaction (``signups.notices``,
``event_notices``); these run afterwards, in the background sender's short ones.
Links carry secrets, so they are only ever put in mail, never in a page or API answer.

Reminders are state rather than news: ``set_reminders`` (re)plans one recipient's
reminders for an event from its ``reminder_minutes`` ("1440,120" by default), and when
the event moves ``reschedule`` re-renders the pending ones (their text shows the time)
and moves them to new start - lead. What each was built from (recipient, lead, the
unsubscribe link) is kept in the row's ``context`` for that.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from server import i18n
from server.accounts import service as accounts
from server.accounts.members import InvitationSent
from server.events.hooks import EventChanged
from server.mail import compose, render, service, unsubscribe
from server.mail.compose import Draft, EventInfo, Recipient
from server.tokens import utcnow

DEFAULT_REMINDERS = "1440,120"  # minutes before the start: a day, and two hours
MAX_LEAD = 14 * 24 * 60
REMINDER = "reminder"


def reminder_leads(event_row: Mapping[str, Any]) -> list[int]:
    """The event's reminder offsets in minutes, longest first ("" means none)."""
    raw = event_row.get("reminder_minutes")
    text = DEFAULT_REMINDERS if raw is None else str(raw)
    leads = set()
    for part in text.split(","):
        part = part.strip()
        if part.isdigit() and 0 < int(part) <= MAX_LEAD:
            leads.add(int(part))
    return sorted(leads, reverse=True)


async def event_info(event_row: Mapping[str, Any]) -> EventInfo:
    name = event_row.get("organization_name")
    if name is None:
        organization = await accounts.get_organization(event_row["organization"])
        name = organization.name if organization else ""
    config = service.config()
    return compose.event_info(
        event_row,
        base_url=config.base_url,
        calendar_host=config.calendar_host,
        organizer_email=config.from_address,
        organization_name=name,
    )


def who(to: Recipient) -> str:
    """The recipient in idempotency keys: a signup id, or a hash (never the address)."""
    return to.key or service.email_hash(to.email)[:32]


def manage_url(token: str) -> str:
    return f"{service.config().base_url}/m/{token}"


def home_url(token: str) -> str:
    return f"{service.config().base_url}/my/{token}"


# --- answers to what a volunteer did -------------------------------------------------------


async def send_rsvp_confirmation(
    event_row: Mapping[str, Any], to: Recipient, *, waitlisted: bool = False, key: str = ""
) -> bool:
    """ "You're going" (with the .ics) or "you're on the waitlist"."""
    draft = compose.rsvp_confirmation(await event_info(event_row), to, waitlisted=waitlisted)
    state = "waitlisted" if waitlisted else "going"
    key = key or f"rsvp_confirmation:{event_row['id']}:{who(to)}:{state}"
    return await service.queue_draft(draft, to, idempotency_key=key, event_id=event_row["id"])


async def send_waitlist_promotion(
    event_row: Mapping[str, Any], to: Recipient, *, key: str = ""
) -> bool:
    draft = compose.waitlist_promotion(await event_info(event_row), to)
    key = key or f"waitlist_promotion:{event_row['id']}:{who(to)}"
    return await service.queue_draft(draft, to, idempotency_key=key, event_id=event_row["id"])


async def send_my_signups_link(to: Recipient, *, url: str, key: str) -> bool:
    """The volunteer's "my signups" link; ``key`` names this request (one mail per link)."""
    return await service.queue_draft(compose.my_signups_link(to, url=url), to, idempotency_key=key)


# --- a signup's status, told after the change that set it -----------------------------------


async def tell_status(event: Mapping[str, Any], to: Recipient, status: str, *, key: str) -> None:
    """The confirmation for a signup's current status, with its (new) manage link.

    ``status`` is what the volunteer may know: a blocked signup is told "waitlisted".
    A declined volunteer's reminders were stopped with the decision itself
    (``signups.notices.stopped``): dropping them here, later, would also drop those just
    planned for another of their signups to the event.
    """
    if status in ("going", "checked_in"):
        await send_rsvp_confirmation(event, to, key=key)
        await set_reminders(event, to)
    elif status == "waitlisted":
        not_going = dataclasses.replace(to, going=False)
        await send_rsvp_confirmation(event, not_going, waitlisted=True, key=key)
    elif status in ("pending", "unconfirmed", "declined"):
        await _queue_status(event, to, f"rsvp_{status}", key)


async def promoted(event: Mapping[str, Any], to: Recipient, *, key: str) -> None:
    """A promoted volunteer: "a place opened up", and their reminders."""
    await send_waitlist_promotion(event, to, key=key)
    await set_reminders(event, to)


async def already_signed_up(event: Mapping[str, Any], to: Recipient, *, day: str) -> None:
    """A repeat RSVP: "you are already signed up", with no link (a stranger may have sent
    it). The key makes it one mail per signup and day, however often it is sent."""
    await _queue_status(event, to, "rsvp_again", f"rsvp_again:{to.key}:{day}")


async def _queue_status(event: Mapping[str, Any], to: Recipient, kind: str, key: str) -> bool:
    to = dataclasses.replace(to, going=False)  # these never carry the exact address
    draft = _status_draft(await event_info(event), to, kind)
    return await service.queue_draft(draft, to, idempotency_key=key, event_id=event["id"])


def _status_draft(info: EventInfo, to: Recipient, kind: str) -> Draft:
    """The messages compose has no builder of its own for (web/templates/email/
    signup_status.*): never the exact address, nor a calendar entry."""
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
        my_signups = f"{service.config().base_url}/my-signups"
        lead = _(
            "Someone, most likely you, RSVP'd again with this email address. Nothing has "
            "changed: your RSVP stands as it was. Your private link is in the first email we "
            "sent you; for a new link to all your RSVPs, go to %(url)s",
            url=my_signups,
        )
    else:
        subject = _("Your RSVP: %(title)s", title=title)
        lead = _("The organizers could not offer you a place at this event.")
    view = {**compose.event_view(info, to, to.locale), "online_url": ""}
    if not info.address_hidden:  # these messages have always named the city in full
        parts = (info.venue_name, info.address, info.city)
        view["where"] = ", ".join(compose.one_line(p) for p in parts if p.strip())
    if kind not in ("rsvp_pending", "rsvp_unconfirmed"):
        to = dataclasses.replace(to, manage_url="")
    return compose.draft(kind, to, subject, template="signup_status", event=view, lead=lead)


# --- reminders ------------------------------------------------------------------------------


def _reminder_key(event_id: Any, to: Recipient, lead: int, due: datetime) -> str:
    return f"{REMINDER}:{event_id}:{who(to)}:{lead}:{due:%Y%m%dT%H%M}"


async def _queue_reminder(
    info: EventInfo, to: Recipient, lead: int, due: datetime, unsubscribe_url: str = ""
) -> bool:
    url = unsubscribe_url or await unsubscribe.unsubscribe_url(to.email)
    draft = compose.reminder(info, to, lead_minutes=lead, unsubscribe_url=url)
    context = {"recipient": to.to_dict(), "lead_minutes": lead, "unsubscribe_url": url}
    return await service.queue_draft(
        draft,
        to,
        idempotency_key=_reminder_key(info.id, to, lead, due),
        due_at=due,
        event_id=uuid.UUID(info.id),
        context=context,
    )


async def set_reminders(
    event_row: Mapping[str, Any], to: Recipient, *, now: datetime | None = None
) -> int:
    """Plan ``to``'s reminders for the event (replacing pending ones); how many were queued.

    Call it when a signup becomes going; a reminder whose time has passed is skipped.
    """
    now = now or utcnow()
    if event_row.get("status") != "published" or await service.is_suppressed(to.email):
        return 0
    info = await event_info(event_row)
    queued = 0
    async with service.atomic():
        await service.delete_pending(event_row["id"], [REMINDER], to.email)
        for lead in reminder_leads(event_row):
            due = info.starts_at - timedelta(minutes=lead)
            if due > now:
                queued += await _queue_reminder(info, to, lead, due)
    return queued


async def cancel_reminders(event_id: uuid.UUID, email: str) -> int:
    """A signup was cancelled (or removed, blocked): its pending reminders are not sent,
    and the sent ones are not planned again when the event moves — a re-planned reminder
    would carry a new hidden address to someone no longer going (invariant 2)."""
    async with service.atomic():
        await service.retire_sent(event_id, [REMINDER], email)
        return await service.drop_pending(
            event_id, [REMINDER], recipient=email, reason="signup cancelled"
        )


# What may carry an event's exact address to a volunteer who is going.
_ADDRESS_KINDS = ("rsvp_confirmation", "waitlist_promotion", "event_changed")


async def stopped_going(event_id: uuid.UUID, email: str) -> int:
    """Someone stopped going (cancelled, declined, removed, blocked, moved to a waitlist):
    their reminders stop, and what is still queued that may carry the exact address (a
    confirmation or promotion the worker has not sent yet, a change notice) is dropped."""
    async with service.atomic():
        stopped = await cancel_reminders(event_id, email)
        return stopped + await service.drop_pending(
            event_id, _ADDRESS_KINDS, recipient=email, reason="no longer going"
        )


async def reschedule(event_row: Mapping[str, Any], *, now: datetime | None = None) -> int:
    """The event changed: re-render its reminders and move them to new start - lead.

    - a pending reminder gets the new text and time; if that time has passed, only the
      most imminent one per recipient is sent at once, and only when no later one is
      still to come (no burst of stale reminders after a move to "soon");
    - a reminder already sent is planned again when the move puts its time in the future;
    - when the event's ``reminder_minutes`` changed, pending reminders at a lead no longer
      wanted are dropped and the new leads are planned for everyone who had reminders.
    Returns how many reminders were rewritten, added or dropped.
    """
    now = now or utcnow()
    info = await event_info(event_row)
    if info.starts_at <= now:
        return await service.drop_pending(event_row["id"], [REMINDER], reason="event started")
    rows = await service.of_event(event_row["id"], [REMINDER], ["queued", "sent"])
    groups: dict[str, dict[int, list[dict[str, Any]]]] = {}
    for row in rows:
        context = json.loads(row["context"] or "null")
        if not context:
            continue
        row["_context"] = context
        lead = int(context["lead_minutes"])
        groups.setdefault(row["recipient_hash"], {}).setdefault(lead, []).append(row)
    wanted = reminder_leads(event_row)
    changed = 0
    async with service.atomic():
        for by_lead in groups.values():
            known = next(iter(by_lead.values()))[0]["_context"]  # recipient and links
            changed += await _drop_unwanted(by_lead, wanted)
            changed += await _replan(info, by_lead, now)
            changed += await _add_new_leads(info, known, by_lead, wanted, now)
    return changed


async def _drop_unwanted(by_lead: dict[int, list[dict[str, Any]]], wanted: list[int]) -> int:
    """Pending reminders at a lead the organizer took out; sent ones stay as history."""
    dropped = 0
    for lead in [lead for lead in by_lead if lead not in wanted]:
        for row in by_lead.pop(lead):
            if row["status"] == "queued":
                await service.drop_message(row["id"], "reminder times changed")
                dropped += 1
    return dropped


async def _add_new_leads(
    info: EventInfo,
    known: dict[str, Any],
    by_lead: dict[int, list[dict[str, Any]]],
    wanted: list[int],
    now: datetime,
) -> int:
    """Reminders at a lead the organizer added, for a recipient who had reminders."""
    to = Recipient.from_dict(known["recipient"])
    added = 0
    for lead in wanted:
        due = info.starts_at - timedelta(minutes=lead)
        if lead not in by_lead and due > now:
            added += await _queue_reminder(info, to, lead, due, known["unsubscribe_url"])
    return added


async def _replan(info: EventInfo, by_lead: dict[int, list[dict[str, Any]]], now: datetime) -> int:
    due = {lead: info.starts_at - timedelta(minutes=lead) for lead in by_lead}
    future = [lead for lead in by_lead if due[lead] > now]
    past = [lead for lead in by_lead if due[lead] <= now]
    # Of the reminders whose new time has passed, at most the most imminent one is sent.
    keep_now = min(past) if past and not future else None
    changed = 0
    for lead, rows in by_lead.items():
        pending = [r for r in rows if r["status"] == "queued"]
        context = rows[0]["_context"]
        to = Recipient.from_dict(context["recipient"])
        if pending:
            for row in pending:
                if due[lead] > now or lead == keep_now:
                    draft = compose.reminder(
                        info, to, lead_minutes=lead, unsubscribe_url=context["unsubscribe_url"]
                    )
                    changed += await service.rewrite_pending(row["id"], draft, max(due[lead], now))
                else:
                    await service.drop_message(row["id"], "superseded")
        elif due[lead] > now and all(r["due_at"] != due[lead] for r in rows):
            changed += await _queue_reminder(info, to, lead, due[lead], context["unsubscribe_url"])
    return changed


# --- news about the event -------------------------------------------------------------------


async def broadcast(
    event_row: Mapping[str, Any],
    recipients: Iterable[Recipient],
    *,
    subject: str,
    body: str,
    sender_name: str,
    broadcast_id: str,
) -> int:
    """An organizer's message: one message per recipient, never a shared To/CC list.

    Recipients who unsubscribed are skipped. ``broadcast_id`` names this broadcast.
    """
    info = await event_info(event_row)
    queued = 0
    async with service.atomic():
        for to in recipients:
            if await service.is_suppressed(to.email):
                continue
            url = await unsubscribe.unsubscribe_url(to.email)
            draft = compose.broadcast(
                info, to, subject=subject, body=body, sender_name=sender_name, unsubscribe_url=url
            )
            key = f"broadcast:{broadcast_id}:{who(to)}"
            queued += await service.queue_draft(
                draft, to, idempotency_key=key, event_id=event_row["id"]
            )
    return queued


# --- listeners wired in server/app.py -----------------------------------------------------


async def on_event_changed(change: EventChanged) -> None:
    """``events.hooks`` listener: runs inside the event's write transaction.

    Dropping is one cheap UPDATE and happens here. Re-rendering every attendee's
    reminders would hold the write lock (and fail the edit on a template error): they
    are held back and marked instead, and ``reschedule`` runs in the background
    (``event_notices``, composed by signups' sender)."""
    from server.mail import event_notices  # it builds on this module

    if change.cancelled or change.after["status"] != "published":
        await service.drop_pending(change.event_id, [REMINDER], reason="event cancelled")
        return
    if change.calendar_visible or reminder_leads(change.before) != reminder_leads(change.after):
        await event_notices.mark_reminders(change.after)


async def on_invitation(sent: InvitationSent) -> None:
    """``accounts.service`` invitation listener: the invitation link by email."""
    invitation = sent.invitation
    # In the inviter's language: nothing is known yet of the invited person's.
    to = Recipient(email=invitation.email, locale=i18n.current.get())
    draft = compose.organizer_invitation(
        to,
        organization_name=sent.organization_name,
        inviter_name=sent.invited_by.display_name,
        role=invitation.role,
        url=f"{service.config().base_url}/invitations/{invitation.secret}",
        expires_at=invitation.expires_at,
    )
    await service.queue_draft(draft, to, idempotency_key=f"organizer_invitation:{invitation.id}")
