"""Cheaper argon2 parameters (organizers are made in most tests), as in tests/accounts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher

from server.accounts import service


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(service, "_hasher", hasher)
    monkeypatch.setattr(service, "_DUMMY_HASH", hasher.hash("not-a-real-password-but-same-cost"))
    yield
