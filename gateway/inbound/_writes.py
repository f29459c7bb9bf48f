"""The pipeline's storage step for a batch of inbound messages, in a fixed number of statements
whatever the batch's size: one read of the threads, one of the senders' patients (plus two to
load them when there are any), one insert of the new threads, one of the messages and one
update of the existing threads. Statements are built once, with bound parameters, so that each
execution finds them in SQLAlchemy's compiled cache. On SQLite the two reads go as one
statement and run, with the inserts, on the DBAPI cursor; the update travels with the next
statement or the COMMIT (``Database.defer``). In the group commit's (locked) transactions the
read, the loading of the senders' patients and the inserts are one trip to the database's
thread (see the end of this module); otherwise two or more, the threads' insert travelling
with the messages'.

Inserts are ``INSERT ... ON CONFLICT DO NOTHING RETURNING id`` on both databases: a message
whose provider id is stored already comes back missing, which marks it a duplicate (the
durable line of the exactly-once guarantee); a thread that another process created a moment
ago comes back missing too and is read again.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import Enum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from channels.envelope import Envelope
from domain.model import (
    MAX_BODY,
    ContactPoint,
    Conversation,
    Message,
    MessageDirection,
    MessageStatus,
    Patient,
    new_id,
)
from domain.storage import tables as t
from domain.storage.database import Database
from domain.storage.repositories import PatientRepository
from domain.storage.repositories._mapping import from_row, to_values
from gateway.inbound.addresses import Target

__all__ = ["Arrival", "Stored", "store_batch", "stored_body"]

_TRUNCATED = "\n[… message shortened by Careline: the full text was too long to store]"

ThreadKey = tuple[str, str, str, str]
"""org id, channel, patient address, Careline address: the unique key of a thread."""

_c = t.conversations.c
_THREAD = sa.select(t.conversations).where(
    _c.org_id == sa.bindparam("orgs"),
    _c.channel == sa.bindparam("channels"),
    _c.patient_address == sa.bindparam("patients"),
    _c.careline_address == sa.bindparam("ours"),
)
_THREADS = sa.select(t.conversations).where(
    # One IN per column of the unique index: both databases search the index with these (a
    # row-value IN makes SQLite scan the table). The cross product is filtered in Python.
    _c.org_id.in_(sa.bindparam("orgs", expanding=True)),
    _c.channel.in_(sa.bindparam("channels", expanding=True)),
    _c.patient_address.in_(sa.bindparam("patients", expanding=True)),
    _c.careline_address.in_(sa.bindparam("ours", expanding=True)),
)
_cp = t.contact_points.c
_SENDER = (
    sa.select(_cp.org_id, _cp.value, _cp.patient_id)
    .where(_cp.org_id == sa.bindparam("orgs"), _cp.value == sa.bindparam("addresses"))
    .distinct()
)
_SENDERS = (
    sa.select(_cp.org_id, _cp.value, _cp.patient_id)
    .where(
        _cp.org_id.in_(sa.bindparam("orgs", expanding=True)),
        _cp.value.in_(sa.bindparam("addresses", expanding=True)),
    )
    .distinct()
)
_TOUCH = (
    t.conversations.update()
    .where(_c.id == sa.bindparam("thread_id"))
    .values(last_message_at=sa.bindparam("at"))
)
_THREAD_KEY = ["org_id", "channel", "patient_address", "careline_address"]
_MESSAGE_KEY = ["channel", "direction", "provider_id"]


@dataclass(frozen=True, slots=True)
class Arrival:
    """An inbound message to store: what the pipeline resolved before storing it.

    Attributes:
        thread_key: the unique key of its thread (the tied thread's, for a tied email reply).
    """

    envelope: Envelope
    target: Target
    now: datetime
    thread_key: ThreadKey = field(init=False)

    def __post_init__(self) -> None:
        tied, e = self.target.conversation, self.envelope
        key = (
            (tied.org_id, tied.channel.value, tied.patient_address, tied.careline_address)
            if tied is not None
            else (self.target.org.id, e.channel.value, e.from_address, e.to_address)
        )
        object.__setattr__(self, "thread_key", key)


@dataclass(frozen=True, slots=True)
class Stored:
    """A message as stored, its thread (created or touched) and the sender's patients."""

    conversation: Conversation
    message: Message
    patients: tuple[Patient, ...]
    created: bool


def stored_body(text: str) -> str:
    """The text as stored: long texts are shortened with a note, never refused."""
    if len(text) <= MAX_BODY:
        return text
    return text[: MAX_BODY - len(_TRUNCATED)] + _TRUNCATED


async def store_batch(
    db: Database, conn: AsyncConnection, batch: Sequence[Arrival], *, locked: bool = False
) -> list[Stored | None]:
    """Store each message of ``batch`` (creating threads as needed), in ``batch``'s order.

    Args:
        db: the database.
        conn: the transaction.
        batch: the messages.
        locked: the transaction has held the database's write lock since before its first
            read (SQLite's ``BEGIN IMMEDIATE``), so no one else can have created a thread
            since it was looked for: new threads are inserted without checking, in the trip of
            the messages' insert.

    Returns:
        For each arrival, where it was stored, or None when its provider id was stored before.
    """
    keys = {a.thread_key for a in batch}
    pairs = {(a.thread_key[0], a.envelope.from_address) for a in batch}
    if locked and _is_sqlite(conn) and db.can_run_on_worker(conn):  # one trip (end of module)
        return await _store_on_worker(db, conn, batch, keys, pairs)
    if _is_sqlite(conn):  # both reads in one statement: one trip to the database's thread
        threads, sender_ids = await _threads_and_senders(conn, keys, pairs)
    else:
        threads, sender_ids = await _threads(conn, keys), await _senders(conn, pairs)
    patients = await _patients(conn, sender_ids)
    fresh = _new_threads(batch, threads, patients)
    created: set[str] = set()
    if fresh and locked:
        insert = _insert_ignoring(conn, t.conversations, _THREAD_KEY, returning=False)
        await db.defer(conn, insert, [_values(thread) for thread in fresh.values()])
        created = {thread.id for thread in fresh.values()}
        threads |= fresh
    elif fresh:
        created = await _insert_returning(conn, t.conversations, _THREAD_KEY, fresh.values())
        if len(created) < len(fresh):  # another process created some a moment ago
            threads |= await _threads(conn, {k for k, c in fresh.items() if c.id not in created})
        threads |= {k: c for k, c in fresh.items() if c.id in created}
    messages = [_message(a, threads[a.thread_key]) for a in batch]
    inserted = await _insert_returning(conn, t.messages, _MESSAGE_KEY, messages)
    return await _answer(db, conn, batch, _Written(threads, created, messages, inserted),
                         patients)


@dataclass(frozen=True, slots=True)
class _Written:
    """What the inserts did: the batch's threads by key (found or new), the ids of the threads
    created, the batch's messages in order and the ids of those inserted (not duplicates)."""

    threads: dict[ThreadKey, Conversation]
    created: set[str]
    messages: list[Message]
    inserted: set[str]


async def _answer(
    db: Database, conn: AsyncConnection, batch: Sequence[Arrival], written: _Written,
    patients: dict[tuple[str, str], tuple[Patient, ...]],
) -> list[Stored | None]:
    """Each arrival's outcome; the existing threads' last message time is updated (deferred)."""
    threads, created = written.threads, written.created
    inserted, messages = written.inserted, written.messages
    out: list[Stored | None] = []
    touched: list[dict[str, Any]] = []
    opened: set[str] = set()  # threads whose first message is in this batch
    for arrival, message in zip(batch, messages, strict=True):
        if message.id not in inserted:
            out.append(None)
            continue
        thread = threads[arrival.thread_key]
        new = thread.id in created and thread.id not in opened
        opened.add(thread.id)
        if not new:
            touched.append({"thread_id": thread.id, "at": arrival.now})
            thread = replace(thread, last_message_at=arrival.now)
        key = (thread.org_id, arrival.envelope.from_address)
        out.append(Stored(thread, message, patients.get(key, ()), new))
    await db.defer(conn, _TOUCH, touched)  # with the next statement (or the COMMIT)
    return out


SenderIds = dict[tuple[str, str], set[str]]
"""The ids of the patients having each sender's address, by (org id, address)."""


async def _threads(conn: AsyncConnection, keys: set[ThreadKey]) -> dict[ThreadKey, Conversation]:
    if not keys:
        return {}
    if _is_sqlite(conn):
        return (await _threads_and_senders(conn, keys, set()))[0]
    names = ("orgs", "channels", "patients", "ours")
    params: dict[str, Any]
    if len(keys) == 1:  # the usual case when traffic is light: a plain indexed lookup
        statement, params = _THREAD, dict(zip(names, next(iter(keys)), strict=True))
    else:
        columns = [sorted({k[i] for k in keys}) for i in range(4)]
        statement, params = _THREADS, dict(zip(names, columns, strict=True))
    return _found_threads((await conn.execute(statement, params)).mappings().all(), keys)


def _found_threads(
    rows: Sequence[Mapping[Any, Any]], keys: set[ThreadKey]
) -> dict[ThreadKey, Conversation]:
    found: dict[ThreadKey, Conversation] = {}
    for row in rows:
        key = (row["org_id"], row["channel"], row["patient_address"], row["careline_address"])
        if key in keys:
            found[key] = from_row(Conversation, row)
    return found


async def _senders(conn: AsyncConnection, pairs: set[tuple[str, str]]) -> SenderIds:
    orgs, addresses = sorted({p[0] for p in pairs}), sorted({p[1] for p in pairs})
    if len(pairs) == 1:
        rows = await conn.execute(_SENDER, {"orgs": orgs[0], "addresses": addresses[0]})
    else:
        rows = await conn.execute(_SENDERS, {"orgs": orgs, "addresses": addresses})
    return _sender_ids(rows.all(), pairs)


def _sender_ids(rows: Sequence[Sequence[Any]], pairs: set[tuple[str, str]]) -> SenderIds:
    ids: SenderIds = defaultdict(set)
    for org_id, address, patient_id in rows:
        if (org_id, address) in pairs:
            ids[(org_id, address)].add(patient_id)
    return ids


async def _patients(
    conn: AsyncConnection, ids: SenderIds
) -> dict[tuple[str, str], tuple[Patient, ...]]:
    """The patients having each sender's address among their contacts, by (org id, address),
    in the order of ``PatientRepository.find_by_address``."""
    if not ids:
        return {}
    loaded = await PatientRepository(conn).get_many({i for group in ids.values() for i in group})
    return _by_sender(ids, loaded)


def _by_sender(
    ids: SenderIds, loaded: Mapping[str, Patient]
) -> dict[tuple[str, str], tuple[Patient, ...]]:
    return {
        pair: tuple(sorted((loaded[i] for i in group if i in loaded),
                           key=lambda p: (p.placeholder, p.last_name, p.first_name)))
        for pair, group in ids.items()
    }


def _new_threads(
    batch: Sequence[Arrival],
    threads: dict[ThreadKey, Conversation],
    patients: dict[tuple[str, str], tuple[Patient, ...]],
) -> dict[ThreadKey, Conversation]:
    fresh: dict[ThreadKey, Conversation] = {}
    for arrival in batch:
        key = arrival.thread_key
        if key in threads or key in fresh:
            continue
        org_id, _, patient_address, careline_address = key
        senders = patients.get((org_id, arrival.envelope.from_address), ())
        only = senders[0] if len(senders) == 1 else None
        fresh[key] = Conversation(
            id=new_id(), org_id=org_id, channel=arrival.envelope.channel,
            patient_address=patient_address, careline_address=careline_address,
            patient_id=only.id if only else None,
            facility_id=only.primary_facility_id if only else None,
            created_at=arrival.now, last_message_at=arrival.now, unread=False,
        )
    return fresh


def _message(arrival: Arrival, thread: Conversation) -> Message:
    envelope = arrival.envelope
    return Message(
        id=new_id(),
        org_id=thread.org_id,
        conversation_id=thread.id,
        direction=MessageDirection.INBOUND,
        channel=envelope.channel,
        body=stored_body(envelope.text),
        status=MessageStatus.RECEIVED,
        created_at=arrival.now,
        media=envelope.media,
        provider_id=envelope.provider_message_id,
    )


async def _insert_returning(
    conn: AsyncConnection, table: sa.Table, key: list[str], rows: Any
) -> set[str]:
    """Insert ``rows`` (model dataclasses) skipping those whose ``key`` exists; the ids of the
    rows inserted."""
    if _is_sqlite(conn):
        sql, params = _raw_insert(conn.dialect, table, key, list(rows))
        return {row[0] for row in await _raw_rows(conn, sql, params)}
    values = [_values(row) for row in rows]
    statement = _insert_ignoring(conn, table, key)
    # One row: a plain execution, cheaper than SQLAlchemy's many-rows ("insertmanyvalues") path.
    result = await conn.execute(statement, values[0] if len(values) == 1 else values)
    return set(result.scalars())


_FIELDS: dict[type, tuple[str, ...]] = {}
_AS_IS = frozenset({str, type(None), bool, int, float, datetime, dict, list})


def _values(row: Any) -> dict[str, Any]:
    """``to_values(row)`` (enums as their values, tuples as lists), faster: the field names are
    looked up once per class and plain values pass on their type alone (this runs for every
    message)."""
    names = _FIELDS.get(type(row))
    if names is None:
        names = _FIELDS[type(row)] = tuple(to_values(row))
    values: dict[str, Any] = {}
    for name in names:
        value = getattr(row, name)
        values[name] = value if type(value) in _AS_IS else _plain(value)
    return values


def _plain(value: Any) -> Any:
    """A model value as a column takes it: an enum's value, a tuple or set as a list."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, tuple | frozenset):
        return list(value)
    return value


_INSERTS: dict[tuple[str, str, bool], Any] = {}


def _insert_ignoring(
    conn: AsyncConnection, table: sa.Table, key: list[str], *, returning: bool = True
) -> Any:
    """``INSERT ... ON CONFLICT (key) DO NOTHING [RETURNING id]``, built once per dialect."""
    dialect = conn.dialect.name
    statement = _INSERTS.get((dialect, table.name, returning))
    if statement is None:
        if dialect == "postgresql":
            from sqlalchemy.dialects import postgresql

            statement = postgresql.insert(table).on_conflict_do_nothing(index_elements=key)
        else:
            from sqlalchemy.dialects import sqlite

            statement = sqlite.insert(table).on_conflict_do_nothing(index_elements=key)
        if returning:
            statement = statement.returning(table.c.id)
        _INSERTS[(dialect, table.name, returning)] = statement
    return statement


# -- SQLite: the same statements through the DBAPI cursor -----------------------------------
#
# On SQLite the reads (as one statement) and the messages' insert run on the connection's
# DBAPI cursor, with their SQL built once per shape (the length of each IN list, the number
# of rows inserted) and the column
# types' own bind and result processors (``dialect_impl``), so the values stored and read are
# the ones SQLAlchemy's execution would store and read; what is left out is its per-execution
# work (cache key, execution context, result object), which on SQLite cost more than the
# database did. They run in the connection's transaction like any statement, after whatever
# the one-trip adapter holds back (BEGIN, savepoints, deferred writes).
# tests/gateway/inbound/test_sqlite_raw_writes.py checks both paths store the same rows.

_SHAPES: dict[tuple[Any, ...], Any] = {}
_THREAD_COLUMNS = tuple(c.name for c in t.conversations.c)


def _is_sqlite(conn: AsyncConnection) -> bool:
    return conn.dialect.name == "sqlite"


async def _raw_rows(conn: AsyncConnection, sql: str, params: Sequence[Any]) -> list[Any]:
    """The rows of ``sql`` executed on ``conn``'s DBAPI cursor, in its transaction."""
    if not conn.in_transaction():
        await conn.begin()  # so that SQLAlchemy commits or rolls back what this writes
    return await conn.run_sync(_execute_on_cursor, sql, params)


def _execute_on_cursor(sync: Connection, sql: str, params: Sequence[Any]) -> list[Any]:
    """Run on the connection's DBAPI cursor; a database error is raised as SQLAlchemy would
    raise it (``IntegrityError`` and friends, wrapping the driver's)."""
    dbapi = sync.connection.dbapi_connection
    assert dbapi is not None  # the connection is open: it is in a transaction
    values = tuple(params)
    cursor = dbapi.cursor()
    try:
        cursor.execute(sql, values)
        return list(cursor.fetchall())
    except sync.dialect.loaded_dbapi.Error as error:
        raise sa.exc.DBAPIError.instance(
            sql, values, error, sync.dialect.loaded_dbapi.Error,
            hide_parameters=sync.engine.hide_parameters, dialect=sync.dialect,
        ) from error
    finally:
        cursor.close()


async def _threads_and_senders(
    conn: AsyncConnection, keys: set[ThreadKey], pairs: set[tuple[str, str]]
) -> tuple[dict[ThreadKey, Conversation], SenderIds]:
    """``_THREADS`` and ``_SENDERS`` in one statement (``UNION ALL``, the first column telling
    which rows are which): the threads of ``keys`` and the patients of ``pairs``' senders."""
    if not keys:
        return {}, {}
    sql, params = _read_statement(conn, keys, pairs)
    rows = await _raw_rows(conn, sql, params)
    return _read_rows(rows, keys, pairs, _thread_results(conn))


def _read_statement(
    conn: AsyncConnection, keys: set[ThreadKey], pairs: set[tuple[str, str]]
) -> tuple[str, list[Any]]:
    """The SQL and parameters of :func:`_threads_and_senders` (``keys`` not empty)."""
    columns = [sorted({k[i] for k in keys}) for i in range(4)]
    orgs, addresses = sorted({p[0] for p in pairs}), sorted({p[1] for p in pairs})
    sql = _threads_and_senders_sql(conn, columns, len(orgs), len(addresses))
    return sql, [value for column in columns for value in column] + orgs + addresses


def _read_rows(
    rows: Sequence[Sequence[Any]], keys: set[ThreadKey], pairs: set[tuple[str, str]],
    processors: list[Any],
) -> tuple[dict[ThreadKey, Conversation], SenderIds]:
    """The threads and the senders' patients' ids in the rows of :func:`_read_statement`."""
    threads = [dict(zip(_THREAD_COLUMNS, _convert(row[1:], processors), strict=True))
               for row in rows if row[0] == 0]
    senders = [row[1:4] for row in rows if row[0] == 1]
    return _found_threads(threads, keys), _sender_ids(senders, pairs)


def _marks(count: int) -> str:
    return ", ".join("?" * count)


def _threads_and_senders_sql(
    conn: AsyncConnection, columns: list[list[str]], orgs: int, addresses: int
) -> str:
    """The SQL of :func:`_threads_and_senders` for these lengths of its IN lists (no senders'
    part without senders). The threads are searched with one IN per column of their unique
    index, which SQLite searches (a row-value IN would scan the table); the cross product
    is filtered by the caller."""
    shape = ("read", *(len(c) for c in columns), orgs, addresses)
    sql = _SHAPES.get(shape)
    if sql is None:
        q = conn.dialect.identifier_preparer.quote
        names = ("org_id", "channel", "patient_address", "careline_address")
        where = " AND ".join(f"{q(n)} IN ({_marks(len(c))})"
                             for n, c in zip(names, columns, strict=True))
        sql = f"SELECT 0, {', '.join(map(q, _THREAD_COLUMNS))} FROM conversations WHERE {where}"
        if orgs and addresses:
            padding = ", NULL" * (len(_THREAD_COLUMNS) - 3)
            sql += (f" UNION ALL SELECT DISTINCT 1, {q('org_id')}, {q('value')}, "
                    f"{q('patient_id')}{padding} FROM contact_points "
                    f"WHERE {q('org_id')} IN ({_marks(orgs)}) "
                    f"AND {q('value')} IN ({_marks(addresses)})")
        _SHAPES[shape] = sql
    return str(sql)


def _thread_results(conn: AsyncConnection) -> list[Any]:
    """The result processors of the conversations' columns (None: the value as it comes)."""
    return _results(conn.dialect, t.conversations)


def _results(dialect: Dialect, table: sa.Table) -> list[Any]:
    """The result processors of ``table``'s columns (None: the value as it comes)."""
    found = _SHAPES.get(("results", table.name))
    if found is None:
        found = _SHAPES[("results", table.name)] = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in table.c
        ]
    return list(found)


