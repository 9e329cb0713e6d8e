"""Pure message building: plain values in, a ``Draft`` or an ``EmailMessage`` out.

Nothing here reads the database or the clock. Builders take an ``EventInfo`` (made from
an event row by ``event_info``) and a ``Recipient`` and return a ``Draft``: subject,
plain text, an HTML alternative (no tracking pixels, no images, links as they are) and,
for calendar-visible kinds, an iTIP .ics (METHOD:REQUEST or CANCEL, the event's UID and
SEQUENCE, ORGANIZER and ATTENDEE). ``email_message`` turns stored values into a stdlib
``EmailMessage``: its header classes refuse CR/LF, and every name, title and subject is
flattened to one line first, so no value can add a header.

Safety rules applied here:
- A "discreet" event gets a neutral subject and calendar title ("Your Saturday plans")
  and hides the organization's name, so a lock screen or shared calendar shows nothing.
- The exact address (and online link) of an attendees-only event goes only to a
  recipient whose signup is going (``Recipient.going``; invariant 2).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from server import i18n
from server.calendar.ics import IcsCalendar, IcsEvent, build_calendar
from server.mail import render
from server.mail.mime import one_line

SITE_NAME = "Muster"
KINDS = (
    "rsvp_confirmation",
    "waitlist_promotion",
    "reminder",
    "event_changed",
    "event_cancelled",
    "broadcast",
    "my_signups_link",
    "organizer_invitation",
)
# Kinds a recipient may switch off with one click (RFC 8058); the others answer something
# they did (an RSVP, a request for their link) or tell them a plan changed.
UNSUBSCRIBABLE = frozenset({"reminder", "broadcast"})


@dataclass(frozen=True, slots=True)
class Recipient:
    """Someone to write to. ``key`` makes idempotency keys (a signup id); default: the email."""

    email: str
    name: str = ""
    locale: str = "en"
    going: bool = True  # sees the exact address and gets calendar invitations
    manage_url: str = ""  # their secret signup-management link, if any
    key: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Recipient:
        fields = cls.__dataclass_fields__
        return cls(**{k: v for k, v in data.items() if k in fields})


@dataclass(frozen=True, slots=True)
class EventInfo:
    """What a message says about an event; ``event_info`` makes it from an event row."""

    id: str
    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str
    url: str
    sequence: int
    updated_at: datetime
    status: str = "published"
    description: str = ""
    venue_name: str = ""
    address: str = ""
    city: str = ""
    country: str = ""
    lat: float | None = None
    lon: float | None = None
    online_url: str = ""
    address_hidden: bool = False
    organization_name: str = ""
    discreet: bool = False
    calendar_host: str = "localhost"  # the UID's domain, as in the public feeds
    organizer_email: str = ""  # ORGANIZER of the iTIP messages: the sending address


@dataclass(frozen=True, slots=True)
class Draft:
    kind: str
    subject: str
    text: str
    html: str | None
    ics: bytes | None = None
    ics_method: str | None = None
    unsubscribe_url: str | None = None


def event_info(
    row: Mapping[str, Any],
    *,
    base_url: str,
    calendar_host: str,
    organizer_email: str,
    organization_name: str = "",
) -> EventInfo:
    """An event row (``events.tables.Event``) as messages see it.

    ``discreet`` is read with a default: the column arrives with the signups feature.
    """
    return EventInfo(
        id=str(row["id"]),
        title=row["title"],
        starts_at=row["starts_at"],
        ends_at=row["ends_at"],
        timezone=row["timezone"],
        url=f"{base_url}/events/{row['id']}",
        sequence=int(row["sequence"]),
        updated_at=row.get("updated_at") or row["starts_at"],
        status=row.get("status", "published"),
        description=row.get("description", "") or "",
        venue_name=row.get("venue_name", "") or "",
        address=row.get("address", "") or "",
        city=row.get("city", "") or "",
        country=row.get("country", "") or "",
        lat=row.get("lat"),
        lon=row.get("lon"),
        online_url=row.get("online_url", "") or "",
        address_hidden=row.get("address_visibility") == "attendees",
        organization_name=organization_name or row.get("organization_name") or "",
        discreet=bool(row.get("discreet", False)),
        calendar_host=calendar_host,
        organizer_email=organizer_email,
    )


# --- what a message says about the event --------------------------------------------------


def display_title(event: EventInfo, locale: str) -> str:
    if event.discreet:
        _ = render.gettext(locale)
        return _(
            "Your %(weekday)s plans",
            weekday=render.weekday(event.starts_at, event.timezone, locale),
        )
    return one_line(event.title)


def _shows_address(event: EventInfo, to: Recipient) -> bool:
    return to.going or not event.address_hidden


def _where(event: EventInfo, to: Recipient) -> str:
    if _shows_address(event, to):
        parts = [event.venue_name, event.address]
        if event.city and event.city not in event.address:
            parts.append(event.city)
    else:
        parts = [event.city]
    return ", ".join(one_line(p) for p in parts if p.strip())


def event_view(event: EventInfo, to: Recipient, locale: str) -> dict[str, Any]:
    shows = _shows_address(event, to)
    return {
        "title": display_title(event, locale),
        "when": render.when(event.starts_at, event.ends_at, event.timezone, locale),
        "where": _where(event, to),
        "address_hidden": not shows,
        "online_url": event.online_url if shows else "",
        "url": event.url,
        "organization": "" if event.discreet else one_line(event.organization_name),
        "discreet": event.discreet,
    }


def _ics(event: EventInfo, to: Recipient, method: str, locale: str) -> bytes:
    shows = _shows_address(event, to)
    title = display_title(event, locale)
    ics_event = IcsEvent(
        id=event.id,
        title=title,
        starts_at=event.starts_at,
        ends_at=event.ends_at,
        timezone=event.timezone,
        updated_at=event.updated_at,
        sequence=event.sequence,
        url=event.url,
        status="cancelled" if method == "CANCEL" else event.status,
        # A discreet event's calendar entry says no more than its title does.
        description="" if event.discreet else event.description,
        location=_where(event, to),
        lat=event.lat if shows else None,
        lon=event.lon if shows else None,
        organizer_name="" if event.discreet else one_line(event.organization_name),
        organizer_email=event.organizer_email,
        attendee_email=to.email,
    )
    calendar = IcsCalendar(
        name=title,
        host=event.calendar_host,
        uid=f"event-{event.id}",
        method=method,
        url=event.url,
        events=(ics_event,),
    )
    return build_calendar(calendar)


# Links back to Muster in a mail open the page in the recipient's language (``?lang=``).
_OWN_LINKS = ("manage_url", "url")


def in_language(url: str, locale: str) -> str:
    """``url`` (one of ours) with the recipient's language, unless it is the source one."""
    language = i18n.normalize(locale)
    if not url or language == i18n.SOURCE:
        return url
    return f"{url}{'&' if '?' in url else '?'}lang={language}"


