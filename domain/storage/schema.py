"""The whole schema: core tables plus each area's own table module. Alembic compares this."""

from __future__ import annotations

import domain.storage.tables_channels  # noqa: F401 - registers its tables
from domain.storage.tables import metadata

__all__ = ["metadata"]
