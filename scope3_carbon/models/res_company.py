# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from ..core.conversion import to_decimal
from .product_template import check_naics_codes


class ResCompany(models.Model):
    _inherit = "res.company"

    scope3_default_naics_code = fields.Char(
        string="Default NAICS Code",
        help="Spend-based factor key used for purchased products with no NAICS code on the "
        "product or its category. Empty: such purchases are flagged unmapped.",
    )
    scope3_spend_factor_set_id = fields.Many2one(
        "scope3.factor.set",
        string="Spend-based Factor Set",
        domain="[('factor_type', '=', 'spend'), ('state', '=', 'published'), "
        "('company_id', 'in', [id, False])]",
        help="Factor set for spend-based estimates. Empty: the latest published "
        "spend-based set valid at the document date.",
    )

    @api.constrains("scope3_default_naics_code")
    def _check_scope3_default_naics_code(self):
        check_naics_codes(self, "scope3_default_naics_code")

    def _scope3_currency_rates(self, currencies, date):
        """Rate of each currency on ``date`` for this company, as Odoo quotes them.

        A rate is the number of currency units for one unit of the company currency: the
        most recent rate on or before ``date`` (company-specific rates first, as Odoo does).
        Unlike Odoo's fallback, a later rate is never used: a currency other than the
        company's without a rate on or before the date raises an error naming it.

        :return: dict currency -> (Decimal rate, rate date as ISO string or None)
        """
        self.ensure_one()
        root = self.root_id
        result = {}
        for currency in currencies:
            rate = self.env["res.currency.rate"].search(
                [
                    ("currency_id", "=", currency.id),
                    ("name", "<=", date),
                    ("company_id", "in", [root.id, False]),
                ],
                order="company_id.id, name desc",
                limit=1,
            )
            if rate:
                result[currency] = (to_decimal(rate.rate), str(rate.name))
            elif currency == self.currency_id:
                result[currency] = (to_decimal(1), None)
            else:
                raise UserError(
                    self.env._(
                        "No %(currency)s exchange rate on or before %(date)s for company "
                        "%(company)s: add the rate, then retry the event.",
                        currency=currency.name,
                        date=date,
                        company=self.display_name,
                    )
                )
        return result
