"""Emission computations (spend-based, activity-based) and reversals.

Every function returns a *trace*: a JSON-serialisable dict holding every input,
conversion and the formula that produced the figure, with numbers written as decimal
strings so the trace replays exactly. The trace is deterministic: the same inputs give
the same trace and therefore the same hash, which the ledger uses to detect that nothing
changed.
"""

from dataclasses import dataclass, fields, is_dataclass
from decimal import ROUND_HALF_UP, Decimal

from .conversion import convert_currency, deflate, to_decimal

#: Ledger precision: kg CO2e are kept to the gram.
CO2E_QUANT = Decimal("0.001")
TRACE_SCHEMA = "scope3.trace/1"


class CalculationError(ValueError):
    """Inputs that cannot produce a figure (negative factor, missing rate, ...)."""


@dataclass(frozen=True)
class FactorInput:
    """An emission factor as the calculation sees it (a snapshot of a ``scope3.factor``).

    ``value`` is kg CO2e per unit: per ``currency`` unit of ``price_year`` for spend-based
    factors, per ``uom`` for activity-based ones. ``wtt_value`` is the well-to-tank
    companion per the same unit, added when the activity asks for well-to-wheel.
    """

    factor_id: int
    value: Decimal
    unit: str
    key_type: str
    key: str
    title: str
    set_id: int
    set_name: str
    set_publisher: str
    set_edition: str
    set_checksum: str
    resolution: str
    currency: str | None = None
    margins: bool = True
    price_year: int | None = None
    uom: str | None = None
    wtt_value: Decimal | None = None
    wtt_factor_id: int | None = None
    basis: str = "location"
    data_year: int | None = None
    region: str | None = None

    def __post_init__(self):
        # checked once when made: a batch computes many lines with the same factor
        check_finite(self)

    def as_trace(self, well_to_wheel=False):
        trace = {
            "id": self.factor_id,
            "key_type": self.key_type,
            "key": self.key,
            "title": self.title,
            "value": _fmt(self.value),
            "unit": self.unit,
            "currency": self.currency,
            "margins": self.margins,
            "price_year": self.price_year,
            "uom": self.uom,
            "basis": self.basis,
            "data_year": self.data_year,
            "region": self.region,
            "resolution": self.resolution,
            "set": {
                "id": self.set_id,
                "name": self.set_name,
                "publisher": self.set_publisher,
                "edition": self.set_edition,
                "checksum": self.set_checksum,
            },
        }
        if well_to_wheel and self.wtt_value is not None:
            trace["wtt"] = {"id": self.wtt_factor_id, "value": _fmt(self.wtt_value)}
        return trace

    @classmethod
    def from_trace(cls, fac):
        wtt = fac.get("wtt") or {}
        return cls(
            factor_id=fac["id"],
            value=to_decimal(fac["value"]),
            unit=fac["unit"],
            key_type=fac["key_type"],
            key=fac["key"],
            title=fac["title"],
            set_id=fac["set"]["id"],
            set_name=fac["set"]["name"],
            set_publisher=fac["set"]["publisher"],
            set_edition=fac["set"]["edition"],
            set_checksum=fac["set"]["checksum"],
            resolution=fac["resolution"],
            currency=fac.get("currency"),
            margins=fac.get("margins", True),
            price_year=fac.get("price_year"),
            uom=fac.get("uom"),
            wtt_value=to_decimal(wtt["value"]) if wtt else None,
            wtt_factor_id=wtt.get("id"),
            basis=fac.get("basis", "location"),
            data_year=fac.get("data_year"),
            region=fac.get("region"),
        )


@dataclass(frozen=True)
class PriceIndexInput:
    """Price indices used to express a spend in the factor's price year.

    ``*_index_year`` is the year whose index value was used; it differs from the wanted
    year when the table does not reach it (see ``rule``).
    """

    name: str
    spend_year: int
    spend_index: Decimal
    spend_index_year: int
    factor_year: int
    factor_index: Decimal
    factor_index_year: int
    rule: str

    def as_trace(self):
        return {
            "index": self.name,
            "spend_year": self.spend_year,
            "spend_index": _fmt(self.spend_index),
            "spend_index_year": self.spend_index_year,
            "factor_year": self.factor_year,
            "factor_index": _fmt(self.factor_index),
            "factor_index_year": self.factor_index_year,
            "rule": self.rule,
        }

    @classmethod
    def from_trace(cls, data):
        return cls(
            name=data["index"],
            spend_year=data["spend_year"],
            spend_index=to_decimal(data["spend_index"]),
            spend_index_year=data["spend_index_year"],
            factor_year=data["factor_year"],
            factor_index=to_decimal(data["factor_index"]),
            factor_index_year=data["factor_index_year"],
            rule=data["rule"],
        )


