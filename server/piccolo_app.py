"""The single Piccolo app: every feature's tables, migrations in the top-level folder."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from server.accounts.tables import (
    ApiToken,
    AuditEntry,
    Invitation,
    Membership,
    Organization,
    Organizer,
    PasswordResetRequest,
    RecoveryCode,
)
from server.actions.tables import (
    ActionCompletion,
    ActionTarget,
    ActionTask,
    ActionTaskTranslation,
)
from server.events.tables import (
    Campaign,
    CampaignTranslation,
    ChangeCounter,
    Event,
    EventTranslation,
)
from server.mail.tables import ComposeRetry, EventNotice, Outbox, Suppression, UnsubscribeToken
from server.privacy.tables import Report
from server.signups.tables import HomeLink, HomeLinkRequest, Shift, Signup, Volunteer

APP_CONFIG = AppConfig(
    app_name="muster",
    migrations_folder_path=str(Path(__file__).resolve().parent.parent / "migrations"),
    table_classes=[
        Organizer,
        Organization,
        Membership,
        Invitation,
        ApiToken,
        RecoveryCode,
        AuditEntry,
        Campaign,
        CampaignTranslation,
        Event,
        EventTranslation,
        ChangeCounter,
        Outbox,
        Suppression,
        UnsubscribeToken,
        EventNotice,
        ComposeRetry,
        Volunteer,
        Shift,
        Signup,
        HomeLink,
        HomeLinkRequest,
        PasswordResetRequest,
        ActionTask,
        ActionTaskTranslation,
        ActionTarget,
        ActionCompletion,
        Report,
    ],
    migration_dependencies=[],
    commands=[],
)
