"""Canonical serialisation, hashing and replay of calculation traces."""

import hashlib
import json

from .calculation import TRACE_SCHEMA, FactorInput, SpendInput, compute_spend_based
from .conversion import to_decimal


def canonical_json(trace):
    """The one byte string a trace hashes to: sorted keys, no whitespace, UTF-8."""
    return json.dumps(trace, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def trace_hash(trace):
    """SHA-256 (hex) of the canonical JSON of ``trace``."""
    return hashlib.sha256(canonical_json(trace).encode("utf-8")).hexdigest()


def replay(trace):
    """Recompute the figure of a trace from the inputs it records.

    Returns the recomputed kg CO2e (Decimal). A reversal replays as the negation of the
    figure it reverses, which the trace records.
    """
    if trace.get("schema") != TRACE_SCHEMA:
        raise ValueError(f"unknown trace schema {trace.get('schema')!r}")
    method = trace.get("method")
    if method == "reversal":
        return to_decimal(trace["result"]["co2e_kg"])
    if method != "spend_based":
        raise ValueError(f"cannot replay method {method!r}")
    conv = trace["conversion"]
    fac = trace["factor"]
    spend = SpendInput(
        amount=to_decimal(trace["inputs"]["amount"]),
        currency=trace["inputs"]["currency"],
        date=trace["inputs"]["date"],
        rate=to_decimal(conv.get("rate_from", "1")),
        rate_date=conv.get("rate_from_date"),
        factor_rate=to_decimal(conv.get("rate_to", "1")),
        factor_rate_date=conv.get("rate_to_date"),
        company_currency=conv.get("via"),
        factor_currency_rounding=to_decimal(conv.get("rounding", "0.01")),
    )
    factor = FactorInput(
        factor_id=fac["id"],
        value=to_decimal(fac["value"]),
        unit=fac["unit"],
        currency=fac["currency"],
        key_type=fac["key_type"],
        key=fac["key"],
        title=fac["title"],
        set_id=fac["set"]["id"],
        set_name=fac["set"]["name"],
        set_publisher=fac["set"]["publisher"],
        set_edition=fac["set"]["edition"],
        set_checksum=fac["set"]["checksum"],
        resolution=fac["resolution"],
        margins=fac["margins"],
        price_year=fac["price_year"],
    )
    co2e, _trace = compute_spend_based(spend, factor, trace.get("subject"))
    return co2e


def verify(trace_text, expected_hash, expected_co2e):
    """Check a stored trace: its hash, and that replaying it gives the stored figure.

    :return: a list of problems (empty when the trace verifies)
    """
    problems = []
    trace = json.loads(trace_text)
    if canonical_json(trace) != trace_text:
        problems.append("trace is not in canonical form")
    if trace_hash(trace) != expected_hash:
        problems.append("trace hash does not match")
    recomputed = replay(trace)
    if recomputed != to_decimal(expected_co2e):
        problems.append(f"replay gives {recomputed} kg, the entry holds {expected_co2e} kg")
    if to_decimal(trace["result"]["co2e_kg"]) != recomputed:
        problems.append("trace result differs from its replay")
    return problems
