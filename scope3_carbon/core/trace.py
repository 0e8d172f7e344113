"""Canonical serialisation, hashing and replay of calculation traces."""

import hashlib
import json

from .calculation import (
    TRACE_SCHEMA,
    FactorInput,
    PriceIndexInput,
    QuantityInput,
    SpendInput,
    compute_activity_based,
    compute_spend_based,
    replay_stated,
)
from .conversion import to_decimal
from .transport import allocate

#: the language the names stored in a trace are read in (units, footprint titles, ...):
#: the source terms, whatever the language of the user or worker who computes it, so that
#: the same computation gives byte-identical traces and hashes in every session; labels
#: are translated when a trace is displayed, never when it is stored
TRACE_LANG = "en_US"


def canonical_json(trace):
    """The one byte string a trace hashes to: sorted keys, no whitespace, UTF-8."""
    return json.dumps(trace, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def trace_hash(trace):
    """SHA-256 (hex) of the canonical JSON of ``trace``."""
    return text_hash(canonical_json(trace))


def text_hash(text):
    """SHA-256 (hex) of a trace already in canonical JSON form."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def replay(trace):
    """Recompute the figure of a trace from the inputs it records.

    Returns the recomputed kg CO2e (Decimal). A reversal replays as the negation of the
    figure it reverses, which the trace records. An allocated part replays the total it
    shares (from the embedded trace of the trip, or the reported figure) and its share.
    """
    if trace.get("schema") != TRACE_SCHEMA:
        raise ValueError(f"unknown trace schema {trace.get('schema')!r}")
    method = trace.get("method")
    if method == "reversal":
        return to_decimal(trace["result"]["co2e_kg"])
    if method == "allocation":
        inputs = trace["inputs"]
        total = replay(trace["total"]) if trace.get("total") else inputs["total_co2e_kg"]
        return allocate(total, inputs["keys"])[inputs["index"]]
    if method == "stated":
        return replay_stated(trace)
    factor = FactorInput.from_trace(trace["factor"])
    conv = trace["conversion"]
    inputs = trace["inputs"]
    if method == "activity_based":
        quantity = QuantityInput(
            quantity=to_decimal(inputs["quantity"]),
            unit=inputs["unit"],
            date=inputs["date"],
            to_factor_unit=to_decimal(conv["to_factor_unit"]),
            conversion_rule=conv["rule"],
            well_to_wheel=conv["well_to_wheel"],
        )
        return compute_activity_based(quantity, factor, trace.get("subject"))[0]
    if method != "spend_based":
        raise ValueError(f"cannot replay method {method!r}")
    index = inputs.get("price_index")
    spend = SpendInput(
        amount=to_decimal(inputs["amount"]),
        currency=inputs["currency"],
        date=inputs["date"],
        rate=to_decimal(conv.get("rate_from", "1")),
        rate_date=conv.get("rate_from_date"),
        factor_rate=to_decimal(conv.get("rate_to", "1")),
        factor_rate_date=conv.get("rate_to_date"),
        company_currency=conv.get("via"),
        factor_currency_rounding=to_decimal(conv.get("rounding", "0.01")),
        price_index=PriceIndexInput.from_trace(index) if index else None,
    )
    return compute_spend_based(spend, factor, trace.get("subject"))[0]


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


#: placeholder shown instead of a supplier's confidential input
CONFIDENTIAL = "confidential (supplier-specific data)"

#: keys of a trace's ``factor`` section that carry a supplier's own figures
_CONFIDENTIAL_FACTOR_KEYS = ("value", "wtt", "title")


def redact_supplier_inputs(trace):
    """Copy of ``trace`` without a supplier's confidential inputs.

    A supplier-specific figure (``factor.key_type == "supplier_footprint"``) reveals the
    supplier's product footprint through the factor value, its well-to-tank companion,
    its title and the declared-unit conversion. These are replaced by ``CONFIDENTIAL``;
    the result, the method, the quantities of the buyer's own document and the data
    quality stay. Other traces are returned unchanged (as a copy).
    """
    redacted = json.loads(canonical_json(trace))
    factor = redacted.get("factor")
    if not isinstance(factor, dict) or factor.get("key_type") != "supplier_footprint":
        return redacted
    for key in _CONFIDENTIAL_FACTOR_KEYS:
        if key in factor:
            factor[key] = CONFIDENTIAL
    conversion = redacted.get("conversion")
    if isinstance(conversion, dict):
        for key in ("to_factor_unit", "rule"):
            if key in conversion:
                conversion[key] = CONFIDENTIAL
    redacted["redacted"] = True
    return redacted