@dataclass(frozen=True)
class SpendInput:
    """A spend amount with what is needed to express it in the factor's currency unit:
    the currency rates of its date and, when the years differ, the price indices."""

    amount: Decimal
    currency: str
    date: str
    rate: Decimal = Decimal(1)
    rate_date: str | None = None
    factor_rate: Decimal = Decimal(1)
    factor_rate_date: str | None = None
    company_currency: str | None = None
    factor_currency_rounding: Decimal = Decimal("0.01")
    price_index: PriceIndexInput | None = None


@dataclass(frozen=True)
class QuantityInput:
    """A physical quantity and the multiplier that expresses it in the factor's unit."""

    quantity: Decimal
    unit: str
    date: str
    to_factor_unit: Decimal = Decimal(1)
    conversion_rule: str = "same unit"
    well_to_wheel: bool = False


def _fmt(value):
    """Decimal as a plain string (no exponent), for the trace."""
    return format(to_decimal(value), "f")


def check_finite(*inputs):
    """Refuse a non-finite number (NaN, infinity) anywhere in these inputs (dataclasses,
    numbers, or tuples, lists and dicts of them): it would give a figure that is not one.

    :raise CalculationError: naming the first non-finite value found
    """
    for value in inputs:
        found = _non_finite(value)
        if found:
            suffix, bad = found
            raise CalculationError(f"{type(value).__name__}{suffix} is not a finite number ({bad})")


#: field names of each dataclass type walked by ``check_finite``
_FIELD_NAMES = {}


def _non_finite(value):
    """``(path suffix, value)`` of the first non-finite number in ``value``, or None. The
    path is only written when one is found (every activity goes through here)."""
    if value is None or isinstance(value, bool | str | int):
        return None
    if isinstance(value, Decimal | float):
        return None if Decimal(value).is_finite() else ("", value)
    if is_dataclass(value):
        names = _FIELD_NAMES.get(type(value))
        if names is None:
            names = _FIELD_NAMES[type(value)] = tuple(item.name for item in fields(value))
        items, label = ((name, getattr(value, name)) for name in names), ".{}"
    elif isinstance(value, dict):
        items, label = value.items(), ".{}"
    elif isinstance(value, list | tuple):
        items, label = enumerate(value), "[{}]"
    else:
        return None
    for key, item in items:
        if item is None or isinstance(item, bool | str | int):
            continue
        found = _non_finite(item)
        if found:
            return label.format(key) + found[0], found[1]
    return None


def _check_factor(factor):
    # a FactorInput is finite once made (see FactorInput.__post_init__)
    value = to_decimal(factor.value)
    if value < 0:
        raise CalculationError(f"factor {factor.key} has a negative value {value}")
    return value


def _round_co2e(value):
    return value.quantize(CO2E_QUANT, rounding=ROUND_HALF_UP)


def select_basis(requested, market_factor_available):
    """Accounting basis a figure is reported on, with the market-based fallback recorded.

    Market-based accounting uses supplier-specific or contractual factors where present;
    otherwise it falls back to the location-based factor and says so.
    """
    if requested != "market":
        return {"requested": "location", "used": "location"}
    if market_factor_available:
        return {"requested": "market", "used": "market"}
    return {
        "requested": "market",
        "used": "location",
        "fallback": "no supplier-specific or contractual factor",
    }


def compute_spend_based(spend, factor, subject):
    """kg CO2e = spend in the factor's currency and price year x factor value.

    1. currency: ``amount x rate_to / rate_from`` at the document date, rounded to the
       factor currency's unit (see :func:`convert_currency`);
    2. price year, when the spend year differs from the factor's price year:
       ``x index(factor year) / index(spend year)``, rounded likewise;
    3. ``round_half_up(spend x factor value, 0.001)``.

    :param SpendInput spend: the amount spent, its currency rates and price indices
    :param FactorInput factor: the resolved factor
    :param dict subject: identifiers of what is computed (activity, document, line)
    :return: ``(co2e_kg, trace)``
    """
    amount = to_decimal(spend.amount)
    converted, deflated, co2e = _spend_based(spend, factor)
    if spend.currency == factor.currency:
        conversion = {"from": spend.currency, "to": factor.currency, "rule": "same currency"}
    else:
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
    trace_inputs = {"amount": _fmt(amount), "currency": spend.currency, "date": spend.date}
    if spend.price_index is not None:
        trace_inputs["price_index"] = spend.price_index.as_trace()
    trace = {
        "schema": TRACE_SCHEMA,
        "method": "spend_based",
        "subject": subject,
        "inputs": trace_inputs,
        "conversion": conversion,
        "factor": factor.as_trace(),
        "formula": "co2e_kg = round_half_up(spend_in_factor_currency_and_price_year "
        "x factor_value, 0.001)",
        "result": {
            "spend_in_factor_currency": _fmt(converted),
            "spend_in_factor_price_year": _fmt(deflated),
            "co2e_kg": _fmt(co2e),
        },
    }
    return co2e, trace


