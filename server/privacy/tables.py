"""Tables of the privacy feature; only privacy/service.py reads or writes them."""

from piccolo.columns import UUID, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.accounts.tables import Organizer
from server.events.tables import Event


class Report(Table, tablename="event_report"):
    """A visitor's flag on a public event ("this rally looks like a trap"), for the admins.

    No reporter identity is stored: reporting must be safe for the reporter too.
    """

    id = UUID(primary_key=True)
    event = ForeignKey(Event, index=True)
    reason = Varchar(length=32)
    details = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    handled_at = Timestamptz(null=True, default=None)
    handled_by = ForeignKey(Organizer, null=True, default=None)
