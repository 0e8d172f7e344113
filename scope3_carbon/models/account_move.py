# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    scope3_co2e_kg = fields.Float(
        string="kg CO2e",
        digits=(16, 3),
        compute="_compute_scope3_co2e_kg",
        help="Net of the ledger entries posted from this bill (reversals included).",
    )
    scope3_entry_count = fields.Integer(compute="_compute_scope3_co2e_kg")

    def _compute_scope3_co2e_kg(self):
        # sudo: the figure is shown to whoever sees the bill; the entries stay protected
        groups = (
            self.env["scope3.emission.entry"]
            .sudo()
            ._read_group(
                [("account_move_id", "in", self.ids)],
                ["account_move_id"],
                ["co2e_kg:sum", "__count"],
            )
        )
        totals = {move.id: (kg, count) for move, kg, count in groups}
        for move in self:
            move.scope3_co2e_kg, move.scope3_entry_count = totals.get(move.id, (0.0, 0))

    def action_view_scope3_entries(self):
        return self.env["scope3.emission.entry"]._scope3_action(
            [("account_move_id", "in", self.ids)]
        )

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
