"""A real SMTP server on loopback (aiosmtpd) that records what it receives.

It can refuse connections (not started yet), answer 451 to the next N recipients, and
550 to chosen addresses. ``Controller(port=0)`` fails, so a free port is bound first.
"""

from __future__ import annotations

import socket
import threading
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any, cast

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Recorder:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.received: list[tuple[str, list[str], bytes]] = []
        self.temporary_failures = 0  # answer 451 to this many RCPT commands
        self.refused: set[str] = set()  # answer 550 to these recipients
        self.rcpt_attempts = 0
        self.arrived = threading.Event()  # set on every accepted message

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        with self.lock:
            self.rcpt_attempts += 1
            if address in self.refused:
                return "550 5.1.1 No such user here"
            if self.temporary_failures > 0:
                self.temporary_failures -= 1
                return "451 4.3.0 Please try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        self.arrived.set()
        return "250 Message accepted for delivery"


class Sink:
    def __init__(self) -> None:
        self.port = free_port()
        self.recorder = Recorder()
        self.controller: Controller | None = None

    def start(self) -> Sink:
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def messages(self) -> list[EmailMessage]:
        with self.recorder.lock:
            raw = [content for _, _, content in self.recorder.received]
        return [
            cast(EmailMessage, BytesParser(policy=policy.default).parsebytes(content))
            for content in raw
        ]

    def envelopes(self) -> list[tuple[str, list[str]]]:
        with self.recorder.lock:
            return [(sender, rcpts) for sender, rcpts, _ in self.recorder.received]
