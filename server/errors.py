"""Exceptions that services raise; the web layer turns them into 4xx answers.

Services know nothing of HTTP, so they speak in these terms; ``server.web.errors``
maps them to problem+json (API) or an error page / inline field errors (pages).
"""

from __future__ import annotations

from server.i18n import N_


class DomainError(Exception):
    status_code = 400
    title = N_("Bad request")

    def __init__(self, detail: str = "") -> None:
        super().__init__(detail or self.title)
        self.detail = detail or self.title


class ValidationFailed(DomainError):
    """One message per field that failed; nothing has been written."""

    status_code = 422
    title = N_("Invalid input")

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class NotFound(DomainError):
    """Also for "exists but not yours": nothing can be probed (invariant 1)."""

    status_code = 404
    title = N_("Not found")


class PermissionDenied(DomainError):
    """The caller is a member but their role may not do this (e.g. a viewer editing)."""

    status_code = 403
    title = N_("Forbidden")


class Conflict(DomainError):
    status_code = 409
    title = N_("Conflict")


class Busy(DomainError):
    """Another writer holds what this change needs for longer than we wait: try again."""

    status_code = 503
    title = N_("Busy")