def _spend_based(spend, factor):
    """``(spend in the factor currency, in its price year, kg CO2e)``: the arithmetic of
    :func:`compute_spend_based`, without its trace."""
    check_finite(spend)
    value = _check_factor(factor)
    amount = to_decimal(spend.amount)
    if spend.currency == factor.currency:
        converted = amount
    else:
        converted = convert_currency(
            amount, spend.rate, spend.factor_rate, spend.factor_currency_rounding
        )
    deflated = converted
    if spend.price_index is not None:
        index = spend.price_index
        deflated = deflate(
            converted, index.factor_index, index.spend_index, spend.factor_currency_rounding
        )
    return converted, deflated, _round_co2e(deflated * value)


def _activity_based(quantity, factor):
    """``(quantity in the factor unit, kg CO2e per unit, well-to-wheel?, kg CO2e)``: the
    arithmetic of :func:`compute_activity_based`, without its trace."""
    check_finite(quantity)
    value = _check_factor(factor)
    in_factor_unit = to_decimal(quantity.quantity) * to_decimal(quantity.to_factor_unit)
    per_unit = value
    wtw = quantity.well_to_wheel and factor.wtt_value is not None
    if wtw:
        per_unit = value + to_decimal(factor.wtt_value)
    return in_factor_unit, per_unit, wtw, _round_co2e(in_factor_unit * per_unit)


def figure_only(compute, inputs, factor):
    """kg CO2e that ``compute`` (:func:`compute_spend_based` or
    :func:`compute_activity_based`) gives for these inputs, by the same arithmetic,
    without building its trace (live estimates, guardrails: nothing is recorded)."""
    if compute is compute_spend_based:
        return _spend_based(inputs, factor)[2]
    if compute is compute_activity_based:
        return _activity_based(inputs, factor)[3]
    raise CalculationError(f"no figure-only form of {compute.__name__}")


def compute_activity_based(quantity, factor, subject):
    """kg CO2e = quantity in the factor's unit x (factor value [+ WTT value]).

    The quantity is first expressed in the factor's unit with ``to_factor_unit`` (a unit
    of measure ratio, a product weight, tonne-kilometres, ... as ``conversion_rule``
    says). With ``well_to_wheel`` the factor's well-to-tank companion is added (ISO
    14083 / GLEC: well-to-wheel = tank-to-wheel + well-to-tank).
    """
    qty = to_decimal(quantity.quantity)
    ratio = to_decimal(quantity.to_factor_unit)
    in_factor_unit, _per_unit, wtw, co2e = _activity_based(quantity, factor)
    trace = {
        "schema": TRACE_SCHEMA,
        "method": "activity_based",
        "subject": subject,
        "inputs": {"quantity": _fmt(qty), "unit": quantity.unit, "date": quantity.date},
        "conversion": {
            "to_factor_unit": _fmt(ratio),
            "rule": quantity.conversion_rule,
            "quantity": _fmt(in_factor_unit),
            "well_to_wheel": bool(wtw),
        },
        "factor": factor.as_trace(well_to_wheel=wtw),
        "formula": "co2e_kg = round_half_up(quantity_in_factor_unit x (factor_value"
        + (" + wtt_value" if wtw else "")
        + "), 0.001)",
        "result": {"quantity_in_factor_unit": _fmt(in_factor_unit), "co2e_kg": _fmt(co2e)},
    }
    return co2e, trace


@dataclass(frozen=True)
class StatedInput:
    """A figure stated directly in kg CO2e (a manual activity), with how it was obtained.

    ``method`` is the GHG Protocol calculation method the figure was produced with,
    ``explanation`` how; ``evidence`` the supporting documents as ``(name, sha1)`` pairs.
    """

    co2e_kg: Decimal
    method: str
    explanation: str
    date: str
    evidence: tuple = ()


def compute_stated(stated, subject):
    """kg CO2e = the stated figure, rounded half-up to the gram.

    Nothing is computed: the trace records the figure with its method, explanation and
    the checksums of its evidence, so that a replay gives it back and an auditor can
    check the documents it rests on.
    """
    check_finite(stated)
    value = to_decimal(stated.co2e_kg)
    if value < 0:
        raise CalculationError(f"stated figure {value} kg CO2e is negative")
    co2e = _round_co2e(value)
    trace = {
        "schema": TRACE_SCHEMA,
        "method": "stated",
        "subject": subject,
        "inputs": {
            "co2e_kg": _fmt(value),
            "method": stated.method,
            "explanation": stated.explanation,
            "date": stated.date,
            "evidence": [{"name": name, "sha1": sha1} for name, sha1 in stated.evidence],
        },
        "formula": "co2e_kg = round_half_up(stated_co2e_kg, 0.001)",
        "result": {"co2e_kg": _fmt(co2e)},
    }
    return co2e, trace


def replay_stated(trace):
    """The figure of a ``stated`` trace, recomputed from its inputs."""
    return _round_co2e(to_decimal(trace["inputs"]["co2e_kg"]))


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
