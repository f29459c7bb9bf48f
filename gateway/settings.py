"""Process settings, read once from the environment (STYLE.md: Config from an injectable mapping).

Every variable is documented in the README. A bad value stops start-up with a message naming it.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from domain.storage.database import sqlite_url

__all__ = ["Settings", "SettingsError", "SmtpSettings", "TwilioSettings"]


class SettingsError(Exception):
    """A configuration variable is missing or malformed; ``variable`` names it."""

    def __init__(self, variable: str, message: str) -> None:
        super().__init__(f"{variable}: {message}")
        self.variable = variable


@dataclass(frozen=True, slots=True)
class TwilioSettings:
    account_sid: str
    auth_token: str
    api_base_url: str | None = None
    """Only for tests and local mocks: where the REST client sends requests."""

    @property
    def configured(self) -> bool:
        return bool(self.account_sid and self.auth_token)


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str = ""
    port: int = 587
    username: str = ""
    password: str = ""
    starttls: bool = True
    listen_host: str = "127.0.0.1"
    listen_port: int = 0
    """Inbound SMTP listener port; 0 disables it."""
    inbound_domain: str = "careline.invalid"

    @property
    def configured(self) -> bool:
        return bool(self.host)


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    data_dir: Path
    public_url: str
    redis_url: str | None = None
    secret_key: str = ""
    twilio: TwilioSettings = field(default_factory=lambda: TwilioSettings("", ""))
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    log_level: str = "INFO"
    log_format: str = "console"
    run_dispatcher: bool = True
    worker_id: str = ""
    redis_prefix: str = "careline:"
    cookie_secure: bool = False

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        """Read settings from ``environ``; raises SettingsError naming the bad variable."""
        env = {k: v.strip() for k, v in environ.items()}
        data_dir = Path(env.get("CARELINE_DATA_DIR") or "var").expanduser()
        database_url = env.get("CARELINE_DATABASE_URL") or sqlite_url(data_dir / "careline.db")
        try:
            backend = make_url(database_url).get_backend_name()
        except ArgumentError:
            raise SettingsError("CARELINE_DATABASE_URL", "is not a database URL") from None
        if backend not in ("sqlite", "postgresql"):
            raise SettingsError(
                "CARELINE_DATABASE_URL",
                "must be a sqlite+aiosqlite:// or postgresql+asyncpg:// URL",
            )
        if backend == "postgresql" and database_url.startswith("postgresql://"):
            database_url = "postgresql+asyncpg://" + database_url[len("postgresql://") :]
        if backend == "sqlite" and database_url.startswith("sqlite://"):
            database_url = "sqlite+aiosqlite://" + database_url[len("sqlite://") :]

        redis_url = env.get("CARELINE_REDIS_URL") or None
        if redis_url is not None and urlparse(redis_url).scheme not in ("redis", "rediss", "unix"):
            raise SettingsError(
                "CARELINE_REDIS_URL", "must start with redis://, rediss:// or unix://"
            )

        public_url = (env.get("CARELINE_PUBLIC_URL") or "http://127.0.0.1:8080").rstrip("/")
        parsed = urlparse(public_url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise SettingsError("CARELINE_PUBLIC_URL", "must be an absolute http(s) URL")

        account_sid = env.get("TWILIO_ACCOUNT_SID", "")
        auth_token = env.get("TWILIO_AUTH_TOKEN", "")
        if bool(account_sid) != bool(auth_token):
            missing = "TWILIO_AUTH_TOKEN" if account_sid else "TWILIO_ACCOUNT_SID"
            raise SettingsError(missing, "is required when the other Twilio credential is set")
        if account_sid and not (account_sid.startswith("AC") and len(account_sid) == 34):
            raise SettingsError("TWILIO_ACCOUNT_SID", "must look like AC followed by 32 characters")

        log_level = (env.get("CARELINE_LOG_LEVEL") or "INFO").upper()
        if log_level not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise SettingsError("CARELINE_LOG_LEVEL", "must be DEBUG, INFO, WARNING or ERROR")
        log_format = (env.get("CARELINE_LOG_FORMAT") or "console").lower()
        if log_format not in ("console", "json"):
            raise SettingsError("CARELINE_LOG_FORMAT", "must be console or json")

        return cls(
            database_url=database_url,
            data_dir=data_dir,
            public_url=public_url,
            redis_url=redis_url,
            secret_key=env.get("CARELINE_SECRET_KEY", ""),
            twilio=TwilioSettings(account_sid, auth_token, env.get("TWILIO_API_BASE_URL") or None),
            smtp=SmtpSettings(
                host=env.get("CARELINE_SMTP_HOST", ""),
                port=_port(env, "CARELINE_SMTP_PORT", 587),
                username=env.get("CARELINE_SMTP_USERNAME", ""),
                password=env.get("CARELINE_SMTP_PASSWORD", ""),
                starttls=_flag(env, "CARELINE_SMTP_STARTTLS", True),
                listen_host=env.get("CARELINE_SMTP_LISTEN_HOST") or "127.0.0.1",
                listen_port=_port(env, "CARELINE_SMTP_LISTEN_PORT", 0, allow_zero=True),
                inbound_domain=env.get("CARELINE_INBOUND_EMAIL_DOMAIN") or "careline.invalid",
            ),
            log_level=log_level,
            log_format=log_format,
            run_dispatcher=_flag(env, "CARELINE_RUN_DISPATCHER", True),
            worker_id=env.get("CARELINE_WORKER_ID", ""),
            redis_prefix=env.get("CARELINE_REDIS_PREFIX") or "careline:",
            cookie_secure=_flag(env, "CARELINE_COOKIE_SECURE", parsed.scheme == "https"),
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def resolved_secret_key(self) -> str:
        """The configured secret, or (embedded mode) one kept in the data directory."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret.key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.write_text(key)
        path.chmod(0o600)
        return key


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "")
    if raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise SettingsError(name, "must be true or false")


def _port(env: Mapping[str, str], name: str, default: int, *, allow_zero: bool = False) -> int:
    raw = env.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(name, "must be a port number") from None
    if not ((allow_zero and value == 0) or 1 <= value <= 65535):
        raise SettingsError(name, "must be between 1 and 65535")
    return value
