"""Canonical JSON and the hash chain of the agents' decision log.

A decision is a JSON object. Its canonical form has sorted keys, no whitespace and UTF-8
text; floats are written as the shortest decimal that round-trips (Python's ``repr``, the
same on every platform), NaN and infinities are refused and -0.0 is written 0.0, so the
same decision always gives the same bytes, and parsing them gives the same values back.

Each log record stores the hash of the record before it; its own hash is::

    sha256(previous_hash "\\n" canonical_json({every stored column but the links}))

(:data:`HASHED_FIELDS`: id, chain position, who and when, type, agent, run, finding,
company, user, the decision, its inputs digest and rule version), so changing, removing
or reordering any record, or any of its columns, breaks the link of that record (or of
the one after a removed record), which :func:`verify_chain` reports.
"""

import hashlib
import json
import math

#: previous hash of the first record of a chain
GENESIS_HASH = "0" * 64


def normalise(value):
    """``value`` as plain JSON types: tuples become lists, dict keys strings (JSON has no
    other keys), -0.0 becomes 0.0; NaN and infinities are refused."""
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError(f"{value!r} cannot be logged")
        return value if value else 0.0  # -0.0 and 0.0 are the same decision
    if isinstance(value, dict):
        return {str(key): normalise(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [normalise(item) for item in value]
    raise TypeError(f"cannot log a value of type {type(value).__name__}")


def canonical_json(value):
    """The one text a JSON-like value is logged and hashed as."""
    return json.dumps(
        normalise(value),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def digest(value):
    """SHA-256 (hex) of the canonical JSON of ``value``."""
    return hashlib.sha256(canonical_json(value).encode("utf-8")).hexdigest()


#: stored columns of a decision record covered by its hash (every column but the links)
HASHED_FIELDS = (
    "id",
    "chain_position",
    "create_uid",
    "create_date",
    "write_uid",
    "write_date",
    "decision_type",
    "agent_id",
    "run_id",
    "finding_id",
    "company_id",
    "user_id",
    "decision",
    "inputs_digest",
    "rule_version",
)


def _plain(value):
    """A stored column value as a JSON value: timestamps as their ISO text."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def record_text(record):
    """Canonical JSON of every hashed column of ``record`` (a dict of stored values)."""
    return canonical_json({name: _plain(record.get(name)) for name in HASHED_FIELDS})


def chain_hash(previous_hash, record):
    """Hash of a log record: ``sha256(previous_hash "\\n" record_text(record))``.

    :param str previous_hash: hash of the previous record (``GENESIS_HASH`` for the first)
    :param dict record: the record's stored columns (see :data:`HASHED_FIELDS`)
    """
    text = f"{previous_hash}\n{record_text(record)}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def verify_chain(records, start_hash=GENESIS_HASH):
    """Check a chain of records, in chain order.

    :param records: iterable of dicts with ``previous_hash``, ``hash`` and the columns of
        :data:`HASHED_FIELDS` (``decision`` is the stored canonical JSON text)
    :return: ``None`` when every link holds, else ``(id, reason)`` for the first record
        whose link is broken
    """
    expected_previous = start_hash
    for record in records:
        if record["previous_hash"] != expected_previous:
            return record["id"], "previous hash does not match the record before it"
        try:
            canonical = canonical_json(json.loads(record["decision"]))
        except (TypeError, ValueError):
            return record["id"], "decision is not valid JSON"
        if canonical != record["decision"]:
            return record["id"], "decision is not in canonical form"
        if chain_hash(record["previous_hash"], record) != record["hash"]:
            return record["id"], "hash does not match the decision"
        expected_previous = record["hash"]
    return None
