"""Decoder of PostgreSQL's ``pgoutput`` logical replication messages (protocol version 1).

``pgoutput`` is the output plugin built into PostgreSQL (10 and later) that logical
replication and Debezium's PostgreSQL connector read. Each message a replication slot sends
through a publication is one of the binary messages described in PostgreSQL's manual,
"Logical Replication Message Formats": Begin, Commit, Origin, Relation, Type, Insert, Update,
Delete, Truncate (and Message, with the ``messages`` option). Integers are big-endian,
strings are NUL-terminated, column values are sent in text form.

Plain Python, standard library only: :func:`decode` turns one message into a dataclass;
:class:`OutboxStream` follows a stream of them (relations, transactions) and turns the rows
inserted into the outbox table into :class:`OutboxEvent` objects, with the columns that
Debezium's outbox event router maps (``id``, ``aggregatetype``, ``aggregateid``, ``type``,
``payload``) and our ``idempotency_key``.
"""

import json
import struct
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

#: PostgreSQL timestamps count microseconds from 2000-01-01 00:00:00 UTC
PG_EPOCH = datetime(2000, 1, 1, tzinfo=timezone.utc)
#: the protocol version this module decodes (``proto_version`` option of the slot)
PROTO_VERSION = 1


class PgOutputError(ValueError):
    """The bytes are not a pgoutput protocol-1 message this decoder knows."""


def pg_timestamp(microseconds):
    """A PostgreSQL timestamp (microseconds since 2000-01-01 UTC) as an aware datetime."""
    return PG_EPOCH + timedelta(microseconds=microseconds)


def format_lsn(lsn):
    """An LSN as PostgreSQL prints it, e.g. ``0/16B3748``."""
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


def parse_lsn(text):
    """``0/16B3748`` -> int."""
    high, low = text.split("/")
    return (int(high, 16) << 32) + int(low, 16)


@dataclass(frozen=True)
class Begin:
    final_lsn: int
    commit_time: datetime
    xid: int


@dataclass(frozen=True)
class Commit:
    flags: int
    commit_lsn: int
    end_lsn: int
    commit_time: datetime


@dataclass(frozen=True)
class Origin:
    commit_lsn: int
    name: str


@dataclass(frozen=True)
class Column:
    name: str
    type_oid: int
    type_modifier: int
    #: part of the replica identity (the primary key by default)
    key: bool


@dataclass(frozen=True)
class Relation:
    relation_id: int
    namespace: str
    name: str
    #: ``d`` default (primary key), ``n`` nothing, ``f`` full, ``i`` index
    replica_identity: str
    columns: tuple

    @property
    def qualified_name(self):
        return f"{self.namespace}.{self.name}"


@dataclass(frozen=True)
class Type:
    type_oid: int
    namespace: str
    name: str


#: a column value that was not sent: a TOASTed value unchanged by an UPDATE
UNCHANGED_TOAST = object()


@dataclass(frozen=True)
class Insert:
    relation_id: int
    #: column values in text form (``None`` for NULL), in the relation's column order
    new: tuple


@dataclass(frozen=True)
class Update:
    relation_id: int
    new: tuple
    #: the old key (``K``, replica identity index) or old row (``O``, identity FULL), if sent
    old: tuple = None
    old_kind: str = None


@dataclass(frozen=True)
class Delete:
    relation_id: int
    old: tuple
    old_kind: str


@dataclass(frozen=True)
class Truncate:
    relation_ids: tuple
    cascade: bool
    restart_identity: bool


@dataclass(frozen=True)
class Message:
    transactional: bool
    lsn: int
    prefix: str
    content: bytes


class _Reader:
    __slots__ = ("data", "pos")

    def __init__(self, data):
        self.data = bytes(data)
        self.pos = 0

    def take(self, size):
        end = self.pos + size
        if end > len(self.data):
            raise PgOutputError(
                f"message truncated: {size} byte(s) needed at offset {self.pos}, "
                f"{len(self.data) - self.pos} left"
            )
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def unpack(self, fmt):
        values = struct.unpack(fmt, self.take(struct.calcsize(fmt)))
        return values[0] if len(values) == 1 else values

    def byte(self):
        return chr(self.take(1)[0])

    def string(self):
        end = self.data.find(b"\0", self.pos)
        if end < 0:
            raise PgOutputError(f"unterminated string at offset {self.pos}")
        text = self.data[self.pos : end].decode("utf-8")
        self.pos = end + 1
        return text

    def tuple_data(self):
        values = []
        for _ in range(self.unpack(">h")):
            kind = self.byte()
            if kind == "n":
                values.append(None)
            elif kind == "u":
                values.append(UNCHANGED_TOAST)
            elif kind == "t":
                values.append(self.take(self.unpack(">i")).decode("utf-8"))
            else:
                raise PgOutputError(
                    f"unknown column value kind {kind!r} (protocol 1 sends n, u, t)"
                )
        return tuple(values)

    def end(self, message):
        if self.pos != len(self.data):
            raise PgOutputError(
                f"{len(self.data) - self.pos} unexpected byte(s) after a {type(message).__name__}"
            )
        return message


def _begin(reader):
    final_lsn, commit_time, xid = reader.unpack(">QqI")
    return Begin(final_lsn, pg_timestamp(commit_time), xid)


def _commit(reader):
    flags, commit_lsn, end_lsn, commit_time = reader.unpack(">BQQq")
    return Commit(flags, commit_lsn, end_lsn, pg_timestamp(commit_time))


def _origin(reader):
    return Origin(reader.unpack(">Q"), reader.string())


