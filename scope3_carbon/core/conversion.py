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
