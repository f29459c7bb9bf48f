"""What an outbound call says, kept until Twilio asks the voice webhook for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from domain.model import new_id
from domain.storage.database import Database
from domain.storage.tables_channels import voice_scripts

__all__ = ["VoiceScript", "VoiceScripts"]


@dataclass(frozen=True, slots=True)
class VoiceScript:
    id: str
    org_id: str | None
    to_address: str
    from_address: str
    text: str
    language: str
    outbox_key: str
    created_at: datetime


class VoiceScripts:
    """Storage of call scripts (table ``voice_scripts``)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self, *, org_id: str | None, to_address: str, from_address: str, text: str,
        language: str, outbox_key: str, now: datetime,
    ) -> VoiceScript:
        """Store a script and return it with its new id."""
        script = VoiceScript(new_id(), org_id, to_address, from_address, text, language,
                             outbox_key, now)
        async with self.db.transaction() as conn:
            await conn.execute(voice_scripts.insert().values(
                id=script.id, org_id=org_id, to_address=to_address, from_address=from_address,
                text=text, language=language, outbox_key=outbox_key, created_at=now,
            ))
        return script

    async def get(self, script_id: str) -> VoiceScript | None:
        """The script, or None when unknown."""
        async with self.db.read() as conn:
            row = (
                await conn.execute(sa.select(voice_scripts).where(voice_scripts.c.id == script_id))
            ).mappings().first()
        return None if row is None else VoiceScript(**dict(row))
