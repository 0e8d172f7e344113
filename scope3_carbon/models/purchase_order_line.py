# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import math

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare

from ..tools import insert_rows
from .purchase_order import CONFIRMED_STATES

#: fields of a purchase order line whose change moves a counted figure (commitment,
#: receipt or bill stage): written on a line of a confirmed order, they are captured
LINE_COUNTED_FIELDS = (
    "product_id",
    "product_qty",
    "product_uom",
    "price_unit",
    "discount",
    "taxes_id",
    "qty_received",
    "qty_received_manual",
    "display_type",
    "order_id",
)


class PurchaseOrderLine(models.Model):
    _inherit = "purchase.order.line"

    scope3_activity_ids = fields.One2many(
        "scope3.activity", "purchase_line_id", string="Scope 3 Activities"
    )
    scope3_co2e_kg = fields.Float(
        string="kg CO2e",
        digits=(16, 3),
        compute="_compute_scope3_co2e_kg",
        store=True,
        help="Net Scope 3 emissions currently in the ledger for this line.",
    )

    scope3_dq_score = fields.Integer(
        string="DQ",
        compute="_compute_scope3_dq_score",
        compute_sudo=True,
        help="Data quality score of the line's current figure, 1 (verified supplier data) "
        "to 5 (generic spend-based estimate).",
    )
    scope3_estimate_kg = fields.Float(
        string="Est. kg CO2e",
        digits=(16, 3),
        compute="_compute_scope3_estimate",
        compute_sudo=True,  # buyers see the estimate without reading the factor library
        help="Live estimate of the line as it is typed (first usable factor of the "
        "resolution chain for this product, vendor, quantity, amount and date), to "
        "compare vendors before confirming. Nothing is recorded until the order is "
        "confirmed.",
    )
    scope3_estimate_dq = fields.Integer(
        string="Est. DQ",
        compute="_compute_scope3_estimate",
        compute_sudo=True,
        help="Data quality score of the estimate, 1 (verified supplier data) to 5.",
    )

    @api.depends("scope3_activity_ids.dq_score")
    def _compute_scope3_dq_score(self):
        for line in self:
            line.scope3_dq_score = max(line.scope3_activity_ids.mapped("dq_score") or [0])

    @api.depends("scope3_activity_ids.co2e_kg")
    def _compute_scope3_co2e_kg(self):
        for line in self:
            line.scope3_co2e_kg = sum(line.scope3_activity_ids.mapped("co2e_kg"))

    @api.depends(
        "product_id",
        "product_qty",
        "product_uom",
        "price_subtotal",
        "currency_id",
        "order_id.partner_id",
        "order_id.date_order",
        "company_id",
    )
    def _compute_scope3_estimate(self):
        """Estimate each line with the same resolution and calculation as the commitment
        stage (``scope3.activity._scope3_quick_estimates``)."""
        Activity = self.env["scope3.activity"]
        lines = self.filtered(
            lambda line: not line.display_type and line.product_id and line.order_id.date_order
        )
        (self - lines).update({"scope3_estimate_kg": 0.0, "scope3_estimate_dq": 0})
        sources = []
        for line in lines:
            source = line._scope3_source(Activity, "estimate")
            source["company"] = line.company_id or line.order_id.company_id or self.env.company
            sources.append(source)
        for line, (kg, dq) in zip(lines, Activity._scope3_quick_estimates(sources), strict=True):
            line.scope3_estimate_kg, line.scope3_estimate_dq = kg, dq

    @api.constrains("product_qty", "price_unit", "discount")
    def _check_scope3_finite(self):
        """A non-finite number (NaN, infinity) would be stored by PostgreSQL and poison
        every figure computed from it: refused."""
        for line in self:
            for name in ("product_qty", "price_unit", "discount"):
                if not math.isfinite(line[name] or 0.0):
                    raise ValidationError(
                        self.env._(
                            "%(field)s of %(line)s must be a finite number.",
                            field=line._fields[name].get_description(self.env)["string"],
                            line=line.display_name,
                        )
                    )

    # ------------------------------------------------------------------------------------
    # Capture of edits on confirmed orders (one outbox event per order and transaction)
    # ------------------------------------------------------------------------------------
    def _scope3_check_finite_vals(self, vals):
        """Refuse a non-finite number before Odoo rounds or stores it."""
        for name in ("product_qty", "price_unit", "discount", "qty_received"):
            value = vals.get(name)
            if isinstance(value, float) and not math.isfinite(value):
                raise ValidationError(
                    self.env._(
                        "%(field)s must be a finite number, not %(value)s.",
                        field=self._fields[name].get_description(self.env)["string"],
                        value=value,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._scope3_check_finite_vals(vals)
        lines = super().create(vals_list)
        lines._scope3_confirmed().order_id._scope3_capture("purchase.order.line.created")
        return lines

    def write(self, vals):
        self._scope3_check_finite_vals(vals)
        if self.env.context.get("scope3_no_capture") or not set(LINE_COUNTED_FIELDS) & set(vals):
            return super().write(vals)
        watched = self._scope3_confirmed()
        before = {line: line._scope3_counted_snapshot() for line in watched}
        orders_before = watched.order_id
        res = super().write(vals)
        changed = watched.filtered(lambda line: before[line] != line._scope3_counted_snapshot())
        orders = changed.order_id
        if changed and "order_id" in vals:
            orders |= orders_before  # a line moved to another order changes both
        orders.filtered(lambda o: o.state in CONFIRMED_STATES)._scope3_capture(
            "purchase.order.line.changed"
        )
        return res

    def unlink(self):
        orders = self._scope3_confirmed().order_id
        res = super().unlink()
        orders.exists()._scope3_capture("purchase.order.line.deleted")
        return res

    def _scope3_confirmed(self):
        """Lines of confirmed orders (their figures are in the ledger)."""
        if self.env.context.get("scope3_no_capture"):
            return self.browse()
        return self.filtered(lambda line: line.order_id.state in CONFIRMED_STATES)

    def _scope3_counted_snapshot(self):
        """What the line's figures depend on, to tell a counted change from a note edit."""
        self.ensure_one()
        return (
            self.order_id.id,
            self.display_type,
            self.product_id.id,
            self.product_qty,
            self.product_uom.id,
            self.price_subtotal,
            self.qty_received,
        )

    # ------------------------------------------------------------------------------------
    # Attribution
    # ------------------------------------------------------------------------------------
    def _scope3_activity_vals(self):
        """Values of the line's activity that follow the line as it changes."""
        self.ensure_one()
        order = self.order_id
        return {
            "name": f"{order.name} / {self.product_id.display_name or self.name}",
            "company_id": self.company_id.id,
            "purchase_order_id": order.id,
            "purchase_line_id": self.id,
            "partner_id": order.partner_id.id,
            "product_id": self.product_id.id,
            "quantity": self.product_qty,
            "uom_id": self.product_uom.id,
            "amount": self.price_subtotal,
            "currency_id": self.currency_id.id,
            "date": order.date_order.date(),
            "correlation_id": f"purchase.order:{order.id}",
        }

    def _scope3_ensure_activities(self, vals_by_line):
        """The activity of each line, created when missing, as a dict line -> activity.

        :param dict vals_by_line: line -> ``_scope3_activity_vals()`` of the line
        """
        Activity = self.env["scope3.activity"].sudo()  # activities are maintained by code
        activities = Activity.search([("purchase_line_id", "in", self.ids)])
        by_line = {activity.purchase_line_id: activity for activity in activities}
        # in line order: the same documents give the same activity ids whatever the order
        # the events came in
        missing = self.filtered(lambda line: line not in by_line).sorted("id")
        # set-based: activities are written by code only, and the cron creates thousands
        created = insert_rows(
            Activity,
            [vals_by_line[line] for line in missing],
            defaults={"state": "pending", "source_type": "purchase_line"},
        )
        missing.invalidate_recordset(["scope3_activity_ids"])
        by_line.update(zip(missing, created, strict=True))
        return by_line

    def _scope3_categories(self):
        """GHG Protocol category of each line: from the product category tree, else 4 for a
        freight service, else 1."""
        default = self.env.ref("scope3_carbon.scope3_category_01")
        transport = self.env.ref("scope3_carbon.scope3_category_04")
        by_categ = self.product_id.categ_id._scope3_first_in_chain("scope3_category_id")
        freight = self.product_id._scope3_freight_products()
        return {
            line: by_categ.get(line.product_id.categ_id)
            or (transport if line.product_id in freight else default)
            for line in self
        }

    def _scope3_freight_exclusions(self):
        """Freight lines of confirmed orders outranked by another source for the order's
        receipts, as line -> why (rank 3: freight on the goods order; see
        ``stock.picking._scope3_freight_losers``)."""
        freight = self.product_id._scope3_freight_products()
        claims = {
            line: (3, line.order_id._scope3_receipts())
            for line in self
            if line.product_id in freight and line.order_id.state in CONFIRMED_STATES
        }
        return self.env["stock.picking"]._scope3_freight_losers(claims)

    def _scope3_reconcile(self, last_event):
        """Bring the ledger of each line in line with the best data its documents give.

        Staged refinement (three-way carbon match), one stage counted at a time:

        - ``bill``: posted vendor bill and refund lines of the purchase line exist with a
          non-zero net quantity -> one figure per posted bill line (refunds negative), at
          the bill's date, from its quantity and amount;
        - ``receipt``: else, goods were received (net of returns) -> the received
          quantity, valued at the order's price for spend-based factors;
        - ``commitment``: else, the order is confirmed -> the ordered quantity and amount.

        The other stages are reversed, so every activity is counted exactly once; lines of
        orders that are not (or no longer) confirmed count nothing, nor do freight lines
        outranked by a transport activity or a carrier bill of the order's receipts
        (freight double-counting guard, ``_scope3_freight_exclusions``). Each figure comes from
        the first usable level of the resolution chain (``scope3.factor._scope3_candidates``).

        :param dict last_event: order id -> the outbox event being processed
        """
        activities = self._scope3_ensure_activities(
            {line: line._scope3_activity_vals() for line in self}
        )
        plans = self._scope3_plans(activities, last_event)
        return self.env["scope3.activity"]._scope3_apply(plans)

    def _scope3_plans(self, activities, last_event):
        """The plans (see ``scope3.activity._scope3_apply``) that bring each line's ledger
        in line with its documents, computed from their current state; nothing is written.

        :param dict activities: line -> its activity
        :param dict last_event: order id -> the outbox event being processed (an empty
            recordset for a restatement's shadow run)
        """
        categories = self._scope3_categories()
        losers = self._scope3_freight_exclusions()
        line_vals = {
            line: dict(line._scope3_activity_vals(), category_id=categories[line].id)
            for line in self
        }
        plans, sources = {}, []
        for line in self:
            order = line.order_id
            plan = plans[line] = {
                "activity": activities[line],
                "event": last_event.get(order.id) or self.env["scope3.outbox.event"],
                "activity_vals": dict(line_vals[line]),
                "stages": {"commitment": [], "receipt": [], "bill": []},
                "reason": f"purchase order {order.name} is {order.state}",
            }
            if order.state not in CONFIRMED_STATES:
                plan["activity_vals"].update(
                    state="cancelled" if order.state == "cancel" else "pending", message=False
                )
                continue
            if line in losers:
                # freight double-counting guard: another source counts this freight
                self.env["scope3.activity"]._scope3_plan_not_counted(plan, "excluded", losers[line])
                plan["reason"] = losers[line]
                continue
            stage, stage_sources, reason = line._scope3_stage_sources(activities[line])
            plan["reason"] = reason
            sources += [(line, stage, source) for source in stage_sources]
        self.env["scope3.activity"]._scope3_estimate_sources(plans, sources)
        return list(plans.values())

    def _scope3_stage_sources(self, activity):
        """The stage to count for this line of a confirmed order, its sources (what to
        compute) and the reason for reversing the other stages."""
        self.ensure_one()
        bill_lines = self._scope3_posted_bill_lines()
        if bill_lines and self._scope3_net_billed_qty(bill_lines):
            return (
                "bill",
                [self._scope3_bill_source(activity, bill_line) for bill_line in bill_lines],
                "vendor bill posted: the bill stage replaces the earlier estimates",
            )
        precision = self.env["decimal.precision"].precision_get("Product Unit of Measure")
        if float_compare(self.qty_received, 0.0, precision_digits=precision) > 0:
            return (
                "receipt",
                [self._scope3_receipt_source(activity)],
                "goods received: the receipt stage replaces the commitment estimate",
            )
        return (
            "commitment",
            [self._scope3_source(activity, "commitment")],
            f"purchase order {self.order_id.name} changed",
        )

    def _scope3_posted_bill_lines(self):
        self.ensure_one()
        return self.invoice_lines.filtered(
            lambda aml: aml.move_id.state == "posted" and aml.display_type == "product"
        )

    @staticmethod
    def _scope3_bill_sign(bill_line):
        return -1 if bill_line.move_id.move_type == "in_refund" else 1

    def _scope3_net_billed_qty(self, bill_lines):
        return sum(
            self._scope3_bill_sign(bl)
            * bl.product_uom_id._compute_quantity(bl.quantity, self.product_uom)
            for bl in bill_lines
        )

    def _scope3_source(self, activity, stage, **values):
        """What to compute for this line: what is bought, from whom, how much, when
        (the date of conversions), plus identifiers for the trace. Defaults: the order."""
        self.ensure_one()
        order = self.order_id
        source = {
            "company": self.company_id,
            "date": order.date_order.date(),
            "amount": self.price_subtotal,
            "currency": self.currency_id,
            "quantity": self.product_qty,
            "uom": self.product_uom,
            "product": self.product_id,
            "partner": order.partner_id,
            "entry_vals": {"date": order.date_order.date()},
            "resolution_item": self._scope3_resolution_item(),
            "subject": {
                "activity_id": activity.id,
                "document": "purchase.order",
                "document_id": order.id,
                "document_name": order.name,
                "line_id": self.id,
                "product_id": self.product_id.id or None,
                "stage": stage,
            },
        }
        source.update(values)
        return source

    def _scope3_receipt_source(self, activity):
        """Received quantity (net of returns), valued at the order's price and date; the
        entry is dated on the last receipt."""
        self.ensure_one()
        moves = self.move_ids.filtered(lambda m: m.state == "done")
        received_on = max(moves.mapped("date")).date() if moves else fields.Date.today()
        amount = (
            self.currency_id.round(self.price_subtotal * self.qty_received / self.product_qty)
            if self.product_qty
            else 0.0
        )
        source = self._scope3_source(activity, "receipt", quantity=self.qty_received, amount=amount)
        source["entry_vals"] = {"date": received_on}
        source["subject"]["moves"] = sorted(moves.ids)
        return source

    def _scope3_bill_source(self, activity, bill_line):
        """One posted bill (or refund) line: its quantity and amount, at the bill date."""
        self.ensure_one()
        bill = bill_line.move_id
        sign = self._scope3_bill_sign(bill_line)
        source = self._scope3_source(
            activity,
            "bill",
            date=bill.invoice_date or bill.date,
            amount=sign * bill_line.price_subtotal,
            currency=bill_line.currency_id,
            quantity=sign * bill_line.quantity,
            uom=bill_line.product_uom_id or self.product_uom,
            partner=bill.partner_id,
            resolution_item=dict(
                self._scope3_resolution_item(), account=bill_line.account_id, operation="bill"
            ),
        )
        source["entry_vals"] = {
            "date": bill.date,
            "account_move_id": bill.id,
            "account_move_line_id": bill_line.id,
        }
        source["subject"].update(bill_id=bill.id, bill_name=bill.name, bill_line_id=bill_line.id)
        return source

    def _scope3_resolution_item(self):
        self.ensure_one()
        return {
            "product": self.product_id,
            "partner": self.order_id.partner_id,
            "account": self.env["account.account"],
            "operation": "purchase",
        }
