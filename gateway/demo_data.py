"""A synthetic clinic network for trying Careline: made up, reproducible with a seed.

Phone numbers are in the 555-01XX range reserved for fiction; email addresses use the
example.com/.org/.net domains reserved for documentation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from argon2 import PasswordHasher

from domain.model import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    ContactKind,
    ContactPoint,
    ContactValidity,
    Facility,
    Group,
    OpenSlot,
    Organization,
    Patient,
    Provider,
    ResourceFlags,
    Role,
    StaffUser,
    new_id,
)
from domain.org_settings import MessagingSettings, OrgSettings
from domain.storage.database import Database
from domain.storage.repositories import (
    AppointmentRepository,
    PatientRepository,
    PracticeRepository,
    StaffRepository,
)

__all__ = ["DEMO_PASSWORD", "DEMO_SMS_NUMBER", "DemoData", "build_demo", "load_demo"]

DEMO_SMS_NUMBER = "+18885550123"
"""The number the demo clinic's patients text (the simulator's Careline number)."""

DEMO_PASSWORD = "careline-demo"
"""Password of the demo staff accounts (documented in the README; demo only)."""

_AREA_CODES = ("212", "312", "303", "415", "617", "713")

_FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "en": ("Avery", "Jordan", "Morgan", "Riley", "Casey", "Taylor", "Quinn", "Harper", "Rowan"),
    "es": ("Lucía", "Mateo", "Valentina", "Santiago", "Camila", "Diego", "Isabela", "Tomás"),
    "pt": ("João", "Beatriz", "Gabriel", "Larissa", "Rafael", "Mariana"),
    "fr": ("Élodie", "Théo", "Camille", "Hugo", "Manon"),
    "ht": ("Jean", "Nadège", "Wilner", "Mirlande", "Ricot"),
    "vi": ("Minh", "Lan", "Huy", "Thảo", "Quang"),
    "zh": ("Wei", "Mei", "Jun", "Xiu", "Lei"),
    "ko": ("Ji-woo", "Min-jun", "Seo-yeon", "Ha-eun"),
    "ru": ("Anya", "Dmitri", "Olga", "Pavel"),
    "ar": ("Layla", "Omar", "Yara", "Karim"),
    "tl": ("Maricel", "Jomar", "Liza", "Rodel"),
    "pl": ("Zofia", "Kacper", "Agnieszka"),
}
_LAST_NAMES = (
    "Alder",
    "Birchwood",
    "Calloway",
    "Dunmore",
    "Ellery",
    "Fairbanks",
    "Greaves",
    "Hollis",
    "Ingram",
    "Jessup",
    "Kettering",
    "Lockhart",
    "Merriweather",
    "Northcott",
    "Oakley",
    "Pemberton",
    "Quimby",
    "Ravenscroft",
    "Sallow",
    "Thorne",
    "Underhill",
    "Vance",
    "Whitlock",
    "Yardley",
    "Zeller",
    "Okafor",
    "Nguyen-Tran",
    "Castellanos",
    "Moreau",
    "Kowalczyk",
)
# Roughly the language mix of a large US clinic network.
_LANGUAGE_WEIGHTS = {
    "en": 60,
    "es": 18,
    "pt": 3,
    "fr": 2,
    "ht": 3,
    "vi": 3,
    "zh": 3,
    "ko": 2,
    "ru": 2,
    "ar": 2,
    "tl": 1,
    "pl": 1,
}


@dataclass
class DemoData:
    organization: Organization
    facilities: list[Facility] = field(default_factory=list)
    providers: list[Provider] = field(default_factory=list)
    types: list[AppointmentType] = field(default_factory=list)
    patients: list[Patient] = field(default_factory=list)
    appointments: list[Appointment] = field(default_factory=list)
    slots: list[OpenSlot] = field(default_factory=list)
    groups: list[Group] = field(default_factory=list)
    users: list[StaffUser] = field(default_factory=list)
    provider_facility: dict[str, str] = field(default_factory=dict)


def build_demo(
    *, seed: int = 7, today: date | None = None, patients: int = 500, now: datetime | None = None
) -> DemoData:
    """The demo clinic network, the same for the same seed and day."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    today = today or now.date()
    ids = _Ids(rng)
    org_id = ids()
    org = Organization(
        id=org_id,
        name="Riverbend Health",
        phone="+18885550100",
        public_key="demo-riverbend",
        settings=OrgSettings(messaging=MessagingSettings(sms_number=DEMO_SMS_NUMBER)),
    )
    data = DemoData(organization=org)
    data.facilities = [
        Facility(
            id=ids(),
            org_id=org_id,
            name="Riverbend Downtown",
            timezone="America/New_York",
            phone="+16465550101",
            address="100 Harbor Street, New York, NY 10004",
            special_instructions="Check in at the second-floor desk.",
        ),
        Facility(
            id=ids(),
            org_id=org_id,
            name="Riverbend Lakeside",
            timezone="America/Chicago",
            phone="+17735550102",
            address="250 Shore Drive, Chicago, IL 60601",
            special_instructions="Free parking in the lot behind the building.",
        ),
        Facility(
            id=ids(),
            org_id=org_id,
            name="Riverbend Foothills",
            timezone="America/Denver",
            phone="+17205550103",
            address="75 Mesa Road, Denver, CO 80202",
            special_instructions="Please bring your insurance card.",
        ),
    ]
    provider_names = [
        ("Dr. Imani Brooks", "MD"),
        ("Dr. Felix Arroyo", "MD"),
        ("Dr. Hana Sato", "DO"),
        ("Dr. Oren Castell", "MD"),
        ("Priya Raman", "NP"),
        ("Dr. Leona Marsh", "MD"),
        ("Samuel Otieno", "PA"),
        ("Dr. Greta Lindqvist", "MD"),
        ("Dr. Tomasz Wren", "DDS"),
        ("Noor Haddad", "NP"),
    ]
    for index, (name, title) in enumerate(provider_names):
        provider = Provider(
            id=ids(),
            org_id=org_id,
            name=name,
            title=title,
            flags=ResourceFlags(reschedule=index != 8),
        )
        data.providers.append(provider)
        data.provider_facility[provider.id] = data.facilities[index % 3].id
    data.types = [
        AppointmentType(
            id=ids(),
            org_id=org_id,
            name="New patient visit",
            duration_minutes=60,
            special_instructions="Please arrive 15 minutes early to fill in forms.",
        ),
        AppointmentType(id=ids(), org_id=org_id, name="Follow-up", duration_minutes=20),
        AppointmentType(
            id=ids(),
            org_id=org_id,
            name="Annual physical",
            duration_minutes=40,
            special_instructions="Nothing to eat or drink for 8 hours before.",
        ),
        AppointmentType(id=ids(), org_id=org_id, name="Lab draw", duration_minutes=15, hidden=True),
        AppointmentType(
            id=ids(),
            org_id=org_id,
            name="Vaccination",
            duration_minutes=15,
            flags=ResourceFlags(reminders=True, waitlist=False),
        ),
    ]
    data.patients = [_patient(rng, ids, org_id, i, data.facilities, now) for i in range(patients)]
    _schedule(rng, ids, data, today, now)
    _staff(ids, data, now)
    return data


