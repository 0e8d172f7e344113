# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from .product_template import check_naics_codes


class ProductCategory(models.Model):
    _inherit = "product.category"

    scope3_naics_code = fields.Char(
        string="NAICS Code",
        help="NAICS-6 code applied to the products of this category (and its subcategories) "
        "that have no code of their own.",
    )
    scope3_category_id = fields.Many2one(
        "scope3.category",
        string="Scope 3 Category",
        help="GHG Protocol category of purchases of these products (and of subcategories "
        "without their own). Empty: category 1, purchased goods and services.",
    )
    scope3_is_freight = fields.Boolean(
        string="Freight Services",
        help="Products of this category (and its subcategories) are freight charges, "
        "subject to the freight double-counting guard.",
    )

    @api.constrains("scope3_naics_code")
    def _check_scope3_naics_code(self):
        check_naics_codes(self, "scope3_naics_code")

    def write(self, vals):
        changed = self.browse()
        if "scope3_naics_code" in vals:
            changed = self.filtered(
                lambda c: (c.scope3_naics_code or False) != (vals["scope3_naics_code"] or False)
            )
        res = super().write(vals)
        if changed:
            # products of the category tree without a code of their own may change
            self.env["scope3.restatement"]._scope3_propose_for_products(
                [("product_id.categ_id", "child_of", changed.ids)],
                self.env._(
                    "NAICS code of the product category %(categories)s changed.",
                    categories=", ".join(changed.mapped("display_name")),
                ),
            )
        return res

    def _scope3_first_in_chain(self, field_name):
        """For each category, the first value of ``field_name`` found walking up to the root."""
        parent_ids = {int(pid) for categ in self for pid in categ.parent_path.split("/") if pid}
        parents = self.browse(parent_ids)
        values = {parent.id: parent[field_name] for parent in parents}
        result = {}
        for categ in self:
            chain = [int(pid) for pid in reversed(categ.parent_path.split("/")) if pid]
            result[categ] = next((values[pid] for pid in chain if values.get(pid)), False)
        return result
