# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class StockMove(models.Model):
    _inherit = "stock.move"

    def _action_done(self, cancel_backorder=False):
        """Capture receipts and returns of purchased goods (one outbox event per order)
        and the transport legs of done receipts and deliveries (one per transfer).

        Works on the moves ``_action_done`` returns: backorders and merges mean that
        ``self`` is not what was done.
        """
        moves = super()._action_done(cancel_backorder=cancel_backorder)
        done = moves.filtered(lambda m: m.state == "done" and m.purchase_line_id)
        done.purchase_line_id.order_id._scope3_capture("stock.move.done")
        moves.picking_id._scope3_transport_pickings()._scope3_capture("stock.picking.done")
        return moves
