# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    scope3_entry_count = fields.Integer(compute="_compute_scope3_entry_count")

    def _compute_scope3_entry_count(self):
        Entry = self.env["scope3.emission.entry"].sudo()  # a count, shown with the picking
        for picking in self:
            lines = picking.move_ids.purchase_line_id
            picking.scope3_entry_count = (
                Entry.search_count([("purchase_line_id", "in", lines.ids)]) if lines else 0
            )

    def action_view_scope3_entries(self):
        """Entries of the purchase lines this receipt (or return) moves goods for."""
        lines = self.move_ids.purchase_line_id
        return self.env["scope3.emission.entry"]._scope3_action(
            [("purchase_line_id", "in", lines.ids)]
        )
