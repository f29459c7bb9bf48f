"""Repositories: the SQLAlchemy implementation of Careline's storage, one per aggregate.

Each takes an ``AsyncConnection`` so that several repositories share one transaction.
"""

from domain.storage.repositories.appointments import AppointmentRepository
from domain.storage.repositories.conversations import ConversationRepository
from domain.storage.repositories.outbox import OutboxRepository
from domain.storage.repositories.patients import PatientRepository
from domain.storage.repositories.practice import PracticeRepository
from domain.storage.repositories.staff import StaffRepository

__all__ = [
    "AppointmentRepository",
    "ConversationRepository",
    "OutboxRepository",
    "PatientRepository",
    "PracticeRepository",
    "StaffRepository",
]
