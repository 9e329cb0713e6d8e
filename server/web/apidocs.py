"""OpenAPI documentation of problem+json error answers, shared by every feature's API.

A status means the same everywhere (401: who are you, 404: not found or not yours...),
so one table words them all; a feature passes its own words only where the meaning is
its own, mostly what a 409 conflicts with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from litestar.openapi.datastructures import ResponseSpec

from server.accounts.schemas import Problem
from server.web.errors import PROBLEM_JSON

DESCRIPTIONS: dict[int, str] = {
    400: "The body or a parameter does not match the schema",
    401: "Not signed in, or the API token is invalid or revoked",
    403: "Your role may not do this (viewers read only), or the CSRF token is missing or wrong "
    "(writes with cookies send `x-csrftoken`, see `GET /api/v1/csrf`)",
    404: "Not found, or not visible to you",
    409: "Conflicts with the current state",
    415: "Send the body as application/json",
    422: "Invalid input; `errors` names each field",
    429: "Too many requests from this client; see Retry-After",
}
READ = (400, 401, 404)
WRITE = (400, 401, 403, 404, 422)


def problems(
    *codes: int, conflict: str | None = None, not_found: str | None = None
) -> dict[int, ResponseSpec]:
    """The error answers of one operation; ``conflict`` and ``not_found`` reword 409, 404."""
    words = {**DESCRIPTIONS}
    if conflict is not None:
        words[409] = conflict
    if not_found is not None:
        words[404] = not_found
    return problem_responses(words, codes)


def problem_responses(
    descriptions: Mapping[int, str], codes: Iterable[int]
) -> dict[int, ResponseSpec]:
    """Entries worded by ``descriptions`` (for answers unlike the API's usual ones)."""
    return {
        code: ResponseSpec(
            data_container=Problem,
            description=descriptions[code],
            media_type=PROBLEM_JSON,
            generate_examples=False,
        )
        for code in codes
    }
