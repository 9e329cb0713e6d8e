"""Keep secret links out of logs (invariant 3): access-log lines lose their query and tokens."""

from __future__ import annotations

import logging
import re

# Path segments that carry secrets: /m/<token>, /feeds/me/<token>.ics, /invitations/<token>,
# /unsubscribe/<token>; and any query string (tokens must not ride in queries, but be safe).
_SECRET_PATH = re.compile(r"(/(?:m|manage|feeds/me|invitations|unsubscribe|t)/)[A-Za-z0-9_\-]{16,}")
_QUERY = re.compile(r"\?[^\s\"]*")
_BEARER = re.compile(r"(?i)(bearer\s+)\S+")


def redact(text: str) -> str:
    text = _SECRET_PATH.sub(r"\1[redacted]", text)
    text = _QUERY.sub("?[redacted]", text)
    return _BEARER.sub(r"\1[redacted]", text)


class RedactSecretsFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        record.msg = redact(str(record.msg))
        return True