def _convert(row: Sequence[Any], processors: list[Any]) -> list[Any]:
    return [value if process is None else process(value)
            for value, process in zip(row, processors, strict=True)]


def _raw_insert(
    dialect: Dialect, table: sa.Table, key: list[str], rows: Sequence[Any], *,
    returning: bool = True,
) -> tuple[str, list[Any]]:
    """The SQL and parameters of :func:`_insert_sql` for ``rows`` (model dataclasses, at least
    one), each value as SQLAlchemy would bind it."""
    sql, names, processors = _insert_sql(dialect, table, key, len(rows), type(rows[0]),
                                         returning=returning)
    params: list[Any] = []
    for row in rows:
        for name, process in zip(names, processors, strict=True):
            value = getattr(row, name)
            if type(value) not in _AS_IS:
                value = _plain(value)
            params.append(value if process is None else process(value))
    return sql, params


def _insert_sql(
    dialect: Dialect, table: sa.Table, key: list[str], rows: int, model: type, *,
    returning: bool = True,
) -> tuple[str, tuple[str, ...], list[Any]]:
    """``INSERT INTO table (...) VALUES (...), ... ON CONFLICT (key) DO NOTHING [RETURNING id]``
    for ``rows`` rows of ``model`` (a dataclass whose fields are columns): its SQL, the
    columns in the order of one row's values, and their bind processors."""
    shape = ("insert", table.name, rows, model, returning)
    found = _SHAPES.get(shape)
    if found is None:
        q = dialect.identifier_preparer.quote
        fields = {f.name for f in dataclasses.fields(model)}
        columns = [c for c in table.c if c.name in fields]
        names = tuple(c.name for c in columns)
        processors = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
        one = f"({_marks(len(names))})"
        found = _SHAPES[shape] = (
            f"INSERT INTO {q(table.name)} ({', '.join(map(q, names))}) "
            f"VALUES {', '.join([one] * rows)} "
            f"ON CONFLICT ({', '.join(map(q, key))}) DO NOTHING"
            + (f" RETURNING {q('id')}" if returning else ""),
            names, processors)
    return found


