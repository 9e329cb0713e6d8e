"""OpenAPI documentation of problem+json error answers, shared by every feature's API.

Each API keeps its own wording per status code (what a 409 means differs per feature);
this builds the response entries from that wording the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from litestar.openapi.datastructures import ResponseSpec

from server.accounts.schemas import Problem
from server.web.errors import PROBLEM_JSON


def problem_responses(
    descriptions: Mapping[int, str], codes: Iterable[int]
) -> dict[int, ResponseSpec]:
    return {
        code: ResponseSpec(
            data_container=Problem,
            description=descriptions[code],
            media_type=PROBLEM_JSON,
            generate_examples=False,
        )
        for code in codes
    }
