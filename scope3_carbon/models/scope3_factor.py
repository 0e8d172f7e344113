# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from .scope3_factor_set import changed_field_names


class Scope3Factor(models.Model):
    """One row of a factor set: kg CO2e per unit of activity or spend for one key."""

    _name = "scope3.factor"
    _description = "Scope 3 Emission Factor"
    _order = "set_id, key_type, key"
    _rec_names_search = ["key", "name"]

    set_id = fields.Many2one(
        "scope3.factor.set",
        string="Factor Set",
        required=True,
        ondelete="cascade",
        index=True,
    )
    set_state = fields.Selection(related="set_id.state", string="Set State")
    company_id = fields.Many2one(related="set_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="set_id.currency_id")
    key_type = fields.Selection(
        [("naics", "NAICS-6 code")],
        required=True,
        default="naics",
        help="What the key identifies.",
    )
    key = fields.Char(required=True, index=True)
    name = fields.Char(string="Title", required=True)
    value = fields.Float(
        required=True,
        help="kg CO2e per unit (for spend-based sets: per currency unit of the set's price "
        "year, purchaser price when margins are included).",
    )
    value_without_margins = fields.Float(
        help="Cradle to the producer's gate, without transport and trade margins."
    )
    margin_value = fields.Float(help="Emissions of transport and trade margins.")
    unit = fields.Char(required=True, help="Unit as published, e.g. kg CO2e/2022 USD.")
    reference_code = fields.Char(help="Publisher's own reference (e.g. USEEIO code).")

    _sql_constraints = [
        (
            "key_uniq",
            "unique(set_id, key_type, key)",
            "A factor set holds one factor per key.",
        ),
        ("value_positive", "CHECK(value >= 0)", "Emission factors cannot be negative."),
    ]

    @api.depends("key", "name", "set_id.edition")
    def _compute_display_name(self):
        for factor in self:
            factor.display_name = f"{factor.key} {factor.name} ({factor.set_id.edition})"

    def _scope3_check_draft_sets(self, sets):
        frozen = sets.filtered(lambda s: s.state != "draft")
        if frozen:
            raise UserError(
                self.env._(
                    "Factor set %(set)s is %(state)s: its factors can no longer be added, "
                    "changed or removed.",
                    set=frozen[0].display_name,
                    state=frozen[0].state,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        set_ids = {vals.get("set_id") for vals in vals_list}
        self._scope3_check_draft_sets(self.env["scope3.factor.set"].browse(set_ids))
        return super().create(vals_list)

    def write(self, vals):
        frozen = self.filtered(lambda f: f.set_id.state != "draft")
        if frozen and changed_field_names(frozen, vals):
            self._scope3_check_draft_sets(frozen.set_id)
        if "set_id" in vals:
            self._scope3_check_draft_sets(self.env["scope3.factor.set"].browse(vals["set_id"]))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        self._scope3_check_draft_sets(self.set_id)

    def _scope3_lookup(self, factor_set, key_type, keys):
        """Factors of ``factor_set`` for ``keys``, as a dict key -> factor."""
        if not keys:
            return {}
        factors = self.search(
            [
                ("set_id", "=", factor_set.id),
                ("key_type", "=", key_type),
                ("key", "in", list(keys)),
            ]
        )
        return {factor.key: factor for factor in factors}

    @api.model
    def _scope3_resolve_spend(self, company, date, products):
        """Resolve the spend-based factor of each product, first hit wins:

        product NAICS code -> product category NAICS code (nearest in the category tree)
        -> company default NAICS code.

        :param products: ``product.product`` records (an empty record stands for a line
            without product, which only the company default can map)
        :return: ``(factor_set, {product: (factor or None, level or None, path)})`` where
            ``path`` lists every level tried, for the calculation trace
        """
        factor_set = self.env["scope3.factor.set"]._scope3_spend_set_for(company, date)
        categ_codes = products.categ_id._scope3_first_in_chain("scope3_naics_code")
        candidates = {}
        for product in [*products, self.env["product.product"]]:
            levels = []
            if product.scope3_naics_code:
                levels.append(("product", product.scope3_naics_code))
            if categ_codes.get(product.categ_id):
                levels.append(("product_category", categ_codes[product.categ_id]))
            if company.scope3_default_naics_code:
                levels.append(("company_default", company.scope3_default_naics_code))
            candidates[product] = levels
        factors = {}
        if factor_set:
            keys = {key for levels in candidates.values() for _level, key in levels}
            factors = self._scope3_lookup(factor_set, "naics", keys)
        result = {}
        for product, levels in candidates.items():
            path = []
            result[product] = (None, None, path)
            for level, key in levels:
                factor = factors.get(key)
                path.append({"level": level, "key": key, "found": bool(factor)})
                if factor:
                    result[product] = (factor, level, path)
                    break
        return factor_set, result
