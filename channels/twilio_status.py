"""Twilio status callbacks (messages and calls) and what their error codes say about a contact.

Error codes that change a contact (Twilio's error dictionary):

=====  ==========================================  =========================================
code   Twilio's meaning                            Careline's effect
=====  ==========================================  =========================================
21610  recipient replied STOP at the carrier       do-not-contact entry, source ``carrier``
21211  invalid 'To' phone number                   contact ``invalid``
21217  phone number does not appear to be valid    contact ``invalid``
21401  invalid phone number                        contact ``invalid``
21612  cannot route to this number                 contact ``invalid``
30003  unreachable destination handset             contact ``invalid``
30005  unknown destination handset                 contact ``invalid``
21614  'To' number is not a mobile number          SMS contact ``landline``
30006  landline or unreachable carrier             SMS contact ``landline``
=====  ==========================================  =========================================

Any other code is only recorded on the message (30007 carrier filtering, 30008 unknown...).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from channels import _twilio_fields as f
from channels.twilio_rest import call_status, message_status
from domain.errors import ValidationError
from domain.model import Channel, ContactValidity, MessageStatus

__all__ = ["ContactEffect", "StatusUpdate", "contact_effect", "parse_status_callback"]


class ContactEffect(StrEnum):
    DO_NOT_CONTACT = "do_not_contact"
    INVALID = "invalid"
    LANDLINE = "landline"

    @property
    def validity(self) -> ContactValidity | None:
        return {
            ContactEffect.INVALID: ContactValidity.INVALID,
            ContactEffect.LANDLINE: ContactValidity.LANDLINE,
        }.get(self)


_EFFECTS = {
    "21610": ContactEffect.DO_NOT_CONTACT,
    "21211": ContactEffect.INVALID,
    "21217": ContactEffect.INVALID,
    "21401": ContactEffect.INVALID,
    "21612": ContactEffect.INVALID,
    "30003": ContactEffect.INVALID,
    "30005": ContactEffect.INVALID,
    "21614": ContactEffect.LANDLINE,
    "30006": ContactEffect.LANDLINE,
}


def contact_effect(error_code: str | None) -> ContactEffect | None:
    """What a Twilio error code means for the recipient's contact (None: nothing)."""
    return _EFFECTS.get(error_code or "")


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """One delivery state reported by Twilio.

    Attributes:
        channel: SMS for messages, voice for calls.
        provider_id: MessageSid or CallSid.
        status: our state for Twilio's.
        twilio_status: Twilio's own word.
        error_code: Twilio's error code, if any.
        to_address, from_address: the recipient and our number, when given.
    """

    channel: Channel
    provider_id: str
    status: MessageStatus
    twilio_status: str
    error_code: str | None
    to_address: str | None
    from_address: str | None


def parse_status_callback(form: Mapping[str, str]) -> StatusUpdate:
    """The update carried by a message or call status callback.

    Raises:
        ValidationError: a field is missing or malformed; ``field`` names it.
    """
    if form.get("CallSid") and form.get("CallStatus"):
        channel = Channel.VOICE
        provider_id = f.sid(form, "CallSid", ("CA",))
        word = f.required(form, "CallStatus", max_length=20)
        status = call_status(word)
        field = "CallStatus"
    else:
        channel = Channel.SMS
        sid_field = "MessageSid" if form.get("MessageSid") else "SmsSid"
        provider_id = f.sid(form, sid_field, ("SM", "MM"))
        status_field = "MessageStatus" if form.get("MessageStatus") else "SmsStatus"
        word = f.required(form, status_field, max_length=20)
        status = message_status(word)
        field = status_field
    if status is None:
        raise ValidationError(field, f"unknown status {word!r}")
    code = f.optional(form, "ErrorCode", max_length=10) or None
    if code is not None and not (code.isascii() and code.isdigit()):
        raise ValidationError("ErrorCode", "must be a number")
    to_address = form.get("To") or None
    from_address = form.get("From") or None
    if to_address is not None:
        to_address = f.e164(form, "To")
    if from_address is not None:
        from_address = f.e164(form, "From")
    return StatusUpdate(channel, provider_id, status, word.lower(), code, to_address, from_address)
