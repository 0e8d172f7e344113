# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from ..core.conversion import to_decimal
from .product_template import check_naics_codes

#: settings that change how a counted figure is computed (restated as their own cause)
RESTATING_SETTINGS = ("scope3_well_to_wheel", "scope3_spend_price_basis", "scope3_accounting_basis")
#: settings that change which factor a purchase resolves to
RESTATING_CHOICES = ("scope3_spend_factor_set_id", "scope3_default_naics_code")


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

    scope3_spend_price_basis = fields.Selection(
        [("purchaser", "Purchaser price"), ("producer", "Producer price")],
        string="Spend Price Basis",
        default="purchaser",
        required=True,
        help="Purchaser price (what a buyer pays, with transport and trade margins) uses the "
        "factors with margins; producer price uses the factors without margins.",
    )
    scope3_accounting_basis = fields.Selection(
        [("location", "Location-based"), ("market", "Market-based")],
        string="Accounting Basis",
        default="location",
        required=True,
        help="Market-based uses supplier-specific (contractual) factors where they exist and "
        "falls back to location-based factors otherwise; the fallback is recorded.",
    )
    scope3_well_to_wheel = fields.Boolean(
        string="Well-to-Wheel",
        help="Add the well-to-tank companion of activity factors (fuels, freight) to their "
        "direct value, as ISO 14083 / GLEC ask.",
    )
    scope3_four_eyes_publish = fields.Boolean(
        string="Four-Eyes on Factor Sets",
        help="The user who imported a factor set cannot publish it.",
    )
    scope3_four_eyes_restatement = fields.Boolean(
        string="Four-Eyes on Restatements",
        help="The user who proposed a restatement cannot approve it.",
    )
    scope3_base_year = fields.Integer(
        string="Base Year",
        help="Year the Scope 3 inventory is tracked against (GHG Protocol base year).",
    )
    scope3_significance_pct = fields.Float(
        string="Significance Threshold (%)",
        default=5.0,
        help="A restatement is significant when it changes the base-year inventory (or the "
        "period it restates) by at least this share.",
    )
    scope3_lock_date = fields.Date(
        string="Scope 3 Lock Date",
        help="No emission entry dated on or before this date can be posted: approved "
        "restatements of a locked period are posted in the open period. Empty: no lock.",
    )

    def write(self, vals):
        watched = [name for name in RESTATING_SETTINGS + RESTATING_CHOICES if name in vals]
        before = {}
        if watched:
            before = {
                company: {
                    name: company._fields[name].convert_to_write(company[name], company)
                    for name in watched
                }
                for company in self
            }
        res = super().write(vals)
        for company, old in before.items():
            changed = [
                name
                for name in watched
                if (old[name] or False)
                != (company._fields[name].convert_to_write(company[name], company) or False)
            ]
            company._scope3_propose_settings_restatements(changed)
        return res

    def _scope3_propose_settings_restatements(self, changed):
        """A change of settings that moves figures opens a restatement of its own (one for
        how figures are computed, one for which factors are chosen), never mixed into
        another restatement and never applied silently to what was counted."""
        self.ensure_one()
        Restatement = self.env["scope3.restatement"]
        if not changed or not Restatement._scope3_companies_with_activities() & self:
            return Restatement
        todo = Restatement
        for trigger, names in (
            ("settings", RESTATING_SETTINGS),
            ("factor_choice", RESTATING_CHOICES),
        ):
            labels = [
                self._fields[name].get_description(self.env)["string"]
                for name in changed
                if name in names
            ]
            if labels:
                todo |= Restatement._scope3_propose(
                    self,
                    trigger,
                    reason=self.env._(
                        "Settings changed: %(settings)s.", settings=", ".join(labels)
                    ),
                )
        return todo

    def _scope3_frozen_date(self):
        """Last day on which no entry can be posted: the Scope 3 lock date, or the latest
        period close when later (a close cannot be undone by clearing the lock date)."""
        self.ensure_one()
        self.env.cr.execute(
            "SELECT max(date_to) FROM scope3_period_close WHERE company_id = %s "
            "AND state = 'done'",
            [self.id],
        )
        closed = self.env.cr.fetchone()[0]
        dates = [d for d in (self.scope3_lock_date, closed) if d]
        return max(dates) if dates else False

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
            rate = self.env["res.currency.rate"].search_fetch(
                [
                    ("currency_id", "=", currency.id),
                    ("name", "<=", date),
                    ("company_id", "in", [root.id, False]),
                ],
                ["rate", "name"],
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

    def _scope3_country_code(self):
        """ISO code of the company's country (the region of its activities, for data
        quality). ``country_id`` is computed at each read from the partner's contact
        address (``address_get``); the company's partner is that contact unless its type
        says otherwise, so its country is read directly then."""
        self.ensure_one()
        # two columns, not the partner's and the country's whole rows
        partner = self.partner_id
        partner.fetch(["type", "country_id"])
        if partner.type == "contact":
            partner.country_id.fetch(["code"])
            return partner.country_id.code
        return self.country_id.code

    def _scope3_rates_getter(self, date):
        """A memoised ``currency -> (rate, rate date)`` lookup for this company on ``date``
        (its ``deflations`` dict memoises price-index lookups of the same batch, its
        ``spend_contexts`` dict what a spend factor needs besides the amount)."""
        cache = {}

        def rates(currency):
            if currency not in cache:
                cache.update(self._scope3_currency_rates(currency, date))
            return cache[currency]

        # price-index deflations of the same batch, keyed (currency, spend year, price year)
        rates.deflations = {}
        # rates, price index and snapshot of each spend factor (scope3.activity)
        rates.spend_contexts = {}
        return rates
