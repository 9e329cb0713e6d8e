"""Secret links and API tokens: ≥128 random bits, only a hash is stored (invariant 3)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime


def new_secret(prefix: str = "") -> str:
    """256 random bits, URL-safe; ``prefix`` makes a token's kind recognisable (``mst_``)."""
    return prefix + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """SHA-256 is enough here: the secret is random and long, so there is nothing to brute-force."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def utcnow() -> datetime:
    return datetime.now(UTC)
