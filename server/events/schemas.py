"""msgspec Structs: what the events API accepts and answers (also the OpenAPI schema).

``EventOut`` is the one public shape of an event. For ``address_visibility=attendees``
it carries the city and ~1 km-rounded coordinates only (invariant 2); ``views.py``
is the only place that builds it from a row.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from server.events import languages

Visibility = Literal["public", "unlisted", "private"]
AddressVisibility = Literal["public", "attendees"]
Status = Literal["draft", "published", "cancelled"]
DescriptionFormat = Literal["plain", "markdown"]


class EventInput(msgspec.Struct, forbid_unknown_fields=True):
    """Create or replace an event.

    ``starts_at``/``ends_at`` may be local wall-clock times without an offset
    (``2026-12-05T18:00:00``; RFC 3339 needs the seconds), read in ``timezone``; or
    instants with an offset, which are kept as the same instant. ``timezone`` defaults
    to the city's zone; lat/lon default to the city's centre. ``kind`` is one of rally,
    vigil, march, meeting, phone_bank, online, training, other. Every rule is checked
    at once: a 422 names each invalid field.
    """

    title: str
    starts_at: datetime
    ends_at: datetime
    timezone: str | None = None
    description: str = ""
    description_format: DescriptionFormat = "plain"
    kind: str = "rally"
    venue_name: str = ""
    address: str = ""
    city: str = ""
    country: Annotated[str, msgspec.Meta(description="ISO 3166-1 alpha-2")] = ""
    lat: float | None = None
    lon: float | None = None
    address_visibility: AddressVisibility = "public"
    visibility: Visibility = "public"
    capacity: int | None = None
    online_url: str = ""
    campaign_id: UUID | None = None
    waitlist_enabled: Annotated[
        bool, msgspec.Meta(description="When full, new RSVPs join a waitlist")
    ] = True
    requires_approval: Annotated[
        bool, msgspec.Meta(description="The organizer approves each RSVP (pending until then)")
    ] = False
    max_guests: Annotated[int, msgspec.Meta(description="Guests one RSVP may bring, 0 to 20")] = 0
    discreet: Annotated[
        bool, msgspec.Meta(description="Emails about this event carry a neutral subject")
    ] = False
    reminder_minutes: Annotated[
        list[int],
        msgspec.Meta(description="Reminder emails, minutes before the start (at most 5)"),
    ] = msgspec.field(default_factory=lambda: [1440, 120])
    language: Annotated[
        str | None,
        msgspec.Meta(
            description="The language the title and description are written in (en, ar, "
            "de, es, fr, it, ru). Default: the request's language for a new event; an "
            "edit without it keeps the event's."
        ),
    ] = None
    spoken_languages: Annotated[
        list[str],
        msgspec.Meta(description="Languages spoken at the event: ISO 639 codes, at most 8"),
    ] = msgspec.field(default_factory=list)


class OrganizationRef(msgspec.Struct):
    id: UUID
    name: str


class CampaignRef(msgspec.Struct):
    id: UUID
    title: str


class EventOut(msgspec.Struct):
    id: UUID
    url: str
    title: str
    description: str
    description_format: DescriptionFormat
    kind: str
    status: Status
    visibility: Visibility
    starts_at: datetime  # in the event's own zone, with its offset
    ends_at: datetime
    timezone: str
    venue_name: str | None
    address: str | None  # None when shown to attendees only
    city: str
    country: str
    lat: float | None  # rounded to ~1 km when the address is hidden
    lon: float | None
    address_hidden: bool
    online: bool
    online_url: str | None  # like the address: None when hidden
    capacity: int | None
    waitlist_enabled: bool
    requires_approval: bool
    max_guests: int
    sequence: int
    organization: OrganizationRef
    campaign: CampaignRef | None
    updated_at: datetime
    distance_km: float | None = None
    # Members only (None for the public): how mail treats this event.
    discreet: bool | None = None
    reminder_minutes: list[int] | None = None
    # The language of ``title`` and ``description`` as given here: the reader's when the
    # organizers translated the event into it, else the one they wrote it in.
    language: str = "en"
    original_language: str = "en"
    spoken_languages: list[str] = msgspec.field(default_factory=list)

    # For pages (not part of the JSON): names in the reader's language.
    def language_name(self) -> str:
        return languages.language_name(self.language)

    def spoken_names(self) -> list[str]:
        return [languages.language_name(code) for code in self.spoken_languages]


class EventPage(msgspec.Struct):
    items: list[EventOut]
    page: int
    per_page: int
    has_next: bool
    total: int | None = None


class CampaignInput(msgspec.Struct, forbid_unknown_fields=True):
    title: str
    description: str = ""
    language: Annotated[
        str | None,
        msgspec.Meta(
            description="The language of the title and description (default: the request's)"
        ),
    ] = None


class TranslationInput(msgspec.Struct):
    """An organizer's translation of a title and description. ``title`` is required
    (1 to 200 characters, one line): its absence is a 422 naming the field, given only
    to those who may edit (anyone else gets the 404 first, whatever the body)."""

    title: str = ""
    description: str = ""


class TranslationOut(msgspec.Struct):
    language: str
    title: str
    description: str


class CampaignOut(msgspec.Struct):
    id: UUID
    organization_id: UUID
    title: str
    description: str
    # The language of ``title`` and ``description`` as given: the reader's when translated.
    language: str = "en"
    original_language: str = "en"
