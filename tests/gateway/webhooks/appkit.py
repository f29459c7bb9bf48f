"""Shared builders for the channel gateway's tests: settings, an app with the channels, a test
clinic, signed Twilio requests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection
from twilio.request_validator import RequestValidator

import domain.storage.tables_channels as channel_tables
from domain.model import (
    ContactKind,
    ContactPoint,
    Facility,
    Organization,
    Patient,
    new_id,
)
from domain.org_settings import MessagingSettings, OrgSettings
from domain.storage.database import Database
from domain.storage.repositories import PatientRepository, PracticeRepository
from gateway.app import create_app
from gateway.inbound.keys import RESPONDER
from gateway.inbound.responder import InboundContext
from gateway.keys import DB
from gateway.settings import Settings
from gateway.webhooks import setup_channels

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
PUBLIC_URL = "https://careline.example"
SMS_NUMBER = "+18885550199"
ORG_PHONE = "+12125550100"
FACILITY_PHONE = "+13125550142"
PATIENT_PHONE = "+12125550123"
PATIENT_EMAIL = "pat@example.com"
PUBLIC_KEY = "test-clinic-key"
EMAIL_FROM = "care@clinic.example"
INBOUND_DOMAIN = "inbound.clinic.example"


def settings_for(tmp_path: Path, *, twilio: bool = True, **environ: str) -> Settings:
    env = {
        "CARELINE_DATA_DIR": str(tmp_path),
        "CARELINE_PUBLIC_URL": PUBLIC_URL,
        "CARELINE_SECRET_KEY": "test-secret-key",
        "CARELINE_INBOUND_EMAIL_DOMAIN": INBOUND_DOMAIN,
    }
    if twilio:
        env |= {"TWILIO_ACCOUNT_SID": ACCOUNT_SID, "TWILIO_AUTH_TOKEN": AUTH_TOKEN}
    return Settings.from_environ(env | environ)


async def ensure_channel_tables(db: Database) -> None:
    """Create the channel tables when the migrations do not have them yet."""
    tables = [channel_tables.widget_frames, channel_tables.voice_scripts,
              channel_tables.simulator_messages]

    def create(conn: Any) -> None:
        channel_tables.widget_frames.metadata.create_all(conn, tables=tables, checkfirst=True)

    async with db.transaction() as conn:
        await conn.run_sync(create)


def _tables_feature(app: web.Application) -> None:
    async def tables(app: web.Application) -> AsyncIterator[None]:
        await ensure_channel_tables(app[DB])
        yield

    app.cleanup_ctx.insert(1, tables)


@dataclass
class RecordingResponder:
    """A Responder that records what it saw and answers with ``answers``."""

    answers: list[str] = field(default_factory=lambda: ["Thanks, we got your message."])
    seen: list[InboundContext] = field(default_factory=list)
    delay: float = 0.0
    fail: bool = False

    async def respond(self, conn: AsyncConnection, inbound: InboundContext) -> list[str]:
        self.seen.append(inbound)
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            raise RuntimeError("the responder broke")
        return list(self.answers)


def channel_app(
    settings: Settings, *, responder: RecordingResponder | None = None, clock: Any = None
) -> web.Application:
    def plug(app: web.Application) -> None:
        if responder is not None:
            app[RESPONDER] = responder

    return create_app(settings, clock=clock, migrate=True,
                      features=[_tables_feature, setup_channels, plug])


@dataclass
class Clinic:
    org: Organization
    facility: Facility
    patient: Patient


def clinic_org(**messaging: Any) -> Organization:
    identity = {"sms_number": SMS_NUMBER, "email_from": EMAIL_FROM,
                "email_sender_name": "Test Clinic"} | messaging
    return Organization(id=new_id(), name="Test Clinic", phone=ORG_PHONE, public_key=PUBLIC_KEY,
                        settings=OrgSettings(messaging=MessagingSettings(**identity)))


async def seed_clinic(db: Database, *, language: str = "es") -> Clinic:
    """One organisation, one facility, one patient with a mobile number and an email."""
    now = datetime.now(UTC)
    org = clinic_org()
    facility = Facility(id=new_id(), org_id=org.id, name="Downtown", timezone="America/New_York",
                        phone=FACILITY_PHONE)
    patient = Patient(
        id=new_id(), org_id=org.id, first_name="Avery", last_name="Alder",
        preferred_language=language, primary_facility_id=facility.id,
        contacts=(ContactPoint(kind=ContactKind.SMS, value=PATIENT_PHONE, preferred=True),
                  ContactPoint(kind=ContactKind.VOICE, value=PATIENT_PHONE, label="home"),
                  ContactPoint(kind=ContactKind.EMAIL, value=PATIENT_EMAIL, label="home")),
    )
    async with db.transaction() as conn:
        await PracticeRepository(conn).add_organization(org, now)
        await PracticeRepository(conn).add_facility(facility)
        await PatientRepository(conn).add(patient, now)
    return Clinic(org, facility, patient)


def signed(path: str, params: Mapping[str, str] | Sequence[tuple[str, str]],
           *, token: str = AUTH_TOKEN) -> tuple[str, dict[str, str]]:
    """The body and headers of a Twilio request to ``path`` (which may carry a query)."""
    pairs = list(params.items()) if isinstance(params, Mapping) else list(params)
    from multidict import MultiDict

    signature = RequestValidator(token).compute_signature(PUBLIC_URL + path, MultiDict(pairs))
    return urlencode(pairs), {
        "X-Twilio-Signature": signature,
        "Content-Type": "application/x-www-form-urlencoded",
    }


def sms_form(body: str = "Yes", *, sid: str | None = None, to: str = SMS_NUMBER,
             sender: str = PATIENT_PHONE, **extra: str) -> dict[str, str]:
    return {"MessageSid": sid or twilio_sid("SM"),
            "AccountSid": ACCOUNT_SID, "From": sender, "To": to, "Body": body,
            "NumMedia": "0"} | extra


def twilio_sid(prefix: str) -> str:
    """A well-formed random Twilio id (2 letters + 32 hex digits)."""
    import secrets

    return prefix + secrets.token_hex(16)