def _relation(reader):
    relation_id = reader.unpack(">I")
    namespace = reader.string()
    name = reader.string()
    replica_identity = reader.byte()
    columns = []
    for _ in range(reader.unpack(">h")):
        flags = reader.unpack(">B")
        column_name = reader.string()
        type_oid, type_modifier = reader.unpack(">Ii")
        columns.append(Column(column_name, type_oid, type_modifier, bool(flags & 1)))
    return Relation(relation_id, namespace, name, replica_identity, tuple(columns))


def _type(reader):
    return Type(reader.unpack(">I"), reader.string(), reader.string())


def _insert(reader):
    relation_id = reader.unpack(">I")
    if reader.byte() != "N":
        raise PgOutputError("Insert without a new tuple ('N')")
    return Insert(relation_id, reader.tuple_data())


def _update(reader):
    relation_id = reader.unpack(">I")
    old = old_kind = None
    marker = reader.byte()
    if marker in ("K", "O"):
        old_kind, old = marker, reader.tuple_data()
        marker = reader.byte()
    if marker != "N":
        raise PgOutputError(f"Update without a new tuple ('N'), got {marker!r}")
    return Update(relation_id, reader.tuple_data(), old, old_kind)


def _delete(reader):
    relation_id = reader.unpack(">I")
    old_kind = reader.byte()
    if old_kind not in ("K", "O"):
        raise PgOutputError(f"Delete without an old key or row, got {old_kind!r}")
    return Delete(relation_id, reader.tuple_data(), old_kind)


def _truncate(reader):
    count, options = reader.unpack(">IB")
    relation_ids = tuple(reader.unpack(">I") for _ in range(count))
    return Truncate(relation_ids, bool(options & 1), bool(options & 2))


def _message(reader):
    flags, lsn = reader.unpack(">BQ")
    prefix = reader.string()
    content = reader.take(reader.unpack(">I"))
    return Message(bool(flags & 1), lsn, prefix, content)


#: message type byte -> reader of the rest of the message
_DECODERS = {
    "B": _begin,
    "C": _commit,
    "O": _origin,
    "R": _relation,
    "Y": _type,
    "I": _insert,
    "U": _update,
    "D": _delete,
    "T": _truncate,
    "M": _message,
}


def decode(data):
    """Decode one pgoutput (protocol 1) message, e.g. ``ReplicationMessage.payload``."""
    reader = _Reader(data)
    if not reader.data:
        raise PgOutputError("empty message")
    kind = reader.byte()
    decoder = _DECODERS.get(kind)
    if decoder is None:
        raise PgOutputError(
            f"unknown pgoutput message type {kind!r} (this decoder reads protocol version 1: "
            "start the slot with proto_version '1' and without streaming)"
        )
    return reader.end(decoder(reader))


@dataclass(frozen=True)
class OutboxEvent:
    """One row inserted into the outbox table, as a consumer (Debezium's router) sees it."""

    #: the outbox row's primary key (Debezium's ``table.field.event.id`` in our config is
    #: the idempotency key; ``id`` orders the events of one transaction)
    id: int
    aggregatetype: str
    aggregateid: str
    type: str
    payload: object
    idempotency_key: str
    correlation_id: str
    company_id: int
    #: the transaction that wrote the row (``Begin.xid``) and its commit
    xid: int
    commit_lsn: int
    commit_time: datetime
    #: every column of the row, in text form
    row: dict = field(repr=False, compare=False)


class OutboxStream:
    """Follow a pgoutput stream and collect the rows inserted into the outbox table.

    Feed it the decoded messages in order (:meth:`feed`); it returns the events of each
    transaction when its Commit arrives, so that a consumer never sees a half transaction.
    Updates, deletes and truncates of the outbox table are counted in :attr:`ignored` (the
    publication we ship publishes inserts only, so there are none).
    """

    def __init__(self, table="public.scope3_outbox_event"):
        self.table = table
        self.relations = {}
        self.ignored = []
        self._begin = None
        self._pending = []

    @property
    def in_transaction(self):
        """True between a Begin and its Commit."""
        return self._begin is not None

    def feed(self, message):
        """Take one decoded message; return the list of events committed by it (or [])."""
        if isinstance(message, Relation):
            self.relations[message.relation_id] = message
        elif isinstance(message, Begin):
            if self._begin is not None:
                raise PgOutputError("Begin inside a transaction")
            self._begin = message
            self._pending = []
        elif isinstance(message, Commit):
            if self._begin is None:
                raise PgOutputError("Commit without Begin")
            events = [
                OutboxEvent(**{**event, "commit_lsn": message.commit_lsn})
                for event in self._pending
            ]
            self._begin = None
            self._pending = []
            return events
        elif isinstance(message, Insert):
            relation = self._relation(message.relation_id)
            if relation.qualified_name == self.table:
                self._pending.append(self._event(relation, message.new))
        elif isinstance(message, Update | Delete | Truncate):
            self.ignored.append(message)
        return []

    def _relation(self, relation_id):
        try:
            return self.relations[relation_id]
        except KeyError:
            raise PgOutputError(
                f"row of relation {relation_id} before its Relation message"
            ) from None

    def _event(self, relation, values):
        if self._begin is None:
            raise PgOutputError("row change outside a transaction")
        row = {column.name: value for column, value in zip(relation.columns, values, strict=True)}
        payload = row.get("payload")
        return {
            "id": int(row["id"]),
            "aggregatetype": row["aggregatetype"],
            "aggregateid": row["aggregateid"],
            "type": row["type"],
            "payload": json.loads(payload) if payload is not None else None,
            "idempotency_key": row["idempotency_key"],
            "correlation_id": row.get("correlation_id"),
            "company_id": int(row["company_id"]) if row.get("company_id") else None,
            "xid": self._begin.xid,
            "commit_lsn": None,
            "commit_time": self._begin.commit_time,
            "row": row,
        }
