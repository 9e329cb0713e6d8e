"""The home page's search form: what was typed (shown back as typed), read leniently into
a public search, with an inline message per wrong field instead of an error page."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from litestar import Request

from server.errors import ValidationFailed
from server.events.query import MAX_PAGE, Query, make_query, parse_days
from server.geo import gazetteer
from server.geo.country_names import country_name
from server.geo.distance import parse_point

HOME_PER_PAGE = 20


@dataclass
class HomeForm:
    """What the search form sent, as typed (so the form shows it back), and what it means.

    ``errors`` maps a field to a message code; the texts live in the template (gettext).
    """

    place: str = ""
    near: str = ""
    radius_km: str = ""
    date_from: str = ""
    date_to: str = ""
    campaign: str = ""
    page: int = 1
    errors: dict[str, str] = field(default_factory=dict)
    place_label: str = ""  # the city searched around
    alternatives: list[tuple[str, str]] = field(default_factory=list)  # (label, url)

    def link(self, page: int = 1, **changes: str) -> str:
        values = {
            "place": self.place,
            "near": self.near,
            "radius_km": self.radius_km,
            "from": self.date_from,
            "to": self.date_to,
            "campaign": self.campaign,
            **changes,
        }
        query = [(k, v) for k, v in values.items() if v]
        if page > 1:
            query.append(("page", str(page)))
        return "/?" + urlencode(query) if query else "/"


def feed_url(base_url: str, q: Query) -> str:
    """The same search as a calendar feed (``/feeds/events.ics``, served by calendar).

    Dates are left out: a feed always runs from now on.
    """
    params: list[tuple[str, str]] = []
    if q.near is not None:
        params += [("near", f"{q.near[0]:g},{q.near[1]:g}"), ("radius_km", f"{q.radius_km:g}")]
    if q.campaign_id is not None:
        params.append(("campaign", str(q.campaign_id)))
    if q.org_id is not None:
        params.append(("org", str(q.org_id)))
    return f"{base_url}/feeds/events.ics" + (f"?{urlencode(params)}" if params else "")


# make_query's field → the message code the page shows
_QUERY_ERRORS = {"near": "location", "radius_km": "radius", "to": "date_order", "page": "page"}


# The form's fields and how much of each is read (nothing longer is meaningful).
_FIELDS = (("place", 100), ("near", 40), ("radius_km", 10), ("from", 10), ("to", 10),
           ("campaign", 36), ("page", 6))  # fmt: skip


def raw_form(request: Request[Any, Any, Any]) -> tuple[str, ...]:
    """The form as sent, trimmed: what the cached answers are keyed by."""
    params = request.query_params
    return tuple(params.get(name, "").strip()[:limit] for name, limit in _FIELDS)


def _label(city: gazetteer.City) -> str:
    """ "Paris, France" with the country named in the reader's language."""
    return f"{city.name}, {country_name(city.country)}"


def read_form(raw: tuple[str, ...]) -> tuple[HomeForm, Query]:
    """Lenient: a wrong value gets an inline message and is left out of the search."""
    place, near, radius_km, date_from, date_to, campaign_text, page = raw
    form = HomeForm(place, near, radius_km, date_from, date_to, campaign_text)
    point = None
    if form.near:
        point = parse_point(form.near)
        if point is None:
            form.errors["place"] = "location"
    elif form.place:
        found = gazetteer.find_cities(form.place, limit=6)
        if found:
            first = found[0]
            point = (first.lat, first.lon)
            form.place_label = _label(first)
            # Other cities of that very name, one per other country: a link names a city and
            # its country, so a second "Springfield, United States" would lead to the first.
            # "Berlin" is also an old name of North Canton, Ohio, which would only puzzle.
            same, seen = gazetteer.fold(first.name), {first.country}
            for city in found[1:]:
                if gazetteer.fold(city.name) == same and city.country not in seen:
                    seen.add(city.country)
                    link = form.link(place=f"{city.name}, {city.country}")
                    form.alternatives.append((_label(city), link))
        else:
            form.errors["place"] = "unknown_place"
    radius: float | None = None
    if form.radius_km:
        try:
            radius = float(form.radius_km)
        except ValueError:
            form.errors["radius_km"] = "radius"
    days, wrong = parse_days(**{"from": form.date_from, "to": form.date_to})
    form.errors.update(dict.fromkeys(wrong, "date"))
    campaign = None
    if form.campaign:
        try:
            campaign = uuid.UUID(form.campaign)
        except ValueError:
            form.errors["campaign"] = "campaign"
    try:
        form.page = int(page or "1")
    except ValueError:
        form.page = 1
    form.page = max(1, min(MAX_PAGE, form.page))
    try:
        q = make_query(
            point, radius, days["from"], days["to"], campaign, None, form.page, HOME_PER_PAGE
        )
    except ValidationFailed as exc:
        for name in exc.errors:
            form.errors["place" if name == "near" else name] = _QUERY_ERRORS.get(name, "invalid")
        q = make_query(
            None if "near" in exc.errors else point,
            None if "radius_km" in exc.errors else radius,
            days["from"],
            None if "to" in exc.errors else days["to"],
            campaign,
            None,
            form.page,
            HOME_PER_PAGE,
        )
    return form, q
