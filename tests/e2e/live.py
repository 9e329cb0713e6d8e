"""Run the real app the way an operator does: the ``muster`` console script in a subprocess.

Used by the browser tests and by the CLI and logging tests. Each server gets its own SQLite
file and a free loopback port, so it never touches the database the other tests use.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

from server.settings import PROJECT_ROOT

TEST_SECRET_KEY = "e2e-secret-key-that-is-long-enough-0123456789"
# Settings an outer environment may carry (CI exports DATABASE_URL for PostgreSQL runs):
# a child server must only see what we give it.
_OWN_VARIABLES = (
    "DATABASE_URL",
    "SECRET_KEY",
    "BASE_URL",
    "MUSTER_ENV",
    "REDIS_URL",
    "TRUSTED_PROXIES",
    "SMTP_HOST",
    "PORT",
    "MUSTER_ADMIN_PASSWORD",
    "WEB_CONCURRENCY",
    "MAIL_DIR",
)


def muster_executable() -> str:
    """The console script installed next to the Python running the tests (.venv/bin/muster)."""
    beside = Path(sys.executable).parent / "muster"
    if beside.exists():
        return str(beside)
    found = shutil.which("muster")
    if found is None:
        raise RuntimeError("the muster console script is not installed: run `make install`")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def muster_env(database: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _OWN_VARIABLES}
    env.update(
        DATABASE_URL=f"sqlite:///{database}",
        SECRET_KEY=TEST_SECRET_KEY,
        MUSTER_ENV="development",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def run_muster(
    *args: str, env: Mapping[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [muster_executable(), *args],
        env=dict(env),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        stdin=subprocess.DEVNULL,
    )


class LiveServer:
    """``muster serve`` on a free port; output goes to files (a full pipe would block it)."""

    def __init__(self, env: Mapping[str, str], workdir: Path, *args: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._stdout = workdir / f"serve-{self.port}.out"
        self._stderr = workdir / f"serve-{self.port}.err"
        command = [muster_executable(), "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        with self._stdout.open("wb") as out, self._stderr.open("wb") as err:
            self.process = subprocess.Popen(
                [*command, *args],
                env={**env, "BASE_URL": self.url},
                cwd=PROJECT_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
            )

    def wait_healthy(self, timeout_s: float = 30.0) -> None:
        """Poll /healthz until it answers 200; fail early if the server exits."""
        deadline = time.monotonic() + timeout_s
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                try:
                    if client.get(f"{self.url}/healthz").status_code == 200:
                        return
                except httpx.TransportError:
                    pass  # not listening yet
                try:
                    # Waiting on the process is the pause between polls and the crash check.
                    code = self.process.wait(timeout=0.1)
                except subprocess.TimeoutExpired:
                    continue
                raise RuntimeError(f"muster serve exited with {code}:\n{self.output()}")
        self.stop()
        raise RuntimeError(f"muster serve did not become healthy:\n{self.output()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def output(self) -> str:
        """Everything the server wrote so far (access log on stdout, the rest on stderr)."""
        return self._stdout.read_text(errors="replace") + self._stderr.read_text(errors="replace")
