"""Dialog actions: Careline's back-office capabilities as ``rasa_sdk.Action`` subclasses.

Our flows run them in-process (``run_in_process``); ``careline actions`` serves them with the
rasa_sdk action server for any Rasa assistant.
"""

from dialogs.actions.appointments import (
    ActionBookSlot,
    ActionCancelAppointment,
    ActionConfirmAppointment,
    ActionFindOpenSlots,
)
from dialogs.actions.backoffice import SYSTEM_AUTHOR_ID, BackOffice
from dialogs.actions.base import ActionResult, CarelineAction, in_process, run_in_process
from dialogs.actions.requests import (
    ActionHandOverToStaff,
    ActionJoinWaitlist,
    ActionLeaveWaitlist,
    ActionReferralStatus,
    ActionRequestRefill,
)
from dialogs.actions.source import BackOfficeSource

__all__ = [
    "SYSTEM_AUTHOR_ID",
    "ActionBookSlot",
    "ActionCancelAppointment",
    "ActionConfirmAppointment",
    "ActionFindOpenSlots",
    "ActionHandOverToStaff",
    "ActionJoinWaitlist",
    "ActionLeaveWaitlist",
    "ActionReferralStatus",
    "ActionRequestRefill",
    "ActionResult",
    "BackOffice",
    "BackOfficeSource",
    "CarelineAction",
    "in_process",
    "run_in_process",
]
