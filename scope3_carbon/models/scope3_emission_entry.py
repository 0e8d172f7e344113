# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..core import trace as trace_core
from ..tools import insert_rows

STAGES = [
    ("commitment", "Commitment"),
    ("receipt", "Receipt"),
    ("bill", "Bill"),
    ("manual", "Manual"),
    ("restatement", "Restatement"),
    ("transport", "Transport"),
]
METHODS = [
    ("supplier_specific", "Supplier-specific"),
    ("hybrid", "Hybrid"),
    ("average_data", "Average-data"),
    ("spend_based", "Spend-based"),
    ("distance_based", "Distance-based"),
]
RESOLUTION_LEVELS = [
    ("supplier", "Supplier-specific footprint"),
    ("product", "Product"),
    ("product_category", "Product category"),
    ("rule", "Mapping rule"),
    ("company_default", "Company default"),
    ("transport", "Transport mode"),
    ("manual", "Manual activity"),
]


class Scope3EmissionEntry(models.Model):
    """The append-only Scope 3 emission ledger.

    An entry is never changed nor deleted: a correction is a reversal entry (the exact
    opposite, linked to what it reverses) plus a new entry. The ORM refuses ``write``
    and
    ``unlink`` for everyone, and a PostgreSQL trigger rejects any UPDATE of the facts or
    DELETE of a posted row, whatever the client. Each entry keeps a snapshot of the
    factor value and a canonical JSON calculation trace with its SHA-256, which replays
    to the same figure.
    """

    _name = "scope3.emission.entry"
    _description = "Scope 3 Emission Entry"
    _order = "date desc, id desc"
    _check_company_auto = True

    #: columns the database trigger protects on posted rows
    _scope3_protected_columns = (
        "state",
        "activity_id",
        "company_id",
        "date",
        "category_id",
        "method",
        "basis",
        "stage",
        "resolution_level",
        "factor_id",
        "factor_set_id",
        "factor_value",
        "factor_unit",
        "activity_amount",
        "activity_unit",
        "source_amount",
        "source_currency_id",
        "co2e_kg",
        "trace",
        "trace_hash",
        "reversed_entry_id",
        "is_reversal",
        "event_id",
        "event_key",
        "correlation_id",
        "purchase_order_id",
        "purchase_line_id",
        "account_move_id",
        "account_move_line_id",
        "picking_id",
        "partner_id",
        "product_id",
        "create_date",
        "create_uid",
        "restatement_id",
    )

    state = fields.Selection([("posted", "Posted")], default="posted", required=True, readonly=True)
    activity_id = fields.Many2one(
        "scope3.activity", required=True, readonly=True, index=True, ondelete="restrict"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    date = fields.Date(required=True, readonly=True, index=True, help="Accounting date.")
    category_id = fields.Many2one(
        "scope3.category", string="Category", required=True, readonly=True, index=True
    )
    method = fields.Selection(METHODS, required=True, readonly=True)
    basis = fields.Selection(
        [("location", "Location-based"), ("market", "Market-based")],
        required=True,
        readonly=True,
        default="location",
    )
    stage = fields.Selection(STAGES, required=True, readonly=True, index=True)
    resolution_level = fields.Selection(RESOLUTION_LEVELS, readonly=True)
    factor_id = fields.Many2one("scope3.factor", readonly=True, index="btree_not_null")
    factor_set_id = fields.Many2one("scope3.factor.set", readonly=True, index="btree_not_null")
    factor_value = fields.Float(
        readonly=True,
        groups="scope3_carbon.group_scope3_auditor",
        digits=0,  # exact numeric: the value as published, never rounded
        help="Snapshot of the factor value used (kg CO2e per unit).",
    )
    factor_unit = fields.Char(readonly=True)
    activity_amount = fields.Float(
        readonly=True,
        digits=0,  # exact numeric
        help="Quantity the factor was applied to (e.g. 2022 USD).",
    )
    activity_unit = fields.Char(readonly=True)
    source_amount = fields.Monetary(
        readonly=True,
        currency_field="source_currency_id",
        help="Amount on the source document.",
    )
    source_currency_id = fields.Many2one("res.currency", readonly=True)
    co2e_kg = fields.Float(
        string="kg CO2e", required=True, readonly=True, digits=(16, 3), aggregator="sum"
    )
    trace = fields.Text(
        readonly=True,
        groups="scope3_carbon.group_scope3_auditor",
        help="Canonical JSON of the calculation (auditors and managers: it holds suppliers' "
        "confidential figures).",
    )
    trace_pretty = fields.Text(
        string="Calculation Trace",
        compute="_compute_trace_pretty",
        compute_sudo=True,
        help="The calculation trace; without the Auditor right, a supplier's confidential "
        "inputs (its footprint value and declared units) are hidden.",
    )
    trace_hash = fields.Char(string="Trace SHA-256", readonly=True, index=True)
    reversed_entry_id = fields.Many2one(
        "scope3.emission.entry",
        string="Reverses",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    reversal_entry_ids = fields.One2many(
        "scope3.emission.entry",
        "reversed_entry_id",
        string="Reversed By",
        readonly=True,
    )
    is_reversal = fields.Boolean(readonly=True)
    is_reversed = fields.Boolean(compute="_compute_is_reversed")
    supplier_footprint_id = fields.Many2one(
        "scope3.supplier.footprint", readonly=True, index="btree_not_null"
    )
    mapping_rule_id = fields.Many2one("scope3.mapping.rule", readonly=True)
    dq_technological = fields.Integer(string="DQ Technological", readonly=True)
    dq_temporal = fields.Integer(string="DQ Temporal", readonly=True)
    dq_geographical = fields.Integer(string="DQ Geographical", readonly=True)
    dq_completeness = fields.Integer(string="DQ Completeness", readonly=True)
    dq_reliability = fields.Integer(string="DQ Reliability", readonly=True)
    dq_score = fields.Integer(
        string="DQ Score",
        readonly=True,
        aggregator="max",
        help="Data quality, 1 (verified supplier-specific data) to 5 (generic spend-based).",
    )
    uncertainty_pct = fields.Float(string="Uncertainty (%)", readonly=True, aggregator="max")
    dq_weighted_kg = fields.Float(
        string="DQ x kg CO2e",
        readonly=True,
        digits=(16, 3),
        help="DQ score x kg CO2e: summed and divided by the summed kg CO2e, it gives the "
        "emission-weighted DQ score of any selection of entries.",
    )
    event_id = fields.Many2one(
        "scope3.outbox.event", readonly=True, index="btree_not_null", ondelete="set null"
    )
    event_key = fields.Char(
        readonly=True,
        index="btree_not_null",
        help="Idempotency key of the outbox event that posted the entry (kept when done "
        "events are removed after their retention).",
    )
    correlation_id = fields.Char(readonly=True, index=True)
    purchase_order_id = fields.Many2one(
        "purchase.order", readonly=True, index="btree_not_null", ondelete="restrict"
    )
    purchase_line_id = fields.Many2one(
        "purchase.order.line",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    account_move_id = fields.Many2one(
        "account.move", string="Bill", readonly=True, index="btree_not_null", ondelete="restrict"
    )
    account_move_line_id = fields.Many2one(
        "account.move.line",
        string="Bill Line",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    picking_id = fields.Many2one(
        "stock.picking", string="Transfer", readonly=True, index="btree_not_null"
    )
    partner_id = fields.Many2one("res.partner", string="Vendor", readonly=True, index=True)
    product_id = fields.Many2one("product.product", readonly=True, index=True)
    restatement_id = fields.Many2one(
        "scope3.restatement",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
        help="Approved restatement that posted this entry (a reversal or a restated figure).",
    )

    _sql_constraints = [
        (
            "reversed_once",
            "unique(reversed_entry_id)",
            "An emission entry can be reversed only once.",
        ),
    ]

    #: protected links to source lines that may be deleted (ON DELETE SET NULL, e.g. a
    #: line removed from a bill reset to draft): the trigger lets them be cleared, never
    #: changed to another value; the trace keeps the line's id
    _scope3_clearable_columns = ("purchase_line_id", "account_move_line_id", "event_id")

    def init(self):
        clearable = self._scope3_clearable_columns
        fixed = [c for c in self._scope3_protected_columns if c not in clearable]
        columns = SQL(", ").join(SQL("OLD.%s", SQL.identifier(c)) for c in fixed)
        new_columns = SQL(", ").join(SQL("NEW.%s", SQL.identifier(c)) for c in fixed)
        relinked = SQL(" OR ").join(
            SQL(
                "(NEW.%s IS NOT NULL AND NEW.%s IS DISTINCT FROM OLD.%s)",
                SQL.identifier(c),
                SQL.identifier(c),
                SQL.identifier(c),
            )
            for c in self._scope3_clearable_columns
        )
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE FUNCTION scope3_emission_entry_append_only()
                RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'DELETE' THEN
                        IF OLD.state = 'posted' THEN
                            RAISE EXCEPTION 'scope3_emission_entry %% is posted: %%',
                                OLD.id, 'the Scope 3 ledger is append-only (DELETE refused)'
                                USING ERRCODE = 'restrict_violation';
                        END IF;
                        RETURN OLD;
                    END IF;
                    IF OLD.state = 'posted'
                       AND (ROW(%s) IS DISTINCT FROM ROW(%s) OR %s) THEN
                        RAISE EXCEPTION 'scope3_emission_entry %% is posted: %%',
                            OLD.id, 'the Scope 3 ledger is append-only (UPDATE refused)'
                            USING ERRCODE = 'restrict_violation';
                    END IF;
                    RETURN NEW;
                END;
                $$;
                DROP TRIGGER IF EXISTS scope3_emission_entry_append_only
                    ON scope3_emission_entry;
                CREATE TRIGGER scope3_emission_entry_append_only
                    BEFORE UPDATE OR DELETE ON scope3_emission_entry
                    FOR EACH ROW EXECUTE FUNCTION scope3_emission_entry_append_only();
                """,
                columns,
                new_columns,
                relinked,
            )
        )

    @api.depends("trace")
    @api.depends_context("uid")
    def _compute_trace_pretty(self):
        confidential_ok = self.env.user.has_group("scope3_carbon.group_scope3_auditor")
        for entry in self:
            if not entry.trace:
                entry.trace_pretty = False
                continue
            trace = json.loads(entry.trace)
            if not confidential_ok:
                trace = trace_core.redact_supplier_inputs(trace)
            entry.trace_pretty = json.dumps(trace, indent=2, sort_keys=True, ensure_ascii=False)

    @api.depends("reversal_entry_ids")
    def _compute_is_reversed(self):
        for entry in self:
            entry.is_reversed = bool(entry.reversal_entry_ids)

    @api.depends("stage", "co2e_kg", "is_reversal")
    def _compute_display_name(self):
        for entry in self:
            prefix = self.env._("Reversal") if entry.is_reversal else dict(STAGES).get(entry.stage)
            number = entry.id if isinstance(entry.id, int) else 0
            entry.display_name = f"S3E{number:07d} {prefix} {entry.co2e_kg:.3f} kg"

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("trace"):
                raise UserError(self.env._("An emission entry needs its calculation trace."))
            trace = json.loads(vals["trace"])
            vals["trace"] = trace_core.canonical_json(trace)
            vals["trace_hash"] = trace_core.trace_hash(trace)
            vals["is_reversal"] = bool(vals.get("reversed_entry_id"))
            vals["dq_weighted_kg"] = (vals.get("dq_score") or 0) * (vals.get("co2e_kg") or 0.0)
        self._scope3_set_event_keys(vals_list)
        return super().create(vals_list)

    @api.model
    def _scope3_set_event_keys(self, vals_list):
        """Copy the idempotency key of each entry's outbox event onto the entry."""
        event_ids = {vals["event_id"] for vals in vals_list if vals.get("event_id")}
        events = self.env["scope3.outbox.event"].sudo().browse(event_ids)
        keys = {event.id: event.idempotency_key for event in events}
        for vals in vals_list:
            if vals.get("event_id") and not vals.get("event_key"):
                vals["event_key"] = keys.get(vals["event_id"])

    @api.model
    def _scope3_post(self, vals_list):
        """Append entries to the ledger in one INSERT (the attribution cron's path).

        Same checks and derived values as ``create`` (canonical trace, its hash, the
        reversal flag, DQ x kg), written set-based: the ledger is written by code only,
        append-only, and the cron posts thousands of entries per batch. Dependent stored
        fields (activity, order line and order kg CO2e) are marked for recomputation as
        ``create`` would.
        """
        prepared = []
        for vals in vals_list:
            if not vals.get("trace"):
                raise UserError(self.env._("An emission entry needs its calculation trace."))
            # a dict is serialised here; a string must already be canonical JSON (made by
            # core.trace.canonical_json in this process), its hash is taken as it is
            text = vals["trace"]
            if not isinstance(text, str):
                text = trace_core.canonical_json(text)
            prepared.append(
                dict(
                    vals,
                    trace=text,
                    trace_hash=trace_core.text_hash(text),
                    is_reversal=bool(vals.get("reversed_entry_id")),
                    dq_weighted_kg=(vals.get("dq_score") or 0) * (vals.get("co2e_kg") or 0.0),
                )
            )
        self._scope3_set_event_keys(prepared)
        entries = insert_rows(self, prepared, defaults={"state": "posted", "basis": "location"})
        # what the ORM's create would do for the inverse one2manys and their dependents
        activities = self.env["scope3.activity"].browse({vals["activity_id"] for vals in vals_list})
        activities.invalidate_recordset(["entry_ids"])
        self.invalidate_model(["reversal_entry_ids", "is_reversed"])
        activities.modified(["entry_ids"])
        return entries

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(
            self.env._(
                "Scope 3 emission entries are append-only and cannot be modified. Post a "
                "reversal and a new entry instead."
            )
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_never(self):
        raise UserError(
            self.env._("Scope 3 emission entries are append-only and cannot be deleted.")
        )

    def _scope3_figure_hashes(self):
        """Hash of each entry's figure, as the plans of ``scope3.activity._scope3_apply``
        compare them: the trace hash, except for figures posted by a restatement, whose
        trace also names the restatement (the ``restatement`` key) - that key is left out,
        so a later document event finds the same figure and keeps it."""
        hashes = []
        for entry in self:
            if entry.restatement_id and not entry.is_reversal:
                trace = json.loads(entry.trace)
                trace.pop("restatement", None)
                hashes.append(trace_core.trace_hash(trace))
            else:
                hashes.append(entry.trace_hash)
        return hashes

    def _scope3_reversal_vals(self, co2e, trace, event, restatement=None):
        """Values of the entry that reverses this one (same facts, opposite figure).

        :param event: the outbox event that causes the reversal (may be empty)
        :param restatement: the ``scope3.restatement`` that posts it, if any
        """
        self.ensure_one()
        return {
            "activity_id": self.activity_id.id,
            "company_id": self.company_id.id,
            "date": self.date,
            "category_id": self.category_id.id,
            "method": self.method,
            "basis": self.basis,
            "stage": self.stage,
            "resolution_level": self.resolution_level,
            "factor_id": self.factor_id.id,
            "factor_set_id": self.factor_set_id.id,
            "factor_value": self.factor_value,
            "factor_unit": self.factor_unit,
            "activity_amount": -self.activity_amount,
            "activity_unit": self.activity_unit,
            "source_amount": -self.source_amount,
            "source_currency_id": self.source_currency_id.id,
            "co2e_kg": float(co2e),
            "trace": trace_core.canonical_json(trace),
            "reversed_entry_id": self.id,
            "account_move_id": self.account_move_id.id,
            "account_move_line_id": self.account_move_line_id.id,
            "supplier_footprint_id": self.supplier_footprint_id.id,
            "mapping_rule_id": self.mapping_rule_id.id,
            "dq_technological": self.dq_technological,
            "dq_temporal": self.dq_temporal,
            "dq_geographical": self.dq_geographical,
            "dq_completeness": self.dq_completeness,
            "dq_reliability": self.dq_reliability,
            "dq_score": self.dq_score,
            "uncertainty_pct": self.uncertainty_pct,
            "event_id": event.id,
            "correlation_id": self.correlation_id,
            "purchase_order_id": self.purchase_order_id.id,
            "purchase_line_id": self.purchase_line_id.id,
            "picking_id": self.picking_id.id,
            "partner_id": self.partner_id.id,
            "product_id": self.product_id.id,
            "restatement_id": restatement.id if restatement else False,
        }

    @api.model
    def _scope3_action(self, domain):
        """The ledger action restricted to ``domain`` (smart buttons of the documents)."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "scope3_carbon.scope3_emission_entry_action"
        )
        action["domain"] = domain
        action["context"] = {}
        return action

    def _scope3_verify(self):
        """Problems found when re-hashing and replaying each entry's trace, by entry."""
        # sudo: verifying needs the full trace; only the verdict is shown
        return {
            entry: trace_core.verify(entry.sudo().trace, entry.trace_hash, entry.co2e_kg)
            for entry in self
        }

    def action_verify_trace(self):
        problems = {e: p for e, p in self._scope3_verify().items() if p}
        if problems:
            raise UserError(
                "\n".join(
                    f"{entry.display_name}: {'; '.join(msgs)}" for entry, msgs in problems.items()
                )
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "%(count)s entries verified: the trace hashes match and replaying the "
                    "traces gives the recorded figures.",
                    count=len(self),
                ),
            },
        }
