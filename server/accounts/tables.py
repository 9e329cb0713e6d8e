"""Tables of the accounts feature; only accounts/service.py reads or writes them."""

from piccolo.columns import (
    UUID,
    Boolean,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
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
