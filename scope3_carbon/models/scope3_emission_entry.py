# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..core import chain as chain_core
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
#: entries sealed per company and transaction by the sealing cron
SEAL_CHUNK = 5000
#: entries read per query when verifying a chain
VERIFY_CHUNK = 5000
#: first key of the advisory lock taken by the sealer (second key: the company id)
SEAL_LOCK_KEY = 53311

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
        "supplier_footprint_id",
        "mapping_rule_id",
        "dq_technological",
        "dq_temporal",
        "dq_geographical",
        "dq_completeness",
        "dq_reliability",
        "dq_score",
        "uncertainty_pct",
        "dq_weighted_kg",
        "event_key",
    )

    #: columns covered by the entry's fact hash (``entry_hash``): every stored fact but
    #: the links that may be cleared (their value at posting is in the trace, the event's
    #: key in ``event_key``); frozen: a new column needs a new hash version
    _scope3_hashed_columns = (
        "id",
        "company_id",
        *(
            c
            for c in _scope3_protected_columns
            if c not in ("company_id", "purchase_line_id", "account_move_line_id", "event_id")
        ),
    )

    #: chain columns: written once, when the entry is sealed into its company's chain
    _scope3_chain_columns = ("entry_hash", "chain_seq", "chain_hash")

    state = fields.Selection([("posted", "Posted")], default="posted", required=True, readonly=True)
    activity_id = fields.Many2one(
        "scope3.activity", required=True, readonly=True, index=True, ondelete="restrict"
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, ondelete="restrict"
    )
    date = fields.Date(required=True, readonly=True, index=True, help="Accounting date.")
    category_id = fields.Many2one(
        "scope3.category",
        string="Category",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
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
    factor_id = fields.Many2one(
        "scope3.factor", readonly=True, index="btree_not_null", ondelete="restrict"
    )
    factor_set_id = fields.Many2one(
        "scope3.factor.set", readonly=True, index="btree_not_null", ondelete="restrict"
    )
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
    source_currency_id = fields.Many2one("res.currency", readonly=True, ondelete="restrict")
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
        "scope3.supplier.footprint", readonly=True, index="btree_not_null", ondelete="restrict"
    )
    mapping_rule_id = fields.Many2one("scope3.mapping.rule", readonly=True, ondelete="restrict")
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
        "stock.picking",
        string="Transfer",
        readonly=True,
        index="btree_not_null",
        ondelete="restrict",
    )
    partner_id = fields.Many2one(
        "res.partner", string="Vendor", readonly=True, index=True, ondelete="restrict"
    )
    product_id = fields.Many2one("product.product", readonly=True, index=True, ondelete="restrict")
    entry_hash = fields.Char(
        string="Entry SHA-256",
        readonly=True,
        copy=False,
        help="SHA-256 of every stored fact of the entry (figures, DQ, links, dates, "
        "company, trace hash), taken when the entry is sealed into the chain.",
    )
    chain_seq = fields.Integer(
        string="Chain Position",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="Position of the entry in its company's hash chain (empty: not sealed yet; "
        "the sealing cron chains entries in posting order within minutes).",
    )
    chain_hash = fields.Char(
        string="Chain SHA-256",
        readonly=True,
        copy=False,
        help="SHA-256 of the previous entry's chain hash, this position, id and entry hash.",
    )
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
        """The append-only trigger, the TRUNCATE guard and the chain head's guard.

        Every column is protected (compared as ``to_jsonb`` of the row) but
        ``write_uid``/``write_date``, the clearable links (to NULL only) and the chain
        columns (written once, by the sealer, while still empty).
        """
        clearable = list(self._scope3_clearable_columns)
        chain = list(self._scope3_chain_columns)
        # column names of this model (no user input): a literal array, no parameter
        names = ", ".join(f"'{c}'" for c in ["write_uid", "write_date", *clearable, *chain])
        free = SQL(f"ARRAY[{names}]::text[]")
        relinked = SQL(" OR ").join(
            SQL(
                "(NEW.%s IS NOT NULL AND NEW.%s IS DISTINCT FROM OLD.%s)",
                SQL.identifier(c),
                SQL.identifier(c),
                SQL.identifier(c),
            )
            for c in clearable
        )
        chain_changed = SQL(" OR ").join(
            SQL("NEW.%s IS DISTINCT FROM OLD.%s", SQL.identifier(c), SQL.identifier(c))
            for c in chain
        )
        chain_set = SQL(" OR ").join(SQL("NEW.%s IS NOT NULL", SQL.identifier(c)) for c in chain)
        self.env.cr.execute(
            SQL(
                """
                CREATE OR REPLACE FUNCTION scope3_emission_entry_append_only()
                RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF TG_OP = 'TRUNCATE' THEN
                        RAISE EXCEPTION 'scope3_emission_entry: %%',
                            'the Scope 3 ledger is append-only (TRUNCATE refused)'
                            USING ERRCODE = 'restrict_violation';
                    END IF;
                    IF TG_OP = 'INSERT' THEN
                        IF %s THEN
                            RAISE EXCEPTION 'scope3_emission_entry: %%',
                                'entries are sealed into the chain by the ledger only'
                                USING ERRCODE = 'restrict_violation';
                        END IF;
                        RETURN NEW;
                    END IF;
                    IF TG_OP = 'DELETE' THEN
                        RAISE EXCEPTION 'scope3_emission_entry %% is posted: %%',
                            OLD.id, 'the Scope 3 ledger is append-only (DELETE refused)'
                            USING ERRCODE = 'restrict_violation';
                    END IF;
                    IF (to_jsonb(OLD) - %s) IS DISTINCT FROM (to_jsonb(NEW) - %s)
                       OR %s
                       OR (OLD.chain_seq IS NOT NULL AND (%s)) THEN
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
                    BEFORE INSERT OR UPDATE OR DELETE ON scope3_emission_entry
                    FOR EACH ROW EXECUTE FUNCTION scope3_emission_entry_append_only();
                DROP TRIGGER IF EXISTS scope3_emission_entry_no_truncate
                    ON scope3_emission_entry;
                CREATE TRIGGER scope3_emission_entry_no_truncate
                    BEFORE TRUNCATE ON scope3_emission_entry
                    FOR EACH STATEMENT EXECUTE FUNCTION scope3_emission_entry_append_only();
                """,
                chain_set,
                free,
                free,
                relinked,
                chain_changed,
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
        self._scope3_prepare_facts(vals_list)
        return super().create(vals_list)

    @api.model
    def _scope3_prepare_facts(self, vals_list):
        """Facts derived for every posting path: the event's idempotency key (kept when
        old events are deleted), and the date moved out of a closed or locked period
        (the first open day; the trace keeps the activity's own date)."""
        events = (
            self.env["scope3.outbox.event"]
            .sudo()
            .browse({vals["event_id"] for vals in vals_list if vals.get("event_id")})
        )
        keys = {event.id: event.idempotency_key for event in events}
        frozen = {}
        for vals in vals_list:
            if vals.get("event_id") and not vals.get("event_key"):
                vals["event_key"] = keys.get(vals["event_id"])
            company_id = vals.get("company_id")
            if company_id not in frozen:
                frozen[company_id] = (
                    self.env["res.company"].browse(company_id).sudo()._scope3_frozen_date()
                    if company_id
                    else False
                )
            day = vals.get("date") and fields.Date.to_date(vals["date"])
            if day and frozen[company_id] and day <= frozen[company_id]:
                vals["date"] = frozen[company_id] + timedelta(days=1)
        return vals_list

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
        self._scope3_prepare_facts(prepared)
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

    # ------------------------------------------------------------------------------------
    # Hash chain: sealing (cron) and verification
    # ------------------------------------------------------------------------------------
    @api.model
    def _scope3_fact_rows(self, where, params, limit=None):
        """Rows of the ledger as stored (every hashed column and the chain columns), by
        plain SQL so that nothing of the ORM's cache or conversions is in the way."""
        columns = self._scope3_hashed_columns
        query = SQL(
            "SELECT %s, entry_hash, chain_seq, chain_hash FROM scope3_emission_entry "
            "WHERE %s ORDER BY %s",
            SQL(", ").join(SQL.identifier(c) for c in columns),
            SQL(where, *params),
            SQL("chain_seq, id") if "chain_seq IS NOT NULL" in where else SQL("id"),
        )
        if limit:
            query = SQL("%s LIMIT %s", query, limit)
        self.env.cr.execute(query)
        width = len(columns)
        rows = []
        for record in self.env.cr.fetchall():
            rows.append(
                {
                    "id": record[0],
                    "facts_hash": chain_core.fact_hash(columns, record[:width]),
                    "entry_hash": record[width],
                    "chain_seq": record[width + 1],
                    "chain_hash": record[width + 2],
                }
            )
        return rows

    @api.model
    def _scope3_seal(self, companies=None, limit=SEAL_CHUNK):
        """Seal up to ``limit`` unsealed entries of each company into its hash chain, in
        posting order (ids); return how many were sealed.

        Why a sealer and not a chain written at posting: attribution workers post in
        parallel (REPEATABLE READ transactions); chaining at posting would make each of
        them read and update the company's chain head, so concurrent posting would
        serialise or fail. The sealer is the only writer of the chain: it takes a
        per-company advisory lock (``pg_try_advisory_xact_lock``: a second sealer skips
        the company), reads the head and chains what is committed. Posting never waits
        for it. Until sealed (minutes), an entry is protected by the trigger and its
        trace hash; a period close seals everything before recording the head.
        """
        Head = self.env["scope3.ledger.head"].sudo()
        if companies is None:
            self.env.cr.execute(
                "SELECT DISTINCT company_id FROM scope3_emission_entry WHERE chain_seq IS NULL"
            )
            companies = self.env["res.company"].browse(r[0] for r in self.env.cr.fetchall())
        sealed = 0
        for company in companies:
            self.env.cr.execute(
                "SELECT pg_try_advisory_xact_lock(%s, %s)", [SEAL_LOCK_KEY, company.id]
            )
            if not self.env.cr.fetchone()[0]:
                continue  # another sealer is chaining this company
            rows = self._scope3_fact_rows(
                "company_id = %s AND chain_seq IS NULL", [company.id], limit=limit
            )
            if not rows:
                continue
            previous, position = Head._scope3_head(company)
            values = []
            for row in rows:
                position += 1
                link = chain_core.link_hash(previous, position, row["id"], row["facts_hash"])
                values.append(SQL("(%s, %s, %s, %s)", row["id"], row["facts_hash"], position, link))
                previous = link
            self.env.cr.execute(
                SQL(
                    "UPDATE scope3_emission_entry AS e SET entry_hash = v.h, chain_seq = v.s, "
                    "chain_hash = v.c FROM (VALUES %s) AS v(id, h, s, c) WHERE e.id = v.id",
                    SQL(", ").join(values),
                )
            )
            Head._scope3_move(company, position, previous)
            sealed += len(rows)
        self.invalidate_model(list(self._scope3_chain_columns))
        return sealed

    @api.model
    def _cron_seal_ledger(self):
        """Cron: seal every unsealed entry, one committed chunk at a time."""
        while self._scope3_seal():
            if not self.env.registry.in_test_mode():
                self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _scope3_verify_chain(self, companies):
        """Walk each company's chain; return ``{company: [problems]}`` (empty lists when
        the chain, its head and the heads recorded by period closes hold).

        The first break is named: a missing position (deleted entry), an entry whose
        stored facts no longer give its entry hash (edited), an entry whose link does not
        chain to its predecessor (a predecessor rewritten coherently, or a row inserted).
        """
        Head = self.env["scope3.ledger.head"].sudo()
        result = {}
        for company in companies:
            problems = []
            previous, position = chain_core.genesis(company.id), 1
            hashes_at = {}
            closes = (
                self.env["scope3.period.close"]
                .sudo()
                .search([("company_id", "=", company.id), ("state", "=", "done")])
            )
            wanted = set(closes.mapped("chain_seq"))
            while True:
                rows = self._scope3_fact_rows(
                    "company_id = %s AND chain_seq IS NOT NULL AND chain_seq >= %s",
                    [company.id, position],
                    limit=VERIFY_CHUNK,
                )
                if not rows:
                    break
                problem, where = chain_core.first_break(rows, previous, position)
                if problem:
                    problems.append(self._scope3_chain_problem(problem, where, position, rows))
                    break
                for row in rows:
                    if row["chain_seq"] in wanted:
                        hashes_at[row["chain_seq"]] = row["chain_hash"]
                previous, position = where
            if not problems:
                head_hash, head_seq = Head._scope3_head(company)
                if (head_hash, head_seq) != (previous, position - 1):
                    problems.append(
                        self.env._(
                            "The chain ends at position %(end)s but its head records position "
                            "%(head)s: sealed entries were deleted or added at the end.",
                            end=position - 1,
                            head=head_seq,
                        )
                    )
            for close in closes:
                if close.chain_seq and hashes_at.get(close.chain_seq) != close.chain_hash:
                    problems.append(
                        self.env._(
                            "%(close)s recorded the chain head %(hash)s at position %(seq)s: "
                            "the ledger no longer has it, closed history was rewritten.",
                            close=close.display_name,
                            hash=close.chain_hash,
                            seq=close.chain_seq,
                        )
                    )
            late = closes._scope3_late_entries()
            if late:
                problems.append(
                    self.env._(
                        "Entries dated in a closed period were posted after its close: "
                        "%(entries)s.",
                        entries=", ".join(late.mapped("display_name")),
                    )
                )
            result[company] = problems
        return result

    def _scope3_chain_problem(self, problem, row, position, rows):
        name = self.browse(row["id"]).sudo().display_name
        if problem == "missing":
            return self.env._(
                "Chain position %(pos)s is missing before %(entry)s: a sealed entry was "
                "deleted.",
                pos=position + rows.index(row),
                entry=name,
            )
        if problem == "duplicate":
            return self.env._(
                "%(entry)s repeats chain position %(pos)s: an entry was inserted.",
                entry=name,
                pos=row["chain_seq"],
            )
        if problem == "facts":
            return self.env._(
                "%(entry)s was altered: its stored facts no longer give its entry hash.",
                entry=name,
            )
        index = rows.index(row)
        if index:
            before = self.browse(rows[index - 1]["id"]).sudo().display_name
        else:
            self.env.cr.execute(
                "SELECT id FROM scope3_emission_entry WHERE company_id = %s AND chain_seq = %s",
                [self.browse(row["id"]).sudo().company_id.id, row["chain_seq"] - 1],
            )
            found = self.env.cr.fetchone()
            before = self.browse(found[0]).sudo().display_name if found else "-"
        return self.env._(
            "%(entry)s no longer chains to %(before)s: %(before)s was rewritten (facts, "
            "hash and chain hash together) or %(entry)s was inserted.",
            entry=name,
            before=before,
        )

    def _scope3_verify(self):
        """Problems found when re-hashing and replaying each entry's trace, and checking
        that its stored facts agree with it (data quality, figure, fact hash), by entry."""
        # sudo: verifying needs the full trace; only the verdict is shown
        result = {}
        facts = {}
        if self.ids:
            facts = {
                row["id"]: row for row in self._scope3_fact_rows("id IN %s", [tuple(self.ids)])
            }
        for entry in self:
            sudo = entry.sudo()
            problems = trace_core.verify(sudo.trace, sudo.trace_hash, sudo.co2e_kg)
            problems += sudo._scope3_check_facts_against_trace()
            row = facts.get(entry.id)
            if row and row["entry_hash"] and row["facts_hash"] != row["entry_hash"]:
                problems.append(self.env._("stored facts no longer give the entry hash"))
            result[entry] = problems
        return result

    def _scope3_check_facts_against_trace(self):
        """The columns an auditor reads (data quality, factor value) against the trace."""
        self.ensure_one()
        problems = []
        trace = json.loads(self.trace)
        dq = trace.get("data_quality")
        if isinstance(dq, dict) and not self.is_reversal:
            for column, key in (
                ("dq_technological", "technological"),
                ("dq_temporal", "temporal"),
                ("dq_geographical", "geographical"),
                ("dq_completeness", "completeness"),
                ("dq_reliability", "reliability"),
                ("dq_score", "score"),
            ):
                if key in dq and (self[column] or 0) != (dq[key] or 0):
                    problems.append(
                        self.env._(
                            "%(column)s is %(stored)s, the trace says %(traced)s",
                            column=column,
                            stored=self[column],
                            traced=dq[key],
                        )
                    )
            if (
                "uncertainty_pct" in dq
                and abs((self.uncertainty_pct or 0.0) - float(dq["uncertainty_pct"] or 0.0)) > 1e-9
            ):
                problems.append(self.env._("uncertainty differs from the trace"))
        expected = (self.dq_score or 0) * (self.co2e_kg or 0.0)
        if abs((self.dq_weighted_kg or 0.0) - expected) > 0.0005:
            problems.append(self.env._("DQ x kg CO2e differs from DQ score x kg CO2e"))
        return problems

    def action_verify_trace(self):
        # the user must be allowed to read these entries (no sudo read across companies)
        self.check_access("read")
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
                    "1 entry verified: the trace hash matches and replaying the trace gives "
                    "the recorded figure."
                )
                if len(self) == 1
                else self.env._(
                    "%(count)s entries verified: the trace hashes match and replaying the "
                    "traces gives the recorded figures.",
                    count=len(self),
                ),
            },
        }

    def action_verify_chain(self):
        """Verify the hash chain of the companies of these entries (or the user's
        current company), its head and the heads recorded by period closes."""
        self.check_access("read")
        companies = self.company_id or self.env.company
        if not self.env.user.has_group("scope3_carbon.group_scope3_auditor"):
            raise UserError(self.env._("Only a Carbon Auditor or Manager can verify the chain."))
        results = self._scope3_verify_chain(companies)
        problems = [f"{c.name}: {p}" for c, msgs in results.items() for p in msgs]
        if problems:
            raise UserError("\n".join(problems))
        self.env.cr.execute(
            "SELECT count(*) FROM scope3_emission_entry WHERE company_id IN %s "
            "AND chain_seq IS NULL",
            [tuple(companies.ids)],
        )
        unsealed = self.env.cr.fetchone()[0]
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "The hash chain of %(companies)s holds from its first entry to its head, "
                    "and matches every period close (%(unsealed)s entries not sealed yet).",
                    companies=", ".join(companies.mapped("name")),
                    unsealed=unsealed,
                ),
            },
        }
