"""Unit tests of the pgoutput decoder (scripts/outbox_stream_pgoutput.py).

The messages are laid out byte by byte as PostgreSQL's manual describes them ("Logical
Replication Message Formats", protocol version 1): big-endian integers, NUL-terminated
strings, column values in text form. tests/test_outbox_stream.py decodes a real server's
stream with the same module.
"""

import pathlib
import struct
import sys
from datetime import datetime, timezone

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "scripts"))

from outbox_stream_pgoutput import (  # noqa: E402 - scripts/ is put on the path above
    UNCHANGED_TOAST,
    Begin,
    Column,
    Commit,
    Delete,
    Insert,
    Message,
    Origin,
    OutboxStream,
    PgOutputError,
    Truncate,
    Type,
    Update,
    decode,
    format_lsn,
    parse_lsn,
)

# 2026-12-02 12:00:00 UTC in microseconds since 2000-01-01 UTC
TS = (
    int(
        (
            datetime(2026, 12, 2, 12, tzinfo=timezone.utc)
            - datetime(2000, 1, 1, tzinfo=timezone.utc)
        ).total_seconds()
    )
    * 10**6
)
WHEN = datetime(2026, 12, 2, 12, tzinfo=timezone.utc)


def s(text):
    return text.encode() + b"\0"


def tuple_data(*values):
    out = struct.pack(">h", len(values))
    for value in values:
        if value is None:
            out += b"n"
        elif value is UNCHANGED_TOAST:
            out += b"u"
        else:
            raw = value.encode()
            out += b"t" + struct.pack(">i", len(raw)) + raw
    return out


OUTBOX_COLUMNS = (
    "id",
    "aggregatetype",
    "aggregateid",
    "type",
    "payload",
    "idempotency_key",
    "correlation_id",
    "company_id",
    "state",
)


def relation_message(relid=16400, columns=OUTBOX_COLUMNS):
    out = b"R" + struct.pack(">I", relid) + s("public") + s("scope3_outbox_event") + b"d"
    out += struct.pack(">h", len(columns))
    for name in columns:
        out += (
            struct.pack(">B", 1 if name == "id" else 0)
            + s(name)
            + struct.pack(">Ii", 23 if name == "id" else 1043, -1)
        )
    return out


def begin_message(xid=750, final_lsn=0x16B3748):
    return b"B" + struct.pack(">QqI", final_lsn, TS, xid)


def commit_message(commit_lsn=0x16B3748, end_lsn=0x16B3778):
    return b"C" + struct.pack(">BQQq", 0, commit_lsn, end_lsn, TS)


def insert_message(relid, *values):
    return b"I" + struct.pack(">I", relid) + b"N" + tuple_data(*values)


def test_begin_and_commit():
    assert decode(begin_message()) == Begin(final_lsn=0x16B3748, commit_time=WHEN, xid=750)
    assert decode(commit_message()) == Commit(0, 0x16B3748, 0x16B3778, WHEN)


def test_relation_columns_and_key():
    rel = decode(relation_message())
    assert rel.relation_id == 16400
    assert rel.qualified_name == "public.scope3_outbox_event"
    assert rel.replica_identity == "d"
    assert [c.name for c in rel.columns] == list(OUTBOX_COLUMNS)
    assert rel.columns[0] == Column("id", 23, -1, True)
    assert rel.columns[1] == Column("aggregatetype", 1043, -1, False)


def test_insert_text_null_and_unchanged_values():
    msg = decode(insert_message(16400, "7", None, "ab\u00e9"))
    assert msg == Insert(16400, ("7", None, "ab\u00e9"))
    upd = decode(b"U" + struct.pack(">I", 9) + b"N" + tuple_data("1", UNCHANGED_TOAST))
    assert upd == Update(9, ("1", UNCHANGED_TOAST))


def test_update_and_delete_with_old_key_or_row():
    upd = decode(
        b"U" + struct.pack(">I", 9) + b"K" + tuple_data("1") + b"N" + tuple_data("1", "done")
    )
    assert upd == Update(9, ("1", "done"), old=("1",), old_kind="K")
    dele = decode(b"D" + struct.pack(">I", 9) + b"O" + tuple_data("1", "done"))
    assert dele == Delete(9, ("1", "done"), "O")


