"""Fact hashes and the hash chain of ledger entries (plain Python, no Odoo).

An entry's *fact hash* is the SHA-256 of the canonical JSON of every stored fact of the
entry (its columns, as the database returns them). Entries of a company are chained in
the order they are sealed: ``chain_hash = sha256(previous chain hash | position | id |
fact hash)``, the first entry chaining to ``genesis:<company id>``. Rewriting, inserting
or deleting a sealed entry breaks the chain at the first altered position, even when
the row itself is rewritten coherently (its trace, trace hash and figure together).
"""

import datetime
import hashlib
import json
from decimal import Decimal

#: version of the fact hash (its columns and canonical form)
FACT_HASH_VERSION = 1


def canonical_value(value):
    """A column value as a JSON value independent of the driver's numeric types and of
    any session setting: exact decimals without trailing zeros, shortest float repr,
    ISO dates."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return "0" if text in ("-0", "") else text
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    raise TypeError(f"cannot hash a column value of type {type(value).__name__}")


def fact_hash(columns, values):
    """SHA-256 (hex) of an entry's stored facts, ``columns`` aligned with ``values``."""
    facts = {column: canonical_value(value) for column, value in zip(columns, values, strict=True)}
    facts["_v"] = FACT_HASH_VERSION
    text = json.dumps(facts, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def genesis(company_id):
    """The hash the first entry of a company chains to."""
    return f"genesis:{company_id}"


def link_hash(previous, position, entry_id, entry_hash):
    """Chain hash of the entry at ``position``."""
    text = f"{previous}|{position}|{entry_id}|{entry_hash}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def first_break(rows, previous, position):
    """Walk sealed rows in chain order; return ``(problem, row)`` of the first break, or
    ``(None, (previous, position))`` with the chain head reached.

    :param rows: iterable of dicts ``id``, ``chain_seq``, ``entry_hash``, ``chain_hash``
        and ``facts_hash`` (the fact hash recomputed from the row as it is now)
    :param previous: chain hash before the first row
    :param position: chain position of the first row expected
    """
    for row in rows:
        if row["chain_seq"] != position:
            kind = "missing" if row["chain_seq"] > position else "duplicate"
            return (kind, row)
        if row["facts_hash"] != row["entry_hash"]:
            return ("facts", row)
        expected = link_hash(previous, position, row["id"], row["entry_hash"])
        if expected != row["chain_hash"]:
            return ("link", row)
        previous = row["chain_hash"]
        position += 1
    return (None, (previous, position))