# -- SQLite, locked: the read and the inserts in one trip -------------------------------------
#
# In the group commit's transactions (locked from their BEGIN IMMEDIATE) the read, the choice
# of new threads and messages, and the inserts run as one function on aiosqlite's thread
# (``Database.run_on_worker``): one wake-up of that thread for the whole storing step instead
# of one per statement. The senders' patients, when there are any, are loaded there too,
# between the read and the inserts (they decide a new thread's patient), by the statements of
# ``PatientRepository.get_many``. The Python run there is plain (no event loop, no
# SQLAlchemy connection); the values stored and read are those of the path above
# (tests/gateway/inbound/test_sqlite_raw_writes.py compares them).


@dataclass(frozen=True, slots=True)
class _Plan:
    """What the worker's functions need, prepared on the event loop."""

    batch: Sequence[Arrival]
    keys: set[ThreadKey]
    pairs: set[tuple[str, str]]
    read: tuple[str, list[Any]]
    thread_results: list[Any]
    dialect: Dialect
    patient_results: list[Any]
    contact_results: list[Any]


async def _store_on_worker(
    db: Database, conn: AsyncConnection, batch: Sequence[Arrival], keys: set[ThreadKey],
    pairs: set[tuple[str, str]],
) -> list[Stored | None]:
    dialect = conn.dialect
    plan = _Plan(batch, keys, pairs, _read_statement(conn, keys, pairs), _thread_results(conn),
                 dialect, _results(dialect, t.patients), _results(dialect, t.contact_points))
    written, patients = await db.run_on_worker(conn, _store_here, plan)
    return await _answer(db, conn, batch, written, patients)


