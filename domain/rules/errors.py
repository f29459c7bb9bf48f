"""Errors of the delivery rules, with structured fields (mapped to HTTP in the gateway)."""

from __future__ import annotations

from domain.errors import PermissionDenied
from domain.rules.inputs import DncSource

__all__ = ["DncRemovalNotAllowed"]


class DncRemovalNotAllowed(PermissionDenied):
    """Staff tried to take an address off the Do Not Contact list that staff did not put
    there (REM-39): a patient opt-out is undone only by the patient, an EHR flag by the EHR."""

    code = "dnc_removal_not_allowed"

    def __init__(self, address: str, sources: tuple[DncSource, ...]) -> None:
        listed = ", ".join(source.value for source in sources)
        super().__init__(
            f"{address} is on the Do Not Contact list by {listed}; staff can remove only "
            "entries staff added"
        )
        self.address = address
        self.sources = sources

    def to_dict(self) -> dict[str, object]:
        return {
            "error": self.code,
            "message": self.message,
            "address": self.address,
            "sources": [source.value for source in self.sources],
        }
