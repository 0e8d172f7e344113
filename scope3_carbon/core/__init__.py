"""Plain-Python calculation core of Scope 3 Carbon.

Nothing in this package imports Odoo: the Odoo models feed it plain values and store
what it returns. It holds the arithmetic (currency conversion, spend-based computation,
reversals), the calculation trace and its hash, and a replay that recomputes a figure
from its trace.
"""

from .calculation import (
    CO2E_QUANT,
    CalculationError,
    FactorInput,
    SpendInput,
    compute_spend_based,
    reverse,
)
from .conversion import convert_currency
from .trace import TRACE_SCHEMA, canonical_json, replay, trace_hash, verify

__all__ = [
    "CO2E_QUANT",
    "CalculationError",
    "FactorInput",
    "SpendInput",
    "TRACE_SCHEMA",
    "canonical_json",
    "compute_spend_based",
    "convert_currency",
    "replay",
    "reverse",
    "trace_hash",
    "verify",
]
