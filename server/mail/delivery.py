"""Getting a message out: SMTP with aiosmtplib, or .eml files when SMTP_HOST is unset.

``SmtpTransport`` keeps one connection open across messages (a new TLS handshake per
message would cap throughput far below the 10,000/min budget) and reconnects when the
server dropped it. Every failure becomes a ``DeliveryError`` that says whether trying
again later could help:
- temporary: connection refused or lost, timeouts, 4xx replies;
- permanent: 5xx replies (unknown mailbox, message refused) — retrying would not help.
"""

from __future__ import annotations

import asyncio
import os
from email.headerregistry import Address
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

import aiosmtplib

from server.mail.mime import SMTP_POLICY
from server.settings import Settings

TIMEOUT_S = 30.0


class DeliveryError(Exception):
    def __init__(self, detail: str, *, temporary: bool, connection: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail[:500]
        self.temporary = temporary
        # No connection at all: every other message of the batch would fail the same way.
        self.connection = connection


class Transport(Protocol):
    async def send(self, message: EmailMessage, *, sender: str, recipient: str) -> None: ...

    async def close(self) -> None: ...


def _reply_error(code: int, message: str) -> DeliveryError:
    return DeliveryError(f"{code} {message}".strip(), temporary=400 <= code < 500)


def classify(exc: Exception) -> DeliveryError:
    """What an aiosmtplib or socket error means for this message."""
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        first = exc.recipients[0] if exc.recipients else None
        if first is None:
            return DeliveryError("recipient refused", temporary=True)
        return _reply_error(first.code, first.message)
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        # Our credentials are wrong, not the message: keep it and let an operator fix it.
        return DeliveryError(f"authentication failed: {exc.code}", temporary=True, connection=True)
    if isinstance(exc, aiosmtplib.SMTPConnectError | aiosmtplib.SMTPConnectTimeoutError):
        return DeliveryError(f"cannot connect: {exc}", temporary=True, connection=True)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return _reply_error(exc.code, exc.message)
    if isinstance(exc, aiosmtplib.SMTPTimeoutError | TimeoutError):
        return DeliveryError("timed out", temporary=True)
    if isinstance(exc, aiosmtplib.SMTPServerDisconnected | ConnectionError):
        return DeliveryError(f"connection lost: {exc}", temporary=True)
    if isinstance(exc, OSError):
        return DeliveryError(f"network error: {exc}", temporary=True, connection=True)
    if isinstance(exc, ValueError):  # an address aiosmtplib refuses to put on the wire
        return DeliveryError(f"invalid message: {exc}", temporary=False)
    return DeliveryError(f"{exc.__class__.__name__}: {exc}", temporary=True)


class SmtpTransport:
    def __init__(self, settings: Settings) -> None:
        assert settings.smtp_host
        self.settings = settings
        self._client: aiosmtplib.SMTP | None = None

    def _new_client(self) -> aiosmtplib.SMTP:
        s = self.settings
        return aiosmtplib.SMTP(
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username,
            password=s.smtp_password,
            use_tls=s.smtp_tls == "tls",
            # None would mean "upgrade if offered": SMTP_TLS=none means none.
            start_tls=s.smtp_tls == "starttls",
            timeout=TIMEOUT_S,
        )

    async def _connected(self) -> tuple[aiosmtplib.SMTP, bool]:
        """The open client, and whether it was just opened."""
        if self._client is not None and self._client.is_connected:
            return self._client, False
        client = self._new_client()
        try:
            await client.connect()
        except Exception as exc:
            error = classify(exc)
            error.connection = True  # whatever the reason, there is no connection
            raise error from exc
        self._client = client
        return client, True

    async def send(self, message: EmailMessage, *, sender: str, recipient: str) -> None:
        # Flattened once, here (send_message would copy and re-read the headers first).
        raw = message.as_bytes(policy=SMTP_POLICY)
        for _ in range(2):
            client, fresh = await self._connected()
            try:
                await client.sendmail(sender, [recipient], raw)
                return
            except aiosmtplib.SMTPServerDisconnected as exc:
                # An idle connection the server closed: try once more on a new one.
                await self._drop()
                if fresh:
                    raise classify(exc) from exc
            except Exception as exc:
                error = classify(exc)
                # After a refused command aiosmtplib has reset the envelope: the
                # connection stays usable. After anything else its state is unknown.
                kept = aiosmtplib.SMTPResponseException | aiosmtplib.SMTPRecipientsRefused
                if not isinstance(exc, kept | ValueError):
                    await self._drop()  # the connection's state is unknown
                raise error from exc
        raise DeliveryError("connection lost twice", temporary=True)

    async def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    async def close(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except Exception:  # closing politely is a courtesy; closing is what counts
                client.close()


class FileTransport:
    """Each message as ``<mail_dir>/<message id>.eml`` (the default for ``make run``)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def _write(self, name: str, data: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        final = self.folder / name
        partial = final.with_suffix(".tmp")
        partial.write_bytes(data)
        os.replace(partial, final)  # a reader never sees half a file

    async def send(self, message: EmailMessage, *, sender: str, recipient: str) -> None:
        message_id = str(message.get("Message-ID", "")).strip("<>").split("@")[0]
        name = "".join(c for c in message_id if c.isalnum() or c == "-") or "message"
        try:
            await asyncio.to_thread(self._write, f"{name}.eml", bytes(message))
        except OSError as exc:
            raise DeliveryError(f"cannot write {self.folder}: {exc}", temporary=True) from exc

    async def close(self) -> None:
        return None


def transport_for(settings: Settings) -> Transport:
    if settings.smtp_host:
        return SmtpTransport(settings)
    return FileTransport(settings.mail_dir)


def envelope_sender(mail_from: str) -> str:
    """The bare address of MAIL_FROM ("Muster <noreply@example.org>" → noreply@...)."""
    from email.policy import default

    header = default.header_factory("from", mail_from)
    addresses: tuple[Address, ...] = header.addresses
    return addresses[0].addr_spec if addresses else mail_from
