"""The demo's campaign and its events: rallies in sixteen cities and an online phone bank."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from server.accounts.service import OrganizerView
from server.events import service as events
from server.events.schemas import CampaignInput, EventInput

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

# One rally a line, created in this order:
# days from today | local hours | city | country | title | venue | address | notes,
# where the optional notes are a capacity, "attendees only" (the address is shown to
# confirmed attendees only) and "draft" (not published).
RALLIES = """
3  | 18-20 | London    | GB | Rally at the Russian Embassy | Opposite the Russian Embassy | Bayswater Road, London W2
5  | 18-20 | Berlin    | DE | Mahnwache: #DontTurnAway | Unter den Linden, opposite the Russian Embassy | Unter den Linden 63-65, 10117 Berlin
7  | 18-20 | Paris     | FR | Rassemblement #DontTurnAway | Place de la République | Place de la République, 75003 Paris
9  | 17-19 | Toronto   | CA | Rally at City Hall | Nathan Phillips Square | 100 Queen St W, Toronto, ON M5H 2N2
10 | 18-20 | Montreal  | CA | Vigile pour la Tchétchénie | Place des Festivals | Place des Festivals, Montréal, QC H2X 1Y9
12 | 18-20 | Oslo      | NO | Rally at the Storting | Eidsvolls plass | Eidsvolls plass, 0162 Oslo | 300
14 | 14-17 | Amsterdam | NL | Demonstration on Dam Square | Dam Square | Dam, 1012 JS Amsterdam
17 | 18-20 | Stockholm | SE | Manifestation at Sergels torg | Sergels torg | Sergels torg, 111 57 Stockholm
19 | 12-14 | New York  | US | Rally near the United Nations | Dag Hammarskjöld Plaza | E 47th St & 2nd Ave, New York, NY 10017
21 | 12-14 | Geneva    | CH | Rally at the UN: Place des Nations | Place des Nations, in front of the UN (Broken Chair) | Place des Nations, 1202 Genève | 500
24 | 17-19 | The Hague | NL | Vigil at the International Criminal Court | International Criminal Court, public square | Oude Waalsdorperweg 10, 2597 AK Den Haag
27 | 18-20 | Vilnius   | LT | Solidarity gathering | Meeting point near Lukiškės Square | Lukiškių aikštė (exact spot shared with attendees) | attendees only
31 | 18-20 | Rome      | IT | Presidio a Piazza Santi Apostoli | Piazza dei Santi Apostoli | Piazza dei Santi Apostoli, 00187 Roma
35 | 19-21 | Madrid    | ES | Concentración en la Puerta del Sol | Puerta del Sol | Puerta del Sol, 28013 Madrid
40 | 18-20 | Vienna    | AT | Kundgebung am Ballhausplatz | Ballhausplatz | Ballhausplatz, 1010 Wien
42 | 18-20 | London    | GB | Vigil at Parliament Square (planning) | Parliament Square | Parliament Square, London SW1P 3BD | draft
"""

COUNTRY_NAMES = {
    "GB": "the United Kingdom", "DE": "Germany", "FR": "France", "CA": "Canada",
    "NO": "Norway", "NL": "the Netherlands", "SE": "Sweden", "US": "the United States",
    "CH": "Switzerland", "LT": "Lithuania", "IT": "Italy", "ES": "Spain", "AT": "Austria",
}  # fmt: skip


async def load_events(
    organizer: OrganizerView, organization_id: uuid.UUID
) -> tuple[uuid.UUID, int]:
    """Create the campaign and its events; returns the campaign's id and how many events."""
    campaign = await events.create_campaign(
        organizer, organization_id, CampaignInput(title=CAMPAIGN, description=CAMPAIGN_TEXT)
    )
    today = datetime.now(UTC).date()
    planned = [_rally(line, today, campaign["id"]) for line in RALLIES.strip().splitlines()]
    planned.append((_phone_bank(today, campaign["id"]), True))
    for data, publish in planned:
        row = await events.create_event(organizer, organization_id, data)
        if publish:
            await events.publish_event(organizer, row["id"])
    return campaign["id"], len(planned)


def _rally(line: str, today: date, campaign_id: uuid.UUID) -> tuple[EventInput, bool]:
    """One line of RALLIES as the event to create, and whether to publish it."""
    days, hours, city, country, title, venue, address, *notes = (
        cell.strip() for cell in line.split("|")
    )
    unknown = [n for n in notes if not n.isdigit() and n not in ("attendees only", "draft")]
    if unknown:  # a typo would otherwise load a different demo without a word
        raise ValueError(f"unknown note in the demo's rally {title!r}: {unknown}")
    start, end = (int(hour) for hour in hours.split("-"))
    day = today + timedelta(days=int(days))
    data = EventInput(
        title=title,
        starts_at=_wall_clock(day, start),
        ends_at=_wall_clock(day, end),
        description=RALLY_TEXT.format(country=COUNTRY_NAMES[country]),
        description_format="markdown",
        kind="vigil" if "Vigil" in title or "Mahnwache" in title else "rally",
        venue_name=venue,
        address=address,
        city=city,
        country=country,
        address_visibility="attendees" if "attendees only" in notes else "public",
        capacity=next((int(n) for n in notes if n.isdigit()), None),
        campaign_id=campaign_id,
    )
    return data, "draft" not in notes


def _phone_bank(today: date, campaign_id: uuid.UUID) -> EventInput:
    day = today + timedelta(days=8)
    return EventInput(
        title="Online phone bank: call your foreign ministry",
        starts_at=_wall_clock(day, 19),
        ends_at=_wall_clock(day, 20),
        timezone="Europe/London",
        description="We call foreign ministries together and share scripts.\n"
        "The link goes to everyone who signs up.",
        kind="phone_bank",
        online_url="https://meet.example.org/dontturnaway-phone-bank",
        campaign_id=campaign_id,
    )


def _wall_clock(day: date, hour: int) -> datetime:
    """A naive local time: the service reads it in the event city's own zone."""
    return datetime(day.year, day.month, day.day, hour, 0)
