"""What our texts say, in the patient's language (WL-06).

English and Spanish come from our own catalogue (``domain.waitlist.texts``), which says
everything the rules need (the time to answer, LEAVEWAITLIST). For the thirty-odd other
languages the stock templates of ``domain/templates.py`` are used where one exists
(``waitlist_offer``, ``waitlist_taken``, ``waitlist_joined``, ``reschedule_none``,
``reschedule_failed``); anything else falls back to English.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from domain.model import Facility, Organization, Patient
from domain.template_library.formatting import formatted_moment
from domain.templates import TemplateError, render
from domain.waitlist import texts

__all__ = ["STOCK_KEYS", "stock_context", "wording"]

STOCK_KEYS = {
    "waitlist.offer": "waitlist_offer",
    "waitlist.taken": "waitlist_taken",
    "waitlist.joined": "waitlist_joined",
    "reschedule.none": "reschedule_none",
    "reschedule.failed": "reschedule_failed",
}


def stock_context(
    *, org: Organization, patient: Patient, facility: Facility, provider: str,
    start: datetime, language: str,
) -> dict[str, Any]:
    """The squigglies the stock waitlist and reschedule templates read."""
    moment = formatted_moment(start, facility.timezone, language)
    return {
        "patient": {"first_name": patient.first_name, "last_name": patient.last_name,
                    "name": patient.display_name},
        "slot": {"date": moment["date"], "time": moment["time"], "provider": provider,
                 "facility": facility.name},
        "facility": {"name": facility.name, "phone": facility.phone or "",
                     "address": facility.address},
        "organization": {"name": org.name, "phone": org.phone or ""},
    }


def wording(key: str, language: str | None, *,
            stock: Callable[[], Mapping[str, Any]] | None = None, **values: object) -> str:
    """The text ``key`` for a patient speaking ``language``; ``stock`` builds the stock
    template's squigglies (only called when a stock template is used: formatting dates in
    other languages loads locale data)."""
    code = (language or "en").split("-")[0].lower()
    if code not in texts.LANGUAGES and stock is not None and key in STOCK_KEYS:
        try:
            return render(STOCK_KEYS[key], "sms", language or "en", stock()).body
        except TemplateError:
            pass  # an unrenderable stock text never blocks the message: English instead
    return texts.render(key, language, **values)
