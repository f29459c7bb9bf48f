"""The pipeline's storage step for a batch of inbound messages, in a fixed number of statements
whatever the batch's size: one read of the threads, one of the senders' patients (plus two to
load them when there are any), one insert of the new threads, one of the messages and one
update of the existing threads. Statements are built once, with bound parameters, so that each
execution finds them in SQLAlchemy's compiled cache. On SQLite that is two trips to the
database's thread: the two reads go as one statement, the threads' insert travels with the
messages' and the update with the next statement or the COMMIT (``Database.defer``); and the
reads and the messages' insert run on the DBAPI cursor (see the end of this module).

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
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection

from channels.envelope import Envelope
from domain.model import (
    MAX_BODY,
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
        rows = list(rows)
        sql, names, processors = _insert_sql(conn, table, key, len(rows), type(rows[0]))
        params: list[Any] = []
        for row in rows:
            for name, process in zip(names, processors, strict=True):
                value = getattr(row, name)
                if type(value) not in _AS_IS:
                    if isinstance(value, Enum):
                        value = value.value
                    elif isinstance(value, tuple | frozenset):
                        value = list(value)
                params.append(value if process is None else process(value))
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
        if type(value) not in _AS_IS:
            if isinstance(value, Enum):
                value = value.value
            elif isinstance(value, tuple | frozenset):
                value = list(value)
        values[name] = value
    return values


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
    columns = [sorted({k[i] for k in keys}) for i in range(4)]
    orgs, addresses = sorted({p[0] for p in pairs}), sorted({p[1] for p in pairs})
    sql = _threads_and_senders_sql(conn, columns, len(orgs), len(addresses))
    params = [value for column in columns for value in column] + orgs + addresses
    rows = await _raw_rows(conn, sql, params)
    processors = _thread_results(conn)
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
    found = _SHAPES.get(("thread_results",))
    if found is None:
        dialect = conn.dialect
        found = _SHAPES[("thread_results",)] = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in t.conversations.c
        ]
    return list(found)


def _convert(row: Sequence[Any], processors: list[Any]) -> list[Any]:
    return [value if process is None else process(value)
            for value, process in zip(row, processors, strict=True)]


def _insert_sql(
    conn: AsyncConnection, table: sa.Table, key: list[str], rows: int, model: type
) -> tuple[str, tuple[str, ...], list[Any]]:
    """``INSERT INTO table (...) VALUES (...), ... ON CONFLICT (key) DO NOTHING RETURNING id``
    for ``rows`` rows of ``model`` (a dataclass whose fields are columns): its SQL, the
    columns in the order of one row's values, and their bind processors."""
    shape = ("insert", table.name, rows, model)
    found = _SHAPES.get(shape)
    if found is None:
        dialect = conn.dialect
        q = dialect.identifier_preparer.quote
        fields = {f.name for f in dataclasses.fields(model)}
        columns = [c for c in table.c if c.name in fields]
        names = tuple(c.name for c in columns)
        processors = [c.type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
        one = f"({_marks(len(names))})"
        found = _SHAPES[shape] = (
            f"INSERT INTO {q(table.name)} ({', '.join(map(q, names))}) "
            f"VALUES {', '.join([one] * rows)} "
            f"ON CONFLICT ({', '.join(map(q, key))}) DO NOTHING RETURNING {q('id')}",
            names, processors)
    return found
