# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .purchase_order_line_display import NOT_CALCULATED


class PurchaseOrder(models.Model):
    # a separate file by design: display of the figures, apart from their capture
    _inherit = "purchase.order"  # pylint: disable=consider-merging-classes-inherited

    scope3_ledger_kg = fields.Float(
        string="kg CO2e in the Ledger",
        digits=(16, 3),
        compute="_compute_scope3_ledger",
        compute_sudo=True,
        help="Net kg CO2e of every ledger entry of the order: its lines (goods and "
        "services) and the transport of its receipts. It is what the CO2e button opens.",
    )
    scope3_lines_kg = fields.Float(
        string="Lines kg CO2e", digits=(16, 3), compute="_compute_scope3_ledger", compute_sudo=True
    )
    scope3_transport_kg = fields.Float(
        string="Transport kg CO2e",
        digits=(16, 3),
        compute="_compute_scope3_ledger",
        compute_sudo=True,
    )
    scope3_not_calculated_count = fields.Integer(
        string="Lines Not Calculated", compute="_compute_scope3_coverage"
    )
    scope3_coverage_note = fields.Char(string="CO2e Coverage", compute="_compute_scope3_coverage")
    scope3_status = fields.Selection(
        [
            ("calculated", "Calculated"),
            ("partial", "Partly calculated"),
            ("not_calculated", "Not calculated"),
        ],
        string="CO2e Status",
        compute="_compute_scope3_coverage",
    )

    def _compute_scope3_ledger(self):
        lines_kg, transport_kg = {}, {}
        for order, stage, amount in (
            self.env["scope3.emission.entry"]
            .sudo()
            ._read_group(
                [("purchase_order_id", "in", self.ids)],
                ["purchase_order_id", "stage"],
                ["co2e_kg:sum"],
            )
        ):
            sums = transport_kg if stage == "transport" else lines_kg
            sums[order.id] = sums.get(order.id, 0.0) + amount
        for order in self:
            order.scope3_lines_kg = lines_kg.get(order.id, 0.0)
            order.scope3_transport_kg = transport_kg.get(order.id, 0.0)
            order.scope3_ledger_kg = order.scope3_lines_kg + order.scope3_transport_kg

    def _compute_scope3_coverage(self):
        for order in self:
            lines = order.order_line.filtered(lambda line: line.scope3_status)
            missing = lines.filtered(lambda line: line.scope3_status in NOT_CALCULATED)
            order.scope3_not_calculated_count = len(missing)
            order.scope3_status = False
            if not lines or order.state not in ("purchase", "done"):
                order.scope3_coverage_note = False
                continue
            if not missing:
                order.scope3_status = "calculated"
            else:
                order.scope3_status = "partial" if len(missing) < len(lines) else "not_calculated"
            if missing:
                order.scope3_coverage_note = self.env._(
                    "%(missing)s of %(lines)s lines not calculated: the total leaves them out.",
                    missing=len(missing),
                    lines=len(lines),
                )
            elif order.scope3_transport_kg:
                order.scope3_coverage_note = self.env._(
                    "All lines calculated; the total includes the transport of the receipts."
                )
            else:
                order.scope3_coverage_note = self.env._("All lines calculated.")

    def action_scope3_calculate(self, *args):
        """Send confirmed orders without a figure (confirmed before the install, or never
        captured) to the ledger: their confirmation event is queued again."""
        orders = self.filtered(
            lambda order: order.state in ("purchase", "done")
            and any(line.scope3_status == "not_captured" for line in order.order_line)
        )
        if orders:
            orders._scope3_capture("purchase.order.confirmed")
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "info",
                "message": self.env._(
                    "No order to send to the ledger: every line is captured already."
                )
                if not orders
                else self.env._(
                    "1 order sent to the ledger: its figures appear once the attribution job "
                    "has run."
                )
                if len(orders) == 1
                else self.env._(
                    "%(count)s orders sent to the ledger: their figures appear once the "
                    "attribution job has run.",
                    count=len(orders),
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }
