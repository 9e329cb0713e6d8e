"""Keys derived from SECRET_KEY, and authenticated encryption of text kept at rest.

One derivation for every purpose, so no feature invents its own: ``derive_key`` hashes a
purpose label with SECRET_KEY (SHA-256 over ``"muster-<purpose>:" + SECRET_KEY``).
SECRET_KEY is long and random in production (settings refuse a short or default one), so
a plain domain-separated hash is a sound key derivation here; the label keeps keys of two
purposes unrelated. (TOTP secrets have used exactly this form from the start: changing it
would lock every enrolled organizer out.)

The process holds SECRET_KEY once (``use_secret_key``, called by ``create_app`` and
``muster worker``); features ask for their key by purpose (``key``, ``box``, ``fernet``)
instead of each keeping a configured copy. A process that never set it (a CLI command)
takes it from the environment as the app does — never a built-in default, which would
seal what the app cannot open.

``Box`` seals text with AES-256-GCM from ``cryptography``: a random 96-bit nonce per
value, and ``context`` (for example a table, column and row id) bound as associated data,
so a sealed value copied into another row or column no longer opens.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12
PREFIX = "v1."  # the format of a sealed value; also tells sealed from legacy plain text


def derive_key(secret_key: str, purpose: str) -> bytes:
    """A 256-bit key for ``purpose`` ("totp-secret", "mail-outbox", ...) from SECRET_KEY."""
    if not purpose or ":" in purpose:
        raise ValueError("a purpose is a non-empty label without ':'")
    return hashlib.sha256(f"muster-{purpose}:".encode() + secret_key.encode()).digest()


class Undecryptable(ValueError):
    """Not sealed by this key for this context (SECRET_KEY changed, or the value was moved)."""


class Box:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, plaintext: str, context: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, value: str, context: str) -> str:
        if not is_sealed(value):
            raise Undecryptable("not a sealed value")
        try:
            raw = base64.urlsafe_b64decode(value[len(PREFIX) :])
            plain = self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], context.encode())
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise Undecryptable("the value does not open with this key") from exc
        return plain.decode()


def is_sealed(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


_secret_key: str | None = None


def use_secret_key(secret_key: str) -> None:
    """The SECRET_KEY every key of this process derives from."""
    global _secret_key
    _secret_key = secret_key


def _secret() -> str:
    if _secret_key is None:
        from server.settings import Settings

        use_secret_key(Settings.from_env().secret_key)
    assert _secret_key is not None
    return _secret_key


def key(purpose: str) -> bytes:
    """This process's key for ``purpose`` (an HMAC key, say)."""
    return _derived(_secret(), purpose)


def box(purpose: str) -> Box:
    """AES-GCM sealing under this process's key for ``purpose``."""
    return _box(_secret(), purpose)


def fernet(purpose: str) -> Fernet:
    """Fernet (AES-CBC + HMAC, with a timestamp) under this process's key for ``purpose``."""
    return _fernet(_secret(), purpose)


@cache
def _derived(secret_key: str, purpose: str) -> bytes:
    return derive_key(secret_key, purpose)


@cache
def _box(secret_key: str, purpose: str) -> Box:
    return Box(_derived(secret_key, purpose))


@cache
def _fernet(secret_key: str, purpose: str) -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derived(secret_key, purpose)))
