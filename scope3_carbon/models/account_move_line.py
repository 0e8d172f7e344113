# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from ..core import calculation
from ..core.conversion import to_decimal
from ..tools import insert_rows
from .account_move import VENDOR_BILL_TYPES
from .product_product import SOLD_PRODUCT_FIELDS

#: account types whose purchases are capital goods (GHG Protocol category 2)
CAPITAL_ACCOUNT_TYPES = ("asset_fixed",)


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    scope3_co2e_kg = fields.Float(
        string="kg CO2e",
        digits=(16, 3),
        compute="_compute_scope3_co2e_kg",
        help="Net of the Scope 3 ledger entries of this line (reversals included).",
    )
    scope3_dq_score = fields.Float(
        string="DQ",
        digits=(16, 1),
        compute="_compute_scope3_co2e_kg",
        help="Emission-weighted data-quality score of the line's entries, 1 (verified "
        "supplier data) to 5 (generic spend-based estimate).",
    )

    def _compute_scope3_co2e_kg(self):
        # sudo: the figures are shown to whoever sees the bill; the entries stay protected
        ids = [line._origin.id for line in self if line._origin.id]
        groups = (
            self.env["scope3.emission.entry"]
            .sudo()
            ._read_group(
                [("account_move_line_id", "in", ids)],
                ["account_move_line_id"],
                ["co2e_kg:sum", "dq_weighted_kg:sum"],
            )
        )
        totals = {line.id: (kg, weighted) for line, kg, weighted in groups}
        for line in self:
            kg, weighted = totals.get(line._origin.id, (0.0, 0.0))
            line.scope3_co2e_kg = kg
            line.scope3_dq_score = round(weighted / kg, 1) if round(kg, 3) else 0.0

    # ------------------------------------------------------------------------------------
    # Activities of bill lines without an order and of sold products
    # ------------------------------------------------------------------------------------
    @api.model
    def _scope3_ensure_activities(self, moves):
        """Create the missing activities of the posted ``moves``' own sources; return every
        activity of the moves (those of lines since removed included, to reverse them).

        Keys: ``account.move.line:<id>`` for a vendor bill line,
        ``account.move.line:<id>:<category number>`` for a sold product line.
        """
        Activity = self.env["scope3.activity"].sudo()  # activities are maintained by code
        posted = moves.filtered(lambda m: m.state == "posted")
        bill_lines = posted._scope3_bill_source_lines()
        categories = bill_lines._scope3_bill_categories()
        wanted = {}
        for line in bill_lines:
            wanted[f"account.move.line:{line.id}"] = dict(
                line._scope3_bill_activity_vals(),
                category_id=categories[line].id,
                source_type="bill_line",
            )
        for line, number in posted._scope3_invoice_source_lines():
            wanted[f"account.move.line:{line.id}:{number}"] = dict(
                line._scope3_invoice_activity_vals(number),
                category_id=self._scope3_category(number).id,
                source_type="invoice_line",
            )
        if wanted:
            existing = set(
                Activity.search([("source_key", "in", list(wanted))]).mapped("source_key")
            )
            # set-based, as for purchase lines: activities are written by code only
            insert_rows(
                Activity,
                [dict(vals, source_key=key) for key, vals in wanted.items() if key not in existing],
                defaults={"state": "pending"},
            )
        return Activity.search(
            [
                ("account_move_id", "in", moves.ids),
                ("source_type", "in", ("bill_line", "invoice_line")),
            ],
            order="id",
        )

    @api.model
    def _scope3_category(self, number):
        return self.env.ref(f"scope3_carbon.scope3_category_{number:02d}")

    def _scope3_sign(self):
        self.ensure_one()
        return -1 if self.move_id.move_type in ("in_refund", "out_refund") else 1

    def _scope3_bill_categories(self):
        """GHG Protocol category of each vendor bill line, before mapping rules (whose
        category wins) and energy purchases (always category 3):

        1. a fixed-asset account (account type Fixed Assets): 2, capital goods - the
           purchase is capitalised;
        2. else the category of the product category (or its nearest parent with one);
        3. else 4, upstream transportation, for a freight service;
        4. else 1, purchased goods and services.
        """
        by_categ = self.product_id.categ_id._scope3_first_in_chain("scope3_category_id")
        freight = self.product_id._scope3_freight_products()
        result = {}
        for line in self:
            if line.account_id.account_type in CAPITAL_ACCOUNT_TYPES:
                category = self._scope3_category(2)
            elif line.product_id and by_categ.get(line.product_id.categ_id):
                category = by_categ[line.product_id.categ_id]
            elif line.product_id in freight:
                category = self._scope3_category(4)
            else:
                category = self._scope3_category(1)
            result[line] = category
        return result

    def _scope3_bill_activity_vals(self):
        """Values of a vendor bill line's activity that follow the line."""
        self.ensure_one()
        move = self.move_id
        sign = self._scope3_sign()
        return {
            "name": f"{move.name} / {self.product_id.display_name or self.name or ''}",
            "company_id": move.company_id.id,
            "account_move_id": move.id,
            "account_move_line_id": self.id,
            "partner_id": move.partner_id.commercial_partner_id.id,
            "product_id": self.product_id.id,
            "quantity": sign * self.quantity,
            "uom_id": self.product_uom_id.id,
            "amount": sign * self.price_subtotal,
            "currency_id": self.currency_id.id,
            "date": move.invoice_date or move.date,
            "correlation_id": f"account.move:{move.id}",
        }

    def _scope3_invoice_activity_vals(self, number):
        """Values of the activity of a sold product line for category ``number``."""
        vals = self._scope3_bill_activity_vals()
        vals["name"] = f"{vals['name']} / {number}"
        return vals

    def _scope3_freight_exclusions(self):
        """Freight lines of vendor bills that another source outranks, as line -> why.

        A line of a bill linked to receipts (``scope3_receipt_ids``: a carrier bill)
        claims those receipts at rank 2; a freight line of another bill claims the
        receipts of the purchase orders the bill bills, at rank 3 (see
        ``stock.picking._scope3_freight_losers``).
        """
        freight = self.product_id._scope3_freight_products()
        claims = {}
        for line in self:
            move = line.move_id
            if line.product_id not in freight or move.move_type not in VENDOR_BILL_TYPES:
                continue
            if move.scope3_receipt_ids:
                claims[line] = (2, move.scope3_receipt_ids)
            else:
                claims[line] = (3, move._scope3_goods_receipts())
        return self.env["stock.picking"]._scope3_freight_losers(claims)

    @api.model
    def _scope3_removed_plan(self, activity, plan):
        """The source of ``activity`` is no longer one: reverse what it counted."""
        plan["activity_vals"].update(state="cancelled", message=False)
        plan["reason"] = "the line is no longer a source of its own (removed or re-linked)"
        return plan

    @api.model
    def _scope3_bill_line_plans(self, activities, last_event):
        """Plans (see ``scope3.activity._scope3_apply``) of vendor bill and refund lines
        without a purchase order line, from their current state; nothing is written.

        Stage ``bill``: the posted line's quantity and untaxed amount (negative on a
        refund), at the bill date, through the resolution chain with the line's
        account and operation ``bill``. A draft or cancelled bill, a removed line and a
        freight line outranked by another source (freight guard) count nothing: what
        they counted is reversed.

        :param activities: ``scope3.activity`` records of source type ``bill_line``
        :param dict last_event: move id -> the outbox event being processed (empty for
            a restatement's shadow run)
        """
        Event = self.env["scope3.outbox.event"]
        lines = activities.account_move_line_id
        categories = lines._scope3_bill_categories()
        losers = lines._scope3_freight_exclusions()
        plans, sources = {}, []
        for activity in activities:
            line = activity.account_move_line_id
            move = activity.account_move_id
            plan = plans[activity] = {
                "activity": activity,
                "event": last_event.get(move.id) or Event,
                "activity_vals": {"category_id": activity.category_id.id},
                "stages": {"bill": []},
                "reason": f"vendor bill {move.name} is {move.state}",
            }
            if (
                not line
                or line.move_id != move
                or line.display_type != "product"
                or line.purchase_line_id
            ):
                self._scope3_removed_plan(activity, plan)
                continue
            plan["activity_vals"] = dict(
                line._scope3_bill_activity_vals(), category_id=categories[line].id
            )
            if move.state != "posted":
                plan["activity_vals"].update(
                    state="cancelled" if move.state == "cancel" else "pending", message=False
                )
                continue
            if line in losers:
                self.env["scope3.activity"]._scope3_plan_not_counted(plan, "excluded", losers[line])
                plan["reason"] = losers[line]
                continue
            plan["reason"] = f"vendor bill {move.name} changed"
            sources.append((activity, "bill", line._scope3_bill_source(activity)))
        self.env["scope3.activity"]._scope3_estimate_sources(plans, sources)
        return list(plans.values())

    def _scope3_bill_source(self, activity):
        """What to compute for a vendor bill line (see ``scope3.activity._scope3_estimate``)."""
        self.ensure_one()
        move = self.move_id
        sign = self._scope3_sign()
        return {
            "company": move.company_id,
            "date": move.invoice_date or move.date,
            "amount": sign * self.price_subtotal,
            "currency": self.currency_id,
            "quantity": sign * self.quantity,
            "uom": self.product_uom_id,
            "product": self.product_id,
            "partner": move.partner_id,
            "entry_vals": {
                "date": move.date,
                "account_move_id": move.id,
                "account_move_line_id": self.id,
            },
            "resolution_item": {
                "product": self.product_id,
                "partner": move.partner_id,
                "account": self.account_id,
                "operation": "bill",
            },
            "subject": {
                "activity_id": activity.id,
                "document": "account.move",
                "document_id": move.id,
                "document_name": move.name,
                "line_id": self.id,
                "product_id": self.product_id.id or None,
                "account": self.account_id.code,
                "stage": "bill",
            },
        }

    @api.model
    def _scope3_invoice_line_plans(self, activities, last_event):
        """Plans of customer invoice and refund lines for categories 10, 11 and 12, from
        their current state; nothing is written.

        Stage ``bill`` (the posted invoice): quantity sold (negative on a refund) in the
        product's unit x the product's kg CO2e per unit for the activity's category
        (processing, use phase, end of life), at the invoice date. A draft or cancelled
        invoice, a removed line and a factor since removed count nothing.

        :param activities: ``scope3.activity`` records of source type ``invoice_line``
        :param dict last_event: move id -> the outbox event being processed
        """
        Event = self.env["scope3.outbox.event"]
        plans, sources = {}, []
        for activity in activities:
            line = activity.account_move_line_id
            move = activity.account_move_id
            number = activity.category_id.number
            plan = plans[activity] = {
                "activity": activity,
                "event": last_event.get(move.id) or Event,
                "activity_vals": {"category_id": activity.category_id.id},
                "stages": {"bill": []},
                "reason": f"customer invoice {move.name} is {move.state}",
            }
            if not line or line.move_id != move or line.display_type != "product":
                self._scope3_removed_plan(activity, plan)
                continue
            plan["activity_vals"].update(line._scope3_invoice_activity_vals(number))
            per_unit = line.product_id._scope3_sold_factors().get(number)
            if not per_unit:
                plan["activity_vals"].update(
                    state="cancelled",
                    message=self.env._(
                        "%(product)s has no category %(number)s factor any more.",
                        product=line.product_id.display_name,
                        number=number,
                    ),
                )
                plan["reason"] = f"the product has no category {number} factor any more"
                continue
            if move.state != "posted":
                plan["activity_vals"].update(
                    state="cancelled" if move.state == "cancel" else "pending", message=False
                )
                continue
            plan["reason"] = f"customer invoice {move.name} changed"
            sources.append((activity, "bill", line._scope3_invoice_source(activity, number)))
        self.env["scope3.activity"]._scope3_estimate_sources(plans, sources)
        return list(plans.values())

    def _scope3_invoice_source(self, activity, number):
        """A sold product line for category ``number``: the quantity sold, with the
        product's factor as the only candidate (no resolution chain)."""
        self.ensure_one()
        source = self._scope3_bill_source(activity)
        product = self.product_id
        template = product.product_tmpl_id
        field_name = SOLD_PRODUCT_FIELDS[number]
        field_label = template._fields[field_name].get_description(self.env)["string"]
        factor_input = calculation.FactorInput(
            factor_id=template.id,
            value=to_decimal(product[field_name]),
            unit=f"kg CO2e/{product.uom_id.name}",
            key_type="sold_product",
            key=f"product.template:{template.id}:{field_name}",
            title=f"{product.display_name}: {field_label}",
            set_id=0,
            set_name="Sold-product factors (product form)",
            set_publisher=self.move_id.company_id.name,
            set_edition="",
            set_checksum="",
            resolution="product",
            uom=product.uom_id.name,
        )
        source["candidates"] = [
            {
                "level": "product",
                "kind": "activity",
                "factor_input": factor_input,
                "uom": product.uom_id,
                "stated": True,
            }
        ]
        source["subject"].update(category=number, stage="bill")
        return source
