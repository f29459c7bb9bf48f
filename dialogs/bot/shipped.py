"""The flows Careline ships: the system flows (fixed structure) and the example user flows that
a new organisation starts with (Ask a nurse, Book an appointment, Prescription refill, a symptom
screening). Read once from the package's YAML files."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from types import MappingProxyType

from dialogs.bot.definition import FlowDefinition
from dialogs.bot.loader import load_flow

__all__ = ["EXAMPLE_KEYS", "SYSTEM_KEYS", "example_sources", "system_flows"]

SYSTEM_KEYS = ("end", "feedback", "connect_with_staff")
EXAMPLE_KEYS = ("ask_a_nurse", "book_appointment", "prescription_refill", "symptom_screening")


def _read(folder: str, key: str) -> str:
    return (resources.files("dialogs.bot") / folder / f"{key}.yaml").read_text(encoding="utf-8")


@cache
def system_flows() -> Mapping[str, FlowDefinition]:
    """The system flows by key (``end``, ``feedback``, ``connect_with_staff``)."""
    return MappingProxyType({key: load_flow(_read("system", key), system=True)
                             for key in SYSTEM_KEYS})


@cache
def example_sources() -> Mapping[str, str]:
    """The YAML sources of the example user flows, by key, in menu order."""
    return MappingProxyType({key: _read("examples", key) for key in EXAMPLE_KEYS})
