# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

CONFIRMED_STATES = ("purchase", "done")
#: fields of a purchase order whose change moves its lines' figures (conversion date and
#: currency, vendor for supplier-specific factors, company for the factor set)
ORDER_COUNTED_FIELDS = ("date_order", "currency_id", "partner_id", "company_id")


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    scope3_co2e_kg = fields.Float(
        string="kg CO2e",
        digits=(16, 3),
        compute="_compute_scope3_co2e_kg",
        store=True,
        help="Net Scope 3 emissions currently in the ledger for this order.",
    )
    scope3_entry_count = fields.Integer(compute="_compute_scope3_entry_count")
    scope3_estimate_kg = fields.Float(
        string="Est. kg CO2e",
        digits=(16, 3),
        compute="_compute_scope3_estimate_kg",
        compute_sudo=True,
        help="Sum of the lines' live estimates (before confirmation).",
    )

    @api.depends("order_line.scope3_estimate_kg")
    def _compute_scope3_estimate_kg(self):
        for order in self:
            order.scope3_estimate_kg = sum(order.order_line.mapped("scope3_estimate_kg"))

    @api.depends("order_line.scope3_co2e_kg")
    def _compute_scope3_co2e_kg(self):
        for order in self:
            order.scope3_co2e_kg = sum(order.order_line.mapped("scope3_co2e_kg"))

    def _compute_scope3_entry_count(self):
        counts = dict(
            self.env["scope3.emission.entry"]._read_group(
                [("purchase_order_id", "in", self.ids)],
                ["purchase_order_id"],
                ["__count"],
            )
        )
        for order in self:
            order.scope3_entry_count = counts.get(order, 0)

    # ------------------------------------------------------------------------------------
    # Capture (cheap: one outbox row per order, the cron does the work)
    # ------------------------------------------------------------------------------------
    def button_confirm(self):
        before = {order.id: order.state for order in self}
        res = super(PurchaseOrder, self.with_context(scope3_capture_deferred=True)).button_confirm()
        self.filtered(
            lambda o: o.state in CONFIRMED_STATES and before[o.id] not in CONFIRMED_STATES
        )._scope3_capture("purchase.order.confirmed")
        return res

    def button_approve(self, force=False):
        before = {order.id: order.state for order in self}
        res = super().button_approve(force=force)
        if not self.env.context.get("scope3_capture_deferred"):
            # approval of an order waiting for it (double validation)
            self.filtered(
                lambda o: o.state in CONFIRMED_STATES and before[o.id] not in CONFIRMED_STATES
            )._scope3_capture("purchase.order.confirmed")
        return res

    def button_cancel(self):
        before = {order.id: order.state for order in self}
        res = super().button_cancel()
        self.filtered(lambda o: o.state == "cancel" and before[o.id] != "cancel")._scope3_capture(
            "purchase.order.cancelled"
        )
        return res

    def write(self, vals):
        """Capture changes of confirmed orders that move a counted figure (not a note, a
        tag or a reference)."""
        if self.env.context.get("scope3_no_capture") or not set(ORDER_COUNTED_FIELDS) & set(vals):
            return super().write(vals)
        confirmed = self.filtered(lambda o: o.state in CONFIRMED_STATES)
        before = {order: order._scope3_counted_snapshot() for order in confirmed}
        res = super().write(vals)
        confirmed.filtered(
            lambda o: o.state in CONFIRMED_STATES and before[o] != o._scope3_counted_snapshot()
        )._scope3_capture("purchase.order.changed")
        return res

    def _scope3_counted_snapshot(self):
        self.ensure_one()
        return (self.date_order, self.currency_id.id, self.partner_id.id, self.company_id.id)

    def _scope3_capture(self, event_type):
        """Write one outbox event per order (same transaction) and wake the cron
        (``scope3.outbox.event._scope3_enqueue``)."""
        return self.env["scope3.outbox.event"]._scope3_enqueue(
            [order._scope3_event_vals(event_type) for order in self]
        )

    def _scope3_event_vals(self, event_type):
        self.ensure_one()
        return {
            "aggregatetype": self._name,
            "aggregateid": self.id,
            "type": event_type,
            "company_id": self.company_id.id,
            "correlation_id": f"purchase.order:{self.id}",
            "payload": {
                "name": self.name,
                "state": self.state,
                "date_order": fields.Datetime.to_string(self.date_order),
                "partner_id": self.partner_id.id,
                "currency": self.currency_id.name,
                "amount_untaxed": self.amount_untaxed,
                "lines": [
                    {
                        "id": line.id,
                        "product_id": line.product_id.id,
                        "product_qty": line.product_qty,
                        "price_subtotal": line.price_subtotal,
                    }
                    for line in self.order_line
                    if not line.display_type
                ],
            },
        }

    # ------------------------------------------------------------------------------------
    # Attribution (called by the cron on the orders of claimed events)
    # ------------------------------------------------------------------------------------
    def _scope3_attribute_events(self, events):
        """Reconcile the ledger of these orders' lines with their current documents."""
        last_event = {}
        for event in events.sorted("id"):
            last_event[int(event.aggregateid)] = event
        lines = self.order_line.filtered(lambda line: not line.display_type)
        entries = lines._scope3_reconcile(last_event)
        return entries | self._scope3_reverse_orphans(last_event)

    def _scope3_reverse_orphans(self, last_event):
        """Activities of these orders whose line was deleted, or turned into a section or
        note: what they counted is reversed."""
        Activity = self.env["scope3.activity"].sudo()
        orphans = Activity.search(
            [
                ("purchase_order_id", "in", self.ids),
                ("source_type", "=", "purchase_line"),
                "|",
                ("purchase_line_id", "=", False),
                ("purchase_line_id.display_type", "!=", False),
            ]
        )
        if not orphans:
            return self.env["scope3.emission.entry"]
        plans = [
            {
                "activity": activity,
                "event": last_event.get(activity.purchase_order_id.id)
                or self.env["scope3.outbox.event"],
                "activity_vals": {"state": "cancelled", "message": False},
                "stages": {"commitment": [], "receipt": [], "bill": []},
                "reason": "purchase order line deleted",
            }
            for activity in orphans
        ]
        return Activity._scope3_apply(plans)

    def _scope3_receipts(self):
        """Receipts of these orders that are not cancelled (returns excluded)."""
        return self.picking_ids.filtered(
            lambda p: p.picking_type_code == "incoming" and p.state != "cancel"
        )

    # ------------------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------------------
    def action_view_scope3_entries(self):
        return self.env["scope3.emission.entry"]._scope3_action(
            [("purchase_order_id", "in", self.ids)]
        )
