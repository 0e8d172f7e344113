# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.osv import expression

DEFAULT_CHUNK_SIZE = 200
#: activity fields compared with the source's current values to name the cause of a drift
SNAPSHOT_FIELDS = (
    "quantity",
    "amount",
    "product_id",
    "uom_id",
    "currency_id",
    "date",
    "partner_id",
)


class Scope3ReconciliationRun(models.Model):
    """A sweep of the ledger against a fresh computation of every activity.

    The safety net behind every capture path: for each activity (in chunks of one
    transaction), the figures its sources give now are computed as the next event of
    its document would compute them (``scope3.activity._scope3_plans``: same stages,
    rates by date, trace hashes) but with the factor versions its entries used
    (``_scope3_recompute``), and compared with its active entries. A newer factor set, a new
    mapping rule or a changed setting is not a drift: it moves the ledger through a
    restatement, never silently through the sweep. An activity whose ledger differs is
    a *drift*: it is recorded (with its cause) and healed through the normal path, an
    outbox event of its document processed at once (reversal + new entry). Documents
    with an event still pending or being processed are skipped: their figures are on
    their way. Activities of a purchase line with a negative quantity are attributed as
    the document says and flagged.

    A cron rather than an agent: the sweep belongs to the ledger (``scope3_carbon``) and
    must run without the agents add-on; the agents can read its drift lines.
    """

    _name = "scope3.reconciliation.run"
    _description = "Scope 3 Reconciliation Run"
    _order = "id desc"

    name = fields.Char(compute="_compute_name", store=True)
    state = fields.Selection(
        [("running", "Running"), ("done", "Done")], default="running", required=True, readonly=True
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Vendor",
        readonly=True,
        help="Only the activities of this vendor (all when empty).",
    )
    chunk_size = fields.Integer(default=DEFAULT_CHUNK_SIZE, readonly=True)
    last_activity_id = fields.Integer(readonly=True)
    started_at = fields.Datetime(readonly=True, default=fields.Datetime.now)
    finished_at = fields.Datetime(readonly=True)
    checked_count = fields.Integer(string="Activities Checked", readonly=True)
    skipped_count = fields.Integer(
        string="Skipped (in progress)",
        readonly=True,
        help="Activities whose document had an event pending or being processed.",
    )
    drift_count = fields.Integer(string="Drifts", readonly=True)
    healed_count = fields.Integer(string="Healed", readonly=True)
    flagged_count = fields.Integer(string="Flagged", readonly=True)
    line_ids = fields.One2many("scope3.reconciliation.line", "run_id", string="Findings")

    @api.depends("started_at")
    def _compute_name(self):
        for run in self:
            run.name = self.env._("Reconciliation of %(date)s", date=run.started_at)

    # ------------------------------------------------------------------------------------
    # Cron
    # ------------------------------------------------------------------------------------
    @api.model
    def _cron_sweep(self):
        """One chunk of the current sweep (a new one is started when none runs); the
        scheduler runs the cron again at once until the sweep is done."""
        run = self.search([("state", "=", "running"), ("partner_id", "=", False)], limit=1)
        if not run:
            run = self.create({})
        checked = run._scope3_run_chunk()
        self.env["ir.cron"]._notify_progress(
            done=checked, remaining=1 if run.state == "running" else 0
        )
        if self.env["scope3.outbox.event"]._scope3_may_commit():
            # a chunk is a unit of work: its findings, healing entries and position
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return run

    def _scope3_sweep(self):
        """Run this sweep to the end (in the current transaction)."""
        self.ensure_one()
        while self.state == "running":
            self._scope3_run_chunk()
        return self

    # ------------------------------------------------------------------------------------
    # Chunk
    # ------------------------------------------------------------------------------------
    def _scope3_run_chunk(self):
        self.ensure_one()
        if self.state != "running":
            return 0
        Activity = self.env["scope3.activity"].sudo()
        domain = [("id", ">", self.last_activity_id)]
        if self.partner_id:
            domain.append(("partner_id", "=", self.partner_id.id))
        activities = Activity.search(domain, order="id", limit=self.chunk_size)
        if not activities:
            self.write({"state": "done", "finished_at": fields.Datetime.now()})
            return 0
        busy = self._scope3_busy_documents()
        todo = activities.filtered(lambda a: self._scope3_document(a) not in busy)
        pins = todo._scope3_pinnable_entries()
        drifts, lines = self._scope3_compare(todo, pins)
        flags = self._scope3_flags(todo)
        healed = self._scope3_heal(drifts, pins)
        line_vals = []
        for activity, values in drifts.items():
            line_vals.append(dict(values, run_id=self.id, healed=activity in healed))
        for activity, cause in flags.items():
            line_vals.append(
                {
                    "run_id": self.id,
                    "activity_id": activity.id,
                    "kind": "negative_quantity",
                    "ledger_kg": activity.co2e_kg,
                    "fresh_kg": activity.co2e_kg,
                    "cause": cause,
                }
            )
        self.env["scope3.reconciliation.line"].sudo().create(line_vals)
        self.write(
            {
                "last_activity_id": activities[-1].id,
                "checked_count": self.checked_count + lines,
                "skipped_count": self.skipped_count + len(activities) - len(todo),
                "drift_count": self.drift_count + len(drifts),
                "healed_count": self.healed_count + len(healed),
                "flagged_count": self.flagged_count + len(flags),
            }
        )
        return len(activities)

    @api.model
    def _scope3_document(self, activity):
        """(model, id) of the document whose events attribute the activity."""
        if activity.source_type == "purchase_line":
            return ("purchase.order", activity.purchase_order_id.id)
        if activity.source_type == "transport":
            return ("stock.picking", activity.picking_id.id)
        if activity.source_type in ("bill_line", "invoice_line"):
            return ("account.move", activity.account_move_id.id)
        return ("scope3.manual.activity", int((activity.source_key or "x:0").split(":")[1]))

    @api.model
    def _scope3_document_activities(self, documents):
        """Every activity of these documents ((model, id) pairs)."""
        fields_by_model = {
            "purchase.order": "purchase_order_id",
            "stock.picking": "picking_id",
            "account.move": "account_move_id",
        }
        ids_by_model = {}
        for model, res_id in documents:
            ids_by_model.setdefault(model, []).append(res_id)
        domains = [
            [(fields_by_model[model], "in", ids)]
            if model in fields_by_model
            else [("source_key", "in", [f"{model}:{res_id}" for res_id in ids])]
            for model, ids in ids_by_model.items()
        ]
        return self.env["scope3.activity"].sudo().search(expression.OR(domains))

    @api.model
    def _scope3_busy_documents(self):
        self.env["scope3.outbox.event"].flush_model()
        self.env.cr.execute(
            "SELECT DISTINCT aggregatetype, aggregateid FROM scope3_outbox_event "
            "WHERE state IN ('pending', 'processing')"
        )
        return {(model, int(res_id)) for model, res_id in self.env.cr.fetchall()}

    @api.model
    def _scope3_recompute(self, pins):
        """The sweep keeps the factors and the settings each entry was computed with
        (``scope3.activity._scope3_pinned_candidates``): only the documents speak."""
        return {"entries": pins, "factors": "recorded", "settings": "recorded"}

    @api.model
    def _scope3_compare(self, activities, pins):
        """Drifted activities of these, with their figures and cause, and how many were
        checked. Nothing is written.

        :param dict pins: ``scope3.activity._scope3_pinnable_entries``
        """
        Activity = self.env["scope3.activity"].sudo()
        plans = activities.with_context(
            scope3_recompute=self._scope3_recompute(pins)
        )._scope3_plans()
        stages = {stage for plan in plans for stage in plan.get("stages", {})}
        active = activities._scope3_active_entries(stages)
        drifts = {}
        for plan in plans:
            if plan.get("keep"):
                continue
            if not Activity._scope3_plan_entry_vals(plan, active):
                continue
            activity = plan["activity"]
            fresh = sum(
                float(figure["co2e"])
                for figures in plan["stages"].values()
                for figure in figures
                if figure["co2e"]
            )
            kept = sum(
                sum(entries.mapped("co2e_kg"))
                for (act, stage), entries in active.items()
                if act == activity and stage not in plan["stages"]
            )
            drifts[activity] = {
                "activity_id": activity.id,
                "kind": "drift",
                "ledger_kg": activity.co2e_kg,
                "fresh_kg": round(fresh + kept, 3),
                "cause": self._scope3_cause(activity, plan),
            }
        return drifts, len(plans)

    @api.model
    def _scope3_cause(self, activity, plan):
        """Why the ledger differs: the source's values that changed since the activity was
        last attributed (a change that was not captured), else a ledger that does not
        match its sources."""
        changes = []
        vals = plan.get("activity_vals") or {}
        for name in SNAPSHOT_FIELDS:
            if name not in vals:
                continue
            field = activity._fields[name]
            old = field.convert_to_write(activity[name], activity)
            new = vals[name]
            if field.type == "many2one":
                new = new or False
                old = old or False
            if old != new and not (
                field.type in ("float", "monetary") and abs((old or 0.0) - (new or 0.0)) < 1e-9
            ):
                changes.append(f"{name}: {old} -> {new}")
        if changes:
            return self.env._(
                "The source changed without being captured (%(changes)s).",
                changes="; ".join(changes),
            )
        return self.env._(
            "The ledger's entries differ from a fresh computation of unchanged sources "
            "(an event lost or failed, or entries not posted by the live path)."
        )

    @api.model
    def _scope3_flags(self, activities):
        """Purchase lines with a negative quantity (attributed as the document says),
        flagged once per activity."""
        negative = activities.filtered(
            lambda a: a.source_type == "purchase_line" and a.quantity < 0
        )
        if not negative:
            return {}
        flagged = set(
            self.env["scope3.reconciliation.line"]
            .sudo()
            .search([("activity_id", "in", negative.ids), ("kind", "=", "negative_quantity")])
            .activity_id.ids
        )
        return {
            activity: self.env._(
                "Negative quantity %(qty)s on a purchase order line: attributed as the order "
                "says (%(kg)s kg CO2e); check the order.",
                qty=activity.quantity,
                kg=activity.co2e_kg,
            )
            for activity in negative
            if activity.id not in flagged
        }

    @api.model
    def _scope3_heal(self, drifts, pins):
        """Heal drifted activities through the live path: one outbox event per document,
        processed now, with the factor versions the entries used (``pins``). Returns the
        activities whose event succeeded."""
        if not drifts:
            return set()
        by_document = {}
        for activity in drifts:
            model, res_id = self._scope3_document(activity)
            by_document.setdefault((model, res_id), []).append(activity)
        # the event recomputes every activity of its documents, some beyond this chunk
        pins = {**self._scope3_document_activities(by_document)._scope3_pinnable_entries(), **pins}
        Event = (
            self.env["scope3.outbox.event"]
            .sudo()
            .with_context(scope3_recompute=self._scope3_recompute(pins))
        )
        vals = []
        for model, res_id in by_document:
            record = self.env[model].sudo().browse(res_id).exists()
            if record:
                vals.append(record._scope3_event_vals("scope3.reconciliation"))
        events, _inserted = Event._scope3_record(vals)
        events._scope3_mark_processing("reconciliation", Event._scope3_lease_seconds())
        events._scope3_process()
        done = {(e.aggregatetype, int(e.aggregateid)) for e in events if e.state == "done"}
        return {
            activity
            for document, activities in by_document.items()
            if document in done
            for activity in activities
        }


