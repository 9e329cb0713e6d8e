"""Settings read from the environment and validated once at start-up.

Every knob an operator can turn lives here, so the README's configuration table and
this file are the same list. ``MUSTER_ENV=production`` refuses unsafe defaults and says
which ones, instead of starting quietly with a guessable secret.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SECRET_KEY = "dev-only-insecure-secret-key-change-me"
DEFAULT_BASE_URL = "http://127.0.0.1:8000"
DEFAULT_MAIL_FROM = "Muster <noreply@localhost>"
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'var' / 'muster.db'}"

Environment = Literal["development", "production"]
SmtpTls = Literal["none", "starttls", "tls"]


class SettingsError(ValueError):
    """Raised when the environment describes a configuration Muster must not run with."""


def _bool(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(value: str, name: str, low: int = 1, high: int = 3650) -> int:
    try:
        number = int(value.strip())
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number") from exc
    if not low <= number <= high:
        raise SettingsError(f"{name} must be between {low} and {high}")
    return number


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    secret_key: str = DEFAULT_SECRET_KEY
    base_url: str = DEFAULT_BASE_URL
    environment: Environment = "development"
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_tls: SmtpTls = "none"
    mail_from: str = DEFAULT_MAIL_FROM
    redis_url: str | None = None
    # Client addresses are taken from X-Forwarded-For only when the socket peer is one of
    # these (CVE-2025-59152: never trust the header from just anyone).
    trusted_proxies: tuple[str, ...] = ()
    login_rate_limit_per_minute: int = 10
    mail_dir: Path = field(default_factory=lambda: PROJECT_ROOT / "var" / "mail")
    # The outbox worker runs inside each app process unless MAIL_WORKER=0 (then run
    # `muster worker` alone; `muster serve --no-worker` sets it).
    mail_worker: bool = True
    # Signups (names, emails, phones) are deleted this many days after their event ends.
    purge_after_days: int = 30
    # The language of pages for readers whose browser asks for none Muster speaks.
    default_language: str = "en"

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def https(self) -> bool:
        return self.base_url.startswith("https://")

    @property
    def sqlite_path(self) -> Path:
        if not self.is_sqlite:
            raise SettingsError("DATABASE_URL is not a SQLite URL")
        return Path(self.database_url.removeprefix("sqlite:///").removeprefix("sqlite://"))

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        environment = env.get("MUSTER_ENV", "development").strip().lower()
        if environment not in ("development", "production"):
            raise SettingsError("MUSTER_ENV must be 'development' or 'production'")
        smtp_tls = env.get("SMTP_TLS", "none").strip().lower()
        if smtp_tls not in ("none", "starttls", "tls"):
            raise SettingsError("SMTP_TLS must be one of none, starttls, tls")
        try:
            smtp_port = int(env.get("SMTP_PORT", "465" if smtp_tls == "tls" else "25"))
        except ValueError as exc:
            raise SettingsError("SMTP_PORT must be a number") from exc
        proxies = tuple(p.strip() for p in env.get("TRUSTED_PROXIES", "").split(",") if p.strip())
        settings = cls(
            database_url=env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL,
            secret_key=env.get("SECRET_KEY", "") or DEFAULT_SECRET_KEY,
            base_url=(env.get("BASE_URL", "").strip() or DEFAULT_BASE_URL).rstrip("/"),
            environment=environment,  # type: ignore[arg-type]
            smtp_host=env.get("SMTP_HOST") or None,
            smtp_port=smtp_port,
            smtp_username=env.get("SMTP_USERNAME") or None,
            smtp_password=env.get("SMTP_PASSWORD") or None,
            smtp_tls=smtp_tls,  # type: ignore[arg-type]
            mail_from=env.get("MAIL_FROM") or DEFAULT_MAIL_FROM,
            redis_url=env.get("REDIS_URL") or None,
            trusted_proxies=proxies,
            purge_after_days=_int(env.get("PURGE_AFTER_DAYS", "30"), "PURGE_AFTER_DAYS"),
            mail_worker=_bool(env.get("MAIL_WORKER", "1")),
            default_language=env.get("DEFAULT_LANGUAGE", "en").strip().lower() or "en",
        )
        if env.get("MAIL_DIR"):  # where .eml files go without SMTP_HOST
            settings = replace(settings, mail_dir=Path(env["MAIL_DIR"]))
        settings.validate()
        return settings

    def validate(self) -> None:
        """Check the settings; in production, refuse every unsafe default and name each."""
        scheme = urlsplit(self.database_url).scheme
        if scheme not in ("sqlite", "postgresql", "postgres"):
            raise SettingsError("DATABASE_URL must start with sqlite:/// or postgresql://")
        if urlsplit(self.base_url).scheme not in ("http", "https"):
            raise SettingsError("BASE_URL must be an http(s) URL")
        from server.i18n import LANGUAGES  # settings load first; i18n reads PROJECT_ROOT

        if self.default_language not in LANGUAGES:
            raise SettingsError("DEFAULT_LANGUAGE must be one of " + ", ".join(LANGUAGES))
        if not self.is_production:
            return
        problems = []
        if self.secret_key == DEFAULT_SECRET_KEY or len(self.secret_key) < 32:
            problems.append("SECRET_KEY is the default or shorter than 32 characters")
        if not self.https:
            problems.append("BASE_URL must be https:// in production")
        if not self.smtp_host:
            # .eml files would pile up volunteers' addresses on disk, outside every purge,
            # and nobody would get their mail.
            problems.append("SMTP_HOST must be set in production")
        if self.is_sqlite:
            tmp = Path(tempfile.gettempdir()).resolve()
            path = self.sqlite_path.resolve()
            if path == tmp or tmp in path.parents:
                problems.append(f"the SQLite database {path} is in a temporary folder")
        if problems:
            raise SettingsError("refusing to start in production: " + "; ".join(problems))
