# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class Scope3Category(models.Model):
    """One of the 15 Scope 3 categories of the GHG Protocol (reference data, read-only)."""

    _name = "scope3.category"
    _description = "Scope 3 Category"
    _order = "number"
    _rec_names_search = ["name", "number"]

    number = fields.Integer(required=True, readonly=True)
    name = fields.Char(required=True, readonly=True, translate=True)
    direction = fields.Selection(
        [("upstream", "Upstream"), ("downstream", "Downstream")],
        required=True,
        readonly=True,
    )
    description = fields.Text(translate=True)

    _sql_constraints = [
        ("number_uniq", "unique(number)", "Each Scope 3 category number exists once."),
        (
            "number_range",
            "CHECK(number BETWEEN 1 AND 15)",
            "Scope 3 categories run from 1 to 15.",
        ),
    ]

    @api.depends("number", "name")
    def _compute_display_name(self):
        for category in self:
            category.display_name = f"{category.number}. {category.name}"
