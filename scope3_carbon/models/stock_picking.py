# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    scope3_entry_count = fields.Integer(compute="_compute_scope3_entry_count")

    def _compute_scope3_entry_count(self):
        # sudo: a count shown with the picking; one grouped query for all pickings
        groups = (
            self.env["scope3.emission.entry"]
            .sudo()
            ._read_group(
                [("purchase_line_id", "in", self.move_ids.purchase_line_id.ids)],
                ["purchase_line_id"],
                ["__count"],
            )
        )
        by_line = {line.id: count for line, count in groups}
        for picking in self:
            picking.scope3_entry_count = sum(
                by_line.get(line_id, 0) for line_id in picking.move_ids.purchase_line_id.ids
            )

    def action_view_scope3_entries(self):
        """Entries of the purchase lines this receipt (or return) moves goods for."""
        lines = self.move_ids.purchase_line_id
        return self.env["scope3.emission.entry"]._scope3_action(
            [("purchase_line_id", "in", lines.ids)]
        )
