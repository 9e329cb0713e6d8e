"""Secret links never reach the logs (invariant 3): the filter, and `muster serve` using it."""

from __future__ import annotations

import logging
import secrets
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from uvicorn.logging import AccessFormatter, DefaultFormatter

from server.logging import REDACTED, RedactSecretsFilter, redact, uvicorn_log_config
from server.settings import PROJECT_ROOT
from tests.e2e.live import LiveServer, muster_env, run_muster

ACCESS_FORMAT = '%s - "%s %s HTTP/%s" %d'  # what uvicorn's access logger is called with


def token() -> str:
    """Like the app's secret links: 256 bits, URL-safe, 43 characters."""
    value = secrets.token_urlsafe(32)
    assert len(value) == 43
    return value


def access_record(path: str) -> logging.LogRecord:
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        ACCESS_FORMAT,
        ("203.0.113.9:50000", "GET", path, "1.1", 200),
        None,
    )


def access_line(path: str) -> str:
    record = access_record(path)
    assert RedactSecretsFilter().filter(record) is True
    # uvicorn's own access formatter unpacks record.args: the filtered record must still fit.
    formatter = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s')
    return formatter.format(record)


@pytest.mark.parametrize(
    ("path", "kept"),
    [
        ("/invitations/{t}", "/invitations/[redacted]"),
        ("/invitations/{t}/accept", "/invitations/[redacted]/accept"),
        ("/feeds/me/{t}.ics", "/feeds/me/[redacted].ics"),
        ("/m/{t}", "/m/[redacted]"),
        ("/m/{t}/cancel", "/m/[redacted]/cancel"),
        ("/my/{t}", "/my/[redacted]"),
        (
            "/my/{t}/rsvp/5b7a8d1e-2f4c-4c1a-9a55-0e6f1a2b3c4d",
            "/my/[redacted]/rsvp/5b7a8d1e-2f4c-4c1a-9a55-0e6f1a2b3c4d",
        ),
        ("/unsubscribe/{t}", "/unsubscribe/[redacted]"),
        ("/feeds/events.ics?token={t}", "/feeds/events.ics?[redacted]"),
        ("/a-route-added-later/{t}", "/a-route-added-later/[redacted]"),
    ],
)
def test_access_log_line_loses_secrets(path: str, kept: str) -> None:
    secret = token()
    line = access_line(path.format(t=secret))
    assert secret not in line
    assert f'"GET {kept} HTTP/1.1" 200' in line
    assert line.startswith("203.0.113.9:50000 - ")


def test_ids_and_ordinary_paths_stay_readable() -> None:
    event_id = str(uuid.uuid4())
    for path in (
        f"/events/{event_id}",
        f"/events/{event_id}.ics",
        "/static/vendor/htmx-2.0.11.min.js",
        "/organizer/campaigns/dont-turn-away-chechnya",
    ):
        assert path in access_line(path)


def test_tokens_in_any_message_are_redacted() -> None:
    api_token = "mst_" + token()
    secret = token()
    text = redact(f"Authorization: Bearer {api_token} then mst {api_token} at /m/{secret}")
    assert api_token not in text and secret not in text
    assert "Bearer [redacted]" in text
    assert redact(text) == text  # idempotent: two filtered handlers do no harm


def test_application_records_are_redacted_with_their_traceback() -> None:
    secret = token()
    try:
        raise ValueError(f"could not load /m/{secret}")
    except ValueError:
        record = logging.LogRecord(
            "muster.errors",
            logging.ERROR,
            __file__,
            1,
            "unhandled error on %s %s",
            ("GET", f"/m/{secret}"),
            sys.exc_info(),
        )
    RedactSecretsFilter().filter(record)
    formatted = logging.Formatter("%(message)s").format(record)
    assert secret not in formatted
    assert "unhandled error on GET /m/[redacted]" in formatted
    assert "ValueError: could not load /m/[redacted]" in formatted


def test_mapping_arguments_still_format() -> None:
    secret = token()
    record = logging.LogRecord(
        "server.x",
        logging.INFO,
        __file__,
        1,
        "feed %(path)s",
        ({"path": f"/feeds/me/{secret}.ics"},),
        None,
    )
    RedactSecretsFilter().filter(record)
    assert record.getMessage() == f"feed /feeds/me/{REDACTED}.ics"


def test_uvicorn_terminal_variant_is_formatted_and_redacted() -> None:
    """On a terminal uvicorn prints ``color_message`` (formatted with the same args)."""
    secret = token()
    record = logging.LogRecord(
        "uvicorn.error", logging.WARNING, __file__, 1, "bad request on %s", (f"/m/{secret}",), None
    )
    record.__dict__["color_message"] = "bad request on \x1b[1m%s\x1b[0m"
    RedactSecretsFilter().filter(record)
    line = DefaultFormatter("%(levelprefix)s %(message)s", use_colors=True).format(record)
    assert secret not in line and "%s" not in line
    assert "/m/[redacted]" in line


def test_serve_log_config_filters_every_handler() -> None:
    config = uvicorn_log_config()
    assert config["handlers"], "uvicorn's config has no handlers?"
    for name, handler in config["handlers"].items():
        assert handler.get("filters") == ["redact"], name
    assert config["filters"]["redact"]["()"] == "server.logging.RedactSecretsFilter"
    assert config["root"]["handlers"], "application loggers need a filtered handler"
    import uvicorn.config

    assert "filters" not in uvicorn.config.LOGGING_CONFIG["handlers"]["default"]  # not mutated


def test_application_logger_output_is_redacted_under_serve_config() -> None:
    """An app record (muster.errors) logged under `muster serve`'s config, in a clean process."""
    secret = token()
    code = (
        "import logging, logging.config, sys\n"
        "from server.logging import uvicorn_log_config\n"
        "logging.config.dictConfig(uvicorn_log_config())\n"
        "logging.getLogger('muster.errors').error('HTTP %s on %s %s', 500, 'GET', sys.argv[1])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, f"/invitations/{secret}"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    output = done.stdout + done.stderr
    assert "HTTP 500 on GET /invitations/[redacted]" in output
    assert secret not in output


def test_muster_serve_keeps_secret_links_out_of_its_output(tmp_path: Path) -> None:
    env = muster_env(tmp_path / "log.db")
    assert run_muster("migrate", env=env).returncode == 0
    invitation, feed, query = token(), token(), token()
    server = LiveServer(env, tmp_path)
    try:
        server.wait_healthy()
        with httpx.Client(base_url=server.url, timeout=5) as client:
            client.get(f"/invitations/{invitation}")
            client.get(f"/feeds/me/{feed}.ics")
            client.get(f"/feeds/events.ics?token={query}")
    finally:
        server.stop()
    output = server.output()
    # The requests were logged (the access log is on), only without their secrets.
    assert '"GET /invitations/[redacted] HTTP/1.1"' in output
    assert '"GET /feeds/me/[redacted].ics HTTP/1.1"' in output
    assert '"GET /feeds/events.ics?[redacted] HTTP/1.1"' in output
    for secret in (invitation, feed, query):
        assert secret not in output
