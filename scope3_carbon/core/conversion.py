"""Unit and currency conversions (exact decimal arithmetic)."""

from decimal import ROUND_HALF_UP, Decimal


def to_decimal(value):
    """Convert an int, float or str to Decimal without binary-float noise.

    Floats go through ``repr`` (the shortest string that round-trips), so ``0.787`` becomes
    ``Decimal("0.787")`` and not ``Decimal("0.78700000000000003286...")``.
    """
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(str(value))


def convert_currency(amount, rate_from, rate_to, rounding):
    """Convert ``amount`` between two currencies quoted against one base currency.

    Rates follow Odoo's convention: a rate is the number of units of the currency for
    one unit of the company currency. ``amount`` in the *from* currency is therefore
    worth ``amount / rate_from`` company-currency units, i.e. ``amount * rate_to /
    rate_from`` in the *to* currency. The result is rounded half-up to ``rounding`` (the
    target currency's smallest unit, e.g. ``Decimal("0.01")``), as Odoo rounds converted
    amounts.
    """
    amount = to_decimal(amount)
    rate_from = to_decimal(rate_from)
    rate_to = to_decimal(rate_to)
    if rate_from <= 0 or rate_to <= 0:
        raise ValueError("currency rates must be positive")
    return (amount * rate_to / rate_from).quantize(to_decimal(rounding), rounding=ROUND_HALF_UP)


def deflate(amount, index_target_year, index_spend_year, rounding):
    """Express ``amount`` in the currency of another price year.

    ``amount x index(target year) / index(spend year)``, rounded half-up to ``rounding``.
    E.g. 10,000 USD of 2024 in 2022 USD with US CPI-U: 10,000 x 292.655 / 313.689.
    """
    index_target_year = to_decimal(index_target_year)
    index_spend_year = to_decimal(index_spend_year)
    if index_target_year <= 0 or index_spend_year <= 0:
        raise ValueError("price indices must be positive")
    value = to_decimal(amount) * index_target_year / index_spend_year
    return value.quantize(to_decimal(rounding), rounding=ROUND_HALF_UP)


def uom_ratio(from_factor, to_factor):
    """Multiplier from one unit of measure to another of the same category.

    Odoo's convention: a unit's ``factor`` is how many of it make one reference unit
    (kg reference: g has factor 1000, t has factor 0.001). One ``from`` unit is therefore
    ``to_factor / from_factor`` ``to`` units (1 t = 0.001**-1 ... = 1000 kg).
    """
    from_factor = to_decimal(from_factor)
    to_factor = to_decimal(to_factor)
    if from_factor <= 0 or to_factor <= 0:
        raise ValueError("unit of measure factors must be positive")
    return to_factor / from_factor


def tonne_km(weight_kg, distance_km):
    """Freight work in tonne-kilometres: mass in tonnes x distance in km."""
    return to_decimal(weight_kg) / Decimal(1000) * to_decimal(distance_km)
