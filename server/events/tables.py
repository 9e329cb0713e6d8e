"""Tables of the events feature; only events/service.py (and its query helpers) use them."""

from piccolo.columns import (
    UUID,
    Boolean,
    DoublePrecision,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.accounts.tables import Organization, Organizer


class Campaign(Table, tablename="campaign"):
    id = UUID(primary_key=True)
    organization = ForeignKey(Organization, index=True)
    title = Varchar(length=200)
    description = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    language = Varchar(length=8, default="en")  # what the title and description are in


class CampaignTranslation(Table, tablename="campaign_translation"):
    """An organizer's translation of a campaign's title and description, one per
    language (unique with the campaign: see the migration ``event_translations``)."""

    id = UUID(primary_key=True)
    campaign = ForeignKey(Campaign, index=True, on_delete=OnDelete.cascade)
    language = Varchar(length=8)
    title = Varchar(length=200)
    description = Text(default="")


class Event(Table, tablename="event"):
    """A rally, vigil, phone bank or online meeting.

    ``search_lat``/``search_lon`` are what nearby search and every public answer use:
    the exact coordinates for a public address, coordinates rounded to ~1 km when the
    address is shown to attendees only (safety invariant 2).
    """

    id = UUID(primary_key=True)
    organization = ForeignKey(Organization, index=True)
    campaign = ForeignKey(Campaign, null=True, index=True)
    created_by = ForeignKey(Organizer, null=True)
    title = Varchar(length=200)
    description = Text(default="")
    description_format = Varchar(length=16, default="plain")  # plain | markdown
    kind = Varchar(length=32, default="rally")
    starts_at = Timestamptz(index=True)
    ends_at = Timestamptz()
    timezone = Varchar(length=64)
    venue_name = Varchar(length=200, default="")
    address = Varchar(length=300, default="")
    city = Varchar(length=120, default="")
    country = Varchar(length=2, default="")
    lat = DoublePrecision(null=True, default=None)
    lon = DoublePrecision(null=True, default=None)
    search_lat = DoublePrecision(null=True, default=None, index=True)
    search_lon = DoublePrecision(null=True, default=None)
    address_visibility = Varchar(length=16, default="public")  # public | attendees
    visibility = Varchar(length=16, default="public")  # public | unlisted | private
    status = Varchar(length=16, default="draft", index=True)  # draft | published | cancelled
    capacity = Integer(null=True, default=None)
    # RSVP rules (signups): a waitlist when full, organizer approval for sensitive events,
    # how many guests one RSVP may bring along.
    waitlist_enabled = Boolean(default=True)
    requires_approval = Boolean(default=False)
    max_guests = Integer(default=0)
    # Mail: neutral subjects for sensitive events; reminders, minutes before the start.
    discreet = Boolean(default=False)
    reminder_minutes = Varchar(length=64, default="1440,120")
    online_url = Varchar(length=500, default="")
    sequence = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    published_at = Timestamptz(null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)
    # The language the organizer wrote the title and description in (one of
    # i18n.LANGUAGES), and the languages spoken at the event ("de,ru": ISO 639 codes).
    language = Varchar(length=8, default="en")
    spoken_languages = Varchar(length=64, default="")


class EventTranslation(Table, tablename="event_translation"):
    """An organizer's own translation of an event's title and description, one per
    language (unique with the event: see the migration ``event_translations``)."""

    id = UUID(primary_key=True)
    event = ForeignKey(Event, index=True, on_delete=OnDelete.cascade)
    language = Varchar(length=8)
    title = Varchar(length=200)
    description = Text(default="")


class ChangeCounter(Table, tablename="change_counter"):
    """A version number per name ("events"), bumped in the same transaction as a change.

    Every instance reads it to know whether its cached public answers are stale.
    """

    name = Varchar(length=32, primary_key=True)
    version = Integer(default=0)
