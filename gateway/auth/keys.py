"""Application and request keys of the authentication layer."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from gateway.auth.passwords import PasswordService
from gateway.auth.policy import AuthPolicy
from gateway.auth.principal import Principal

__all__ = ["AUTH", "PRINCIPAL", "AuthConfig"]


@dataclass(slots=True, kw_only=True)
class AuthConfig:
    """How the gateway authenticates staff.

    Attributes:
        secret: the process secret (``Settings.resolved_secret_key``), for HMACs.
        cookie_secure: mark cookies ``Secure`` (HTTPS deployments).
        policy: session lifetimes and lock-out.
        passwords: the password hasher.
        public_paths: paths under ``/api`` and ``/hub`` anyone may call (sign-in, the OpenAPI
            document, the sign-in page and its assets); an entry ending with ``/`` is a
            prefix, and ``"POST /path"`` is public for that method only. Other features may
            add theirs before the app starts.
    """

    secret: bytes
    cookie_secure: bool
    policy: AuthPolicy = field(default_factory=AuthPolicy)
    passwords: PasswordService = field(default_factory=PasswordService)
    public_paths: list[str] = field(default_factory=list)


AUTH = web.AppKey("auth", AuthConfig)
PRINCIPAL = web.RequestKey("principal", Principal)
