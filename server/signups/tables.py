"""Tables of the signups feature; only the signups services read or write them.

Volunteers have no password: they hold secret links (a manage link per signup, one
"my signups" link, one personal-feed link), of which only SHA-256 hashes are stored.
"""

from piccolo.columns import (
    UUID,
    Boolean,
    ForeignKey,
    Integer,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.events.tables import Event


class Volunteer(Table, tablename="volunteer"):
    """One row per email address; deleted with all its signups on request or by purge.

    The name and phone a volunteer typed live on each signup, not here: whoever types an
    address on some RSVP form must not be able to rename that person everywhere else.
    """

    id = UUID(primary_key=True)
    email = Varchar(length=254, unique=True)  # lower-cased
    locale = Varchar(length=16, default="en")
    created_at = Timestamptz(default=TimestamptzNow())
    # "My signups" page link, and the personal calendar feed: a new one kills the old one.
    home_token_hash = Varchar(length=64, null=True, default=None, unique=True)
    home_token_at = Timestamptz(null=True, default=None)
    feed_token_hash = Varchar(length=64, null=True, default=None, unique=True)


class Shift(Table, tablename="shift"):
    """A role and time slot inside an event (marshal, first aid, legal observer...)."""

    id = UUID(primary_key=True)
    event = ForeignKey(Event, index=True)
    role = Varchar(length=100)
    description = Varchar(length=500, default="")
    starts_at = Timestamptz()
    ends_at = Timestamptz()
    capacity = Integer(null=True, default=None)  # people + their guests; None = no limit
    created_at = Timestamptz(default=TimestamptzNow())


class Signup(Table, tablename="signup"):
    """An RSVP of one volunteer to one event (and maybe one shift).

    ``slot`` is the shift id or "" so that (event, slot, volunteer) can be UNIQUE on both
    engines (NULLs are never equal in a unique index); the migration creates that index.
    A signup takes ``1 + guests`` places of the event (and of its shift) while it is
    ``going`` or ``checked_in`` and not blocked.
    """

    id = UUID(primary_key=True)
    event = ForeignKey(Event, index=True)
    shift = ForeignKey(Shift, null=True, default=None, index=True)
    slot = Varchar(length=36, default="")
    volunteer = ForeignKey(Volunteer, index=True)
    display_name = Varchar(length=100)
    phone = Varchar(length=40, default="")
    # pending | going | waitlisted | declined | cancelled | checked_in
    status = Varchar(length=16)
    guests = Integer(default=0)
    manage_token_hash = Varchar(length=64, unique=True)
    blocked = Boolean(default=False)  # silently blocked: sees a normal page, never counted
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    waitlisted_at = Timestamptz(null=True, default=None)  # the waitlist's order
    promoted_at = Timestamptz(null=True, default=None)  # waitlist → going, for the mail
    decided_at = Timestamptz(null=True, default=None)  # approved or declined by an organizer
    checked_in_at = Timestamptz(null=True, default=None)
    cancelled_at = Timestamptz(null=True, default=None)
    # An email this signup's volunteer is owed (signups/notices.py sends it): "" for none.
    notice = Varchar(length=16, default="")
    # Keyed hash of the network the RSVP came from (signups/anomalies.py), never the
    # address: "" when unknown, blanked when the volunteer is deleted or purged.
    network = Varchar(length=16, default="")
    # The language the volunteer RSVPed in: their mail about this signup is written in it.
    language = Varchar(length=8, default="en")


class HomeLink(Table, tablename="home_link"):
    """One "my signups" link: only the SHA-256 of its secret is kept.

    Several may be valid at once, each for ``home_links.TTL``: asking for a new link (as
    anyone may, for any address) must never kill the one a volunteer already holds.
    Deleted with the volunteer; all of a volunteer's links die with "revoke all".
    """

    id = UUID(primary_key=True)
    volunteer = ForeignKey(Volunteer, index=True)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())


class HomeLinkRequest(Table, tablename="home_link_request"):
    """An asked-for "my signups" link, waiting for the background sender.

    The request path only writes this row, known address or not, so its answer and its
    timing cannot tell whether an address ever signed up. ``email`` is encrypted (it may
    be an address that never signed up) and the row is deleted once handled.
    """

    id = UUID(primary_key=True)
    email = Varchar(length=400)
    created_at = Timestamptz(default=TimestamptzNow())
    language = Varchar(length=8, default="en")  # of the page that asked: the mail speaks it
