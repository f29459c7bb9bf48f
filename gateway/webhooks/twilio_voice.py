"""``POST /webhooks/twilio/voice``: TwiML for reminder calls and inbound calls.

- Outbound reminder call (``?script=<id>``, first request): the message and the menu; an
  answering machine (``AnsweredBy=machine_*``) hears the message only.
- Inbound call: when the caller's voice thread has an open prompt, its latest message and the
  menu; otherwise the call is forwarded (``Dial``) to the phone of the facility of the latest
  message we sent the caller from that number (REM-56), else the organisation's phone.
- Menu answer (``?step=N``): key 9 or "repeat" repeats; any other answer becomes an Envelope
  (provider id ``CallSid:N``) through the inbound pipeline, and the replies are spoken.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from urllib.parse import urlencode

import sqlalchemy as sa
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncConnection

from channels import _twilio_fields as f
from channels.envelope import Envelope
from channels.twilio_voice import (
    answer_twiml,
    dial_twiml,
    hangup_twiml,
    is_machine,
    parse_answer,
    prompt_twiml,
)
from channels.voice_scripts import VoiceScripts
from domain.errors import ValidationError
from domain.model import Channel, MessageDirection, Organization
from domain.storage import tables as t
from domain.storage.repositories import (
    ConversationRepository,
    PatientRepository,
    PracticeRepository,
)
from gateway.errors import bad_request
from gateway.inbound.keys import ADDRESS_BOOK
from gateway.keys import CLOCK, DB, SETTINGS
from gateway.webhooks._forms import invalid, read_twilio_form
from gateway.webhooks._receive import receive

__all__ = ["voice_webhook"]

MAX_STEPS = 20


def _twiml(body: str) -> web.Response:
    return web.Response(text=body, content_type="text/xml")


def _step(query: Mapping[str, str]) -> int:
    raw = query.get("step", "0")
    if not raw.isascii() or not raw.isdigit() or int(raw) > MAX_STEPS:
        raise ValidationError("step", f"must be a number from 0 to {MAX_STEPS}")
    return int(raw)


def _action(request: web.Request, step: int) -> str:
    params = {k: v for k, v in request.query.items() if k == "script"}
    params["step"] = str(step)
    return f"{request.app[SETTINGS].public_url}{request.path}?{urlencode(params)}"


async def voice_webhook(request: web.Request) -> web.Response:
    """Answer Twilio's voice request with TwiML (see the module docstring)."""
    form = await read_twilio_form(request)
    try:
        call_sid = f.sid(form, "CallSid", ("CA",))
        step = _step(request.query)
        outbound = (form.get("Direction") or "inbound").startswith("outbound")
        patient = f.e164(form, "To" if outbound else "From")
        ours = f.e164(form, "From" if outbound else "To")
        answer = parse_answer(form) if step > 0 else None
    except ValidationError as exc:
        raise invalid(exc) from None
    script_id = request.query.get("script")
    script = await VoiceScripts(request.app[DB]).get(script_id) if script_id else None
    if script_id and script is None:
        raise bad_request("no call script with this id", field="script", status=404)

    async with request.app[DB].read() as conn:
        org = await request.app[ADDRESS_BOOK].organization(conn, Channel.VOICE, ours)
        language = script.language if script else await _language(conn, org, patient)
        now = request.app[CLOCK].now()
        spoken = script.text if script else await _open_prompt_text(conn, org, patient, ours, now)
        if step == 0 and spoken is None:
            return _twiml(dial_twiml(await _forward_number(conn, org, patient, ours), language))
    if step == 0:
        assert spoken is not None
        if script is not None and is_machine(form):
            return _twiml(hangup_twiml(spoken, language))
        return _twiml(prompt_twiml(spoken, language, action=_action(request, 1)))
    if answer is None:
        return _twiml(answer_twiml([], language))
    if answer.repeat and spoken is not None:
        return _twiml(prompt_twiml(spoken, language, action=_action(request, step + 1)))
    metadata: dict[str, object] = {
        "call_sid": call_sid, "input": "speech" if answer.speech else "dtmf",
        "digits": answer.digits, "intent": answer.intent, "script_id": script_id,
    }
    envelope = Envelope(
        channel=Channel.VOICE, provider_message_id=f"{call_sid}:{step}", from_address=patient,
        to_address=ours, text=answer.text, received_at=now,
        metadata=metadata,
    )
    result = await receive(request.app, envelope)
    return _twiml(answer_twiml(result.replies, language))


async def _language(conn: AsyncConnection, org: Organization, patient: str) -> str:
    found = await PatientRepository(conn).find_by_address(org.id, patient)
    return found[0].preferred_language if found else "en"


async def _open_prompt_text(
    conn: AsyncConnection, org: Organization, patient: str, ours: str, now: datetime
) -> str | None:
    """The latest message of the caller's voice thread when it awaits an answer."""
    repo = ConversationRepository(conn)
    thread = await repo.find(org.id, Channel.VOICE, patient, ours)
    if thread is None:
        return None
    if not await repo.open_prompts(thread.id, now):
        return None
    messages = await repo.messages(thread.id, limit=20)
    outbound = [m for m in messages if m.direction is MessageDirection.OUTBOUND]
    return outbound[-1].body if outbound else None


async def _forward_number(
    conn: AsyncConnection, org: Organization, patient: str, ours: str
) -> str | None:
    """The facility phone of the latest message we sent the caller from ``ours``, else the
    organisation's phone."""
    m, c = t.messages, t.conversations
    row = (
        await conn.execute(
            sa.select(sa.func.coalesce(m.c.facility_id, c.c.facility_id))
            .select_from(m.join(c, m.c.conversation_id == c.c.id))
            .where(
                c.c.org_id == org.id,
                c.c.patient_address == patient,
                c.c.careline_address == ours,
                m.c.direction == MessageDirection.OUTBOUND.value,
            )
            .order_by(m.c.created_at.desc())
            .limit(1)
        )
    ).first()
    if row is not None and row[0] is not None:
        facility = await PracticeRepository(conn).facility(row[0])
        if facility.phone:
            return facility.phone
    return org.phone
