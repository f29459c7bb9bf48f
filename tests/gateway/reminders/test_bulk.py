"""Bulk planning writes the rows a plan writes: ``BulkRows`` (one plan per distinct
appointment shape, row templates) against ``row_tuples(plan_reminders(...))``, for SQLite
and PostgreSQL values, ids included."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta

import pytest

from domain.model import AppointmentStatus
from domain.reminders import plan_reminders
from domain.rules import DeliveryPolicy
from gateway.reminders.bulk import BulkRows, fast_ids, row_tuples
from tests.domain.reminders.builders import ZONES
from tests.domain.reminders.test_batch import _BASE, _PATIENTS, _SWEEP_SETTINGS, _practice, _request


def _counter(prefix: str) -> Callable[[], str]:
    numbers = itertools.count()
    return lambda: f"{prefix}{next(numbers):08d}"


@pytest.mark.parametrize("sqlite", [True, False])
@pytest.mark.parametrize("reminder_settings", _SWEEP_SETTINGS)
def test_bulk_rows_are_the_rows_of_the_plan(sqlite: bool, reminder_settings: object) -> None:
    where, policy = _practice(), DeliveryPolicy()
    now = _BASE + timedelta(days=2, hours=3)
    created = now + timedelta(seconds=5)
    case = {"settings": reminder_settings, "policy": policy, "now": now}
    bulk = BulkRows(where, reminder_settings, policy, now, sqlite=sqlite,  # type: ignore[arg-type]
                    ids=_counter("B"), created_at=created)
    plain_ids = _counter("B")
    written = 0
    for number in range(600):
        spec = {"start": 4 * 24 * 4 + 13 * (number % 5), "zone": ZONES[number % 3],
                "booked_minutes_before_now": -2000 + 31 * number, "booked_at": False,
                "disabled_type": number % 19 == 0, "patient": number % len(_PATIENTS),
                "status": (AppointmentStatus.CANCELLED if number % 23 == 0
                           else AppointmentStatus.BOOKED),
                "confirmed": number % 4 == 0, "blocked": number % 29 == 0,
                "replied_hours": (None, -240, 240)[number % 3], "same_day": number % 7 == 0}
        req = _request(case, number, spec, where)
        expected = row_tuples(plan_reminders(req), req, created, sqlite=sqlite, ids=plain_ids)
        assert bulk.rows(req) == expected
        written += len(expected)
    assert written > 300


def test_fast_ids_are_unique_increasing_and_shaped_like_new_ids() -> None:
    ids = fast_ids()
    made = [ids() for _ in range(5000)]
    assert len(set(made)) == len(made) and made == sorted(made)
    assert {len(i) for i in made} == {26} and made[0][:16] == made[-1][:16]
