"""Checking that ids sent by staff name the organisation's own facilities, providers and
appointment types."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection

from domain.errors import ValidationError
from domain.storage.repositories import PracticeRepository

__all__ = ["check_known"]


async def check_known(
    conn: AsyncConnection, org_id: str, *, facility_id: str | None = None,
    provider_id: str | None = None, type_id: str | None = None,
) -> None:
    """Raise ValidationError naming the first id (``facility_id``, ``provider_id``,
    ``type_id``) that is given but unknown in the organisation."""
    practice = PracticeRepository(conn)
    for field, value, known in (
        ("facility_id", facility_id, practice.facilities),
        ("provider_id", provider_id, practice.providers),
        ("type_id", type_id, practice.types),
    ):
        if value is not None and value not in await known(org_id):
            raise ValidationError(field, f"unknown {field.removesuffix('_id')} {value!r}")
