"""Keep secret links out of logs (invariant 3).

Secret links (invitations, personal feeds, signup management, unsubscribe) and API tokens
must never reach a log file. ``RedactSecretsFilter`` cleans every record that reaches a
handler it is attached to: query strings go, secret path segments become ``[redacted]``,
and so do bearer tokens and ``mst_`` API tokens. ``uvicorn_log_config()`` is the logging
configuration ``muster serve`` hands to uvicorn, with the filter on every handler and a
root handler, so application loggers (``server.*``, ``muster.*``) are cleaned too.
"""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

REDACTED = "[redacted]"

# Routes whose next segment is a secret, whatever its length: /m/<token>, /my/<token>,
# /feeds/me/<token>.ics, /invitations/<token>, /unsubscribe/<token>, ...
_SECRET_ROUTE = re.compile(
    r"(/(?:m|my|manage|feeds/me|invitations|unsubscribe|t|s|login/reset|signup/confirm)/)"
    r"[A-Za-z0-9_\-]{16,}"
)
# Any other path segment that looks random: >= 22 URL-safe characters (128 bits of
# token_urlsafe) with a digit or a capital. Catches secret routes added later without
# anyone remembering to list them here. UUIDs (record ids, not secrets) stay readable.
_RANDOM_SEGMENT = re.compile(r"(?<=/)[A-Za-z0-9_\-]{22,}(?=[/.?#\s\"']|$)")
_UUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_LOOKS_RANDOM = re.compile(r"[0-9A-Z]")
_API_TOKEN = re.compile(r"\bmst_[A-Za-z0-9_\-]{8,}")
_BEARER = re.compile(r"(?i)(bearer\s+)\S+")
# A query string: everything from "?" to the next blank or quote.
_QUERY = re.compile(r"\?[^\s\"']+")


def _segment(match: re.Match[str]) -> str:
    text = match.group(0)
    if _UUID.fullmatch(text) or not _LOOKS_RANDOM.search(text):
        return text
    return REDACTED


def redact(text: str) -> str:
    """``text`` without query strings, secret path segments or tokens (idempotent)."""
    text = _QUERY.sub("?" + REDACTED, text)
    text = _SECRET_ROUTE.sub(r"\1" + REDACTED, text)
    text = _RANDOM_SEGMENT.sub(_segment, text)
    text = _API_TOKEN.sub(REDACTED, text)
    return _BEARER.sub(r"\1" + REDACTED, text)


def _redact_arg(value: object) -> object:
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, int | float):
        return value  # keeps %d and friends working
    text = str(value)  # URLs, requests, exceptions: judge them by how they would print
    cleaned = redact(text)
    return value if cleaned == text else cleaned


class RedactSecretsFilter(logging.Filter):
    """Attach to handlers: cleans the message, its arguments and any traceback text."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("uvicorn.access") and isinstance(record.args, tuple):
            # uvicorn's AccessFormatter unpacks record.args (client, method, path, version,
            # status): keep the tuple, clean each part.
            record.args = tuple(_redact_arg(a) for a in record.args)
        else:
            try:
                message = record.getMessage()
            except Exception:  # a malformed call: keep what it said, without secrets
                message = f"{record.msg} {record.args!r}"
            coloured = record.__dict__.get("color_message")
            if isinstance(coloured, str):
                # uvicorn prints this variant on a terminal, formatted with the same args.
                try:
                    formatted = coloured % record.args if record.args else coloured
                    record.__dict__["color_message"] = redact(formatted)
                except (TypeError, ValueError, KeyError):
                    del record.__dict__["color_message"]
            record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            # Formatters cache the traceback text here; filling it first means they print ours.
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging config with the redact filter on every handler.

    Also gives the root logger a (filtered) handler: otherwise application records, such
    as ``muster.errors`` naming the path of a failed request, would reach Python's
    unfiltered last-resort handler.
    """
    import uvicorn.config

    config: dict[str, Any] = copy.deepcopy(uvicorn.config.LOGGING_CONFIG)
    config["filters"] = {"redact": {"()": "server.logging.RedactSecretsFilter"}}
    for name, handler in config["handlers"].items():
        config["handlers"][name] = {**handler, "filters": ["redact"]}
    config["root"] = {"handlers": ["default"], "level": "WARNING"}
    loggers = config.setdefault("loggers", {})
    for name in ("server", "muster"):
        loggers[name] = {"level": "INFO", "propagate": True}
    return config