class _Ids:
    """Reproducible ids in the same 26-character layout as real ones."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.counter = 0

    def __call__(self) -> str:
        self.counter += 1
        stamp = 1_700_000_000_000 + self.counter
        return new_id(stamp)[:10] + "".join(
            self.rng.choice("0123456789ABCDEFGHJKMNPQRSTVWXYZ") for _ in range(16)
        )


def _patient(
    rng: random.Random,
    ids: _Ids,
    org_id: str,
    index: int,
    facilities: list[Facility],
    now: datetime,
) -> Patient:
    language = rng.choices(list(_LANGUAGE_WEIGHTS), weights=list(_LANGUAGE_WEIGHTS.values()))[0]
    first = rng.choice(_FIRST_NAMES[language])
    last = rng.choice(_LAST_NAMES)
    area = _AREA_CODES[index // 100 % len(_AREA_CODES)]
    number = f"+1{area}5550{100 + index % 100:03d}"[:12]
    mix = rng.random()
    contacts: list[ContactPoint] = []
    if mix < 0.75:
        contacts.append(
            ContactPoint(
                kind=ContactKind.SMS,
                value=number,
                preferred=True,
                validity=ContactValidity.VALID,
                validated_at=now,
            )
        )
    elif mix < 0.85:
        contacts.append(
            ContactPoint(
                kind=ContactKind.VOICE,
                value=number,
                label="home",
                preferred=True,
                validity=ContactValidity.LANDLINE,
                validated_at=now,
            )
        )
    if mix > 0.55:
        slug = f"{first}.{last}.{index}".lower().replace(" ", "").encode("ascii", "ignore")
        domain = ("example.com", "example.org", "example.net")[index % 3]
        contacts.append(
            ContactPoint(
                kind=ContactKind.EMAIL,
                value=f"{slug.decode()}@{domain}",
                label="home",
                preferred=not contacts,
            )
        )
    birth = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 365 * 80))
    return Patient(
        id=ids(),
        org_id=org_id,
        first_name=first,
        last_name=last,
        date_of_birth=birth,
        mrn=f"MRN{100000 + index}",
        preferred_language=language,
        contacts=tuple(contacts),
        primary_facility_id=facilities[index % 3].id,
    )


def _schedule(rng: random.Random, ids: _Ids, data: DemoData, today: date, now: datetime) -> None:
    """Two weeks of weekday appointments, 9:00-16:00 local, plus a few open slots."""
    org_id = data.organization.id
    facilities = {f.id: f for f in data.facilities}
    bookable = [t for t in data.types]
    for day_offset in range(0, 15):
        day = today + timedelta(days=day_offset)
        if day.weekday() >= 5:
            continue
        for provider in data.providers:
            facility = facilities[data.provider_facility[provider.id]]
            zone = ZoneInfo(facility.timezone)
            minute = 9 * 60
            while minute < 16 * 60:
                kind = rng.choice(bookable)
                start = datetime.combine(day, time(minute // 60, minute % 60), zone)
                if rng.random() < 0.12:
                    data.slots.append(
                        OpenSlot(
                            id=ids(),
                            org_id=org_id,
                            facility_id=facility.id,
                            provider_id=provider.id,
                            type_id=kind.id,
                            start=start.astimezone(UTC),
                            duration_minutes=kind.duration_minutes,
                            created_at=now,
                        )
                    )
                elif rng.random() < 0.75:
                    patient = rng.choice(data.patients)
                    data.appointments.append(
                        Appointment(
                            id=ids(),
                            org_id=org_id,
                            patient_id=patient.id,
                            facility_id=facility.id,
                            provider_id=provider.id,
                            type_id=kind.id,
                            start=start.astimezone(UTC),
                            duration_minutes=kind.duration_minutes,
                            status=AppointmentStatus.BOOKED,
                            created_at=now - timedelta(days=rng.randrange(1, 40)),
                            updated_at=now,
                        )
                    )
                minute += max(kind.duration_minutes, 30)


def _staff(ids: _Ids, data: DemoData, now: datetime) -> None:
    org_id = data.organization.id
    hasher = PasswordHasher()
    password = hasher.hash(DEMO_PASSWORD)
    for facility in data.facilities:
        data.groups.append(
            Group(
                id=ids(),
                org_id=org_id,
                name=f"{facility.name} front desk",
                facility_ids=frozenset({facility.id}),
            )
        )
    east, central, mountain = data.groups
    people = [
        ("admin@riverbend.example", "Alex Admin", Role.ADMIN, frozenset()),
        (
            "manager@riverbend.example",
            "Morgan Manager",
            Role.MANAGER,
            frozenset({east.id, central.id}),
        ),
        ("downtown@riverbend.example", "Dana Downtown", Role.STAFF, frozenset({east.id})),
        ("lakeside@riverbend.example", "Lee Lakeside", Role.STAFF, frozenset({central.id})),
        ("foothills@riverbend.example", "Frankie Foothills", Role.STAFF, frozenset({mountain.id})),
    ]
    for email, name, role, groups in people:
        data.users.append(
            StaffUser(
                id=ids(),
                org_id=org_id,
                email=email,
                name=name,
                role=role,
                password_hash=password,
                group_ids=groups,
                created_at=now,
            )
        )


async def load_demo(db: Database, data: DemoData, *, now: datetime | None = None) -> bool:
    """Write the demo network into an empty database. False (and no change) if it has data."""
    now = now or datetime.now(UTC)
    async with db.transaction() as conn:
        practice = PracticeRepository(conn)
        if await practice.organizations():
            return False
        await practice.add_organization(data.organization, now)
        for facility in data.facilities:
            await practice.add_facility(facility)
        for provider in data.providers:
            await practice.add_provider(provider)
        for kind in data.types:
            await practice.add_type(kind)
        await PatientRepository(conn).add_many(data.patients, now)
        appointments = AppointmentRepository(conn)
        await appointments.add_many(data.appointments)
        for slot in data.slots:
            await appointments.add_slot(slot)
        staff = StaffRepository(conn)
        for group in data.groups:
            await staff.add_group(group)
        for user in data.users:
            await staff.add_user(user)
    return True
