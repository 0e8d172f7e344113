# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

VENDOR_BILL_TYPES = ("in_invoice", "in_refund")
CUSTOMER_INVOICE_TYPES = ("out_invoice", "out_refund")


class AccountMove(models.Model):
    _inherit = "account.move"

    scope3_co2e_kg = fields.Float(
        string="kg CO2e",
        digits=(16, 3),
        compute="_compute_scope3_co2e_kg",
        help="Net of the ledger entries posted from this bill (reversals included).",
    )
    scope3_entry_count = fields.Integer(compute="_compute_scope3_co2e_kg")
    scope3_receipt_ids = fields.Many2many(
        "stock.picking",
        "account_move_scope3_receipt_rel",
        "move_id",
        "picking_id",
        string="Freight for Receipts",
        domain="[('picking_type_code', '=', 'incoming'), ('company_id', '=', company_id)]",
        check_company=True,
        copy=False,
        help="On a carrier's bill: the receipts whose transport it charges. Its freight "
        "lines then count for these receipts, and freight charged on the goods order or "
        "bill of the same receipts counts nothing; a distance-based transport activity of "
        "a receipt outranks both.",
    )

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

    def write(self, vals):
        """Linking a carrier bill to receipts (or unlinking it) re-attributes the bill and
        the freight of those receipts it competes with."""
        if "scope3_receipt_ids" not in vals:
            return super().write(vals)
        before = self.scope3_receipt_ids
        res = super().write(vals)
        posted = self.filtered(lambda m: m.state == "posted")
        if posted:
            posted._scope3_capture_moves("account.move.receipts", freight=False)
            (before | self.scope3_receipt_ids)._scope3_recapture_freight(exclude_moves=posted)
        return res

    def action_view_scope3_entries(self):
        return self.env["scope3.emission.entry"]._scope3_action(
            [("account_move_id", "in", self.ids)]
        )

    # ------------------------------------------------------------------------------------
    # Capture
    # ------------------------------------------------------------------------------------
    def _post(self, soft=True):
        """Capture posted bills, refunds and customer invoices (``_post`` returns the moves
        actually posted: ``soft`` may leave future-dated ones as drafts)."""
        posted = super()._post(soft=soft)
        posted._scope3_capture_purchases("account.move.posted")
        posted._scope3_capture_moves("account.move.posted")
        return posted

    def button_draft(self):
        res = super().button_draft()
        self._scope3_capture_purchases("account.move.draft")
        self._scope3_capture_moves("account.move.draft")
        return res

    def button_cancel(self):
        res = super().button_cancel()
        self._scope3_capture_purchases("account.move.cancelled")
        self._scope3_capture_moves("account.move.cancelled")
        return res

    def _scope3_capture_purchases(self, event_type):
        """One outbox event per purchase order these vendor bills / refunds bill."""
        bills = self.filtered(lambda m: m.move_type in VENDOR_BILL_TYPES)
        bills.invoice_line_ids.purchase_line_id.order_id._scope3_capture(event_type)

    def _scope3_capture_moves(self, event_type, freight=True):
        """One outbox event (aggregate ``account.move``) per move with Scope 3 sources of
        its own: vendor bills and refunds with lines without a purchase order line, and
        customer invoices and refunds selling products with sold-product factors; moves
        that already have activities are captured too, so that their figures follow.

        Lines billing a purchase order line stay with the order's events (staged
        refinement, see ``purchase.order.line._scope3_reconcile``).

        :param bool freight: also re-attribute the freight competing for the receipts a
            carrier bill among these moves is linked to
        :return: number of events recorded
        """
        if not self or self.env.context.get("scope3_no_capture"):
            return 0
        moves = self.filtered(lambda m: m.move_type in VENDOR_BILL_TYPES + CUSTOMER_INVOICE_TYPES)
        if not moves:
            return 0
        counted = {
            move
            for [move] in self.env["scope3.activity"]
            .sudo()
            ._read_group(
                [
                    ("account_move_id", "in", moves.ids),
                    ("source_type", "in", ("bill_line", "invoice_line")),
                ],
                ["account_move_id"],
            )
        }
        sourced = moves._scope3_bill_source_lines().move_id | self.env["account.move"].union(
            *[line.move_id for line, _number in moves._scope3_invoice_source_lines()]
        )
        todo = moves.filtered(lambda m: m in counted or m in sourced)
        count = self.env["scope3.outbox.event"]._scope3_enqueue(
            [move._scope3_event_vals(event_type) for move in todo]
        )
        carrier_bills = moves.filtered("scope3_receipt_ids")
        if freight and carrier_bills:
            count += carrier_bills.scope3_receipt_ids._scope3_recapture_freight(exclude_moves=moves)
        return count

    def _scope3_event_vals(self, event_type):
        self.ensure_one()
        return {
            "aggregatetype": self._name,
            "aggregateid": self.id,
            "type": event_type,
            "company_id": self.company_id.id,
            "correlation_id": f"account.move:{self.id}",
            "payload": {
                "name": self.name,
                "move_type": self.move_type,
                "state": self.state,
                "date": fields.Date.to_string(self.date),
                "invoice_date": fields.Date.to_string(self.invoice_date),
                "partner_id": self.partner_id.id,
                "currency": self.currency_id.name,
                "amount_untaxed": self.amount_untaxed,
                "receipt_ids": self.scope3_receipt_ids.ids,
                "lines": [
                    {
                        "id": line.id,
                        "product_id": line.product_id.id,
                        "account_id": line.account_id.id,
                        "purchase_line_id": line.purchase_line_id.id,
                        "quantity": line.quantity,
                        "price_subtotal": line.price_subtotal,
                    }
                    for line in self.invoice_line_ids
                    if line.display_type == "product"
                ],
            },
        }

    def _scope3_bill_source_lines(self):
        """Lines of these vendor bills and refunds that are activities of their own: product
        lines that do not bill a purchase order line."""
        return self.filtered(lambda m: m.move_type in VENDOR_BILL_TYPES).invoice_line_ids.filtered(
            lambda line: line.display_type == "product" and not line.purchase_line_id
        )

    def _scope3_invoice_source_lines(self):
        """``(line, category number)`` of these customer invoices and refunds: one per sold
        product line and sold-product factor (categories 10, 11, 12) of its product."""
        lines = self.filtered(
            lambda m: m.move_type in CUSTOMER_INVOICE_TYPES
        ).invoice_line_ids.filtered(lambda line: line.display_type == "product" and line.product_id)
        return [
            (line, number) for line in lines for number in line.product_id._scope3_sold_factors()
        ]

    def _scope3_goods_receipts(self):
        """Receipts of the purchase orders these bills bill (for freight charged on them)."""
        return self.invoice_line_ids.purchase_line_id.order_id._scope3_receipts()

    # ------------------------------------------------------------------------------------
    # Attribution (called by the cron on the moves of claimed events)
    # ------------------------------------------------------------------------------------
    def _scope3_attribute_events(self, events):
        """Reconcile the ledger of these moves' own activities (bill lines without an
        order, sold products) with their current state."""
        last_event = {}
        for event in events.sorted("id"):
            last_event[int(event.aggregateid)] = event
        Line = self.env["account.move.line"]
        activities = Line._scope3_ensure_activities(self)
        plans = Line._scope3_bill_line_plans(
            activities.filtered(lambda a: a.source_type == "bill_line"), last_event
        )
        plans += Line._scope3_invoice_line_plans(
            activities.filtered(lambda a: a.source_type == "invoice_line"), last_event
        )
        return self.env["scope3.activity"]._scope3_apply(plans)
