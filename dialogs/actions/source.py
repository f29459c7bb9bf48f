"""Where the action server's dialog actions get their BackOffice: one transaction per call on
the configured database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from dialogs.actions.backoffice import BackOffice, HubRouter, default_hub
from domain.ehr import EhrPort, EmbeddedEhr
from domain.storage.database import Database

__all__ = ["BackOfficeSource"]


class BackOfficeSource:
    """Opens a BackOffice in its own transaction on a configured database (the action server).

    Args:
        database_url: a SQLAlchemy URL (``sqlite+aiosqlite://`` or ``postgresql+asyncpg://``).
        ehr: the EHR port for status changes.
        hub: the Hub's routing of patient messages (the gateway's by default).
    """

    def __init__(
        self, database_url: str, *, ehr: EhrPort | None = None, hub: HubRouter | None = None
    ) -> None:
        self.database_url = database_url
        self.ehr: EhrPort = ehr or EmbeddedEhr()
        self.hub: HubRouter = hub or default_hub()
        self._db: Database | None = None

    @asynccontextmanager
    async def session(self) -> AsyncIterator[BackOffice]:
        """A BackOffice whose work commits when the block ends (rolled back on error)."""
        if self._db is None:
            self._db = Database(self.database_url)
        async with self._db.transaction() as conn:
            yield BackOffice(conn, ehr=self.ehr, hub=self.hub)

    async def close(self) -> None:
        if self._db is not None:
            await self._db.dispose()
            self._db = None