def draft(
    kind: str,
    to: Recipient,
    subject: str,
    *,
    template: str | None = None,
    ics: bytes | None = None,
    ics_method: str | None = None,
    unsubscribe_url: str | None = None,
    **context: Any,
) -> Draft:
    name = template or kind
    values = {
        "name": one_line(to.name, 100),
        "manage_url": to.manage_url,
        "unsubscribe_url": unsubscribe_url or "",
        "subject": one_line(subject),
        "site": SITE_NAME,
        "lang": render.babel_locale(to.locale).replace("_", "-"),
        **context,
    }
    for link in _OWN_LINKS:
        if isinstance(values.get(link), str):
            values[link] = in_language(values[link], to.locale)
    return Draft(
        kind=kind,
        subject=one_line(subject),
        text=render.render(f"{name}.txt", to.locale, **values),
        html=render.render(f"{name}.html", to.locale, **values),
        ics=ics,
        ics_method=ics_method,
        unsubscribe_url=unsubscribe_url,
    )


def _event_draft(
    kind: str,
    event: EventInfo,
    to: Recipient,
    subject: str,
    view: dict[str, Any],
    method: str | None = None,
    **context: Any,
) -> Draft:
    """A message about the event, with its calendar entry when ``method`` (iTIP) is given."""
    ics = _ics(event, to, method, to.locale) if method else None
    return draft(kind, to, subject, ics=ics, ics_method=method, event=view, **context)


# --- the kinds ----------------------------------------------------------------------------


