# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

MOVE_LINE_COUNTED_FIELDS = ("quantity", "product_uom_id", "product_id", "move_id")


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._scope3_done_moves()._scope3_capture_done_moves("stock.move.changed")
        return lines

    def write(self, vals):
        """Detailed operations of a done move edited (an unlocked transfer): the move's
        quantity follows, and so do the figures counted from it."""
        if self.env.context.get("scope3_no_capture") or not set(MOVE_LINE_COUNTED_FIELDS) & set(
            vals
        ):
            return super().write(vals)
        moves = self._scope3_done_moves()
        before = {move: move._scope3_counted_snapshot() for move in moves}
        res = super().write(vals)
        moves |= self._scope3_done_moves()
        moves.filtered(
            lambda m: before.get(m) != m._scope3_counted_snapshot()
        )._scope3_capture_done_moves("stock.move.changed")
        return res

    def unlink(self):
        moves = self._scope3_done_moves()
        res = super().unlink()
        moves.exists()._scope3_capture_done_moves("stock.move.changed")
        return res

    def _scope3_done_moves(self):
        if self.env.context.get("scope3_no_capture"):
            return self.env["stock.move"]
        return self.move_id.filtered(lambda m: m.state == "done")
