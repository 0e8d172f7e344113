# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import api, fields, models

from .purchase_order import CONFIRMED_STATES


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

    @api.depends("scope3_activity_ids.co2e_kg")
    def _compute_scope3_co2e_kg(self):
        for line in self:
            line.scope3_co2e_kg = sum(line.scope3_activity_ids.mapped("co2e_kg"))

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
        missing = self.filtered(lambda line: line not in by_line)
        created = Activity.create([vals_by_line[line] for line in missing])
        by_line.update(zip(missing, created, strict=True))
        return by_line

    def _scope3_categories(self):
        """GHG Protocol category of each line: from the product category tree, else 1."""
        default = self.env.ref("scope3_carbon.scope3_category_01")
        by_categ = self.product_id.categ_id._scope3_first_in_chain("scope3_category_id")
        return {line: by_categ.get(line.product_id.categ_id) or default for line in self}

    def _scope3_reconcile_commitment(self, last_event):
        """Post, keep or reverse the commitment estimate of each line.

        A confirmed order's line gets an estimate from the first usable level of the
        resolution chain (see ``scope3.factor._scope3_candidates``): activity-based from a
        supplier footprint or an activity factor (quantity in the factor's unit), else
        spend-based (untaxed subtotal converted to the factor set's currency at the order
        date and deflated to its price year). Lines of orders that are not (or no longer)
        confirmed get nothing, and what they had is reversed.

        :param dict last_event: order id -> the outbox event being processed
        """
        categories = self._scope3_categories()
        line_vals = {
            line: dict(line._scope3_activity_vals(), category_id=categories[line].id)
            for line in self
        }
        activities = self._scope3_ensure_activities(line_vals)
        groups = defaultdict(lambda: self.browse())
        for line in self:
            groups[(line.company_id, line.order_id.date_order.date())] |= line
        Activity = self.env["scope3.activity"]
        plans = []
        for (company, date), lines in groups.items():
            factor_set, resolved = self.env["scope3.factor"]._scope3_candidates(
                company, date, [line._scope3_resolution_item() for line in lines]
            )
            rates = company._scope3_rates_getter(date)
            for line, (candidates, path, rule) in zip(lines, resolved, strict=True):
                order = line.order_id
                plan = {
                    "activity": activities[line],
                    "stage": "commitment",
                    "event": last_event[order.id],
                    "activity_vals": dict(line_vals[line]),
                    "desired": None,
                }
                if rule.category_id:
                    plan["activity_vals"]["category_id"] = rule.category_id.id
                plans.append(plan)
                if order.state not in CONFIRMED_STATES:
                    plan["reason"] = f"purchase order {order.name} is {order.state}"
                    plan["activity_vals"].update(
                        state="cancelled" if order.state == "cancel" else "pending",
                        message=False,
                    )
                    continue
                estimate = Activity._scope3_estimate(
                    line._scope3_estimation_source(activities[line]), candidates, path, rates
                )
                if not estimate:
                    # nothing to count it with: keep whatever was counted, flag the gap
                    plan["keep"] = True
                    plan["activity_vals"].update(
                        state="unmapped",
                        message=line._scope3_unmapped_message(factor_set, path),
                        factor_id=False,
                        resolution_level=False,
                        dq_score=False,
                    )
                    continue
                estimate["entry_vals"]["category_id"] = plan["activity_vals"]["category_id"]
                plan["reason"] = f"purchase order {order.name} changed"
                plan["desired"] = estimate
                plan["activity_vals"].update(
                    state="attributed",
                    message=False,
                    factor_id=estimate["factor"].id,
                    resolution_level=estimate["level"],
                    dq_score=estimate["entry_vals"]["dq_score"],
                )
        return Activity._scope3_apply(plans)

    def _scope3_resolution_item(self):
        self.ensure_one()
        return {
            "product": self.product_id,
            "partner": self.order_id.partner_id,
            "account": self.env["account.account"],
            "operation": "purchase",
        }

    def _scope3_estimation_source(self, activity):
        self.ensure_one()
        order = self.order_id
        return {
            "company": self.company_id,
            "date": order.date_order.date(),
            "amount": self.price_subtotal,
            "currency": self.currency_id,
            "quantity": self.product_qty,
            "uom": self.product_uom,
            "product": self.product_id,
            "partner": order.partner_id,
            "subject": {
                "activity_id": activity.id,
                "document": "purchase.order",
                "document_id": order.id,
                "document_name": order.name,
                "line_id": self.id,
                "product_id": self.product_id.id or None,
                "stage": "commitment",
            },
        }

    def _scope3_unmapped_message(self, factor_set, path):
        if not path:
            return self.env._(
                "No emission factor for this line: give the product (or its category) a "
                "NAICS code or an activity factor, add a mapping rule, or set a company "
                "default NAICS code."
            )
        unusable = [step for step in path if step.get("usable") is False]
        missing = [step for step in path if not step.get("found")]
        parts = []
        if missing and not factor_set:
            parts.append(self.env._("No published spend-based emission factor set applies."))
        elif missing:
            parts.append(
                self.env._(
                    "No factor in %(set)s for %(keys)s.",
                    set=factor_set.display_name,
                    keys=", ".join(f"{step['key']} ({step['level']})" for step in missing),
                )
            )
        if unusable:
            parts.append(
                self.env._(
                    "Factors found but not applicable to the line's unit: %(keys)s (give the "
                    "product a weight, or use a factor in a compatible unit).",
                    keys=", ".join(f"{step['key']} ({step['level']})" for step in unusable),
                )
            )
        return " ".join(parts)
