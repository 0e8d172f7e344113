# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import float_round

from ..core import calculation
from ..core import trace as trace_core
from .scope3_emission_entry import RESOLUTION_LEVELS


class Scope3Activity(models.Model):
    """The canonical business activity behind emission entries.

    One activity per purchase order line. It holds the latest quantities and amounts of
    the line, the outcome of the last attribution (mapped or not, and why) and the net
    kg CO2e of its entries. It is the hub of the lineage: from an activity to its source
    documents, its entries and the events that produced them.
    """

    _name = "scope3.activity"
    _description = "Scope 3 Activity"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    purchase_order_id = fields.Many2one(
        "purchase.order", readonly=True, index="btree_not_null", ondelete="set null"
    )
    purchase_line_id = fields.Many2one(
        "purchase.order.line",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    partner_id = fields.Many2one("res.partner", string="Vendor", readonly=True, index=True)
    product_id = fields.Many2one("product.product", readonly=True, index=True)
    category_id = fields.Many2one("scope3.category", string="Category", readonly=True)
    quantity = fields.Float(readonly=True)
    uom_id = fields.Many2one("uom.uom", string="Unit", readonly=True)
    amount = fields.Monetary(readonly=True, help="Untaxed amount of the source line.")
    currency_id = fields.Many2one("res.currency", readonly=True)
    date = fields.Date(readonly=True, index=True)
    state = fields.Selection(
        [
            ("pending", "Pending"),
            ("attributed", "Attributed"),
            ("unmapped", "Unmapped"),
            ("cancelled", "Cancelled"),
        ],
        default="pending",
        required=True,
        readonly=True,
        index=True,
    )
    message = fields.Text(readonly=True, help="Why the activity could not be attributed.")
    resolution_level = fields.Selection(RESOLUTION_LEVELS, readonly=True)
    factor_id = fields.Many2one("scope3.factor", readonly=True)
    correlation_id = fields.Char(readonly=True, index=True)
    last_event_id = fields.Many2one("scope3.outbox.event", readonly=True)
    co2e_kg = fields.Float(
        string="kg CO2e",
        compute="_compute_co2e_kg",
        store=True,
        digits=(16, 3),
        aggregator="sum",
        help="Net of the activity's ledger entries.",
    )
    entry_ids = fields.One2many("scope3.emission.entry", "activity_id", string="Entries")
    entry_count = fields.Integer(compute="_compute_entry_count")

    _sql_constraints = [
        (
            "purchase_line_uniq",
            "unique(purchase_line_id)",
            "A purchase order line has one Scope 3 activity.",
        ),
    ]

    @api.depends("entry_ids.co2e_kg")
    def _compute_co2e_kg(self):
        for activity in self:
            activity.co2e_kg = float_round(
                sum(activity.entry_ids.mapped("co2e_kg")), precision_digits=3
            )

    def _compute_entry_count(self):
        counts = dict(
            self.env["scope3.emission.entry"]._read_group(
                [("activity_id", "in", self.ids)], ["activity_id"], ["__count"]
            )
        )
        for activity in self:
            activity.entry_count = counts.get(activity, 0)

    # ------------------------------------------------------------------------------------
    # Ledger reconciliation
    # ------------------------------------------------------------------------------------
    def _scope3_active_entries(self, stages):
        """Entries of these activities in ``stages`` that are neither reversals nor reversed,
        as a dict (activity, stage) -> entries."""
        entries = self.env["scope3.emission.entry"].search(
            [
                ("activity_id", "in", self.ids),
                ("stage", "in", list(stages)),
                ("is_reversal", "=", False),
            ]
        )
        reversed_ids = set(
            self.env["scope3.emission.entry"]
            .search([("reversed_entry_id", "in", entries.ids)])
            .mapped("reversed_entry_id")
            .ids
        )
        active = {}
        for entry in entries:
            if entry.id not in reversed_ids:
                key = (entry.activity_id, entry.stage)
                active[key] = active.get(key, entry.browse()) | entry
        return active

    @api.model
    def _scope3_apply(self, plans):
        """Bring the ledger in line with the desired figure of each (activity, stage).

        :param list[dict] plans: one dict per activity and stage with keys

            - ``activity``: the ``scope3.activity`` record;
            - ``stage``: ledger stage (``commitment``, ...);
            - ``desired``: ``None`` when nothing should be counted for this stage,
              else a dict with ``co2e`` (Decimal), ``trace`` (dict) and the entry
              values (``entry_vals``: category, method, factor, ...);
            - ``event``: the outbox event being processed;
            - ``reason``: why existing entries are reversed (for their trace);
            - ``keep``: when true, the ledger is left as it is for this activity;
            - ``activity_vals``: values to store on the activity.

        An active entry whose trace hash equals the desired trace's hash is kept as it
        is, so applying the same plan twice changes nothing. Otherwise the active
        entries are reversed and the desired entry posted. Every activity row is
        updated in any case (at least its last event): that update serialises
        concurrent workers on the same activity.
        """
        self.browse()._scope3_write_grouped(
            {
                plan["activity"]: dict(
                    plan.get("activity_vals") or {}, last_event_id=plan["event"].id
                )
                for plan in plans
            }
        )
        activities = self.browse([plan["activity"].id for plan in plans])
        active = activities._scope3_active_entries({plan["stage"] for plan in plans})
        Entry = self.env["scope3.emission.entry"].sudo()  # the ledger is written by code only
        vals_list = []
        for plan in plans:
            if plan.get("keep"):
                continue
            activity, stage, desired = plan["activity"], plan["stage"], plan["desired"]
            current = active.get((activity, stage), Entry.browse())
            wanted_hash = trace_core.trace_hash(desired["trace"]) if desired else None
            if wanted_hash and len(current) == 1 and current.trace_hash == wanted_hash:
                continue
            for entry in current:
                co2e, trace = calculation.reverse(
                    json.loads(entry.trace), entry.trace_hash, entry.id, plan["reason"]
                )
                vals_list.append(entry._scope3_reversal_vals(co2e, trace, plan["event"]))
            if desired and desired["co2e"]:
                vals_list.append(
                    dict(
                        activity._scope3_entry_base_vals(plan["event"]),
                        stage=stage,
                        co2e_kg=float(desired["co2e"]),
                        trace=trace_core.canonical_json(desired["trace"]),
                        **desired["entry_vals"],
                    )
                )
        return Entry.create(vals_list)

    @api.model
    def _scope3_write_grouped(self, vals_by_activity):
        """Write on each activity the values that differ, one ``write`` per distinct set
        of changes (the ORM flushes them in batched UPDATEs)."""
        groups = defaultdict(list)
        for activity, vals in vals_by_activity.items():
            changed = {
                name: value
                for name, value in vals.items()
                if activity._fields[name].convert_to_write(activity[name], activity) != value
            }
            if changed:
                groups[tuple(sorted(changed.items()))].append(activity.id)
        for changes, ids in groups.items():
            self.sudo().browse(ids).write(dict(changes))

    def _scope3_entry_base_vals(self, event):
        self.ensure_one()
        return {
            "activity_id": self.id,
            "company_id": self.company_id.id,
            "date": self.date,
            "category_id": self.category_id.id,
            "purchase_order_id": self.purchase_order_id.id,
            "purchase_line_id": self.purchase_line_id.id,
            "partner_id": self.partner_id.id,
            "product_id": self.product_id.id,
            "correlation_id": self.correlation_id,
            "event_id": event.id,
        }

    # ------------------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------------------
    def action_view_entries(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "scope3_carbon.scope3_emission_entry_action"
        )
        action["domain"] = [("activity_id", "in", self.ids)]
        action["context"] = {}
        return action

    def action_retry_attribution(self):
        """Attribute these activities again (e.g. after mapping their products)."""
        orders = self.purchase_order_id
        orders._scope3_capture("purchase.order.reattribute")
        return True
