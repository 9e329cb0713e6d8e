"""A public search's parameters, checked and normalised: equal searches make equal cache keys."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from server.errors import ValidationFailed
from server.i18n import N_, Text

MIN_RADIUS_KM, MAX_RADIUS_KM, DEFAULT_RADIUS_KM = 1.0, 500.0, 25.0
DEFAULT_PER_PAGE, MAX_PER_PAGE = 20, 50
MAX_PAGE = 1000  # deeper pages are a crawl, not a search
# The days a search may name. Far wider than any real event, and far enough inside
# datetime's range (years 1-9999) that a day's midnight in any zone, shifted by the
# longest event, never overflows (0001-01-01 and 9999-12-31 used to be 500s).
FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 31)
DAY_MESSAGE = N_("Use a date like 2026-12-05, between 1970 and 2999.")


@dataclass(frozen=True, slots=True)
class Query:
    """A normalised public search; equal queries give equal answers (the cache key)."""

    near: tuple[float, float] | None = None
    radius_km: float = DEFAULT_RADIUS_KM
    date_from: date | None = None
    date_to: date | None = None
    campaign_id: uuid.UUID | None = None
    org_id: uuid.UUID | None = None
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    @property
    def dated(self) -> bool:
        return self.date_from is not None or self.date_to is not None

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page


def parse_day(text: str | None) -> date | None:
    """A ``from``/``to`` parameter as sent: None when empty, ValueError when it is not
    an ISO day between FIRST_DAY and LAST_DAY. The one parser of search days."""
    if not text:
        return None
    day = date.fromisoformat(text)
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"{text} is outside {FIRST_DAY}..{LAST_DAY}")
    return day


def parse_days(**texts: str | None) -> tuple[dict[str, date | None], list[str]]:
    """Several day parameters at once: their days (None when empty or wrong) and the
    names of the wrong ones, for the caller to report in its own way."""
    days: dict[str, date | None] = {}
    wrong: list[str] = []
    for name, text in texts.items():
        try:
            days[name] = parse_day(text)
        except ValueError:
            days[name] = None
            wrong.append(name)
    return days, wrong


def make_query(
    near: tuple[float, float] | None = None,
    radius_km: float | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    campaign_id: uuid.UUID | None = None,
    org_id: uuid.UUID | None = None,
    page: int = 1,
    per_page: int = DEFAULT_PER_PAGE,
) -> Query:
    """Check the bounds; errors are keyed by the API's parameter names."""
    errors: dict[str, str] = {}
    radius = DEFAULT_RADIUS_KM if radius_km is None else float(radius_km)
    if not MIN_RADIUS_KM <= radius <= MAX_RADIUS_KM:  # also false for NaN
        errors["radius_km"] = Text(
            "Use a radius from %(low)s to %(high)s km.",
            low=format(MIN_RADIUS_KM, "g"),
            high=format(MAX_RADIUS_KM, "g"),
        )
    if near is not None:
        lat, lon = near
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            errors["near"] = N_("Give the point as latitude,longitude, like 52.52,13.40.")
        # ~11 m: finer is noise, and equal points must make equal cache keys.
        near = (round(lat, 4) + 0.0, round(lon, 4) + 0.0)
    else:
        radius = DEFAULT_RADIUS_KM  # meaningless without a point: keep keys equal
    # Days from elsewhere than parse_day (internal callers) meet the same bounds.
    for name, day in (("from", date_from), ("to", date_to)):
        if day is not None and not FIRST_DAY <= day <= LAST_DAY:
            errors[name] = DAY_MESSAGE
    if date_from and date_to and date_to < date_from:
        errors["to"] = N_("The end date must not be before the start date.")
    if not 1 <= page <= MAX_PAGE:
        errors["page"] = Text("Use a page from 1 to %(n)s.", n=MAX_PAGE)
    if not 1 <= per_page <= MAX_PER_PAGE:
        errors["per_page"] = Text("Use from 1 to %(n)s results per page.", n=MAX_PER_PAGE)
    if errors:
        raise ValidationFailed(errors)
    return Query(near, round(radius, 3), date_from, date_to, campaign_id, org_id, page, per_page)
