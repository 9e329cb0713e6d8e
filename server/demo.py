"""Demo data for ``muster demo`` (and ``make run``): one approved organization, its
organizer and an admin, the #DontTurnAway campaign, and rallies in sixteen cities.

Everything goes through the services, so demo data obeys the same rules as real data.
It loads only into a database without organizers, and never in production: the
passwords below are public.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import click

from server.accounts import service as accounts
from server.accounts.tables import Organizer
from server.actions.demo import load_actions
from server.events import service as events
from server.events.schemas import CampaignInput, EventInput
from server.settings import Settings

ORGANIZER_EMAIL = "organizer@demo.muster.invalid"
ORGANIZER_PASSWORD = "muster-demo-organizer"
ADMIN_EMAIL = "admin@demo.muster.invalid"
ADMIN_PASSWORD = "muster-demo-admin"
ORGANIZATION = "Rainbow Solidarity Network (demo)"
CAMPAIGN = "#DontTurnAway — stop the persecution of LGBTI people in Chechnya"

CAMPAIGN_TEXT = (
    "Since 2017 LGBTI people in Chechnya have been detained, tortured and killed; police "
    "have lured victims through fake online profiles. We ask governments to grant "
    "emergency visas, and international bodies to investigate."
)
RALLY_TEXT = """Join us to demand that **{country}** opens its doors to LGBTI people fleeing Chechnya.

- Bring a sign — keep faces of people at risk out of your photos.
- Marshals in purple vests will be on site.
- Ask a marshal if you need help or want to leave quietly.

