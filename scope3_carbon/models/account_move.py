# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class AccountMove(models.Model):
    _inherit = "account.move"

    def _post(self, soft=True):
        """Capture posted vendor bills and refunds of purchase orders (``_post`` returns
        the moves actually posted: ``soft`` may leave future-dated ones as drafts)."""
        posted = super()._post(soft=soft)
        posted._scope3_capture_purchases("account.move.posted")
        return posted

    def button_draft(self):
        res = super().button_draft()
        self._scope3_capture_purchases("account.move.draft")
        return res

    def button_cancel(self):
        res = super().button_cancel()
        self._scope3_capture_purchases("account.move.cancelled")
        return res

    def _scope3_capture_purchases(self, event_type):
        """One outbox event per purchase order these vendor bills / refunds bill."""
        bills = self.filtered(lambda m: m.move_type in ("in_invoice", "in_refund"))
        bills.invoice_line_ids.purchase_line_id.order_id._scope3_capture(event_type)
