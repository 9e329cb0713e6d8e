"""Scripts, placeholders and one-tap links: pure functions, no database."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from server.actions import scripts


def test_mailto_percent_encodes_utf8_with_crlf_and_no_plus() -> None:
    uri = scripts.mailto(
        "grenzpolizei@example.org",
        "Bitte: Schutz für Flüchtende aus Tschetschenien",
        "Sehr geehrte Damen & Herren,\nich bitte Sie um Hilfe (100% wichtig) — danke!\nZoë",
    )
    assert uri.startswith("mailto:grenzpolizei@example.org?subject=")
    assert " " not in uri and "+" not in uri and "\n" not in uri
    assert "%20" in uri
    assert "f%C3%BCr" in uri  # ü as UTF-8
    assert "%E2%80%94" in uri  # the em dash
    assert "Zo%C3%AB" in uri
    assert "%0D%0A" in uri and "%0A" not in uri.replace("%0D%0A", "")
    # "&" and "%" inside the text cannot end a header or start an escape.
    assert "Damen%20%26%20Herren" in uri and "100%25" in uri
    subject, body = uri.split("?", 1)[1].split("&")
    assert unquote(subject.removeprefix("subject=")) == (
        "Bitte: Schutz für Flüchtende aus Tschetschenien"
    )
    assert unquote(body.removeprefix("body=")).split("\r\n") == [
        "Sehr geehrte Damen & Herren,",
        "ich bitte Sie um Hilfe (100% wichtig) — danke!",
        "Zoë",
    ]


def test_mailto_keeps_header_delimiters_inside_values() -> None:
    uri = scripts.mailto("a@example.org", "a?b=c#d", "x=1&y=2+3")
    assert uri == "mailto:a@example.org?subject=a%3Fb%3Dc%23d&body=x%3D1%26y%3D2%2B3"
    assert scripts.mailto("a@example.org") == "mailto:a@example.org"
    # A subject stays on one line; CR/LF alone become CRLF in the body.
    assert scripts.mailto("a@example.org", "two\nlines", "a\rb") == (
        "mailto:a@example.org?subject=two%20lines&body=a%0D%0Ab"
    )


def test_tel_keeps_digits_and_a_leading_plus() -> None:
    assert scripts.tel("+47 00 00 00 00") == "tel:+4700000000"
    assert scripts.tel("(020) 7946-0000") == "tel:02079460000"
    assert scripts.phone_error("+47 00 00 00 00") is None
    assert scripts.phone_error("call me maybe")
    assert scripts.phone_error("12+34")
    assert scripts.phone_error("12")


@pytest.mark.parametrize(
    "url",
    ["javascript:alert(1)", "ftp://example.org/x", "data:text/html,hi", "example.org", "https://"],
)
def test_only_http_links(url: str) -> None:
    assert scripts.url_error(url)


def test_http_links_pass() -> None:
    assert scripts.url_error("https://www.unhcr.org/contact-us") is None
    assert scripts.url_error("http://example.org/a?b=c") is None


def test_placeholders_known_and_filled() -> None:
    text = "Dear {target_name}, I am {volunteer_name} from {city}. {{braces}} stay."
    assert scripts.placeholders(text) == ["target_name", "volunteer_name", "city"]
    filled = scripts.fill(
        text, {"target_name": "Ms Ødegård", "volunteer_name": "Ana", "city": "Oslo"}
    )
    assert filled == "Dear Ms Ødegård, I am Ana from Oslo. {braces} stay."


@pytest.mark.parametrize(
    "template",
    [
        "Hello {name}",
        "{target_name.__class__}",
        "{target_name[0]}",
        "{0}",
        "{}",
        "{target_name!r}",
        "{city:>10}",
        "{volunteer_name.__init__.__globals__}",
    ],
)
def test_unknown_or_tricky_placeholders_are_refused(template: str) -> None:
    with pytest.raises(scripts.ScriptError, match="Unknown placeholder"):
        scripts.placeholders(template)


@pytest.mark.parametrize("template", ["Hello {city", "Hello city}"])
def test_stray_braces_are_refused(template: str) -> None:
    with pytest.raises(scripts.ScriptError, match="brace"):
        scripts.placeholders(template)


def test_fill_never_evaluates_values() -> None:
    # A value that looks like a placeholder is inserted as text, not expanded again.
    assert scripts.fill("{city}", {"city": "{volunteer_name}"}) == "{volunteer_name}"
