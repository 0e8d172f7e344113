# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from .purchase_order import CONFIRMED_STATES

#: what a purchase line's Scope 3 figure is, shown instead of a silent 0.000
LINE_STATUSES = [
    ("estimate", "Estimate"),
    ("calculated", "Calculated"),
    ("pending", "Waiting"),
    ("unmapped", "Not calculated: unmapped"),
    ("not_captured", "Not calculated: not captured"),
    ("excluded", "Excluded"),
    ("cancelled", "Cancelled"),
]
NOT_CALCULATED = ("pending", "unmapped", "not_captured")


class PurchaseOrderLine(models.Model):
    # a separate file by design: display of the figures, apart from their capture
    _inherit = "purchase.order.line"  # pylint: disable=consider-merging-classes-inherited

    scope3_status = fields.Selection(
        LINE_STATUSES,
        string="CO2e Status",
        compute="_compute_scope3_status",
        compute_sudo=True,  # buyers see why a line has no figure without reading activities
        help="Calculated: the line's kg CO2e is in the ledger. Waiting: the order's event is "
        "not processed yet. Not calculated (unmapped): no emission factor could be found for "
        "the product (set its NAICS code, category or a mapping rule, then attribute again). "
        "Not calculated (not captured): the order was confirmed before Scope 3 Carbon was "
        "installed, or never reached the ledger.",
    )
    scope3_status_reason = fields.Char(
        string="Why Not Calculated", compute="_compute_scope3_status", compute_sudo=True
    )

    @api.depends(
        "order_id.state",
        "display_type",
        "scope3_activity_ids.state",
        "scope3_activity_ids.message",
    )
    @api.depends_context("lang")
    def _compute_scope3_status(self):
        pending_orders = set()
        confirmed = self.filtered(
            lambda line: line.order_id.state in CONFIRMED_STATES and not line.scope3_activity_ids
        )
        if confirmed:
            pending_orders = {
                int(aggregateid)
                for (aggregateid,) in self.env["scope3.outbox.event"]
                .sudo()
                ._read_group(
                    [
                        ("state", "in", ("pending", "failed")),
                        ("aggregatetype", "=", "purchase.order"),
                        ("aggregateid", "in", [str(i) for i in confirmed.order_id.ids]),
                    ],
                    ["aggregateid"],
                )
            }
        for line in self:
            status, reason = line._scope3_line_status(pending_orders)
            line.scope3_status = status
            line.scope3_status_reason = reason

    def _scope3_line_status(self, pending_orders):
        """``(status, reason)`` of one line, the reason translated."""
        self.ensure_one()
        order = self.order_id
        if self.display_type:
            return False, False
        if order.state == "cancel":
            return "cancelled", False
        if order.state not in CONFIRMED_STATES:
            return "estimate", False
        activities = self.scope3_activity_ids
        states = set(activities.mapped("state"))
        if not activities:
            if order.id in pending_orders:
                return "pending", self.env._("The order's event waits for the attribution job.")
            return "not_captured", self.env._(
                "Confirmed before Scope 3 Carbon was installed, or never captured: "
                "calculate the order."
            )
        if "unmapped" in states:
            messages = activities.filtered(lambda a: a.state == "unmapped").mapped(
                "message_display"
            )
            return "unmapped", "; ".join(m for m in messages if m) or self.env._(
                "No emission factor was found for this product."
            )
        if "pending" in states:
            return "pending", self.env._("Waiting for the attribution job.")
        if states <= {"excluded", "cancelled"}:
            return "excluded", False
        return "calculated", False

    def action_scope3_fix(self, *args):
        """Where to fix a line without a figure: its activity (Attribute Again), or the
        order's calculation when the line was never captured."""
        self.ensure_one()
        activities = self.scope3_activity_ids
        if not activities:
            return self.order_id.action_scope3_calculate()
        return {
            "type": "ir.actions.act_window",
            "res_model": "scope3.activity",
            "res_id": activities[:1].id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }
