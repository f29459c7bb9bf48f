"""What the waitlist and rescheduling say to patients, in our own words (English, Spanish).

Dates arrive already written for the patient (``dialogs.replies.format_when``); a missing
Spanish text falls back to English key by key.
"""

from __future__ import annotations

__all__ = ["LANGUAGES", "render"]

_EN: dict[str, str] = {
    "waitlist.offer": (
        "{org}: an earlier appointment opened up on {when} with {provider} at {facility}. "
        "Reply YES within {minutes} minutes to take it or NO to pass. Reply LEAVEWAITLIST "
        "to stop these offers."
    ),
    "waitlist.pending": (
        "Thanks! The {when} opening is held for you. Our team will confirm the booking shortly."
    ),
    "waitlist.booked": "You're booked for {when} at {facility}. See you then!",
    "waitlist.booked_moved": (
        "You're booked for {when} at {facility}. Your later appointment on {later} has been "
        "cancelled. See you then!"
    ),
    "waitlist.taken": (
        "Sorry, someone else just took the {when} opening. You're still on our waitlist and "
        "we'll text you when another time comes up."
    ),
    "waitlist.declined": "No problem, you're still on our waitlist.",
    "waitlist.ask_again": (
        "Please reply YES to take the {when} opening, or NO to pass."
    ),
    "waitlist.not_confirmed": (
        "Sorry, we couldn't confirm the {when} opening for you. Any appointment you already "
        "had is unchanged. Please call us at {phone} if you have questions."
    ),
    "waitlist.invite": (
        "{org}: would you like to join our waitlist? We'll text you if an earlier "
        "appointment opens up. Reply YES to join."
    ),
    "waitlist.joined": (
        "You're on our waitlist. We'll text you when an earlier time opens up. Reply "
        "LEAVEWAITLIST at any time to leave it."
    ),
    "waitlist.invite_declined": "OK, we won't add you to the waitlist.",
    "waitlist.left": "You're off our waitlist and won't get more openings from us.",
    "reschedule.options": (
        "Here are the next times we can offer:\n{choices}\nReply with the number you want, or "
        "NO to keep your appointment on {current}."
    ),
    "reschedule.options_again": (
        "Sorry, that time was just taken. Here are other times:\n{choices}\nReply with the "
        "number you want, or NO to keep your appointment on {current}."
    ),
    "reschedule.choice": "{number}) {when}",
    "reschedule.none": (
        "Sorry, we have no open times to move your appointment to. Your appointment on "
        "{current} is unchanged. Please call us at {phone} to find another time."
    ),
    "reschedule.gave_up": (
        "Sorry, no matching appointments are available right now. Your appointment on "
        "{current} is unchanged. Please call us at {phone}."
    ),
    "reschedule.booked": (
        "Done! Your appointment is now on {when} at {facility}. Your appointment on {old} "
        "has been cancelled."
    ),
    "reschedule.failed": (
        "Sorry, we couldn't confirm the new time. Your appointment on {current} is unchanged. "
        "Please call us at {phone}."
    ),
    "reschedule.kept": "OK, your appointment on {current} stays as it is.",
    "reschedule.pick": "Please reply with a number from 1 to {count}, or NO to keep your "
                       "appointment on {current}.",
    "reschedule.link": (
        "To choose a new time for your appointment on {current}, open {link} (the link works "
        "once and expires on {expires})."
    ),
    "reschedule.unavailable": (
        "Rescheduling by text isn't available for this appointment. Please call us at {phone}."
    ),
}

_ES: dict[str, str] = {
    "waitlist.offer": (
        "{org}: se liberó una cita más temprana el {when} con {provider} en {facility}. "
        "Responda SÍ en los próximos {minutes} minutos para tomarla o NO para dejarla pasar. "
        "Responda LEAVEWAITLIST para no recibir más ofertas."
    ),
    "waitlist.pending": (
        "¡Gracias! Le reservamos la cita del {when}. Nuestro equipo confirmará la reserva en "
        "breve."
    ),
    "waitlist.booked": "Su cita quedó reservada para el {when} en {facility}. ¡Lo esperamos!",
    "waitlist.taken": (
        "Lo sentimos, otra persona acaba de tomar la cita del {when}. Sigue en nuestra lista "
        "de espera y le avisaremos cuando haya otra."
    ),
    "waitlist.declined": "De acuerdo, sigue en nuestra lista de espera.",
    "waitlist.joined": (
        "Está en nuestra lista de espera. Le avisaremos cuando se libere una hora más "
        "temprana. Responda LEAVEWAITLIST para salir."
    ),
    "waitlist.left": "Salió de nuestra lista de espera y no recibirá más ofertas.",
    "reschedule.options": (
        "Estas son las próximas horas disponibles:\n{choices}\nResponda con el número que "
        "prefiera, o NO para mantener su cita del {current}."
    ),
    "reschedule.booked": (
        "¡Listo! Su cita ahora es el {when} en {facility}. Su cita del {old} fue cancelada."
    ),
    "reschedule.kept": "De acuerdo, su cita del {current} sigue igual.",
}

_CATALOGUE = {"en": _EN, "es": _ES}
LANGUAGES = frozenset(_CATALOGUE)


def render(key: str, language: str | None = "en", **values: object) -> str:
    """The text ``key`` in ``language`` (English when that language lacks it), filled in.

    Raises:
        KeyError: ``key`` is not in the catalogue, or a placeholder has no value.
    """
    table = _CATALOGUE.get((language or "en").split("-")[0].lower(), _EN)
    return (table.get(key) or _EN[key]).format(**values)
