"""Great-circle distance and the bounding boxes that prefilter a nearby search.

Computed in Python: SQLite's math functions are a build option, so the database only
answers an indexed box query and the exact distance is computed here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0088
KM_PER_DEGREE_LAT = math.pi * EARTH_RADIUS_KM / 180.0
# Two decimals of a degree are ~1.1 km of latitude: enough to find a rally near you,
# too coarse to find a door (invariant 2, and what "near me" sends from the phone).
PUBLIC_DECIMALS = 2


def round_public(value: float) -> float:
    return round(value, PUBLIC_DECIMALS)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance; ``events/search.py`` inlines this formula in its hot loop."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True, slots=True)
class Box:
    """Latitude range plus one or two longitude ranges (two when crossing ±180°)."""

    min_lat: float
    max_lat: float
    lon_ranges: tuple[tuple[float, float], ...]


def bounding_box(lat: float, lon: float, radius_km: float) -> Box:
    """The smallest lat/lon box that holds every point within ``radius_km``."""
    dlat = radius_km / KM_PER_DEGREE_LAT
    min_lat, max_lat = lat - dlat, lat + dlat
    if min_lat <= -90 or max_lat >= 90:  # a pole is inside: every longitude is
        return Box(max(min_lat, -90.0), min(max_lat, 90.0), ((-180.0, 180.0),))
    # The widest longitude span is at the latitude where the circle touches its tangent.
    dlon = math.degrees(
        math.asin(min(1.0, math.sin(radius_km / EARTH_RADIUS_KM) / math.cos(math.radians(lat))))
    )
    west, east = lon - dlon, lon + dlon
    if west < -180:
        ranges: tuple[tuple[float, float], ...] = ((west + 360, 180.0), (-180.0, east))
    elif east > 180:
        ranges = ((west, 180.0), (-180.0, east - 360))
    else:
        ranges = ((west, east),)
    return Box(min_lat, max_lat, ranges)


def parse_point(text: str) -> tuple[float, float] | None:
    """'52.52,13.40' → (52.52, 13.4); None when malformed or out of range."""
    parts = text.split(",")
    if len(parts) != 2:
        return None
    try:
        lat, lon = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or math.isnan(lat) or math.isnan(lon):
        return None
    return lat, lon
