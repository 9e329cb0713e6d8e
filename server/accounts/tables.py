"""Tables of the accounts feature; only the accounts modules read or write them."""

from piccolo.columns import (
    UUID,
    Boolean,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Organizer(Table, tablename="organizer"):
    """A person who runs events. Volunteers never have an account."""

    id = UUID(primary_key=True)
    email = Varchar(length=254, unique=True, index=True)  # stored lower-cased
    display_name = Varchar(length=100)
    password_hash = Text()
    is_admin = Boolean(default=False)
    locale = Varchar(length=16, default="en")
    created_at = Timestamptz(default=TimestamptzNow())
    # Two-factor sign-in (accounts/twofactor.py). The TOTP secret is Fernet-encrypted with a
    # key derived from SECRET_KEY; it is set at enrolment and active once totp_enabled_at is.
    totp_secret = Text(default="")
    totp_enabled_at = Timestamptz(null=True, default=None)
    # The last accepted 30-second step: a code is never accepted twice (replay).
    totp_last_step = Integer(default=0)
    # Sessions carry the generation they were made in; "sign out everywhere" bumps it.
    session_generation = Integer(default=0)


class Organization(Table, tablename="organization"):
    """A group that runs campaigns; its events are public only once an admin approved it."""

    id = UUID(primary_key=True)
    name = Varchar(length=120)
    description = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())
    approved_at = Timestamptz(null=True, default=None)
    approved_by = ForeignKey(Organizer, null=True)
    approval_note = Text(default="")
    # Owners may require two-factor sign-in of every member before they see its data.
    require_2fa = Boolean(default=False)


class Membership(Table, tablename="membership"):
    """owner | organizer | viewer of one organization; unique per (organization, organizer)."""

    id = UUID(primary_key=True)
    organization = ForeignKey(Organization, index=True)
    organizer = ForeignKey(Organizer, index=True)
    role = Varchar(length=16)
    created_at = Timestamptz(default=TimestamptzNow())


class Invitation(Table, tablename="invitation"):
    """An emailed, single-use link that makes its holder a member with ``role``."""

    id = UUID(primary_key=True)
    organization = ForeignKey(Organization, index=True)
    email = Varchar(length=254)
    role = Varchar(length=16)
    token_hash = Varchar(length=64, unique=True)
    invited_by = ForeignKey(Organizer)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    accepted_at = Timestamptz(null=True, default=None)


class ApiToken(Table, tablename="api_token"):
    """A named bearer token for scripts; only its SHA-256 is stored."""

    id = UUID(primary_key=True)
    organizer = ForeignKey(Organizer, index=True)
    name = Varchar(length=100)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)


class RecoveryCode(Table, tablename="recovery_code"):
    """Single-use two-factor recovery codes; only their SHA-256 is stored."""

    id = UUID(primary_key=True)
    organizer = ForeignKey(Organizer, index=True)
    code_hash = Varchar(length=64, unique=True)
    used_at = Timestamptz(null=True, default=None)


class AuditEntry(Table, tablename="audit_entry"):
    """Who did what in an organization, for its owners (accounts/audit.py explains the rules).

    Organizer data only: never a volunteer's name, email or phone, so neither the purge nor
    a volunteer's deletion has to touch this table. Repeated views of the same attendee
    list are coalesced into one entry (``repeats``, ``last_at``).
    """

    id = UUID(primary_key=True)
    # Indexed together with created_at (the migration): the owners' pages walk that.
    organization = ForeignKey(Organization)
    # The organizer who acted; kept (as NULL) should the account ever go away.
    actor = ForeignKey(Organizer, null=True, default=None, on_delete=OnDelete.set_null)
    via = Varchar(length=120, default="")  # "" for the web, "API token <name>" for scripts
    action = Varchar(length=48)
    subject_id = Varchar(length=64, default="")  # the event, shift or membership acted on
    subject = Varchar(length=300, default="")  # a snapshot: event title, invited email, ...
    detail = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow(), index=True)
    last_at = Timestamptz(default=TimestamptzNow())
    repeats = Integer(default=1)


class PasswordResetRequest(Table, tablename="password_reset_request"):
    """An asked-for password reset link, waiting for the background sender.

    The request path only writes this row, account or not, so its answer and timing say
    nothing about which addresses have accounts. ``email`` is encrypted and the row is
    deleted once handled (accounts/passwords.py).
    """

    id = UUID(primary_key=True)
    email = Varchar(length=400)
    created_at = Timestamptz(default=TimestamptzNow())
