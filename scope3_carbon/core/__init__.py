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
    PriceIndexInput,
    QuantityInput,
    SpendInput,
    StatedInput,
    compute_activity_based,
    compute_spend_based,
    compute_stated,
    figure_only,
    reverse,
)
from .conversion import convert_currency, deflate, tonne_km, uom_ratio
from .trace import (
    CONFIDENTIAL,
    TRACE_SCHEMA,
    canonical_json,
    redact_supplier_inputs,
    replay,
    trace_hash,
    verify,
)
from .transport import allocate, compute_allocated, great_circle_km

__all__ = [
    "CONFIDENTIAL",
    "CO2E_QUANT",
    "CalculationError",
    "FactorInput",
    "PriceIndexInput",
    "QuantityInput",
    "SpendInput",
    "StatedInput",
    "TRACE_SCHEMA",
    "allocate",
    "canonical_json",
    "compute_activity_based",
    "compute_allocated",
    "compute_spend_based",
    "compute_stated",
    "figure_only",
    "convert_currency",
    "deflate",
    "redact_supplier_inputs",
    "great_circle_km",
    "replay",
    "reverse",
    "tonne_km",
    "trace_hash",
    "uom_ratio",
    "verify",
]
