"""The single Piccolo app: every feature's tables, migrations in the top-level folder."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from server.accounts.tables import ApiToken, Invitation, Membership, Organization, Organizer
from server.events.tables import Campaign, ChangeCounter, Event

APP_CONFIG = AppConfig(
    app_name="muster",
    migrations_folder_path=str(Path(__file__).resolve().parent.parent / "migrations"),
    table_classes=[
        Organizer,
        Organization,
        Membership,
        Invitation,
        ApiToken,
        Campaign,
        Event,
        ChangeCounter,
    ],
    migration_dependencies=[],
    commands=[],
)
