"""A small, fast HTTP/1.1 load generator: N keep-alive connections, one request in flight each.

Pure asyncio protocols (uvloop when installed), no HTTP library: one process sends some
tens of thousands of requests a second, well above what one server core answers, so
the server is what gets measured. Run as a subprocess (pinned to its own core):

    python -m tests.perf.loadgen '<json spec>'   → prints a JSON result

The spec: host, port, connections, seconds, warmup, paths (cycled; "{n}" in a path
becomes ``base + n * step`` formatted with ``fmt``, so every request can be unique),
headers, expect (acceptable status codes).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from array import array
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Spec:
    host: str
    port: int
    paths: list[str]
    connections: int = 32
    seconds: float = 5.0
    warmup: float = 1.0
    headers: dict[str, str] = field(default_factory=dict)
    expect: list[int] = field(default_factory=lambda: [200])
    base: float = 0.0
    step: float = 1.0
    fmt: str = ".0f"


class Requests:
    """Request bytes, made on demand: a shared counter makes "{n}" unique per request."""

    def __init__(self, spec: Spec) -> None:
        extra = "".join(f"{k}: {v}\r\n" for k, v in spec.headers.items())
        self.head = f"Host: {spec.host}:{spec.port}\r\n{extra}\r\n"
        self.paths = spec.paths
        self.spec = spec
        self.n = 0
        self.fixed = (
            [self._request(p) for p in spec.paths] if "{n}" not in "".join(spec.paths) else None
        )

    def _request(self, path: str) -> bytes:
        return f"GET {path} HTTP/1.1\r\n{self.head}".encode()

    def next(self) -> bytes:
        n = self.n
        self.n += 1
        if self.fixed is not None:
            return self.fixed[n % len(self.fixed)]
        path = self.paths[n % len(self.paths)]
        value = format(self.spec.base + n * self.spec.step, self.spec.fmt)
        return self._request(path.replace("{n}", value))


class Stats:
    def __init__(self) -> None:
        self.latencies = array("d")
        self.statuses: dict[int, int] = {}
        self.bytes = 0
        self.recording = False
        self.errors = 0


class Client(asyncio.Protocol):
    def __init__(self, requests: Requests, stats: Stats, done: asyncio.Future[None]) -> None:
        self.requests = requests
        self.stats = stats
        self.done = done
        self.buffer = bytearray()
        self.sent_at = 0.0
        self.transport: asyncio.Transport | None = None
        self.stopping = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        self.send()

    def send(self) -> None:
        assert self.transport is not None
        self.sent_at = time.perf_counter()
        self.transport.write(self.requests.next())

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buffer[:end]).split(b"\r\n")
            length = 0
            for line in head[1:]:
                name, _, value = line.partition(b":")
                lowered = name.strip().lower()
                if lowered == b"content-length":
                    length = int(value)
                elif lowered == b"transfer-encoding":
                    raise RuntimeError("chunked responses are not supported by this client")
            if len(self.buffer) < end + 4 + length:
                return
            del self.buffer[: end + 4 + length]
            self.finished(int(head[0].split(b" ", 2)[1]), length)

    def finished(self, status: int, length: int) -> None:
        stats = self.stats
        if stats.recording:
            stats.latencies.append(time.perf_counter() - self.sent_at)
            stats.statuses[status] = stats.statuses.get(status, 0) + 1
            stats.bytes += length
        if self.stopping:
            assert self.transport is not None
            self.transport.close()
            return
        self.send()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.stopping:
            self.stats.errors += 1
        if not self.done.done():
            self.done.set_result(None)


async def run(spec: Spec) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    requests, stats = Requests(spec), Stats()
    clients: list[Client] = []
    waits = []
    for _ in range(spec.connections):
        done: asyncio.Future[None] = loop.create_future()
        client = Client(requests, stats, done)
        await loop.create_connection(lambda c=client: c, spec.host, spec.port)  # type: ignore[misc]
        clients.append(client)
        waits.append(done)
    await asyncio.sleep(spec.warmup)
    stats.recording = True
    started = time.perf_counter()
    await asyncio.sleep(spec.seconds)
    stats.recording = False
    elapsed = time.perf_counter() - started
    for client in clients:
        client.stopping = True
    await asyncio.wait(waits, timeout=10)
    latencies = sorted(stats.latencies)
    count = len(latencies)
    unexpected = sum(n for s, n in stats.statuses.items() if s not in spec.expect)

    def pct(p: float) -> float:
        return latencies[min(count - 1, int(p * count))] * 1000 if count else float("nan")

    return {
        "requests": count,
        "rps": count / elapsed,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "statuses": {str(k): v for k, v in sorted(stats.statuses.items())},
        "unexpected": unexpected,
        "errors": stats.errors,
        "mean_bytes": stats.bytes / count if count else 0,
    }


def main() -> None:
    spec = Spec(**json.loads(sys.argv[1]))
    try:
        import uvloop
    except ImportError:  # plain asyncio is slower but works
        print(json.dumps(asyncio.run(run(spec))))
    else:
        print(json.dumps(uvloop.run(run(spec))))


if __name__ == "__main__":
    main()
