"""Checks on the translation catalogues (``make check`` and the test suite run them).

A catalogue passes when every message of the template (``web/locales/messages.pot``) is
translated, none is fuzzy, every plural form is filled, and each translation carries the
same placeholders as its message (``%(name)s`` and ``{name}``), no more and no fewer.

``python -m server.catalogues [CODE ...]`` prints what is wrong, one line each, and exits 1
if anything is; ``--extract`` (``make messages``) brings the template and catalogues up to
date with the sources.
"""

from __future__ import annotations

import contextlib
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from server.i18n import LANGUAGES, LOCALE_DIR, SOURCE

TEMPLATE = LOCALE_DIR / "messages.pot"
# How `make messages` and the tests extract texts (pybabel extract options).
EXTRACT_OPTIONS = (
    "-F", str(LOCALE_DIR / "babel.cfg"),
    "-k", "N_", "-k", "Text", "-k", "ngettext:1,2",
    "--sort-by-file", "--project=Muster", "--copyright-holder=Muster",
)  # fmt: skip
_COUNT = re.compile(r"%\((?:n|num|count)\)")
_PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdfr]|%[sd]|\{[A-Za-z_][A-Za-z0-9_]*\}")


def placeholders(text: str) -> list[str]:
    return sorted(_PLACEHOLDER.findall(text.replace("%%", "")))


def read(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, locale=language)


def _texts(value: str | tuple[str, ...] | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _problems(message: Message, plural_forms: int) -> Iterable[str]:
    ids = _texts(message.id)
    strings = _texts(message.string)
    if message.fuzzy:
        yield "fuzzy"
    if not strings or not all(s.strip() for s in strings):
        yield "not translated"
        return
    if len(ids) == 1:
        if placeholders(strings[0]) != placeholders(ids[0]):
            yield f"placeholders {placeholders(strings[0])}, the message has {placeholders(ids[0])}"
        return
    if len(strings) != plural_forms:
        yield f"{len(strings)} plural forms, the language has {plural_forms}"
    # Plural forms may leave out the count (Arabic says "two days" in one word), never
    # another value, and never bring one the message does not have.
    allowed = set(placeholders(ids[0])) | set(placeholders(ids[1]))
    needed = {p for p in allowed if not _COUNT.match(p)}
    for string in strings:
        found = set(placeholders(string))
        if not found <= allowed or not needed <= found:
            yield f"placeholders {sorted(found)} in a plural form, the message has {sorted(allowed)}"


def check(language: str, template: Catalog | None = None) -> list[str]:
    """What is wrong with ``language``'s catalogue, one line per problem."""
    template = template or read(TEMPLATE)
    path = LOCALE_DIR / language / "LC_MESSAGES" / "messages.po"
    if not path.is_file():
        return [f"{language}: no catalogue at {path}"]
    catalogue = read(path, language)
    wrong: list[str] = []
    for wanted in template:
        if not wanted.id:
            continue
        message = catalogue.get(wanted.id, wanted.context)
        first = _texts(wanted.id)[0]
        if message is None:
            wrong.append(f"{language}: missing {first!r}")
            continue
        wrong.extend(
            f"{language}: {problem}: {first!r}"
            for problem in _problems(message, catalogue.num_plurals)
        )
    return wrong


def extract(template: Path = TEMPLATE, *, update: bool = True) -> None:
    """`make messages`: the template from the sources, then each catalogue updated to it
    (new texts empty, texts no longer used dropped). Babel's own command line, in process."""
    babel = CommandLineInterface()
    with contextlib.chdir(LOCALE_DIR.parent.parent):  # locations relative to the project
        babel.run(["pybabel", "-q", "extract", *EXTRACT_OPTIONS, "-o", str(template), "."])
    if update:
        babel.run(
            ["pybabel", "-q", "update", "-i", str(template), "-d", str(LOCALE_DIR),
             "-D", "messages", "--no-fuzzy-matching", "--ignore-obsolete"]
        )  # fmt: skip


def main(codes: list[str]) -> int:
    if codes == ["--extract"]:
        extract()
        return 0
    template = read(TEMPLATE)
    wrong = [
        line
        for code in (codes or [c for c in LANGUAGES if c != SOURCE])
        for line in check(code, template)
    ]
    for line in wrong:
        print(line)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
