"""Spend-based emission computation and reversals.

Every function returns a *trace*: a JSON-serialisable dict holding every input,
conversion and the formula that produced the figure, with numbers written as decimal
strings so the trace replays exactly. The trace is deterministic: the same inputs give
the same trace and therefore the same hash, which the ledger uses to detect that nothing
changed.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from .conversion import convert_currency, to_decimal

#: Ledger precision: kg CO2e are kept to the gram.
CO2E_QUANT = Decimal("0.001")
TRACE_SCHEMA = "scope3.trace/1"


class CalculationError(ValueError):
    """Inputs that cannot produce a figure (negative factor, missing rate, ...)."""


@dataclass(frozen=True)
class FactorInput:
    """An emission factor as the calculation sees it (a snapshot of a ``scope3.factor``)."""

    factor_id: int
    value: Decimal
    unit: str
    currency: str
    key_type: str
    key: str
    title: str
    set_id: int
    set_name: str
    set_publisher: str
    set_edition: str
    set_checksum: str
    resolution: str
    margins: bool = True
    price_year: int | None = None


@dataclass(frozen=True)
class SpendInput:
    """A spend amount with what is needed to convert it to the factor's currency."""

    amount: Decimal
    currency: str
    date: str
    rate: Decimal = Decimal(1)
    rate_date: str | None = None
    factor_rate: Decimal = Decimal(1)
    factor_rate_date: str | None = None
    company_currency: str | None = None
    factor_currency_rounding: Decimal = Decimal("0.01")


def _fmt(value):
    """Decimal as a plain string (no exponent), for the trace."""
    return format(to_decimal(value), "f")


def compute_spend_based(spend, factor, subject):
    """Compute kg CO2e = spend converted to the factor's currency x factor value.

    :param SpendInput spend: the amount spent and the currency rates of its date
    :param FactorInput factor: the resolved factor
    :param dict subject: identifiers of what is computed (activity, document, line)
    :return: ``(co2e_kg, trace)``
    """
    value = to_decimal(factor.value)
    if value < 0:
        raise CalculationError(f"factor {factor.key} has a negative value {value}")
    amount = to_decimal(spend.amount)
    if spend.currency == factor.currency:
        converted = amount
        conversion = {
            "from": spend.currency,
            "to": factor.currency,
            "rule": "same currency",
        }
    else:
        converted = convert_currency(
            amount, spend.rate, spend.factor_rate, spend.factor_currency_rounding
        )
        conversion = {
            "from": spend.currency,
            "to": factor.currency,
            "via": spend.company_currency,
            "rate_from": _fmt(spend.rate),
            "rate_from_date": spend.rate_date,
            "rate_to": _fmt(spend.factor_rate),
            "rate_to_date": spend.factor_rate_date,
            "rounding": _fmt(spend.factor_currency_rounding),
            "rule": "amount x rate_to / rate_from, rates per unit of company currency "
            "on or before the document date, rounded half-up",
            "amount": _fmt(converted),
        }
    co2e = (converted * value).quantize(CO2E_QUANT, rounding=ROUND_HALF_UP)
    trace = {
        "schema": TRACE_SCHEMA,
        "method": "spend_based",
        "subject": subject,
        "inputs": {
            "amount": _fmt(amount),
            "currency": spend.currency,
            "date": spend.date,
        },
        "conversion": conversion,
        "factor": {
            "id": factor.factor_id,
            "key_type": factor.key_type,
            "key": factor.key,
            "title": factor.title,
            "value": _fmt(value),
            "unit": factor.unit,
            "currency": factor.currency,
            "margins": factor.margins,
            "price_year": factor.price_year,
            "resolution": factor.resolution,
            "set": {
                "id": factor.set_id,
                "name": factor.set_name,
                "publisher": factor.set_publisher,
                "edition": factor.set_edition,
                "checksum": factor.set_checksum,
            },
        },
        "formula": "co2e_kg = round_half_up(spend_in_factor_currency x factor_value, 0.001)",
        "result": {
            "spend_in_factor_currency": _fmt(converted),
            "co2e_kg": _fmt(co2e),
        },
    }
    return co2e, trace


def reverse(original_trace, original_hash, original_entry_id, reason):
    """Trace of a reversal: the exact opposite of an earlier entry."""
    co2e = -to_decimal(original_trace["result"]["co2e_kg"])
    trace = {
        "schema": TRACE_SCHEMA,
        "method": "reversal",
        "subject": original_trace.get("subject"),
        "reverses": {"entry_id": original_entry_id, "trace_hash": original_hash},
        "reason": reason,
        "formula": "co2e_kg = -reversed.co2e_kg",
        "result": {"co2e_kg": _fmt(co2e)},
    }
    return co2e, trace