def rsvp_confirmation(event: EventInfo, to: Recipient, *, waitlisted: bool = False) -> Draft:
    """ "You're going" with the manage link and the event as an iTIP REQUEST .ics.

    A waitlisted volunteer gets no calendar entry (they are not coming yet).
    """
    _ = render.gettext(to.locale)
    view = event_view(event, to, to.locale)
    going = to.going and not waitlisted
    if waitlisted:
        subject = _("You're on the waitlist: %(title)s", title=view["title"])
    else:
        subject = _("You're going: %(title)s", title=view["title"])
    method = "REQUEST" if going else None
    return _event_draft(
        "rsvp_confirmation", event, to, subject, view, method, waitlisted=waitlisted
    )


def waitlist_promotion(event: EventInfo, to: Recipient) -> Draft:
    _ = render.gettext(to.locale)
    view = event_view(event, to, to.locale)
    subject = _("A place opened up: %(title)s", title=view["title"])
    return _event_draft("waitlist_promotion", event, to, subject, view, "REQUEST")


def reminder(event: EventInfo, to: Recipient, *, lead_minutes: int, unsubscribe_url: str) -> Draft:
    _ = render.gettext(to.locale)
    view = event_view(event, to, to.locale)
    when = render.short_when(event.starts_at, event.timezone, to.locale)
    subject = _("Reminder: %(title)s, %(when)s", title=view["title"], when=when)
    return draft(
        "reminder",
        to,
        subject,
        unsubscribe_url=unsubscribe_url,
        event=view,
        lead=render.lead_time(lead_minutes, to.locale),
    )


CHANGES = ("title", "time", "place", "online", "details")


def _change_labels(changed: Sequence[str], locale: str, discreet: bool) -> list[str]:
    _ = render.gettext(locale)
    labels = {
        "title": _("title"),
        "time": _("time"),
        "place": _("place"),
        "online": _("online link"),
        "details": _("details"),
    }
    if discreet:
        labels.pop("title")  # a neutral message does not announce a new (real) title
    return [labels[c] for c in CHANGES if c in changed and c in labels]


def event_changed(event: EventInfo, to: Recipient, *, changed: Sequence[str] = ()) -> Draft:
    """A change notice with the updated event (iTIP REQUEST, same UID, higher SEQUENCE)."""
    _ = render.gettext(to.locale)
    view = event_view(event, to, to.locale)
    subject = _("Changed: %(title)s", title=view["title"])
    labels = _change_labels(changed, to.locale, event.discreet)
    method = "REQUEST" if to.going else None
    return _event_draft("event_changed", event, to, subject, view, method, changed=labels)


def event_cancelled(event: EventInfo, to: Recipient) -> Draft:
    """A cancellation (iTIP CANCEL, STATUS:CANCELLED) that removes the calendar entry."""
    _ = render.gettext(to.locale)
    view = event_view(event, to, to.locale)
    subject = _("Cancelled: %(title)s", title=view["title"])
    method = "CANCEL" if to.going else None
    return _event_draft("event_cancelled", event, to, subject, view, method)


def broadcast(
    event: EventInfo,
    to: Recipient,
    *,
    subject: str,
    body: str,
    sender_name: str,
    unsubscribe_url: str,
) -> Draft:
    """An organizer's message to one attendee (every attendee gets their own message)."""
    _ = render.gettext(to.locale)
    view = event_view(event, to, to.locale)
    if event.discreet:
        subject = _("A message about %(title)s", title=view["title"])
    return draft(
        "broadcast",
        to,
        subject,
        unsubscribe_url=unsubscribe_url,
        event=view,
        body=body.replace("\r\n", "\n").strip(),
        sender=one_line(sender_name, 100),
    )


def my_signups_link(to: Recipient, *, url: str) -> Draft:
    _ = render.gettext(to.locale)
    subject = _("Your sign-ups on %(site)s", site=SITE_NAME)
    return draft("my_signups_link", to, subject, url=url)


def organizer_invitation(
    to: Recipient,
    *,
    organization_name: str,
    inviter_name: str,
    role: str,
    url: str,
    expires_at: datetime,
) -> Draft:
    _ = render.gettext(to.locale)
    organization, inviter = one_line(organization_name, 120), one_line(inviter_name, 100)
    subject = _(
        "%(inviter)s invited you to %(organization)s on %(site)s",
        inviter=inviter,
        organization=organization,
        site=SITE_NAME,
    )
    return draft(
        "organizer_invitation",
        to,
        subject,
        organization=organization,
        inviter=inviter,
        role=_(role),
        url=url,
        expires=render.expires(expires_at, to.locale),
    )
