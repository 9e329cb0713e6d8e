"""Events rules: validate, create, edit, publish, cancel, duplicate; who may see what.

Plain async functions over the events tables. Writers need the organizer role in the
event's organization (``accounts.require_role``); anyone who is not a member gets a
``NotFound`` for anything that is not public (invariant 1). Every write runs in one
``write_transaction()`` that also bumps the shared change version, so cached public
answers go stale exactly when the change becomes visible.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from piccolo.query import Select

from server import i18n
from server.accounts import audit
from server.accounts import service as accounts
from server.accounts.service import OrganizerView, Role
from server.db import write_transaction
from server.errors import Conflict, NotFound, ValidationFailed
from server.events import changes, hooks, languages, validation
from server.events.schemas import CampaignInput, EventInput
from server.events.tables import Campaign, Event
from server.i18n import N_
from server.text import strip_bidi_controls
from server.tokens import utcnow

# The audit log names the fields an edit changed (the search point follows the address).
_AUDITED = tuple(k for k in validation.EDITABLE if not k.startswith("search_"))


# --- reads ---------------------------------------------------------------------------


def _select() -> Select:
    return Event.select(
        *Event.all_columns(),
        Event.organization.name.as_alias("organization_name"),
        Event.organization.approved_at.as_alias("organization_approved_at"),
        Event.campaign.title.as_alias("campaign_title"),
    )


async def _fetch(event_id: uuid.UUID) -> dict[str, Any] | None:
    row: dict[str, Any] | None = await _select().where(Event.id == event_id).first()
    return row


async def event_row(event_id: uuid.UUID) -> dict[str, Any] | None:
    """The stored event, whoever asks: for later features that hold their own right to
    it (a volunteer's manage link, a signup's capacity check). Pages and the API use
    ``visible_event`` / ``event_for_member``, which check the viewer."""
    return await _fetch(event_id)


_RSVP_RULES = """SELECT e.id, e.organization, e.status, e.visibility, e.published_at,
    e.starts_at, e.ends_at, e.timezone, e.capacity, e.waitlist_enabled, e.requires_approval,
    e.max_guests, o.approved_at AS organization_approved_at
    FROM event e JOIN organization o ON o.id = e.organization WHERE e.id = {}"""


async def rsvp_rules(event_id: uuid.UUID) -> dict[str, Any] | None:
    """What taking an RSVP needs to know of an event (enough for ``is_public`` too), in
    one plain query: the RSVP path runs under the event's write lock, where building an
    ORM query with joins costs more than running it."""
    rows: list[dict[str, Any]] = await Event.raw(_RSVP_RULES, event_id).run()
    return rows[0] if rows else None


def is_public(row: dict[str, Any]) -> bool:
    """Anyone with the link may see it: published (or cancelled after publishing),
    public or unlisted, and its organization approved by an admin."""
    shown = row["status"] == "published" or (
        row["status"] == "cancelled" and row["published_at"] is not None
    )
    return (
        shown
        and row["visibility"] in ("public", "unlisted")
        and row["organization_approved_at"] is not None
    )


@dataclass(frozen=True, slots=True)
class VisibleEvent:
    row: dict[str, Any]
    role: Role | None  # the viewer's role in the owning organization, None for the public

    @property
    def is_member(self) -> bool:
        return self.role is not None

    @property
    def can_edit(self) -> bool:
        return self.role in ("organizer", "owner")


async def visible_event(viewer: OrganizerView | None, event_id: uuid.UUID) -> VisibleEvent:
    """The event if ``viewer`` may see it; ``NotFound`` otherwise (also when it exists)."""
    row = await _fetch(event_id)
    if row is None:
        raise NotFound(N_("No such event"))
    role = await accounts.membership_role(viewer, row["organization"])
    if role is None and not is_public(row):
        raise NotFound(N_("No such event"))
    return VisibleEvent(row, role)


async def event_for_member(
    viewer: OrganizerView | None, event_id: uuid.UUID, at_least: Role = "viewer"
) -> dict[str, Any]:
    """For organizer pages: ``NotFound`` for non-members, ``PermissionDenied`` below the role."""
    row = await _fetch(event_id)
    if row is None:
        raise NotFound(N_("No such event"))
    await accounts.require_role(viewer, row["organization"], at_least)
    return row


async def organization_events(
    viewer: OrganizerView | None, organization_id: uuid.UUID, *, limit: int = 500, offset: int = 0
) -> list[dict[str, Any]]:
    """Every event of the organization (drafts too), soonest first; members only."""
    await accounts.require_role(viewer, organization_id, "viewer")
    rows: list[dict[str, Any]] = (
        await _select()
        .where(Event.organization == organization_id)
        .order_by(Event.starts_at)
        .limit(limit)
        .offset(offset)
    )
    return rows


async def public_organization_events(
    organization_id: uuid.UUID, *, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    """Upcoming published public events of an approved organization; ``NotFound`` otherwise."""
    org = await accounts.get_organization(organization_id)
    if org is None or not org.approved:
        raise NotFound(N_("No such organization"))
    rows: list[dict[str, Any]] = (
        await _select()
        .where(
            (Event.organization == organization_id)
            & (Event.status == "published")
            & (Event.visibility == "public")
            & (Event.ends_at >= utcnow())
        )
        .order_by(Event.starts_at)
        .limit(limit)
        .offset(offset)
    )
    return rows


# --- writes --------------------------------------------------------------------------


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):
        return a.astimezone(UTC) == b.astimezone(UTC)
    return bool(a == b)


async def _write(event_id: uuid.UUID, values: dict[str, Any]) -> None:
    await Event.update({getattr(Event, k): v for k, v in values.items()}).where(
        Event.id == event_id
    )


async def create_event(
    viewer: OrganizerView | None, organization_id: uuid.UUID, data: EventInput
) -> dict[str, Any]:
    """A new draft; nothing is written when any field is wrong."""
    await accounts.require_role(viewer, organization_id, "organizer")
    assert viewer is not None
    values = await validation.validated(data, organization_id)
    values.setdefault("language", i18n.normalize(i18n.current.get()))
    async with write_transaction():
        row = Event(organization=organization_id, created_by=viewer.id, status="draft", **values)
        await row.save()
        await _audit(viewer, {**values, "id": row.id, "organization": organization_id}, "created")
        await changes.bump()
    changes.forget()
    created = await _fetch(row.id)
    assert created is not None
    return created


async def update_event(
    viewer: OrganizerView | None, event_id: uuid.UUID, data: EventInput
) -> dict[str, Any]:
    """Replace the editable fields; ``sequence`` grows only if a calendar would notice."""
    current = await event_for_member(viewer, event_id, "organizer")
    values = await validation.validated(data, current["organization"])
    async with write_transaction(lock=f"event:{event_id}"):
        fresh = await Event.select().where(Event.id == event_id).first()
        if fresh is None:
            raise NotFound(N_("No such event"))
        updates: dict[str, Any] = {**values, "updated_at": utcnow()}
        if any(not _same(fresh[k], values[k]) for k in validation.CALENDAR_FIELDS if k in values):
            updates["sequence"] = fresh["sequence"] + 1
        await _write(event_id, updates)
        edited = [k for k in _AUDITED if k in values and not _same(fresh[k], values[k])]
        await _audit(viewer, {**fresh, **values}, "updated", ", ".join(edited) or "no change")
        await _announce(event_id, fresh)
        await changes.bump()
    changes.forget()
    return await _require(event_id)


async def _audit(
    viewer: OrganizerView | None, row: dict[str, Any], action: str, detail: str = ""
) -> None:
    """The audit log entry of an event change (inside its transaction): which fields, not
    their values."""
    await audit.record(
        row["organization"], viewer, f"event.{action}", row["title"], detail, subject_id=row["id"]
    )


async def _announce(event_id: uuid.UUID, before: dict[str, Any]) -> None:
    """Tell subscribed features (signups, mail) inside the same transaction."""
    after = await Event.select().where(Event.id == event_id).first()
    assert after is not None
    await hooks.changed.emit(hooks.EventChanged(event_id, before, after))


async def _require(event_id: uuid.UUID) -> dict[str, Any]:
    row = await _fetch(event_id)
    if row is None:
        raise NotFound(N_("No such event"))
    return row


async def _set_status(
    viewer: OrganizerView | None, event_id: uuid.UUID, status: str
) -> dict[str, Any]:
    await event_for_member(viewer, event_id, "organizer")
    async with write_transaction(lock=f"event:{event_id}"):
        fresh = await Event.select().where(Event.id == event_id).first()
        if fresh is None:
            raise NotFound(N_("No such event"))
        if fresh["status"] == status:
            return await _require(event_id)  # already there: nothing to tell a calendar
        now = utcnow()
        updates: dict[str, Any] = {
            "status": status,
            "sequence": fresh["sequence"] + 1,
            "updated_at": now,
        }
        if status == "published":
            updates["published_at"] = now
            updates["cancelled_at"] = None
        else:
            if fresh["status"] == "draft":
                raise Conflict(N_("A draft was never public: publish it first, or leave it."))
            updates["cancelled_at"] = now
        await _write(event_id, updates)
        await _audit(viewer, fresh, "published" if status == "published" else "cancelled")
        await _announce(event_id, fresh)
        await changes.bump()
    changes.forget()
    return await _require(event_id)


async def publish_event(viewer: OrganizerView | None, event_id: uuid.UUID) -> dict[str, Any]:
    """Draft (or cancelled) → published. Public once the organization is approved."""
    return await _set_status(viewer, event_id, "published")


async def cancel_event(viewer: OrganizerView | None, event_id: uuid.UUID) -> dict[str, Any]:
    """Published → cancelled; the page and calendars keep showing it, marked cancelled."""
    return await _set_status(viewer, event_id, "cancelled")


async def duplicate_event(viewer: OrganizerView | None, event_id: uuid.UUID) -> dict[str, Any]:
    """A new draft with the same details (same title), ready to get a new date."""
    source = await event_for_member(viewer, event_id, "organizer")
    assert viewer is not None
    copied = {k: source[k] for k in validation.EDITABLE}
    async with write_transaction():
        row = Event(
            organization=source["organization"],
            created_by=viewer.id,
            status="draft",
            sequence=0,
            **copied,
        )
        await row.save()
        await _audit(viewer, {**source, "id": row.id}, "created", f"copy of {source['id']}")
        await changes.bump()
    changes.forget()
    return await _require(row.id)


# --- campaigns -----------------------------------------------------------------------


def _clean_campaign(data: CampaignInput) -> tuple[str, str, str]:
    # No bidi overrides in a title: they would reverse it on every list (server/text.py).
    title, description = strip_bidi_controls(data.title).strip(), data.description.strip()
    errors = {}
    if not title:
        errors["title"] = N_("Give the campaign a title.")
    elif len(title) > 200:
        errors["title"] = N_("Use at most 200 characters.")
    elif validation.bad_text(title):
        errors["title"] = N_("Use one line of text.")
    if len(description) > 5000:
        errors["description"] = N_("Use at most 5,000 characters.")
    elif validation.bad_text(description, multiline=True):
        errors["description"] = N_("Remove control characters.")
    written, error = languages.clean_written(data.language)
    if error:
        errors["language"] = error
    if errors:
        raise ValidationFailed(errors)
    return title, description, written or i18n.normalize(i18n.current.get())


async def create_campaign(
    viewer: OrganizerView | None, organization_id: uuid.UUID, data: CampaignInput
) -> dict[str, Any]:
    await accounts.require_role(viewer, organization_id, "organizer")
    title, description, language = _clean_campaign(data)
    async with write_transaction():
        row = Campaign(
            organization=organization_id, title=title, description=description, language=language
        )
        await row.save()
        await audit.record(organization_id, viewer, "campaign.created", title, subject_id=row.id)
        await changes.bump()  # campaign titles appear in public event answers
    changes.forget()
    return {
        "id": row.id,
        "organization": organization_id,
        "title": title,
        "description": description,
        "language": language,
    }


async def campaigns_of(
    viewer: OrganizerView | None, organization_id: uuid.UUID
) -> list[dict[str, Any]]:
    """An organization's campaigns, for whoever may see the organization."""
    await accounts.visible_organization(viewer, organization_id)
    rows: list[dict[str, Any]] = (
        await Campaign.select()
        .where(Campaign.organization == organization_id)
        .order_by(Campaign.created_at)
    )
    return rows


async def get_campaign(viewer: OrganizerView | None, campaign_id: uuid.UUID) -> dict[str, Any]:
    row: dict[str, Any] | None = await Campaign.select().where(Campaign.id == campaign_id).first()
    if row is None:
        raise NotFound(N_("No such campaign"))
    try:
        await accounts.visible_organization(viewer, row["organization"])
    except NotFound:
        raise NotFound(N_("No such campaign")) from None
    return row


async def ended_before(event_ids: list[uuid.UUID], before: datetime) -> list[uuid.UUID]:
    """Which of these events ended before ``before`` (the privacy purge asks)."""
    if not event_ids:
        return []
    rows = await Event.select(Event.id).where(Event.id.is_in(event_ids) & (Event.ends_at < before))
    return [row["id"] for row in rows]