class Scope3ReconciliationLine(models.Model):
    """A finding of a reconciliation run: a drift (healed or not) or a flagged activity."""

    _name = "scope3.reconciliation.line"
    _description = "Scope 3 Reconciliation Finding"
    _order = "id desc"
    _check_company_auto = True

    run_id = fields.Many2one(
        "scope3.reconciliation.run", required=True, readonly=True, index=True, ondelete="cascade"
    )
    activity_id = fields.Many2one(
        "scope3.activity", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="activity_id.company_id", store=True, index=True)
    kind = fields.Selection(
        [("drift", "Drift"), ("negative_quantity", "Negative quantity")],
        required=True,
        readonly=True,
    )
    ledger_kg = fields.Float(
        string="Ledger kg CO2e", digits=(16, 3), readonly=True, help="Net before healing."
    )
    fresh_kg = fields.Float(string="Fresh kg CO2e", digits=(16, 3), readonly=True)
    difference_kg = fields.Float(
        string="Difference kg CO2e", digits=(16, 3), compute="_compute_difference", store=True
    )
    cause = fields.Text(readonly=True)
    healed = fields.Boolean(readonly=True)

    @api.depends("ledger_kg", "fresh_kg")
    def _compute_difference(self):
        for line in self:
            line.difference_kg = line.fresh_kg - line.ledger_kg