More about the campaign: [#DontTurnAway](https://example.org/dontturnaway)"""


@dataclass(frozen=True, slots=True)
class DemoEvent:
    days: int  # from today
    title: str
    city: str
    country: str
    venue: str
    address: str
    hour: int = 18
    hours: int = 2
    capacity: int | None = None
    hidden: bool = False  # address for confirmed attendees only
    publish: bool = True


RALLIES = (
    DemoEvent(3, "Rally at the Russian Embassy", "London", "GB",
              "Opposite the Russian Embassy", "Bayswater Road, London W2"),
    DemoEvent(5, "Mahnwache: #DontTurnAway", "Berlin", "DE",
              "Unter den Linden, opposite the Russian Embassy", "Unter den Linden 63-65, 10117 Berlin"),
    DemoEvent(7, "Rassemblement #DontTurnAway", "Paris", "FR",
              "Place de la République", "Place de la République, 75003 Paris"),
    DemoEvent(9, "Rally at City Hall", "Toronto", "CA",
              "Nathan Phillips Square", "100 Queen St W, Toronto, ON M5H 2N2", hour=17),
    DemoEvent(10, "Vigile pour la Tchétchénie", "Montreal", "CA",
              "Place des Festivals", "Place des Festivals, Montréal, QC H2X 1Y9"),
    DemoEvent(12, "Rally at the Storting", "Oslo", "NO",
              "Eidsvolls plass", "Eidsvolls plass, 0162 Oslo", capacity=300),
    DemoEvent(14, "Demonstration on Dam Square", "Amsterdam", "NL",
              "Dam Square", "Dam, 1012 JS Amsterdam", hour=14, hours=3),
    DemoEvent(17, "Manifestation at Sergels torg", "Stockholm", "SE",
              "Sergels torg", "Sergels torg, 111 57 Stockholm"),
    DemoEvent(19, "Rally near the United Nations", "New York", "US",
              "Dag Hammarskjöld Plaza", "E 47th St & 2nd Ave, New York, NY 10017", hour=12),
    DemoEvent(21, "Rally at the UN: Place des Nations", "Geneva", "CH",
              "Place des Nations, in front of the UN (Broken Chair)",
              "Place des Nations, 1202 Genève", hour=12, capacity=500),
    DemoEvent(24, "Vigil at the International Criminal Court", "The Hague", "NL",
              "International Criminal Court, public square",
              "Oude Waalsdorperweg 10, 2597 AK Den Haag", hour=17),
    DemoEvent(27, "Solidarity gathering", "Vilnius", "LT",
              "Meeting point near Lukiškės Square", "Lukiškių aikštė (exact spot shared with attendees)",
              hidden=True),
    DemoEvent(31, "Presidio a Piazza Santi Apostoli", "Rome", "IT",
              "Piazza dei Santi Apostoli", "Piazza dei Santi Apostoli, 00187 Roma"),
    DemoEvent(35, "Concentración en la Puerta del Sol", "Madrid", "ES",
              "Puerta del Sol", "Puerta del Sol, 28013 Madrid", hour=19),
    DemoEvent(40, "Kundgebung am Ballhausplatz", "Vienna", "AT",
              "Ballhausplatz", "Ballhausplatz, 1010 Wien"),
    DemoEvent(42, "Vigil at Parliament Square (planning)", "London", "GB",
              "Parliament Square", "Parliament Square, London SW1P 3BD", publish=False),
)  # fmt: skip

COUNTRY_NAMES = {
    "GB": "the United Kingdom", "DE": "Germany", "FR": "France", "CA": "Canada",
    "NO": "Norway", "NL": "the Netherlands", "SE": "Sweden", "US": "the United States",
    "CH": "Switzerland", "LT": "Lithuania", "IT": "Italy", "ES": "Spain", "AT": "Austria",
}  # fmt: skip


def credentials() -> str:
    return (
        f"  organizer: {ORGANIZER_EMAIL} / {ORGANIZER_PASSWORD}\n"
        f"  admin:     {ADMIN_EMAIL} / {ADMIN_PASSWORD}"
    )


def _wall_clock(day: date, hour: int) -> datetime:
    """A naive local time: the service reads it in the event city's own zone."""
    return datetime(day.year, day.month, day.day, hour, 0)


async def load_demo(settings: Settings | None = None) -> str:
    """Load the demo into an empty database; says what it did (credentials included)."""
    settings = settings or Settings.from_env()
    if settings.is_production:
        raise click.ClickException("refusing to load demo data (public passwords) in production")
    if await Organizer.count() > 0:
        return "Database already has data; demo not loaded.\nDemo accounts, if loaded before:\n" + (
            credentials()
        )

    admin, _ = await accounts.make_admin(ADMIN_EMAIL, ADMIN_PASSWORD)
    organizer = await accounts.register_organizer(
        ORGANIZER_EMAIL, ORGANIZER_PASSWORD, "Demo Organizer"
    )
    org = await accounts.create_organization(
        organizer,
        ORGANIZATION,
        "A demo organization: volunteers who support LGBTI people fleeing persecution.",
    )
    await accounts.approve_organization(admin, org.id, "Demo data")
    campaign = await events.create_campaign(
        organizer, org.id, CampaignInput(title=CAMPAIGN, description=CAMPAIGN_TEXT)
    )

    today = datetime.now(UTC).date()
    created = 0
    for rally in RALLIES:
        day = today + timedelta(days=rally.days)
        row = await events.create_event(
            organizer,
            org.id,
            EventInput(
                title=rally.title,
                starts_at=_wall_clock(day, rally.hour),
                ends_at=_wall_clock(day, rally.hour + rally.hours),
                description=RALLY_TEXT.format(country=COUNTRY_NAMES[rally.country]),
                description_format="markdown",
                kind="vigil" if "Vigil" in rally.title or "Mahnwache" in rally.title else "rally",
                venue_name=rally.venue,
                address=rally.address,
                city=rally.city,
                country=rally.country,
                address_visibility="attendees" if rally.hidden else "public",
                capacity=rally.capacity,
                campaign_id=campaign["id"],
            ),
        )
        if rally.publish:
            await events.publish_event(organizer, row["id"])
        created += 1

    online_day = today + timedelta(days=8)
    online = await events.create_event(
        organizer,
        org.id,
        EventInput(
            title="Online phone bank: call your foreign ministry",
            starts_at=_wall_clock(online_day, 19),
            ends_at=_wall_clock(online_day, 20),
            timezone="Europe/London",
            description="We call foreign ministries together and share scripts.\n"
            "The link goes to everyone who signs up.",
            kind="phone_bank",
            online_url="https://meet.example.org/dontturnaway-phone-bank",
            campaign_id=campaign["id"],
        ),
    )
    await events.publish_event(organizer, online["id"])
    created += 1
    actions = await load_actions(organizer, org.id, campaign["id"])

    return (
        f"Demo loaded: {ORGANIZATION}, campaign {CAMPAIGN!r}, {created} events, "
        f"{actions} actions.\n"
        f"Sign in at {settings.base_url}/login with\n{credentials()}"
    )
