"""Place suggestions as one types a city into the search (``GET /places?place=Ber``).

An htmx fragment: a ``<datalist>`` for the place field, from the offline gazetteer (no
request leaves the site). Each suggestion's value is "City, CC", which the search reads
back exactly; its label names the country in the reader's language. Public, without a
session, and the same for everybody in a language: cached by browsers for a day.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from server.geo import gazetteer
from server.geo.country_names import country_name

MAX_TYPED = 100


@get("/places", include_in_schema=False, opt={"skip_session": True, "exclude_from_csrf": True})
async def places(
    request: Request[Any, Any, Any],
    place: Annotated[str, QueryParameter(max_length=MAX_TYPED)] = "",
) -> Template:
    found = gazetteer.complete(place) if place.strip() else ()
    options = [(f"{c.name}, {c.country}", f"{c.name}, {country_name(c.country)}") for c in found]
    return Template(
        template_name="partials/place_options.html",
        context={"options": options},
        headers={"Cache-Control": "public, max-age=86400", "Vary": "HX-Request"},
    )


ROUTES = [places]
