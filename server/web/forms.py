"""The form post every page handler makes: check, save, then redirect or show the form again.

A page form posts back to its own URL. On success the handler answers what ``done``
makes of the saved result (a 303, or an htmx fragment); on bad input the same form is
shown again by ``invalid`` with status 422, every field's error inline and the input
kept (DESIGN.md invariant 7). Services raise ``ValidationFailed`` with one message per
field; errors found while parsing the form text come in as ``errors`` and win over the
service's for the same field, so the visitor sees all problems at once.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from litestar import Response

from server.errors import ValidationFailed

T = TypeVar("T")
INVALID_STATUS = 422

Answer = Response[Any] | Awaitable[Response[Any]]


def text_values(form: Mapping[str, Any], names: tuple[str, ...]) -> dict[str, str]:
    """The submitted text of each named field ("" when absent): what the form shows again."""
    return {name: str(form.get(name) or "") for name in names}


async def _answer(value: Answer) -> Response[Any]:
    return await value if inspect.isawaitable(value) else value


async def submit(
    save: Callable[[], Awaitable[T]],
    *,
    done: Callable[[T], Answer],
    invalid: Callable[[dict[str, str]], Answer],
    errors: Mapping[str, str] | None = None,
    check: Callable[[], object] | None = None,
) -> Response[Any]:
    """``save()`` and answer ``done(result)``; on ``ValidationFailed``, ``invalid(errors)``
    with status 422 (whatever status its renderer would give the form otherwise).

    With parse ``errors`` nothing is saved: ``check()`` (sync or async, raising
    ``ValidationFailed``) still runs the service's rules on the other fields.
    """
    found = dict(errors or {})
    failed = bool(found)
    try:
        if not failed:
            result = await save()
        elif check is not None:
            checked = check()
            if inspect.isawaitable(checked):
                await checked
    except ValidationFailed as exc:
        found, failed = {**exc.errors, **found}, True
    if not failed:
        # Outside the try: a ValidationFailed while answering is not about this input.
        return await _answer(done(result))
    response = await _answer(invalid(found))
    response.status_code = INVALID_STATUS
    return response
