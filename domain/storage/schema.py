"""The whole schema: core tables plus each area's own table module. Alembic compares this."""

from __future__ import annotations

import domain.storage.tables_bot
import domain.storage.tables_channels
import domain.storage.tables_hub
import domain.storage.tables_templates
import domain.storage.tables_waitlist  # noqa: F401 - each import registers its tables
from domain.storage.tables import metadata

__all__ = ["metadata"]
