"""The organisation: a clinic network using Careline."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from domain.errors import ValidationError
from domain.model import _validate as v
from domain.org_settings import OrgSettings

__all__ = ["Organization"]

_KEY = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Organization:
    id: str
    name: str
    phone: str | None = None
    public_key: str
    """Public identifier embedded in the website widget's script tag (not a secret)."""
    country: str = "US"
    settings: OrgSettings = field(default_factory=OrgSettings)

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", v.text("organization.name", self.name))
        if self.phone is not None:
            object.__setattr__(self, "phone", v.phone("organization.phone", self.phone))
        if not _KEY.match(self.public_key):
            raise ValidationError("organization.public_key", "must be 8-64 letters, digits, - or _")
        if not (len(self.country) == 2 and self.country.isalpha() and self.country.isupper()):
            raise ValidationError("organization.country", "must be an ISO 3166 code such as US")
