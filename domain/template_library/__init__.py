"""The stock message templates and what rendering them needs: squigglies, dates in the
patient's language, signed links, SMS segment counting. Texts live in ``languages/``."""

from domain.template_library.context import appointment_squigglies, reminder_context
from domain.template_library.formatting import formatted_moment, locale_for
from domain.template_library.links import sign_link, verify_link
from domain.template_library.segments import SmsLength, sms_length
from domain.template_library.stock import (
    FORMATS,
    LanguagePack,
    TemplateText,
    language_chain,
    stock_languages,
    stock_pack,
)

STOCK_TEMPLATES = (
    "appointment_reminder",
    "confirmation_reply",
    "cancellation_reply",
    "unknown_reply",
    "opt_out_confirmation",
    "opt_in_confirmation",
    "help_reply",
    "waitlist_offer",
    "waitlist_taken",
    "waitlist_joined",
    "reschedule_options",
    "reschedule_none",
    "reschedule_failed",
)
"""Every stock template key; each ships in every stock language."""

__all__ = [
    "FORMATS",
    "STOCK_TEMPLATES",
    "LanguagePack",
    "SmsLength",
    "TemplateText",
    "appointment_squigglies",
    "formatted_moment",
    "language_chain",
    "locale_for",
    "reminder_context",
    "sign_link",
    "sms_length",
    "stock_languages",
    "stock_pack",
    "verify_link",
]
