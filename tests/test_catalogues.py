"""The catalogues are complete and current, and no template text escapes them.

``make check`` runs the same checks (``python -m server.catalogues``); here they also
guard every CI run.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from server import catalogues, i18n
from server.web.templates import TEMPLATE_DIR

TRANSLATED = [code for code in i18n.LANGUAGES if code != i18n.SOURCE]


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_catalogue_is_complete_with_the_same_placeholders(code: str) -> None:
    assert catalogues.check(code) == []


def test_the_template_catalogue_holds_every_marked_text(tmp_path: Path) -> None:
    """A text marked in code or a template but missing from messages.pot would stay
    English in every language: `make messages` brings the catalogues up to date."""
    fresh = tmp_path / "fresh.pot"
    catalogues.extract(fresh, update=False)
    wanted = {m.id for m in catalogues.read(fresh) if m.id}
    have = {m.id for m in catalogues.read(catalogues.TEMPLATE) if m.id}
    assert sorted(map(str, wanted - have)) == []
    assert sorted(map(str, have - wanted)) == []  # nothing stale either


# Text between tags, and attributes people read, outside {{ }} and {% %}.
_STRING = r"\"[^\"]*\"|'[^']*'"
_CODE = re.compile(
    rf"\{{#.*?#\}}|\{{\{{(?:{_STRING}|[^\"'])*?\}}\}}|\{{%(?:{_STRING}|[^\"'])*?%\}}"
    r"|<(script|style)[^>]*>.*?</\1>|<svg.*?</svg>",
    re.S,
)
_TAG = re.compile(r"<[^<>]*>")
_ATTRIBUTES_ONLY = re.compile(r'(\s*[\w-]+="[^"]*")+')  # a macro that writes attributes
_TEXT = re.compile(r"[^\W\d_]{2,}")
_READ_ATTRIBUTES = re.compile(r'\b(?:title|placeholder|aria-label|alt)="([^"{]*[^\W\d_]{2,}[^"]*)"')
# Not prose: the brand, and an HTTP header shown as code.
_NOT_PROSE = {"· Muster", "Muster", "Authorization: Bearer …"}


def test_every_text_in_the_templates_is_marked_for_translation() -> None:
    unmarked = []
    for path in sorted(TEMPLATE_DIR.rglob("*.html")):
        if "email" in path.parts:
            continue  # mail templates are checked through the same marks, below
        source = _CODE.sub("", path.read_text())
        texts = [t.strip() for t in _TAG.split(source) if _TEXT.search(t)]
        texts += [m.group(1).strip() for m in _READ_ATTRIBUTES.finditer(source)]
        unmarked += [
            f"{path.relative_to(TEMPLATE_DIR)}: {text[:60]!r}"
            for text in texts
            if text not in _NOT_PROSE and not _ATTRIBUTES_ONLY.fullmatch(text)
        ]
    assert unmarked == []


def test_mail_templates_have_no_unmarked_sentences() -> None:
    unmarked = []
    for path in sorted((TEMPLATE_DIR / "email").glob("*.*")):
        source = _CODE.sub("", path.read_text())
        source = re.sub(r"<[^>]+>", " ", source)
        for line in source.splitlines():
            if re.search(r"[^\W\d_]{3,}", line) and line.strip() not in _NOT_PROSE:
                unmarked.append(f"{path.name}: {line.strip()[:60]!r}")
    assert unmarked == []
