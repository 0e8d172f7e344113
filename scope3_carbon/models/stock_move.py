# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models

#: fields of a done move whose change moves a counted figure: the received quantity of
#: its purchase line (receipt stage) and the weight of its transfer (transport leg)
MOVE_COUNTED_FIELDS = ("quantity", "product_uom", "product_id", "picked", "state")


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_done(self, cancel_backorder=False):
        """Capture receipts and returns of purchased goods (one outbox event per order)
        and the transport legs of done receipts and deliveries (one per transfer).

        Works on the moves ``_action_done`` returns: backorders and merges mean that
        ``self`` is not what was done.
        """
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        moves.filtered(lambda m: m.state == "done")._scope3_capture_done_moves("stock.move.done")
        return moves

    def write(self, vals):
        """Quantity edits of done moves (an unlocked transfer) change what was received
        and moved: captured, once per order and transfer."""
        if self.env.context.get("scope3_no_capture") or not set(MOVE_COUNTED_FIELDS) & set(vals):
            return super().write(vals)
        done = self.filtered(lambda m: m.state == "done")
        before = {move: move._scope3_counted_snapshot() for move in done}
        res = super().write(vals)
        done.filtered(
            lambda m: before[m] != m._scope3_counted_snapshot()
        )._scope3_capture_done_moves("stock.move.changed")
        return res

    def _scope3_counted_snapshot(self):
        self.ensure_one()
        return (self.state, self.product_id.id, self.quantity, self.product_uom.id)

    def _scope3_capture_done_moves(self, event_type):
        """One event per purchase order of these moves, one per transport transfer."""
        if not self or self.env.context.get("scope3_no_capture"):
            return 0
        count = self.purchase_line_id.order_id._scope3_capture(event_type)
        count += self.picking_id._scope3_transport_pickings()._scope3_capture(
            event_type.replace("stock.move", "stock.picking")
        )
        return count
