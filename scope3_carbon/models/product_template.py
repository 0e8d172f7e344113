# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

NAICS_RE = re.compile(r"^\d{6}$")


def check_naics_codes(records, field_name):
    """Raise a ValidationError unless every set code is a 6-digit NAICS code."""
    for record in records:
        code = record[field_name]
        if code and not NAICS_RE.match(code):
            raise ValidationError(
                records.env._(
                    "%(code)s is not a NAICS-6 code (six digits, e.g. 331110) on %(record)s.",
                    code=code,
                    record=record.display_name,
                )
            )


class ProductTemplate(models.Model):
    _inherit = "product.template"

    scope3_naics_code = fields.Char(
        string="NAICS Code",
        help="NAICS-6 industry code of what this product is, used to pick its spend-based "
        "emission factor (e.g. 331110 Iron and steel mills). When empty, the product "
        "category's code applies, then the company default.",
    )

    scope3_factor_id = fields.Many2one(
        "scope3.factor",
        string="Activity Emission Factor",
        domain="[('set_id.factor_type', '=', 'activity'), ('is_wtt', '=', False), "
        "('set_id.state', 'in', ('published', 'superseded'))]",
        help="Activity-based factor of this product (e.g. kg CO2e per tonne of steel). It is "
        "applied to the purchased quantity, converted to the factor's unit (through the "
        "product weight when the factor is per mass and the product is counted in units). "
        "It takes precedence over the NAICS code.",
    )

    scope3_entry_count = fields.Integer(compute="_compute_scope3_entry_count")

    @api.constrains("scope3_naics_code")
    def _check_scope3_naics_code(self):
        check_naics_codes(self, "scope3_naics_code")

    def _compute_scope3_entry_count(self):
        groups = (
            self.env["scope3.emission.entry"]
            .sudo()
            ._read_group(
                [("product_id.product_tmpl_id", "in", self.ids)],
                ["product_id"],
                ["__count"],
            )
        )
        counts = {}
        for product, count in groups:
            counts[product.product_tmpl_id.id] = counts.get(product.product_tmpl_id.id, 0) + count
        for template in self:
            template.scope3_entry_count = counts.get(template.id, 0)

    def action_view_scope3_entries(self):
        return self.env["scope3.emission.entry"]._scope3_action(
            [("product_id.product_tmpl_id", "in", self.ids)]
        )

    @api.onchange("scope3_naics_code")
    def _onchange_scope3_naics_code(self):
        for template in self:
            if template.scope3_naics_code:
                template.scope3_naics_code = template.scope3_naics_code.strip()
