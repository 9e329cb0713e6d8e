"""Tables of the actions feature; only the actions services (service.py, completions.py) use them.

Composite UNIQUE indexes (one target per country per task; one completion per client key,
and per signed-up volunteer, per task) are created by the migration, not declared here:
Piccolo adds table constraints with ``ALTER TABLE ... ADD CONSTRAINT``, which SQLite lacks.
"""

from piccolo.columns import (
    UUID,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from server.accounts.tables import Organization
from server.events.tables import Campaign, Event


class ActionTask(Table, tablename="action_task"):
    """Something a volunteer does for a campaign: call, email, letter, petition, donate, share."""

    id = UUID(primary_key=True)
    organization = ForeignKey(Organization, index=True)
    campaign = ForeignKey(Campaign, index=True)
    # "Before Saturday's rally": an optional event of the same organization.
    event = ForeignKey(Event, null=True, default=None, on_delete=OnDelete.set_null)
    kind = Varchar(length=16)  # call | email | letter | petition | donate | share | custom
    title = Varchar(length=200)
    instructions = Text(default="")
    subject = Varchar(length=300, default="")  # email subject line (placeholders allowed)
    script = Text(default="")  # what to say or write (placeholders allowed)
    goal = Integer(null=True, default=None)
    position = Integer(default=0)
    archived_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class ActionTaskTranslation(Table, tablename="action_task_translation"):
    """An organizer's translation of a task's texts, one per language (unique with the
    task: see the migration ``event_translations``). The task's own texts are in its
    campaign's language."""

    id = UUID(primary_key=True)
    task = ForeignKey(ActionTask, index=True, on_delete=OnDelete.cascade)
    language = Varchar(length=8)
    title = Varchar(length=200)
    instructions = Text(default="")
    subject = Varchar(length=300, default="")
    script = Text(default="")


class ActionTarget(Table, tablename="action_target"):
    """Whom to contact for a task in one country ("any" for every country); unique per task."""

    id = UUID(primary_key=True)
    task = ForeignKey(ActionTask, index=True, on_delete=OnDelete.cascade)
    country = Varchar(length=3)  # ISO 3166-1 alpha-2, or "any"
    name = Varchar(length=200)
    organisation = Varchar(length=200, default="")
    phone = Varchar(length=40, default="")
    email = Varchar(length=254, default="")
    postal_address = Text(default="")
    url = Varchar(length=500, default="")
    office_hours = Varchar(length=200, default="")
    language = Varchar(length=100, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class ActionCompletion(Table, tablename="action_completion"):
    """One volunteer doing one task once: counted, never identified by IP.

    ``idempotency_key`` (client-chosen, unique per task) makes double taps count once.
    ``volunteer_id`` is set only when the volunteer acted through their signup link; it is
    a plain id (no foreign key to the signups tables) so that deleting a volunteer keeps
    the count: ``forget_volunteer`` clears it together with their note.
    """

    id = UUID(primary_key=True)
    task = ForeignKey(ActionTask, index=True, on_delete=OnDelete.cascade)
    campaign = ForeignKey(Campaign, index=True)
    outcome = Varchar(length=16)  # done | reached | voicemail | no_answer | sent
    country = Varchar(length=2, default="")  # the volunteer's chosen country, "" if none
    note = Text(default="")  # visible to members of the organization only
    idempotency_key = Varchar(length=100)
    volunteer_id = UUID(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    updated_at = Timestamptz(default=TimestamptzNow())
