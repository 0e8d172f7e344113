# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from decimal import Decimal

from odoo import api, fields, models

from ..core import calculation
from ..core.conversion import to_decimal
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

        A confirmed order's line gets a spend-based estimate: its untaxed subtotal,
        converted to the factor set's currency at the order date, times the resolved
        factor. Lines of orders that are not (or no longer) confirmed get nothing, and
        what they had is reversed.

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
        plans = []
        for (company, date), lines in groups.items():
            factor_set, resolved = self.env["scope3.factor"]._scope3_resolve_spend(
                company, date, lines.product_id
            )
            rates = company._scope3_currency_rates(lines.currency_id | factor_set.currency_id, date)
            for line in lines:
                activity = activities[line]
                order = line.order_id
                plan = {
                    "activity": activity,
                    "stage": "commitment",
                    "event": last_event[order.id],
                    "activity_vals": dict(line_vals[line]),
                    "desired": None,
                }
                plans.append(plan)
                if order.state not in CONFIRMED_STATES:
                    plan["reason"] = f"purchase order {order.name} is {order.state}"
                    plan["activity_vals"].update(
                        state="cancelled" if order.state == "cancel" else "pending",
                        message=False,
                    )
                    continue
                factor, level, path = resolved[line.product_id]
                if not factor:
                    # nothing to count it with: keep whatever was counted, flag the gap
                    plan["keep"] = True
                    plan["activity_vals"].update(
                        state="unmapped",
                        message=line._scope3_unmapped_message(factor_set, path),
                        factor_id=False,
                        resolution_level=False,
                    )
                    continue
                plan["reason"] = f"purchase order {order.name} changed"
                plan["desired"] = line._scope3_spend_estimate(
                    activity, factor, level, path, rates, categories[line]
                )
                plan["activity_vals"].update(
                    state="attributed",
                    message=False,
                    factor_id=factor.id,
                    resolution_level=level,
                )
        return self.env["scope3.activity"]._scope3_apply(plans)

    def _scope3_unmapped_message(self, factor_set, path):
        if not factor_set:
            return self.env._("No published spend-based emission factor set applies.")
        if not path:
            return self.env._(
                "No NAICS code on the product, its category or the company: map the "
                "product to a factor."
            )
        return self.env._(
            "No factor in %(set)s for %(keys)s.",
            set=factor_set.display_name,
            keys=", ".join(f"{step['key']} ({step['level']})" for step in path),
        )

    def _scope3_spend_estimate(self, activity, factor, level, path, rates, category):
        """Spend-based figure of the line with its trace (plain values to the core)."""
        self.ensure_one()
        order = self.order_id
        factor_set = factor.set_id
        company = self.company_id
        rate, rate_date = rates[self.currency_id]
        factor_rate, factor_rate_date = rates[factor_set.currency_id]
        spend = calculation.SpendInput(
            amount=to_decimal(self.price_subtotal),
            currency=self.currency_id.name,
            date=str(order.date_order.date()),
            rate=rate,
            rate_date=rate_date,
            factor_rate=factor_rate,
            factor_rate_date=factor_rate_date,
            company_currency=company.currency_id.name,
            factor_currency_rounding=to_decimal(factor_set.currency_id.rounding),
        )
        factor_input = calculation.FactorInput(
            factor_id=factor.id,
            value=to_decimal(factor.value),
            unit=factor.unit,
            currency=factor_set.currency_id.name,
            key_type=factor.key_type,
            key=factor.key,
            title=factor.name,
            set_id=factor_set.id,
            set_name=factor_set.name,
            set_publisher=factor_set.publisher,
            set_edition=factor_set.edition,
            set_checksum=factor_set.content_checksum or "",
            resolution=level,
            margins=True,
            price_year=factor_set.price_year or None,
        )
        subject = {
            "activity_id": activity.id,
            "document": "purchase.order",
            "document_id": order.id,
            "document_name": order.name,
            "line_id": self.id,
            "product_id": self.product_id.id or None,
            "stage": "commitment",
            "resolution_path": path,
        }
        co2e, trace = calculation.compute_spend_based(spend, factor_input, subject)
        converted = Decimal(trace["result"]["spend_in_factor_currency"])
        return {
            "co2e": co2e,
            "trace": trace,
            "entry_vals": {
                "category_id": category.id,
                "method": "spend_based",
                "basis": "location",
                "resolution_level": level,
                "factor_id": factor.id,
                "factor_set_id": factor_set.id,
                "factor_value": factor.value,
                "factor_unit": factor.unit,
                "activity_amount": float(converted),
                "activity_unit": factor_set.currency_id.name
                + (f" ({factor_set.price_year})" if factor_set.price_year else ""),
                "source_amount": self.price_subtotal,
                "source_currency_id": self.currency_id.id,
            },
        }
