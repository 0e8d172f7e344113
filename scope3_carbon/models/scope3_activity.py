# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from collections import defaultdict
from decimal import Decimal

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_round

from ..core import calculation, conversion, dataquality
from ..core import settings as settings_core
from ..core import trace as trace_core
from ..core.conversion import to_decimal
from ..core.trace import TRACE_LANG
from . import unmapped_messages as messages
from .scope3_emission_entry import RESOLUTION_LEVELS, STAGES

SOURCE_TYPES = [
    ("purchase_line", "Purchase order line"),
    ("bill_line", "Vendor bill line"),
    ("invoice_line", "Customer invoice line"),
    ("transport", "Transport"),
    ("manual", "Manual"),
]


class Scope3Activity(models.Model):
    """The canonical business activity behind emission entries.

    One activity per source (``source_type``): a purchase order line (with its receipts
    and bill lines), a vendor bill line without an order, a customer invoice line (sold
    products), a transport leg of a receipt or delivery, or a manual activity. It holds
    the latest quantities and amounts of its source, the outcome of the last attribution
    (mapped or not, and why) and the net kg CO2e of its entries. It is the hub of the
    lineage: from an activity to its source documents, its entries and the events that
    produced them.
    """

    _name = "scope3.activity"
    _description = "Scope 3 Activity"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, readonly=True)
    source_type = fields.Selection(
        SOURCE_TYPES, required=True, default="purchase_line", readonly=True, index=True
    )
    source_key = fields.Char(
        readonly=True,
        index="btree_not_null",
        help="Identity of the source for activities that are not a purchase order line "
        "(model:id[:qualifier]); unique.",
    )
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
    account_move_id = fields.Many2one(
        "account.move", string="Invoice / Bill", readonly=True, index="btree_not_null"
    )
    account_move_line_id = fields.Many2one(
        "account.move.line", readonly=True, index="btree_not_null", ondelete="set null"
    )
    picking_id = fields.Many2one(
        "stock.picking", string="Transfer", readonly=True, index="btree_not_null"
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
            ("excluded", "Excluded"),
        ],
        default="pending",
        required=True,
        readonly=True,
        index=True,
    )
    message = fields.Text(
        readonly=True,
        help="Why the activity could not be attributed, or why it counts nothing "
        "(excluded: counted by another source, e.g. the freight double-counting guard).",
    )
    resolution_level = fields.Selection(RESOLUTION_LEVELS, readonly=True)
    dq_score = fields.Integer(string="DQ Score", readonly=True, aggregator="max")
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
        ("source_key_uniq", "unique(source_key)", "A source has one Scope 3 activity."),
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
        # sudo: reconciliation compares and reverses full traces, whoever triggers it
        entries = (
            self.env["scope3.emission.entry"]
            .sudo()
            .search(
                [
                    ("activity_id", "in", self.ids),
                    ("stage", "in", list(stages)),
                    ("is_reversal", "=", False),
                ]
            )
        )
        reversed_ids = set(
            self.env["scope3.emission.entry"]
            .sudo()
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

    def _scope3_plans(self, event=None):
        """Plans (see ``_scope3_apply``) that bring the ledger of these activities in line
        with the current state of their sources, computed without writing anything.

        Each source type provides ``_scope3_plans_<source_type>(event)`` on the activities
        of that type. Restatements call this for a shadow recalculation (``event`` empty).

        :param event: the ``scope3.outbox.event`` the plans are computed for, or None
        """
        event = event or self.env["scope3.outbox.event"]
        # traces store source terms, never the session's translations
        self = self.with_context(lang=TRACE_LANG)  # noqa: PLW0642
        plans = []
        for source_type in dict.fromkeys(self.mapped("source_type")):
            activities = self.filtered(lambda a, st=source_type: a.source_type == st)
            plans += getattr(activities, f"_scope3_plans_{source_type}")(event)
        return plans

    def _scope3_plans_purchase_line(self, event):
        lines = self.purchase_line_id
        activities = {activity.purchase_line_id: activity for activity in self}
        return lines._scope3_plans(activities, {order.id: event for order in lines.order_id})

    def _scope3_plans_transport(self, event):
        activities = {activity.picking_id: activity for activity in self}
        return self.picking_id._scope3_transport_plans(
            activities, {picking.id: event for picking in self.picking_id}
        )

    def _scope3_plans_bill_line(self, event):
        """Vendor bill and refund lines without a purchase order line (see
        ``account.move.line._scope3_bill_line_plans``)."""
        events = {move.id: event for move in self.account_move_id}
        return self.env["account.move.line"]._scope3_bill_line_plans(self, events)

    def _scope3_plans_invoice_line(self, event):
        """Customer invoice and refund lines: sold products, categories 10, 11 and 12 (see
        ``account.move.line._scope3_invoice_line_plans``)."""
        events = {move.id: event for move in self.account_move_id}
        return self.env["account.move.line"]._scope3_invoice_line_plans(self, events)

    def _scope3_plans_manual(self, event):
        """Manual activities of categories 7, 8, 13, 14 and 15 (see
        ``scope3.manual.activity._scope3_plans``)."""
        events = {int(activity.source_key.split(":")[1]): event for activity in self}
        return self.env["scope3.manual.activity"]._scope3_plans(self, events)

    @api.model
    def _scope3_plan_not_counted(self, plan, state, message, keep=False):
        """Mark a plan's activity as not counted with a figure of its own: ``unmapped``
        (no usable factor: with ``keep``, what was counted stays until it can be
        recomputed) or ``excluded`` (counted elsewhere: its stages are reversed)."""
        if keep:
            plan["keep"] = True
        plan["activity_vals"].update(
            state=state, message=message, factor_id=False, resolution_level=False, dq_score=False
        )

    @api.model
    def _scope3_apply(self, plans, post=True):
        """Bring the ledger of each activity in line with the figures it should have.

        :param list[dict] plans: one dict per activity with keys

            - ``activity``: the ``scope3.activity`` record;
            - ``stages``: dict stage -> list of desired figures (each a dict with
              ``co2e`` (Decimal), ``trace`` (dict) and ``entry_vals``); a stage mapped
              to an empty list must count nothing (what it had is reversed); stages
              not in the dict are left alone;
            - ``event``: the outbox event being processed;
            - ``reason``: why existing entries are reversed (for their trace);
            - ``keep``: when true, the ledger is left as it is for this activity;
            - ``activity_vals``: values to store on the activity;
            - ``restatement`` (optional): the ``scope3.restatement`` posting the plan;
              its entries link to it and the trace of each new figure names it.

        When the active entries of a stage have exactly the trace hashes of its desired
        figures they are kept, so applying the same plan twice changes nothing.
        Otherwise they are reversed and the desired figures posted. Every activity row
        is updated in any case (at least its last event): that update serialises
        concurrent workers on the same activity.

        :param bool post: when false, nothing is written and the values of the entries
            that would be posted (reversals and new figures) are returned instead (the
            shadow run of a restatement)
        :return: the entries posted, or their values when ``post`` is false
        """
        if post:
            self._scope3_write_plan_activities(plans)
        activities = self.browse([plan["activity"].id for plan in plans])
        stages = {stage for plan in plans for stage in plan.get("stages", {})}
        active = activities._scope3_active_entries(stages)
        Entry = self.env["scope3.emission.entry"].sudo()  # the ledger is written by code only
        vals_list = []
        for plan in plans:
            if plan.get("keep"):
                continue
            vals_list += self._scope3_plan_entry_vals(plan, active)
        if not post:
            return vals_list
        return Entry._scope3_post(vals_list)

    @api.model
    def _scope3_write_plan_activities(self, plans):
        self.browse()._scope3_write_grouped(
            {
                plan["activity"]: dict(
                    plan.get("activity_vals") or {}, last_event_id=plan["event"].id
                )
                for plan in plans
            }
        )

    @api.model
    def _scope3_plan_entry_vals(self, plan, active):
        """Values of the entries (reversals, then new figures) that bring one activity's
        stages to its plan; empty when the active entries already match it.

        :param dict active: (activity, stage) -> its active entries
        """
        Entry = self.env["scope3.emission.entry"]
        vals_list = []
        activity = plan["activity"]
        restatement = plan.get("restatement")
        for stage, desired in plan["stages"].items():
            desired = [d for d in desired if d["co2e"]]
            texts = [trace_core.canonical_json(d["trace"]) for d in desired]
            current = active.get((activity, stage), Entry.browse())
            wanted = sorted(trace_core.text_hash(text) for text in texts)
            if sorted(current._scope3_figure_hashes()) == wanted:
                continue
            for entry in current:
                co2e, trace = calculation.reverse(
                    json.loads(entry.trace), entry.trace_hash, entry.id, plan["reason"]
                )
                vals_list.append(
                    entry._scope3_reversal_vals(co2e, trace, plan["event"], restatement)
                )
            for figure, text in zip(desired, texts, strict=True):
                vals = dict(
                    activity._scope3_entry_base_vals(plan["event"]),
                    stage=stage,
                    co2e_kg=float(figure["co2e"]),
                    trace=text,
                    **figure["entry_vals"],
                )
                if restatement:
                    # the figure's trace names the restatement; compared without it
                    # (``_scope3_figure_hashes``)
                    vals["restatement_id"] = restatement.id
                    vals["trace"] = trace_core.canonical_json(
                        dict(
                            figure["trace"],
                            restatement={"id": restatement.id, "name": restatement.name},
                        )
                    )
                vals_list.append(vals)
        return vals_list

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
            "account_move_id": self.account_move_id.id,
            "account_move_line_id": self.account_move_line_id.id,
            "picking_id": self.picking_id.id,
            "partner_id": self.partner_id.id,
            "product_id": self.product_id.id,
            "correlation_id": self.correlation_id,
            "event_id": event.id,
        }

    # ------------------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------------------
    def action_view_entries(self):
        return self.env["scope3.emission.entry"]._scope3_action([("activity_id", "in", self.ids)])

    def action_retry_attribution(self):
        """Attribute these activities again (e.g. after mapping their products)."""
        transport = self.filtered(lambda a: a.source_type == "transport")
        orders = (self - transport).purchase_order_id
        orders._scope3_capture("purchase.order.reattribute")
        transport.picking_id._scope3_capture("stock.picking.reattribute")
        moves = self.filtered(
            lambda a: a.source_type in ("bill_line", "invoice_line")
        ).account_move_id
        moves._scope3_capture_moves("account.move.reattribute")
        manual = self.filtered(lambda a: a.source_type == "manual")
        self.env["scope3.manual.activity"].browse(
            {int(a.source_key.split(":")[1]) for a in manual}
        ).exists()._scope3_capture("scope3.manual.activity.reattribute")
        return True

    @api.model
    def _scope3_estimate_sources(self, plans, sources):
        """Resolve and compute every source, grouped by company and date; fill the plans.

        Shared by every kind of activity (purchase lines, bill lines, receipts, ...).
        Purchases of energy (a product with an energy factor) are expanded into their
        category 3 components first (see ``_scope3_expand_energy``).

        :param dict plans: key -> plan (see ``_scope3_apply``); the plan's
            ``activity_vals`` must hold ``category_id``
        :param list sources: ``(key, stage, source)`` triples; ``source`` as
            ``_scope3_estimate`` takes it, plus ``resolution_item`` (for
            ``scope3.factor._scope3_candidates``) and ``entry_vals``. A source that
            brings its own ``candidates`` (and optionally ``path`` and
            ``unmapped_message``) skips the resolution chain.
        """
        Activity = self
        no_rule = self.env["scope3.mapping.rule"]
        sources = self._scope3_expand_energy(plans, sources)
        pins = self._scope3_pinned_candidates()
        groups = defaultdict(list)
        for item in sources:
            groups[(item[2]["company"], item[2]["date"])].append(item)
        for (company, date), items in groups.items():
            to_resolve = [s["resolution_item"] for _k, _s, s in items if "candidates" not in s]
            factor_set, resolved = self.env["scope3.factor.set"], []
            if to_resolve:
                factor_set, resolved = self.env["scope3.factor"]._scope3_candidates(
                    company, date, to_resolve
                )
            resolved = iter(resolved)
            rates = company._scope3_rates_getter(date)
            for key, stage, source in items:
                plan = plans[key]
                if "candidates" in source:
                    candidates, path, rule = (
                        source["candidates"],
                        list(source.get("path", [])),
                        no_rule,
                    )
                else:
                    candidates, path, rule = next(resolved)
                    pinned = pins.get((plan["activity"].id, stage))
                    if pinned:
                        pinned_candidates, pinned_path, settings = pinned
                        if pinned_candidates:
                            candidates, path = pinned_candidates, pinned_path
                        if settings:
                            candidates = [dict(c, settings=settings) for c in candidates]
                if rule.category_id:
                    plan["activity_vals"]["category_id"] = rule.category_id.id
                if plan.get("keep"):
                    continue
                estimate = Activity._scope3_estimate(source, candidates, path, rates)
                if not estimate:
                    # nothing to count it with: keep whatever was counted, flag the gap
                    self._scope3_plan_not_counted(
                        plan,
                        "unmapped",
                        source.get("unmapped_message")
                        or self._scope3_unmapped_message(factor_set, path),
                        keep=True,
                    )
                    continue
                estimate["entry_vals"].update(source["entry_vals"])
                plan["stages"][stage].append(estimate)
                plan["activity_vals"].update(
                    state="attributed",
                    message=False,
                    factor_id=estimate["factor"].id,
                    resolution_level=estimate["level"],
                    dq_score=estimate["entry_vals"]["dq_score"],
                )
        for plan in plans.values():
            category = plan["activity_vals"]["category_id"]
            for figures in plan["stages"].values():
                for figure in figures:
                    figure["entry_vals"]["category_id"] = category

    @api.model
    def _scope3_pinned_candidates(self):
        """What a recomputation keeps of the ledger, when the context asks for it.

        ``scope3_recompute`` (context) is a dict:

        - ``entries``: ``(activity id, stage)`` -> id of the stage's only active entry;
        - ``factors``: ``"recorded"`` (the entry's factor or supplier footprint, with its
          resolution path), ``("swap", set id)`` (the factor of the same key in that set,
          same path: a factor-set publication) or ``"chain"`` (the resolution chain of
          today: a changed product code, mapping rule or footprint);
        - ``settings``: ``"recorded"`` (the well-to-wheel switch, price basis and
          accounting basis the entry was computed with) or ``"current"`` (the company's).

        The reconciliation sweep recomputes with recorded factors and settings (what moved
        is a drift, nothing else); each restatement changes its one cause and keeps the
        rest as recorded.

        :return: dict ``(activity id, stage)`` -> ``(candidates or None, path or None,
            settings or None)``
        """
        recompute = self.env.context.get("scope3_recompute")
        if not recompute or not recompute.get("entries"):
            return {}
        pinned = recompute["entries"]
        factors = recompute.get("factors", "recorded")
        entries = self.env["scope3.emission.entry"].sudo().browse(sorted(set(pinned.values())))
        swapped, new_set = {}, self.env["scope3.factor.set"]
        if isinstance(factors, list | tuple) and factors[0] == "swap":
            new_set = new_set.sudo().browse(factors[1])
            keys = {(e.factor_id.key_type, e.factor_id.key) for e in entries if e.factor_id}
            for factor in (
                self.env["scope3.factor"]
                .sudo()
                .search([("set_id", "=", factors[1]), ("key", "in", [key for _t, key in keys])])
            ):
                swapped[(factor.key_type, factor.key)] = factor
        by_id = {entry.id: entry for entry in entries}
        pins = {}
        for key, entry_id in pinned.items():
            entry = by_id[entry_id]
            trace = json.loads(entry.trace)
            settings = None
            if recompute.get("settings") == "recorded":
                company = entry.company_id
                settings = settings_core.from_trace(trace, self._scope3_settings(company, {}))
            candidates = path = None
            record = entry.supplier_footprint_id or entry.factor_id
            recorded_path = (trace.get("subject") or {}).get("resolution_path") or []
            if factors != "chain" and record and entry.resolution_level and recorded_path:
                candidate = {
                    "level": entry.resolution_level,
                    "kind": "spend" if entry.method == "spend_based" else "activity",
                    "key": recorded_path[-1].get("key"),
                }
                if entry.supplier_footprint_id:
                    candidate["footprint"] = entry.supplier_footprint_id
                else:
                    factor = entry.factor_id
                    valid = new_set and (
                        (not new_set.valid_from or new_set.valid_from <= entry.date)
                        and (not new_set.valid_to or entry.date <= new_set.valid_to)
                    )
                    # the new set's factor for the same key, on the dates the set covers
                    candidate["factor"] = (
                        swapped.get((factor.key_type, factor.key), factor) if valid else factor
                    )
                if entry.mapping_rule_id:
                    candidate["rule"] = entry.mapping_rule_id
                candidates = [candidate]
                path = [dict(step) for step in recorded_path[:-1]]
            if candidates or settings:
                pins[key] = (candidates, path, settings)
        return pins

    def _scope3_pinnable_entries(self):
        """The entry each (activity, stage) of these is recomputed from: the stage's only
        active entry. Stages with several active figures (energy components, transport
        legs) bring their own factors; stages with none are resolved as the live path
        would.

        :return: dict ``(activity id, stage)`` -> entry id (see ``scope3_recompute``)
        """
        active = self._scope3_active_entries([code for code, _label in STAGES])
        return {
            (activity.id, stage): entries.id
            for (activity, stage), entries in active.items()
            if len(entries) == 1
        }

    @api.model
    def _scope3_settings(self, company, candidate):
        """The settings a candidate is computed with: those a recomputation keeps from the
        entry (``candidate["settings"]``), else the company's."""
        if candidate.get("settings"):
            return candidate["settings"]
        return settings_core.ComputationSettings(
            well_to_wheel=bool(company.scope3_well_to_wheel),
            margins=company.scope3_spend_price_basis != "producer",
            basis=company.scope3_accounting_basis,
        )

    @api.model
    def _scope3_expand_energy(self, plans, sources):
        """Replace each purchase of energy by its category 3 components.

        Rule (GHG Protocol category 3, "fuel- and energy-related activities not included
        in Scope 1 or 2"): a product with an energy factor
        (``scope3_energy_factor_id``: the Scope 1 combustion factor of a fuel, or the
        Scope 2 generation factor of electricity) is energy the company burns or
        consumes. Its Scope 1/2 emissions are outside this inventory; what category 3
        counts is its upstream:

        - ``well_to_tank``: the well-to-tank companion of the energy factor (extraction,
          refining and transport of the fuel; for electricity, of the fuels generating it);
        - ``td_losses``: for electricity, the transmission and distribution losses factor
          (``scope3_td_factor_id``, found in the same set for the same grid);
        - ``td_well_to_tank``: the well-to-tank companion of the T&D factor.

        Each component is one figure of the source's stage (quantity x component factor,
        never with a well-to-wheel addition), the activity's category is 3 whatever the
        rules say. Sources that bring their own candidates are left as they are.

        :return: the new list of ``(key, stage, source)`` triples
        """
        category_3 = self.env.ref("scope3_carbon.scope3_category_03")
        expanded = []
        for key, stage, source in sources:
            product = source["product"]
            if "candidates" in source or not product.scope3_energy_factor_id:
                expanded.append((key, stage, source))
                continue
            plans[key]["activity_vals"]["category_id"] = category_3.id
            components = product._scope3_energy_components()
            if not components:
                energy = product.scope3_energy_factor_id
                message = messages.source_text(
                    messages.NO_UPSTREAM,
                    product=product.display_name,
                    factor=energy.display_name,
                )
                expanded.append((key, stage, dict(source, candidates=[], unmapped_message=message)))
                continue
            for component, factor in components:
                candidate = {
                    "level": "product",
                    "kind": "activity",
                    "factor": factor,
                    "well_to_wheel": False,
                }
                expanded.append(
                    (
                        key,
                        stage,
                        dict(
                            source,
                            candidates=[candidate],
                            subject=dict(source["subject"], energy_component=component),
                        ),
                    )
                )
        return expanded

    @api.model
    def _scope3_unmapped_message(self, factor_set, path):
        """Why no factor applies, in source terms (``scope3_activity_message``: read in
        the reader's language)."""
        if not path:
            return messages.source_text(messages.NO_FACTOR)
        unusable = [step for step in path if step.get("usable") is False]
        missing = [step for step in path if not step.get("found")]
        parts = []
        if missing and not factor_set:
            parts.append(messages.source_text(messages.NO_SET))
        elif missing:
            parts.append(
                messages.source_text(
                    messages.NO_FACTOR_IN_SET,
                    set=factor_set.display_name,
                    keys=", ".join(f"{step['key']} ({step['level']})" for step in missing),
                )
            )
        if unusable:
            parts.append(
                messages.source_text(
                    messages.UNIT_MISMATCH,
                    keys=", ".join(f"{step['key']} ({step['level']})" for step in unusable),
                )
            )
        return " ".join(parts)

    # ------------------------------------------------------------------------------------
    # Estimation: first usable candidate of the resolution chain -> figure and trace
    # ------------------------------------------------------------------------------------
    @api.model
    def _scope3_estimate(self, source, candidates, path, rates, trace=True):
        """Figure of an activity from the first usable factor candidate.

        :param dict source: ``company``, ``date``, ``amount``, ``currency``, ``quantity``,
            ``uom``, ``product``, ``partner`` and ``subject`` (identifiers for the trace)
        :param list candidates: from ``scope3.factor._scope3_candidates``, or preset by
            the source; besides ``factor``/``footprint`` a candidate may bring a ready
            ``factor_input`` (``core.calculation.FactorInput``) with its ``uom`` (a factor
            that is not a library row), ``well_to_wheel`` (False: never add the WTT
            companion) and ``stated`` (a factor stated by the company: rated as such for
            data quality)
        :param list path: levels already tried; extended with what is tried here
        :param rates: callable currency -> (Decimal rate, rate date) for ``source["date"]``
        :param bool trace: False for a figure that is shown, not recorded (live estimate,
            guardrail): the same candidate and arithmetic, without the trace and entry
            values
        :return: dict (``co2e``, ``trace``, ``level``, ``entry_vals``) or None when no
            candidate is usable (``path`` then says why); without ``trace``: ``co2e``,
            ``level``, ``factor``, ``footprint`` and ``dq_score``
        """
        company = source["company"]
        for candidate in candidates:
            if candidate["kind"] == "spend":
                figure = self._scope3_spend_figure(source, candidate, rates)
            else:
                figure = self._scope3_activity_figure(source, candidate)
            record = candidate.get("footprint") or candidate.get("factor")
            if "factor_input" in candidate:
                # a factor that is not a library row (e.g. a product's sold-product factor)
                record = self.env["scope3.factor"]
                key = f"{candidate['factor_input'].key_type}:{candidate['factor_input'].key}"
            else:
                key = candidate.get("key") or (
                    f"footprint:{record.id}"
                    if candidate.get("footprint")
                    else f"{record.key_type}:{record.key}"
                )
            if figure is None:
                path.append(
                    {
                        "level": candidate["level"],
                        "key": key,
                        "found": True,
                        "usable": False,
                        "reason": "unit not convertible to the factor's unit",
                    }
                )
                continue
            path.append({"level": candidate["level"], "key": key, "found": True})
            factor_input, quantity_or_spend, compute = figure
            if trace:
                basis = self._scope3_basis(company, candidate, factor_input)
                subject = dict(source["subject"], resolution_path=path, basis=basis)
                co2e, figure_trace = compute(quantity_or_spend, factor_input, subject)
            else:
                co2e = calculation.figure_only(compute, quantity_or_spend, factor_input)
            dq = dataquality.assess(
                candidate["level"],
                # a factor stated by the company (not a published one) is rated as such
                "stated" if candidate.get("stated") else candidate["kind"],
                activity_year=source["date"].year,
                data_year=factor_input.data_year,
                factor_region=factor_input.region,
                activity_region=company._scope3_country_code(),
                primary_share=record.primary_data_share if candidate.get("footprint") else None,
                verified=bool(candidate.get("footprint") and record.verified),
                dqr=record.dqr if candidate.get("footprint") else None,
            )
            if not trace:
                return {
                    "co2e": co2e,
                    "level": candidate["level"],
                    "factor": candidate.get("factor") or self.env["scope3.factor"],
                    "footprint": candidate.get("footprint")
                    or self.env["scope3.supplier.footprint"],
                    "dq_score": dq["score"],
                }
            figure_trace["data_quality"] = dq
            result = figure_trace["result"]
            quantity = result.get("spend_in_factor_price_year") or result.get(
                "quantity_in_factor_unit"
            )
            return {
                "co2e": co2e,
                "trace": figure_trace,
                "level": candidate["level"],
                "factor": candidate.get("factor") or self.env["scope3.factor"],
                "entry_vals": {
                    "method": {
                        "supplier": "supplier_specific",
                    }.get(
                        candidate["level"],
                        "spend_based" if candidate["kind"] == "spend" else "average_data",
                    ),
                    "basis": basis["used"],
                    "resolution_level": candidate["level"],
                    "factor_id": candidate.get("factor") and candidate["factor"].id,
                    "factor_set_id": candidate.get("factor") and candidate["factor"].set_id.id,
                    "supplier_footprint_id": candidate.get("footprint")
                    and candidate["footprint"].id,
                    "mapping_rule_id": candidate.get("rule") and candidate["rule"].id,
                    "factor_value": float(factor_input.value),
                    "factor_unit": factor_input.unit,
                    "activity_amount": float(quantity),
                    "activity_unit": factor_input.currency
                    and f"{factor_input.currency} ({factor_input.price_year})"
                    or factor_input.uom
                    or factor_input.unit,
                    "source_amount": source["amount"],
                    "source_currency_id": source["currency"].id,
                    **self._scope3_dq_entry_vals(dq),
                },
            }
        return None

    @api.model
    def _scope3_quick_estimates(self, sources):
        """kg CO2e and DQ score of each source, nothing recorded (live estimates shown
        while typing an order, per-unit estimates of products): the first usable factor
        of the resolution chain, grouped by company and date. A source that cannot be
        estimated (no factor, no exchange rate yet) gives ``(0.0, 0)``.

        :param list sources: as ``_scope3_estimate`` takes them, with ``resolution_item``
        :return: list of ``(kg, dq score)`` aligned with ``sources``
        """
        results = [(0.0, 0)] * len(sources)
        groups = defaultdict(list)
        for index, source in enumerate(sources):
            groups[(source["company"], source["date"])].append(index)
        for (company, date), indexes in groups.items():
            _set, resolved = self.env["scope3.factor"]._scope3_candidates(
                company, date, [sources[i]["resolution_item"] for i in indexes]
            )
            rates = company._scope3_rates_getter(date)
            for index, (candidates, path, _rule) in zip(indexes, resolved, strict=True):
                try:
                    estimate = self._scope3_estimate(
                        sources[index], candidates, path, rates, trace=False
                    )
                except UserError:
                    # e.g. no exchange rate yet for the date: no estimate; the attribution
                    # of the confirmed document says what is missing
                    continue
                if estimate:
                    results[index] = (float(estimate["co2e"]), estimate["dq_score"])
        return results

    @api.model
    def _scope3_dq_entry_vals(self, dq):
        """Entry values of a ``core.dataquality.assess`` result."""
        return {
            "dq_technological": dq["technological"],
            "dq_temporal": dq["temporal"],
            "dq_geographical": dq["geographical"],
            "dq_completeness": dq["completeness"],
            "dq_reliability": dq["reliability"],
            "dq_score": dq["score"],
            "uncertainty_pct": dq["uncertainty_pct"],
        }

    @api.model
    def _scope3_basis(self, company, candidate, factor_input):
        """Accounting basis used, with the market-based fallback recorded."""
        return calculation.select_basis(
            self._scope3_settings(company, candidate).basis,
            bool(candidate.get("footprint")) or factor_input.basis == "market",
        )

    @api.model
    def _scope3_spend_figure(self, source, candidate, rates):
        factor = candidate["factor"]
        currency = source["currency"]
        # what does not depend on the line: once per factor, currency and date in a batch
        memo = getattr(rates, "spend_contexts", {})
        key = (
            factor.id,
            candidate["level"],
            currency.id,
            source["company"].id,
            source["date"],
            candidate.get("settings"),
        )
        if key not in memo:
            memo[key] = self._scope3_spend_context(source, candidate, rates)
        context, factor_input = memo[key]
        spend = calculation.SpendInput(amount=to_decimal(source["amount"]), **context)
        return factor_input, spend, calculation.compute_spend_based

    @api.model
    def _scope3_spend_context(self, source, candidate, rates):
        """The ``SpendInput`` values other than the amount, and the factor input, of a
        spend-based candidate: rates, price index and factor snapshot."""
        factor = candidate["factor"]
        factor_set = factor.set_id
        company = source["company"]
        currency = source["currency"]
        factor_currency = factor_set.currency_id
        rate, rate_date = rates(currency)
        factor_rate, factor_rate_date = rates(factor_currency)
        margins = self._scope3_settings(company, candidate).margins
        context = {
            "currency": currency.name,
            "date": str(source["date"]),
            "rate": rate,
            "rate_date": rate_date,
            "factor_rate": factor_rate,
            "factor_rate_date": factor_rate_date,
            "company_currency": company.currency_id.name,
            "factor_currency_rounding": to_decimal(factor_currency.rounding),
            "price_index": self._scope3_deflation(
                rates, factor_currency, source["date"].year, factor_set.price_year
            ),
        }
        factor_input = factor._scope3_factor_input(
            candidate["level"], currency_name=factor_currency.name, margins=margins
        )
        return context, factor_input

    @api.model
    def _scope3_deflation(self, rates, currency, spend_year, price_year):
        memo = getattr(rates, "deflations", {})
        key = (currency.id, spend_year, price_year)
        if key not in memo:
            memo[key] = self.env["scope3.price.index"]._scope3_deflation(
                currency, spend_year, price_year
            )
        return memo[key]

    @api.model
    def _scope3_activity_figure(self, source, candidate):
        """Activity-based figure, or None when the quantity cannot be expressed in the
        factor's unit."""
        company = source["company"]
        footprint = candidate.get("footprint")
        if "factor_input" in candidate:
            factor_input = candidate["factor_input"]
            factor_uom = candidate["uom"]
            per_unit = None
        elif footprint:
            factor_uom = footprint._scope3_uom()
            factor_input = calculation.FactorInput(
                factor_id=footprint.id,
                value=to_decimal(footprint.pcf_kg),
                unit=f"kg CO2e/{footprint.declared_unit}",
                key_type="supplier_footprint",
                key=footprint.pact_id or f"footprint:{footprint.id}",
                title=footprint.display_name,
                set_id=0,
                set_name="Supplier-specific footprint",
                set_publisher=footprint.partner_id.commercial_partner_id.name,
                set_edition=str(footprint.valid_from),
                set_checksum="",
                resolution=candidate["level"],
                uom=factor_uom.name,
                basis="market",
                data_year=footprint.valid_from.year,
            )
            per_unit = footprint.unitary_product_amount
        else:
            factor = candidate["factor"]
            factor_uom = factor.uom_id
            factor_input = factor._scope3_factor_input(
                candidate["level"],
                wtt=self._scope3_settings(company, candidate).well_to_wheel
                and candidate.get("well_to_wheel", True),
            )
            per_unit = None
        ratio, rule = self._scope3_uom_conversion(
            source["uom"], source["product"], factor_uom, per_unit
        )
        if ratio is None:
            return None
        quantity = calculation.QuantityInput(
            quantity=to_decimal(source["quantity"]),
            unit=source["uom"].name,
            date=str(source["date"]),
            to_factor_unit=ratio,
            conversion_rule=rule,
            well_to_wheel=bool(
                self._scope3_settings(company, candidate).well_to_wheel
                and factor_input.wtt_value is not None
            ),
        )
        return factor_input, quantity, calculation.compute_activity_based

    @api.model
    def _scope3_uom_conversion(self, uom, product, factor_uom, declared_per_unit=None):
        """Multiplier from ``uom`` to ``factor_uom`` and the rule used, or (None, None).

        Same category: Odoo's unit ratio. A per-mass factor for a product counted in
        another category: the product weight (kg per product unit). A supplier footprint
        per declared unit: its declared units per product unit.
        """
        if not uom or not factor_uom:
            return None, None
        if uom.category_id == factor_uom.category_id:
            ratio = conversion.uom_ratio(to_decimal(uom.factor), to_decimal(factor_uom.factor))
            return ratio, f"unit of measure {uom.name} -> {factor_uom.name}"
        product_uom = product.uom_id
        if product_uom and uom.category_id != product_uom.category_id:
            return None, None
        to_product_unit = (
            conversion.uom_ratio(to_decimal(uom.factor), to_decimal(product_uom.factor))
            if product_uom
            else Decimal(1)
        )
        if declared_per_unit:
            return (
                to_product_unit * to_decimal(declared_per_unit),
                f"{declared_per_unit} {factor_uom.name} per {product_uom.name} "
                "(supplier's declared units per product unit)",
            )
        kg = self.env.ref("uom.product_uom_kgm")
        if factor_uom.category_id == kg.category_id and product.weight:
            ratio = (
                to_product_unit
                * to_decimal(product.weight)
                * conversion.uom_ratio(to_decimal(kg.factor), to_decimal(factor_uom.factor))
            )
            return ratio, (
                f"product weight {product.weight} kg per {product_uom.name}, "
                f"kg -> {factor_uom.name}"
            )
        return None, None