def test_truncate_origin_type_message():
    assert decode(b"T" + struct.pack(">IB", 2, 3) + struct.pack(">II", 5, 6)) == Truncate(
        (5, 6), True, True
    )
    assert decode(b"O" + struct.pack(">Q", 42) + s("node_a")) == Origin(42, "node_a")
    assert decode(b"Y" + struct.pack(">I", 3802) + s("pg_catalog") + s("jsonb")) == Type(
        3802, "pg_catalog", "jsonb"
    )
    assert decode(
        b"M" + struct.pack(">BQ", 1, 99) + s("scope3") + struct.pack(">I", 2) + b"hi"
    ) == Message(True, 99, "scope3", b"hi")


@pytest.mark.parametrize(
    "data, error",
    [
        (b"", "empty message"),
        (b"B" + b"\0" * 10, "truncated"),
        (b"Z", "unknown pgoutput message type 'Z'"),
        (b"R" + struct.pack(">I", 1) + b"public", "unterminated string"),
        (
            b"I" + struct.pack(">I", 1) + b"N" + struct.pack(">h", 1) + b"b",
            "unknown column value kind 'b'",
        ),
        (b"I" + struct.pack(">I", 1) + b"K", "without a new tuple"),
        (begin_message() + b"\0", r"1 unexpected byte\(s\) after a Begin"),
    ],
)
def test_bad_messages_raise_clear_errors(data, error):
    with pytest.raises(PgOutputError, match=error):
        decode(data)


def test_lsn_text():
    assert format_lsn(0x16B3748) == "0/16B3748"
    assert format_lsn((3 << 32) + 0xA) == "3/A"
    assert parse_lsn("3/A") == (3 << 32) + 0xA
    assert parse_lsn(format_lsn(0x1234_5678_9ABC)) == 0x1234_5678_9ABC


def _outbox_row(row_id, key, aggid="5"):
    return (
        str(row_id),
        "purchase.order",
        aggid,
        "purchase.order.confirmed",
        '{"state": "purchase"}',
        key,
        "purchase.order:5",
        "1",
        "pending",
    )


def test_outbox_stream_returns_events_at_commit_only():
    stream = OutboxStream()
    assert stream.feed(decode(relation_message())) == []
    assert stream.feed(decode(begin_message(xid=751))) == []
    assert stream.in_transaction
    assert stream.feed(decode(insert_message(16400, *_outbox_row(1, "k1")))) == []
    assert stream.feed(decode(insert_message(16400, *_outbox_row(2, "k2")))) == []
    events = stream.feed(decode(commit_message(commit_lsn=0x500)))
    assert not stream.in_transaction
    assert [(e.id, e.idempotency_key, e.xid, e.commit_lsn) for e in events] == [
        (1, "k1", 751, 0x500),
        (2, "k2", 751, 0x500),
    ]
    assert events[0].payload == {"state": "purchase"}
    assert events[0].company_id == 1
    assert events[0].commit_time == WHEN
    assert events[0].row["state"] == "pending"


def test_outbox_stream_ignores_other_tables_and_counts_updates():
    stream = OutboxStream()
    other = (
        b"R"
        + struct.pack(">I", 77)
        + s("public")
        + s("purchase_order")
        + b"d"
        + struct.pack(">h", 1)
        + struct.pack(">B", 1)
        + s("id")
        + struct.pack(">Ii", 23, -1)
    )
    stream.feed(decode(other))
    stream.feed(decode(relation_message()))
    stream.feed(decode(begin_message()))
    stream.feed(decode(insert_message(77, "3")))
    update = decode(b"U" + struct.pack(">I", 16400) + b"N" + tuple_data(*_outbox_row(1, "k1")))
    stream.feed(update)
    assert stream.feed(decode(commit_message())) == []
    assert stream.ignored == [update]


def test_outbox_stream_protocol_errors():
    stream = OutboxStream()
    with pytest.raises(PgOutputError, match="Commit without Begin"):
        stream.feed(decode(commit_message()))
    stream.feed(decode(begin_message()))
    with pytest.raises(PgOutputError, match="before its Relation message"):
        stream.feed(decode(insert_message(16400, *_outbox_row(1, "k1"))))
    with pytest.raises(PgOutputError, match="Begin inside a transaction"):
        stream.feed(decode(begin_message()))
