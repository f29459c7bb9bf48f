"""The automatic answers of the core flows, in our own words, with the patient's appointment
time written the way their language writes it. English is complete; other languages fall back
to it key by key.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import phonenumbers

from dialogs.effects import Reply

__all__ = ["LANGUAGES", "format_phone", "format_when", "reply"]

_EN: dict[str, str] = {
    "reminder.confirmed": "Thank you! Your appointment on {when} is confirmed.",
    "reminder.confirmed_day": "Thank you! Your {count} appointments on {day} are confirmed.",
    "reminder.already_confirmed": "Your appointment on {when} is already confirmed. See you then!",
    "reminder.cancelled": "Your appointment on {when} has been cancelled.",
    "reminder.cancelled_day": "Your {count} appointments on {day} have been cancelled.",
    "reminder.cancelled_fee": (
        "Your appointment on {when} has been cancelled. Please note that a cancellation fee "
        "may apply."
    ),
    "reminder.cancelled_day_fee": (
        "Your {count} appointments on {day} have been cancelled. Please note that a "
        "cancellation fee may apply."
    ),
    "reminder.already_cancelled": "Your appointment on {when} was already cancelled.",
    "reminder.cancel_by_phone": "To cancel your appointment, please call us at {phone}.",
    "reminder.cancel_after_start": (
        "Your appointment has already started, so it can't be cancelled by text. Please call "
        "us at {phone}."
    ),
    "reminder.cancel_after_confirm": (
        "Your appointment on {when} is confirmed. To make a change, please call us at {phone}."
    ),
    "reminder.confirm_after_cancel": (
        "Your appointment on {when} was cancelled, so it can't be confirmed by text. Please "
        "call us at {phone} to book a new time."
    ),
    "reminder.past": (
        "Your appointment on {when} has already passed. Our team will get back to you if "
        "anything is needed."
    ),
    "reschedule.staff": "Thanks! Someone from our team will contact you to find a new time.",
    "reschedule.soon": "Thanks! We'll text you a few new times to choose from shortly.",
    "arrival.arrived": "Thanks for letting us know you're here. We'll be with you shortly.",
    "arrival.already": "You're already checked in. We'll be with you shortly.",
    "waitlist.left": "You're off the waitlist and won't receive more openings from us.",
    "compliance.opted_out": (
        "{org}: you're unsubscribed and won't get more messages from this number. Reply START "
        "to subscribe again."
    ),
    "compliance.opted_in": (
        "{org}: you're subscribed again. Reply STOP to unsubscribe or HELP for help."
    ),
    "compliance.subscribed": (
        "{org}: you're subscribed. Reply STOP to unsubscribe or HELP for help."
    ),
    "compliance.start_elsewhere": (
        "{org}: to get messages again, reply START to the number you unsubscribed from: "
        "{numbers}."
    ),
    "compliance.help": "{org}: for help, call {phone}. Reply STOP to unsubscribe.",
    "which.ask": "Which message are you answering? Reply with its number:\n{choices}",
    "which.again": "Sorry, we didn't get that. Please reply with a number from 1 to {count}.",
    "which.reminder": "Appointment on {when}",
    "action.not_found": "Sorry, we couldn't find that appointment.",
    "action.not_allowed": (
        "Sorry, that can't be done by message. Please call us at {phone}."
    ),
    "action.slots": "Here are the next open times:\n{choices}",
    "action.no_slots": "Sorry, there are no open times in the next {days} days.",
    "action.booked": "You're booked for {when}. See you then!",
    "action.slot_taken": "Sorry, that time was just taken. Would you like to see other times?",
    "action.waitlist_joined": "Thanks! We've asked to add you to our waitlist.",
    "action.referral_unknown": (
        "We don't have an update on your referral yet. Our team will follow up with you."
    ),
    "action.refill": "Thanks, we've sent your refill request to our team.",
    "action.handover": "I've passed this on to our team. Someone will reply here soon.",
}

_ES: dict[str, str] = {
    "reminder.confirmed": "¡Gracias! Su cita del {when} está confirmada.",
    "reminder.confirmed_day": "¡Gracias! Sus {count} citas del {day} están confirmadas.",
    "reminder.already_confirmed": "Su cita del {when} ya estaba confirmada. ¡Lo esperamos!",
    "reminder.cancelled": "Su cita del {when} ha sido cancelada.",
    "reminder.cancelled_day": "Sus {count} citas del {day} han sido canceladas.",
    "reminder.cancelled_fee": (
        "Su cita del {when} ha sido cancelada. Tenga en cuenta que podría aplicarse un cargo "
        "por cancelación."
    ),
    "reminder.already_cancelled": "Su cita del {when} ya estaba cancelada.",
    "reminder.cancel_by_phone": "Para cancelar su cita, llámenos al {phone}.",
    "reschedule.staff": "¡Gracias! Alguien de nuestro equipo le contactará para buscar otra hora.",
    "reschedule.soon": "¡Gracias! En breve le enviaremos algunas horas nuevas para elegir.",
    "arrival.arrived": "Gracias por avisarnos que llegó. Le atenderemos en breve.",
    "waitlist.left": "Ha salido de la lista de espera y no recibirá más ofertas de citas.",
    "compliance.opted_out": (
        "{org}: ya no recibirá mensajes de este número. Responda START para volver a suscribirse."
    ),
    "compliance.opted_in": "{org}: está suscrito de nuevo. Responda STOP para darse de baja.",
    "compliance.help": "{org}: para ayuda llame al {phone}. Responda STOP para darse de baja.",
    "which.ask": "¿A qué mensaje responde? Conteste con su número:\n{choices}",
    "which.again": "Disculpe, no le entendimos. Responda con un número del 1 al {count}.",
    "which.reminder": "Cita del {when}",
}

_CATALOGUE: dict[str, dict[str, str]] = {"en": _EN, "es": _ES}

LANGUAGES = frozenset(_CATALOGUE)
"""Languages with their own texts (others read English)."""

_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EN_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_ES_DAYS = ("lun", "mar", "mié", "jue", "vie", "sáb", "dom")


def _language(language: str | None) -> str:
    base = (language or "en").split("-")[0].lower()
    return base if base in _CATALOGUE else "en"


def format_when(at: datetime, zone: ZoneInfo, language: str | None = "en", *,
                with_time: bool = True) -> str:
    """``at`` as a patient reads it at ``zone``: "Tue, Nov 24 at 3:05 PM" / "mar 24/11 a las
    15:05" (the day only when ``with_time`` is False)."""
    local = at.astimezone(zone)
    if _language(language) == "es":
        day = f"{_ES_DAYS[local.weekday()]} {local.day}/{local.month}"
        return f"{day} a las {local:%H:%M}" if with_time else day
    day = f"{_EN_DAYS[local.weekday()]}, {_EN_MONTHS[local.month - 1]} {local.day}"
    if not with_time:
        return day
    hour = local.hour % 12 or 12
    return f"{day} at {hour}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'}"


def format_phone(number: str | None) -> str:
    """A phone number as patients dial it: "(312) 555-0111" for US numbers, the international
    form otherwise; "our office" when there is none."""
    if not number:
        return "our office"
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if parsed.country_code == 1
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(parsed, style)


def reply(key: str, language: str | None = "en", **values: object) -> Reply:
    """The catalogue text ``key`` in ``language`` (English when missing), filled in."""
    template = _CATALOGUE[_language(language)].get(key) or _EN[key]
    return Reply(template.format(**values), key=key)
