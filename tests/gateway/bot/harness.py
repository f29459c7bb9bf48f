"""A Careline app with the channels, the Hub and the bot on a fresh SQLite database holding the
demo clinic, and helpers to chat through the widget's pipeline like a visitor."""

from __future__ import annotations

import functools
import importlib
import shutil
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from aiohttp import web
from aiohttp.test_utils import TestClient

from channels.envelope import Envelope
from domain.clock import MovableClock
from domain.model import Channel, ContactKind, Patient, new_id
from domain.storage import tables as t
from domain.storage.database import Database, sqlite_url
from gateway.app import create_app
from gateway.auth.credentials import hash_secret, new_api_token
from gateway.auth.store import AuthStore
from gateway.bot import setup_bot
from gateway.demo_data import DemoData, build_demo, load_demo
from gateway.hub import setup_hub
from gateway.inbound.keys import PIPELINE
from gateway.keys import DB
from gateway.settings import Settings
from gateway.webhooks import setup_channels

Feature = Callable[[web.Application], None]
PUBLIC_KEY = "demo-riverbend"


def bot_settings(tmp_path: Path, **environ: str) -> Settings:
    return Settings.from_environ({"CARELINE_DATA_DIR": str(tmp_path),
                                  "CARELINE_SECRET_KEY": "bot-test-secret",
                                  "CARELINE_RUN_DISPATCHER": "false", **environ})


async def ensure_tables(db: Database) -> None:
    """Create the tables of the ``tables_*`` modules the migration does not have yet."""
    folder = Path(t.__file__).parent
    for module in sorted(folder.glob("tables_*.py")):
        importlib.import_module(f"domain.storage.{module.stem}")
    async with db.transaction() as conn:
        await conn.run_sync(lambda sync: t.metadata.create_all(sync, checkfirst=True))


def build_app(settings: Settings, clock: MovableClock, *, tick_seconds: float = 3600.0,
              features: Sequence[Feature] = ()) -> web.Application:
    """The app under test; the bot's timer ticks rarely unless asked (tests call ``tick``)."""

    def bot(app: web.Application) -> None:
        setup_bot(app, tick_seconds=tick_seconds, catalog_ttl=0.0)

    app = create_app(settings, clock=clock, migrate=True,
                     features=[setup_channels, setup_hub, *features, bot])

    async def tables(app: web.Application) -> AsyncIterator[None]:
        await ensure_tables(app[DB])
        yield

    app.cleanup_ctx.insert(1, tables)
    return app


@dataclass
class Site:
    """The running app with the demo clinic, and a visitor's view of the widget."""

    app: web.Application
    client: TestClient
    clock: MovableClock
    data: DemoData
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def db(self) -> Database:
        return self.app[DB]

    @property
    def org_id(self) -> str:
        return self.data.organization.id

    async def say(self, session: str, text: str) -> list[str]:
        """The visitor of widget session ``session`` writes ``text``; the bot's answers."""
        envelope = Envelope(
            channel=Channel.WIDGET, provider_message_id=f"{session}:{new_id()}",
            from_address=session, to_address=PUBLIC_KEY, text=text,
            received_at=self.clock.now(),
        )
        result = await self.app[PIPELINE].receive(envelope)
        return result.replies

    def patient_with_sms(self, index: int = 0) -> Patient:
        found = [p for p in self.data.patients
                 if p.contacts_of(ContactKind.SMS) and p.date_of_birth is not None]
        return found[index]

    async def rows(self, query: Any) -> list[dict[str, Any]]:
        async with self.db.read() as conn:
            return [dict(r) for r in (await conn.execute(query)).mappings()]

    async def conversation_of(self, session: str) -> dict[str, Any]:
        rows = await self.rows(sa.select(t.conversations).where(
            t.conversations.c.patient_address == session))
        assert len(rows) == 1
        return rows[0]

    async def make_tokens(self) -> None:
        async with self.db.transaction() as conn:
            store = AuthStore(conn)
            for user in self.data.users:
                secret, token = new_api_token(user, "tests", self.clock.now(), 30)
                await store.add_token(token, hash_secret(secret))
                self.tokens[user.email.split("@")[0]] = secret

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def user_with_role(self, role: str) -> str:
        return next(u.email.split("@")[0] for u in self.data.users if u.role.value == role)


@functools.cache
def demo_clinic(patients: int) -> DemoData:
    """The demo clinic, built once per test run (hashing its staff passwords is slow)."""
    return build_demo(patients=patients, now=datetime.now(UTC))


_TEMPLATES: dict[int, Path] = {}


async def template_database(patients: int) -> Path:
    """A database file migrated and holding the demo clinic, made once per test run; each
    test starts from a copy (much faster than migrating and loading every time)."""
    found = _TEMPLATES.get(patients)
    if found is not None:
        return found
    folder = Path(tempfile.mkdtemp(prefix="careline-bot-template-"))
    path = folder / "careline.db"
    db = Database(sqlite_url(path))
    try:
        await db.upgrade()
        await ensure_tables(db)
        await load_demo(db, demo_clinic(patients), now=datetime.now(UTC))
    finally:
        await db.dispose()
    _TEMPLATES[patients] = path
    return path


async def start_site(aiohttp_client: Any, tmp_path: Path, *, patients: int = 40,
                     tick_seconds: float = 3600.0) -> Site:
    shutil.copyfile(await template_database(patients), tmp_path / "careline.db")
    clock = MovableClock(datetime.now(UTC))
    app = build_app(bot_settings(tmp_path), clock, tick_seconds=tick_seconds)
    client: TestClient = await aiohttp_client(app)
    site = Site(app=app, client=client, clock=clock, data=demo_clinic(patients))
    await site.make_tokens()
    return site