def _fetch(sqlite: Any, sql: str, params: Sequence[Any]) -> list[Any]:
    cursor = sqlite.execute(sql, tuple(params))
    try:
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _store_here(
    sqlite: Any, plan: _Plan
) -> tuple[_Written, dict[tuple[str, str], tuple[Patient, ...]]]:
    """On aiosqlite's thread: the read, the senders' patients, the inserts."""
    threads, sender_ids = _read_rows(_fetch(sqlite, *plan.read), plan.keys, plan.pairs,
                                     plan.thread_results)
    patients = {}
    if sender_ids:
        patients = _by_sender(sender_ids, _patients_here(sqlite, plan, sender_ids))
    return _insert_here(sqlite, plan, threads, patients), patients


def _patients_here(sqlite: Any, plan: _Plan, ids: SenderIds) -> dict[str, Patient]:
    """``PatientRepository.get_many`` on the thread: the patients, then their contacts in
    order of position."""
    wanted = list({i for group in ids.values() for i in group})
    q = plan.dialect.identifier_preparer.quote
    columns = [c.name for c in t.patients.c]
    rows = [dict(zip(columns, _convert(row, plan.patient_results), strict=True))
            for row in _fetch(sqlite, f"SELECT {', '.join(map(q, columns))} FROM patients "
                                      f"WHERE {q('id')} IN ({_marks(len(wanted))})", wanted)]
    if not rows:
        return {}
    found = [row["id"] for row in rows]
    contact_columns = [c.name for c in t.contact_points.c]
    contacts: dict[str, list[ContactPoint]] = defaultdict(list)
    for row in _fetch(sqlite, f"SELECT {', '.join(map(q, contact_columns))} FROM contact_points "
                              f"WHERE {q('patient_id')} IN ({_marks(len(found))}) "
                              f"ORDER BY {q('position')}", found):
        contact = dict(zip(contact_columns, _convert(row, plan.contact_results), strict=True))
        contacts[contact["patient_id"]].append(from_row(ContactPoint, contact))
    return {r["id"]: from_row(Patient, r, contacts=tuple(contacts[r["id"]])) for r in rows}


def _insert_here(
    sqlite: Any, plan: _Plan, threads: dict[ThreadKey, Conversation],
    patients: dict[tuple[str, str], tuple[Patient, ...]],
) -> _Written:
    """On aiosqlite's thread: insert the new threads (without checking: the transaction holds
    the write lock since before the read) and the messages."""
    fresh = _new_threads(plan.batch, threads, patients)
    if fresh:
        _fetch(sqlite, *_raw_insert(plan.dialect, t.conversations, _THREAD_KEY,
                                    list(fresh.values()), returning=False))
        threads = threads | fresh
    messages = [_message(a, threads[a.thread_key]) for a in plan.batch]
    rows = _fetch(sqlite, *_raw_insert(plan.dialect, t.messages, _MESSAGE_KEY, messages))
    return _Written(threads, {thread.id for thread in fresh.values()}, messages,
                    {row[0] for row in rows})
