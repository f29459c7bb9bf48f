"""A Hub app on a fresh SQLite database with a small demo clinic, for the Hub's tests.

Used by tests/gateway/{auth,api,hub} and the integration tests.
"""

from __future__ import annotations

import asyncio
import importlib
import shutil
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from argon2 import PasswordHasher
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.clock import Clock, MovableClock
from domain.model import (
    Channel,
    ContactKind,
    Conversation,
    Message,
    MessageDirection,
    MessageStatus,
    Patient,
    StaffUser,
    new_id,
)
from domain.storage import tables_hub
from domain.storage.database import Database, sqlite_url
from domain.storage.repositories import ConversationRepository, PatientRepository
from domain.storage.tables import metadata
from gateway.app import create_app
from gateway.auth.credentials import hash_secret, new_api_token
from gateway.auth.keys import AUTH
from gateway.auth.passwords import PasswordService
from gateway.auth.store import AuthStore
from gateway.demo_data import DEMO_PASSWORD, DemoData, build_demo, load_demo
from gateway.hub import setup_hub
from gateway.hub.intake import route_to_hub
from gateway.keys import DB
from gateway.settings import Settings

__all__ = [
    "DEMO_PASSWORD",
    "FAST_HASHER",
    "Clinic",
    "ServedHub",
    "Template",
    "build_hub_app",
    "csrf_cookie",
    "ensure_hub_tables",
    "hub",
    "hub_settings",
    "hub_template",
    "sign_in",
    "start_from",
]

Feature = Callable[[web.Application], None]


def hub_settings(tmp_path: Path, **environ: str) -> Settings:
    return Settings.from_environ({
        "CARELINE_DATA_DIR": str(tmp_path), "CARELINE_SECRET_KEY": "hub-test-secret",
        **environ,
    })


async def ensure_hub_tables(app: web.Application) -> None:
    """``on_startup`` after the migration: see :func:`_create_missing_tables`."""
    await _create_missing_tables(app[DB])


async def _create_missing_tables(db: Database) -> None:
    """Create the tables of every ``domain/storage/tables_*.py`` module that the migrations do
    not have yet. Once ``domain/storage/schema.py`` includes them all, this creates nothing."""
    for module in sorted(Path(tables_hub.__file__).parent.glob("tables_*.py")):
        importlib.import_module(f"domain.storage.{module.stem}")
    async with db.engine.begin() as conn:
        await conn.run_sync(lambda sync: metadata.create_all(sync, checkfirst=True))


def build_hub_app(settings: Settings, *, clock: Clock | None = None,
                  features: Sequence[Feature] = ()) -> web.Application:
    app = create_app(settings, clock=clock, migrate=True, features=[setup_hub, *features])
    app.on_startup.append(ensure_hub_tables)
    return app


@dataclass
class Clinic:
    """The demo clinic loaded into a running Hub app, with helpers to drive it."""

    app: web.Application
    data: DemoData
    clock: MovableClock
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def db(self) -> Database:
        return self.app[DB]

    @property
    def org_id(self) -> str:
        return self.data.organization.id

    def user(self, email_prefix: str) -> StaffUser:
        return next(u for u in self.data.users if u.email.startswith(email_prefix + "@"))

    def facility(self, word: str) -> str:
        return next(f.id for f in self.data.facilities if word.lower() in f.name.lower())

    def patient_at(self, word: str, *, index: int = 0) -> Patient:
        facility_id = self.facility(word)
        found = [p for p in self.data.patients
                 if p.primary_facility_id == facility_id and p.contacts_of(ContactKind.SMS)]
        return found[index]

    def auth(self, email_prefix: str) -> dict[str, str]:
        """Bearer headers of an API token of that demo user."""
        return {"Authorization": f"Bearer {self.tokens[email_prefix]}"}

    async def text_in(self, patient: Patient | None, text: str, *,
                      address: str | None = None) -> Conversation:
        """A patient text stored and routed to the Hub the way the inbound pipeline and the
        dialog manager do (without them)."""
        number = address or patient.contacts_of(ContactKind.SMS)[0].value  # type: ignore[union-attr]
        now = self.clock.now()
        async with self.db.transaction() as conn:
            patients = await PatientRepository(conn).find_by_address(self.org_id, number)
            repo = ConversationRepository(conn)
            only = patients[0] if len(patients) == 1 else None
            conversation, _ = await repo.get_or_create(
                org_id=self.org_id, channel=Channel.SMS, patient_address=number,
                careline_address=self.data.organization.settings.messaging.sms_number,
                patient_id=only.id if only else None,
                facility_id=only.primary_facility_id if only else None, at=now,
            )
            message = Message(id=new_id(), org_id=self.org_id, conversation_id=conversation.id,
                              direction=MessageDirection.INBOUND, channel=Channel.SMS,
                              body=text, status=MessageStatus.RECEIVED, created_at=now,
                              provider_id=f"TEST{new_id()}")
            await repo.add_message(message)
            intake = await route_to_hub(
                conn, conversation=conversation, text=text, message_id=message.id,
                patients=patients, settings=self.data.organization.settings.hub, now=now,
            )
        return intake.conversation

    async def run(self, work: Callable[[AsyncConnection], Any]) -> Any:
        async with self.db.transaction() as conn:
            return await work(conn)


FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=256, parallelism=1)
"""Argon2 with tiny costs: the tests check behaviour, not the hashing cost."""


@dataclass(frozen=True)
class Template:
    """A migrated SQLite database holding the demo clinic, built once per test session and
    copied for every test (migrating and loading for each test would take seconds)."""

    directory: Path
    data: DemoData
    tokens: dict[str, str]
    now: datetime


async def _build_template(directory: Path, patients: int) -> Template:
    now = datetime.now(UTC)
    data = build_demo(patients=patients, now=now)
    quick = FAST_HASHER.hash(DEMO_PASSWORD)
    data.users = [replace(u, password_hash=quick) for u in data.users]
    db = Database(sqlite_url(directory / "careline.db"))
    try:
        await db.upgrade()
        await _create_missing_tables(db)
        await load_demo(db, data, now=now)
        tokens: dict[str, str] = {}
        async with db.transaction() as conn:
            store = AuthStore(conn)
            for user in data.users:
                secret, token = new_api_token(user, "tests", now, 365)
                await store.add_token(token, hash_secret(secret))
                tokens[user.email.split("@")[0]] = secret
    finally:
        await db.dispose()
    return Template(directory=directory, data=data, tokens=tokens, now=now)


@pytest.fixture(scope="session")
def hub_template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    directory = tmp_path_factory.mktemp("hub-template")
    return asyncio.run(_build_template(directory, 30))


async def start_from(template: Template, aiohttp_client: Any, tmp_path: Path, *,
                     features: Sequence[Feature] = (), **environ: str
                     ) -> tuple[TestClient, Clinic]:
    """A running Hub app on a copy of the template database."""
    for source in template.directory.iterdir():
        shutil.copy2(source, tmp_path / source.name)
    clock = MovableClock(template.now)
    app = build_hub_app(hub_settings(tmp_path, **environ), clock=clock, features=features)
    app[AUTH].passwords = PasswordService(FAST_HASHER)
    client: TestClient = await aiohttp_client(app)
    clinic = Clinic(app=app, data=template.data, clock=clock, tokens=dict(template.tokens))
    return client, clinic


@pytest.fixture
async def hub(hub_template: Template, aiohttp_client: Any, tmp_path: Path
              ) -> tuple[TestClient, Clinic]:
    """A running Hub with the demo clinic (30 patients) and an API token per demo user."""
    return await start_from(hub_template, aiohttp_client, tmp_path)


class ServedHub:
    """A Hub served on 127.0.0.1 from a thread of its own, for clients that are not asyncio
    (a browser, schemathesis). Starts on a copy of the template database.

    Args:
        template: the demo clinic to start from.
        directory: an empty directory for the copy and the data files.
        features: other parts to install (the simulator, the dialog manager...).
        environ: extra settings.
    """

    def __init__(self, template: Template, directory: Path, *,
                 features: Sequence[Feature] = (), **environ: str) -> None:
        self.template = template
        self.directory = directory
        self.features = tuple(features)
        self.environ = environ
        self.url = ""
        self.app: web.Application | None = None
        self.clock = MovableClock(template.now)
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="served-hub", daemon=True)

    def __enter__(self) -> ServedHub:
        for source in self.template.directory.iterdir():
            shutil.copy2(source, self.directory / source.name)
        self._thread.start()
        if not self._ready.wait(60) or self._failure is not None:
            raise RuntimeError("the Hub did not start") from self._failure
        return self

    def __exit__(self, *exc: object) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(30)

    def call(self, work: Callable[[web.Application], Any]) -> Any:
        """Run ``work(app)`` (a coroutine function) on the server's loop; returns its result."""
        assert self._loop is not None and self.app is not None
        return asyncio.run_coroutine_threadsafe(work(self.app), self._loop).result(30)

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:
            self._failure = exc
            self._ready.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        app = build_hub_app(hub_settings(self.directory, **self.environ), clock=self.clock,
                            features=self.features)
        app[AUTH].passwords = PasswordService(FAST_HASHER)
        self.app = app
        runner = web.AppRunner(app, shutdown_timeout=2)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        self._ready.set()
        try:
            await self._stop.wait()
        finally:
            await runner.cleanup()


async def csrf_cookie(client: TestClient) -> str:
    """Open the sign-in page; returns the pre-sign-in CSRF cookie it sets."""
    response = await client.get("/hub/login")
    assert response.status == 200
    return client.session.cookie_jar.filter_cookies(client.make_url("/"))["careline_csrf"].value


async def sign_in(client: TestClient, email: str, password: str = DEMO_PASSWORD) -> Any:
    """Sign in the way the sign-in page does; returns the response."""
    token = await csrf_cookie(client)
    return await client.post("/api/session", json={"email": email, "password": password},
                             headers={"X-CSRF-Token": token})
