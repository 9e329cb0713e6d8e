"""Calendar tests start with empty feed caches and the real clock."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from server.calendar import feeds, http


@pytest.fixture(autouse=True)
def empty_feed_caches() -> Iterator[None]:
    http.forget()
    feeds.forget()
    yield
    http.forget()
    feeds.forget()
