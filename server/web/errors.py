"""Exception handlers: problem+json on the API, a plain page elsewhere, never a traceback."""

from __future__ import annotations

import logging
import re
from typing import Any

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.response import Template
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ASGIApp

from server import db
from server.errors import DomainError, ValidationFailed
from server.i18n import N_, translate
from server.web.caching import RawResponse

log = logging.getLogger("muster.errors")
PROBLEM_JSON = "application/problem+json"


def _is_api(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/")


def _in_language(errors: list[dict[str, str]]) -> list[dict[str, str]]:
    return [{**e, "message": translate(e["message"])} for e in errors]


def problem(
    status: int, title: str, detail: str = "", errors: list[dict[str, str]] | None = None
) -> Response[dict[str, Any]]:
    """A problem+json answer. ``detail`` and the field messages are for people: they are in
    the request's language (English unless it asks for another); ``title`` and ``field``
    stay as they are, for programs."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = translate(detail)
    if errors:
        body["errors"] = _in_language(errors)
    return Response(body, status_code=status, media_type=PROBLEM_JSON)


def bad_query(errors: dict[str, str]) -> ASGIApp:
    """A 400 problem+json naming each malformed query parameter, for the public reads
    that answer with raw ASGI responses (search, feeds) to skip Litestar's Response
    building; not cached, so a fixed query is read afresh."""
    body = {
        "type": "about:blank",
        "title": N_("Invalid query"),
        "status": 400,
        "detail": "; ".join(f"{k}: {translate(v)}" for k, v in errors.items()),
        "errors": [{"field": k, "message": translate(v)} for k, v in errors.items()],
    }
    headers = [(b"content-type", PROBLEM_JSON.encode()), (b"cache-control", b"no-store")]
    return RawResponse(400, headers, msgspec.json.encode(body))


def _page(request: Request[Any, Any, Any], status: int, title: str, detail: str) -> Response[Any]:
    return Template(
        template_name="pages/error.html",
        context={"status": status, "title": title, "detail": detail},
        status_code=status,
        media_type=MediaType.HTML,
        headers={"Cache-Control": "no-store"},
    )


_MSGSPEC_PATH = re.compile(r"at `\$\.([^`]+)`")
_MSGSPEC_MISSING = re.compile(r"missing required field `([^`]+)`")
_MSGSPEC_UNKNOWN = re.compile(r"unknown field `([^`]+)`")


def _field_name(item: dict[str, Any]) -> str:
    """The body field a msgspec message is about (`$.capacity`), else Litestar's key."""
    message = str(item.get("message", ""))
    for pattern in (_MSGSPEC_PATH, _MSGSPEC_MISSING, _MSGSPEC_UNKNOWN):
        match = pattern.search(message)
        if match:
            return match.group(1)
    return str(item.get("key") or item.get("source") or "body")


def _litestar_field_errors(exc: ValidationException) -> list[dict[str, str]]:
    errors = []
    for item in exc.extra or []:
        if isinstance(item, dict):
            errors.append(
                {"field": _field_name(item), "message": str(item.get("message", "invalid"))}
            )
    return errors


def handle_domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    errors = None
    if isinstance(exc, ValidationFailed):
        errors = [{"field": k, "message": v} for k, v in exc.errors.items()]
    if _is_api(request):
        return problem(exc.status_code, exc.title, exc.detail, errors)
    return _page(request, exc.status_code, exc.title, exc.detail)


def handle_http_exception(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    title = exc.detail if status < 500 else N_("Server error")
    if isinstance(exc, ValidationException):
        errors = _litestar_field_errors(exc)
        if _is_api(request):
            return problem(
                400, N_("Invalid input"), N_("The request did not match the schema"), errors
            )
        return _page(request, 400, N_("Invalid input"), N_("The form could not be read."))
    if status >= 500:
        log.error("HTTP %s on %s %s", status, request.method, request.url.path)
    headers = getattr(exc, "headers", None) or {}
    # Retry-After (429), WWW-Authenticate...: the API's problem answers keep them too.
    response = problem(status, title) if _is_api(request) else _page(request, status, title, "")
    response.headers.update(headers)
    return response


def _nested_too_deeply(exc: RecursionError) -> bool:
    """Did a JSON decoder give up on nesting? msgspec (every JSON body, through Litestar)
    and the standard json module both raise RecursionError for a body like 5,000 ``[``s,
    and both say so in the message; any other RecursionError is our bug and stays a 500."""
    text = str(exc)
    return "while deserializing" in text or "while decoding a JSON" in text


def handle_recursion(request: Request[Any, Any, Any], exc: RecursionError) -> Response[Any]:
    """A client's too deeply nested JSON is bad input (a 400), on every route at once."""
    if not _nested_too_deeply(exc):
        return handle_unexpected(request, exc)
    detail = N_("The JSON body is nested too deeply.")
    if _is_api(request):
        return problem(400, N_("Invalid input"), detail, [{"field": "body", "message": detail}])
    return _page(request, 400, N_("Invalid input"), N_("The form could not be read."))


def handle_unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if db.is_outage(exc):
        return _database_unavailable(request, exc)
    # Logged with its traceback on our side; the client learns only that it failed.
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    if _is_api(request):
        return problem(HTTP_500_INTERNAL_SERVER_ERROR, N_("Server error"))
    return _page(request, 500, N_("Server error"), N_("Something went wrong on our side."))


# Long enough for a restarting PostgreSQL or a failover, short enough to feel live.
RETRY_AFTER_DB_S = 5


def _database_unavailable(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The database is down or unreachable: not our bug but a pause, so a 503 the client
    may retry (as /healthz says too), and one log line instead of a traceback per request."""
    log.warning(
        "database unavailable on %s %s: %s", request.method, request.url.path, type(exc).__name__
    )
    title, detail = (
        N_("Service unavailable"),
        N_("The database is not answering: please try again."),
    )
    if _is_api(request):
        response = problem(503, title, detail)
    else:
        response = _page(request, 503, title, detail)
    response.headers["Retry-After"] = str(RETRY_AFTER_DB_S)
    return response


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: handle_domain_error,
    HTTPException: handle_http_exception,
    RecursionError: handle_recursion,
    Exception: handle_unexpected,
}
