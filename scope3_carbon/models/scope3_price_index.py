# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from ..core.calculation import PriceIndexInput
from ..core.conversion import to_decimal


class Scope3PriceIndex(models.Model):
    """Annual price index values used to express a spend in a factor's price year.

    Spend-based factors are per currency unit of one year (EPA v1.3: 2022 USD). A spend of
    another year is deflated: ``spend x index(factor year) / index(spend year)``.

    Rule for years outside the table: the nearest year of the table is used (the last one
    for later years, the first one for earlier years), and the trace says so: its rule
    starts with ``EXTRAPOLATED`` and names the latest year of the table and where that value
    comes from (``release``). Managers add a year's value when the publisher releases it
    (e.g. BLS CPI-U annual average, released with the December CPI in mid-January).
    """

    _name = "scope3.price.index"
    _description = "Scope 3 Price Index"
    _order = "currency_id, year desc"

    name = fields.Char(required=True, default="US CPI-U", help="Index series.")
    currency_id = fields.Many2one("res.currency", required=True)
    year = fields.Integer(required=True)
    value = fields.Float(required=True, digits=0)
    source = fields.Char(help="Publisher and table, e.g. BLS CPI-U, U.S. city average.")
    source_url = fields.Char(string="Source URL", help="Where the published value is read.")
    release = fields.Char(
        help="Which release the value comes from (e.g. the annual average published with "
        "the December CPI, January of the next year), and whether it is final."
    )

    _sql_constraints = [
        ("year_uniq", "unique(currency_id, year)", "One index value per currency and year."),
        ("value_positive", "CHECK(value > 0)", "A price index value must be positive."),
    ]

    @api.model
    def _scope3_deflation(self, currency, spend_year, factor_year):
        """PriceIndexInput to express ``currency`` amounts of ``spend_year`` in
        ``factor_year`` units, or None when the years are equal."""
        if not factor_year or spend_year == factor_year:
            return None
        rows = self.search_fetch(
            [("currency_id", "=", currency.id)],
            ["name", "year", "value", "release", "source"],
            order="year desc, id",
        )
        if not rows:
            raise UserError(
                self.env._(
                    "No price index for %(currency)s: cannot express a %(spend)s spend in "
                    "%(factor)s %(currency)s. Add the index values (Carbon > Configuration > "
                    "Price Indices).",
                    currency=currency.name,
                    spend=spend_year,
                    factor=factor_year,
                )
            )
        by_year = {row.year: row for row in rows}
        spend_row, spend_rule = self._scope3_nearest(by_year, spend_year)
        factor_row, factor_rule = self._scope3_nearest(by_year, factor_year)
        rules = [r for r in (spend_rule, factor_rule) if r]
        return PriceIndexInput(
            name=spend_row.name,
            spend_year=spend_year,
            spend_index=to_decimal(spend_row.value),
            spend_index_year=spend_row.year,
            factor_year=factor_year,
            factor_index=to_decimal(factor_row.value),
            factor_index_year=factor_row.year,
            rule="; ".join(rules) or "index values of both years",
        )

    @staticmethod
    def _scope3_nearest(by_year, year):
        """(row, rule): the row of ``year``, else the nearest one with a rule that warns of
        the extrapolation (a stored code text, never translated)."""
        if year in by_year:
            return by_year[year], None
        nearest = max(by_year) if year > max(by_year) else min(by_year)
        row = by_year[nearest]
        edge = "latest" if year > nearest else "earliest"
        origin = row.release or row.source or "source not recorded"
        return row, (
            f"EXTRAPOLATED: {year} not in the table: value of {nearest} used "
            f"({edge} year of {row.name}; {origin})"
        )
