"""What the actions API documents for its errors (OpenAPI), shared by its controllers."""

from __future__ import annotations

from litestar.openapi.datastructures import ResponseSpec

from server.web.apidocs import problem_responses

NO_STORE = {"Cache-Control": "no-store"}
_DESCRIPTIONS = {
    400: "The body or a parameter does not match the schema",
    401: "Not signed in, or the API token is invalid or revoked",
    403: "Your role may not do this (viewers read only), or the CSRF header is missing",
    404: "Not found, or not visible to you",
    409: "The action is archived",
    422: "Invalid input; `errors` names each field",
    429: "Too many completions from this client; see Retry-After",
}
READ = (400, 401, 404)
WRITE = (400, 401, 403, 404, 422)


def problems(*codes: int) -> dict[int, ResponseSpec]:
    return problem_responses(_DESCRIPTIONS, codes)
