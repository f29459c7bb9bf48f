"""Outbound SMS and calls with the official twilio client against a local mock of Twilio's REST
API (Prism serving Twilio's own OpenAPI description, ../shared/peers/twilio-oai, or
``CARELINE_PEERS_DIR``).

Prism is installed with ``npm install`` at the repository root (package.json); without it these
tests skip (or fail when CARELINE_REQUIRE_SERVICES is set, as on CI).
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from channels.base import OutboundMessage, PermanentSendError, TransientSendError
from channels.twilio_calls import TwilioVoiceSender
from channels.twilio_rest import TwilioRest
from channels.twilio_sms import TwilioSmsSender
from channels.voice_scripts import VoiceScripts
from domain.clock import SystemClock
from domain.model import Channel, MessageStatus
from domain.storage.database import Database
from tests.gateway.webhooks.appkit import ensure_channel_tables

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PRISM = ROOT / "node_modules" / ".bin" / "prism"
_SPEC_PATH = Path("peers") / "twilio-oai" / "twilio_api_v2010.json"


def _find_spec() -> Path:
    """Twilio's OpenAPI description: under ``CARELINE_PEERS_DIR`` when set, else in the
    ``shared/peers`` folder beside the checkout (or beside one of its parent folders)."""
    if peers := os.environ.get("CARELINE_PEERS_DIR"):
        return Path(peers) / _SPEC_PATH.relative_to("peers")
    for folder in ROOT.parents:
        if (found := folder / "shared" / _SPEC_PATH).is_file():
            return found
    return ROOT.parent / "shared" / _SPEC_PATH


SPEC = _find_spec()
ACCOUNT_SID = "AC" + "0123456789abcdef" * 2


def _missing(what: str) -> None:
    if os.environ.get("CARELINE_REQUIRE_SERVICES", "") not in ("", "0", "false"):
        pytest.fail(f"{what} and CARELINE_REQUIRE_SERVICES is set", pytrace=False)
    pytest.skip(what)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def prism_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not PRISM.exists():
        _missing("Prism is not installed (run npm install at the repository root)")
    if not SPEC.exists():
        _missing(f"the Twilio OpenAPI description is missing at {SPEC}")
    port = _free_port()
    log = (tmp_path_factory.mktemp("prism") / "prism.log").open("w")
    process = subprocess.Popen(
        [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), str(SPEC)],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"Prism exited with {process.returncode}", pytrace=False)
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.3)
        else:
            pytest.fail("Prism did not start within 90 s", pytrace=False)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
async def rest(prism_url: str) -> AsyncIterator[TwilioRest]:
    client = TwilioRest(ACCOUNT_SID, "token", api_base_url=prism_url)
    yield client
    await client.aclose()


def outbound(channel: Channel = Channel.SMS, **kwargs: object) -> OutboundMessage:
    values: dict[str, object] = {
        "channel": channel, "to_address": "+12125550123", "from_address": "+18885550199",
        "body": "Your visit is tomorrow at 9:00. Reply C to confirm.",
        "idempotency_key": "outbox-1", "language": "en",
    } | kwargs
    return OutboundMessage(**values)  # type: ignore[arg-type]


async def test_an_sms_is_created_with_the_official_client(rest: TwilioRest) -> None:
    sender = TwilioSmsSender(rest, status_callback="https://careline.example/webhooks/twilio/status")
    result = await sender.send(outbound())
    assert result.provider_id is not None and result.provider_id.startswith("SM")
    assert result.status is MessageStatus.QUEUED
    assert await sender.lookup(result.provider_id, "outbox-1") is not None
    assert await sender.lookup(None, "outbox-1") is None


async def test_an_mms_carries_its_media(rest: TwilioRest) -> None:
    """Twilio takes repeated ``MediaUrl`` fields; Prism reads form arrays only with an explicit
    encoding the spec lacks and answers 422, so here we check what the client sent."""
    sender = TwilioSmsSender(rest, status_callback="https://careline.example/s")
    media = ("https://careline.example/map.png", "https://careline.example/card.png")
    with pytest.raises(PermanentSendError):
        await sender.send(outbound(media=media))
    request = rest._http._test_only_last_request if rest._http else None
    assert request is not None and dict(request.data or {})["MediaUrl"] == list(media)


async def test_a_request_the_api_refuses_is_a_permanent_error(rest: TwilioRest) -> None:
    sender = TwilioSmsSender(rest, status_callback="not a url")
    with pytest.raises(PermanentSendError):
        await sender.send(outbound(to_address=""))


async def test_no_sending_number_is_permanent(rest: TwilioRest) -> None:
    with pytest.raises(PermanentSendError):
        await TwilioSmsSender(rest, status_callback="x").send(outbound(from_address=None))


async def test_an_unreachable_api_is_transient() -> None:
    rest = TwilioRest(ACCOUNT_SID, "token", api_base_url=f"http://127.0.0.1:{_free_port()}")
    try:
        with pytest.raises(TransientSendError):
            await TwilioSmsSender(rest, status_callback="x").send(outbound())
    finally:
        await rest.aclose()


async def test_a_reminder_call_stores_its_script_and_points_twilio_at_it(
    rest: TwilioRest, tmp_path: Path
) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'c.db'}")
    await db.upgrade()
    await ensure_channel_tables(db)
    try:
        scripts = VoiceScripts(db)
        sender = TwilioVoiceSender(rest, scripts, SystemClock(),
                                   public_url="https://careline.example")
        result = await sender.send(outbound(Channel.VOICE, language="es",
                                            body="Su cita es mañana."))
        assert result.provider_id is not None and result.provider_id.startswith("CA")
        request = rest._http._test_only_last_request if rest._http else None
        assert request is not None
        data = dict(request.data or {})
        assert data["Url"].startswith("https://careline.example/webhooks/twilio/voice?script=")
        assert data["MachineDetection"] == "Enable"
        script = await scripts.get(data["Url"].rpartition("=")[2])
        assert script is not None and (script.text, script.language) == ("Su cita es mañana.",
                                                                         "es")
        assert script.created_at <= datetime.now(UTC)
        assert await sender.lookup(result.provider_id, "k") is not None
    finally:
        await db.dispose()
