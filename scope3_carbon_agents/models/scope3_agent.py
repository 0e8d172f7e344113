# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
import logging
import threading
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..core import RULE_VERSIONS, digest, evaluate

_logger = logging.getLogger(__name__)

KINDS = [
    ("data_quality", "Data quality"),
    ("classification", "Classification"),
    ("remediation", "Supplier data remediation"),
    ("policy", "Policy"),
]
#: model implementing each kind (an AbstractModel with the kind's phases and actions)
KIND_MODELS = {
    "data_quality": "scope3.agent.data.quality",
    "classification": "scope3.agent.classification",
    "remediation": "scope3.agent.remediation",
    "policy": "scope3.agent.policy",
}
AUTONOMY = [
    ("off", "Off"),
    ("recommend", "Recommend"),
    ("act", "Act"),
]
KILL_SWITCH_PARAM = "scope3_carbon_agents.kill_switch"
#: a change committed by a transaction that started before the last pass may have been
#: invisible to it: changes this much older than the pass's start still count
IDLE_MARGIN = timedelta(minutes=10)
#: a batch counts the subjects left up to this many batches (progress, not a table's size)
REMAINING_CAP = 10
#: a wake-up runs the agent this long after the change that woke it, once for all the
#: changes of that window: a burst of attributions wakes each agent once, and the
#: attribution cron never waits behind the agents on a busy cron thread
WAKE_DELAY = timedelta(seconds=30)
#: parameters of each kind, logged with every decision of that kind
KIND_PARAMS = {
    "data_quality": (
        "z_threshold",
        "min_group_size",
        "qty_tolerance",
        "stuck_minutes",
        "high_amount",
    ),
    "classification": ("min_confidence", "drift_drop", "drift_min_decisions"),
    "remediation": ("min_priority", "max_requests", "reminder_days", "escalation_days"),
    "policy": ("intensity_threshold", "top_vendor_count", "top_vendor_dq"),
}


class Scope3Agent(models.Model):
    """An autonomous agent: a kind of rules, an autonomy level and its own cron job.

    The agent's cron runs one bounded batch per call (``_cron_run_agent``): it resumes
    the agent's open run (or starts one), evaluates the next subjects of the current
    phase, records findings and decisions, applies what its autonomy allows, reports
    progress with ``ir.cron._notify_progress`` and commits (in cron context only).
    Business events wake it with ``ir.cron._trigger()``.
    """

    _name = "scope3.agent"
    _description = "Scope 3 Agent"
    _inherit = ["mail.thread"]
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Stable identifier of the agent, part of every decision it logs.",
    )
    sequence = fields.Integer(default=10)
    kind = fields.Selection(KINDS, required=True)
    description = fields.Text(translate=True)
    active = fields.Boolean(default=True)
    autonomy = fields.Selection(
        AUTONOMY,
        required=True,
        default="recommend",
        tracking=True,
        help="Off: never runs. Recommend: records findings and proposals, changes no data. "
        "Act: also applies the proposals whose confidence is above the threshold.",
    )
    threshold = fields.Float(
        string="Confidence Threshold",
        default=0.9,
        tracking=True,
        help="In Act mode, proposals with a confidence strictly above this value are "
        "applied without a person; every other proposal waits for a review.",
    )
    paused = fields.Boolean(tracking=True, help="A paused agent does not run.")
    responsible_id = fields.Many2one(
        "res.users",
        string="Responsible Manager",
        default=lambda self: self.env.ref("base.user_admin", raise_if_not_found=False),
        help="Gets a to-do activity for every finding that needs a person.",
    )
    cron_id = fields.Many2one("ir.cron", string="Scheduled Action", readonly=True, copy=False)
    interval_number = fields.Integer(string="Run Every", default=1)
    interval_type = fields.Selection(
        [("minutes", "Minutes"), ("hours", "Hours"), ("days", "Days"), ("weeks", "Weeks")],
        default="hours",
        required=True,
    )
    batch_size = fields.Integer(default=200, help="Subjects evaluated per cron batch.")
    run_limit = fields.Integer(
        default=0,
        help="Most subjects evaluated by one run; the next run resumes where it stopped "
        "(0: a run walks all the subjects).",
    )
    stuck_after_minutes = fields.Integer(
        default=60,
        help="A run without progress for this long is closed as stuck and a new run starts.",
    )
    full_pass_days = fields.Integer(
        string="Full Pass Every (Days)",
        default=7,
        help="Between two full passes over its subjects, a run of an agent that supports it "
        "evaluates only the subjects changed since its last complete pass. A full pass "
        "runs when the last one is older than this, and whenever the agent's parameters "
        "or rules changed (0: every run is a full pass).",
    )
    rule_version = fields.Char(compute="_compute_rule_version")
    run_ids = fields.One2many("scope3.agent.run", "agent_id", string="Runs")
    last_run_id = fields.Many2one("scope3.agent.run", compute="_compute_last_run_id")
    finding_ids = fields.One2many("scope3.agent.finding", "agent_id", string="Findings")
    open_finding_count = fields.Integer(compute="_compute_open_finding_count")
    # --- data quality
    z_threshold = fields.Float(string="Outlier Robust z", default=3.5)
    min_group_size = fields.Integer(
        default=5, help="Fewest activities of one product for the outlier check."
    )
    qty_tolerance = fields.Float(
        string="Quantity Tolerance",
        default=0.05,
        help="Relative gap allowed between ordered, received and billed quantities.",
    )
    stuck_minutes = fields.Integer(
        string="Event Stuck After (min)",
        default=60,
        help="A pending outbox event older than this is flagged as stuck.",
    )
    high_amount = fields.Float(
        default=10000.0,
        help="Unmapped spend (company currency) above which the finding is of high severity.",
    )
    # --- classification
    min_confidence = fields.Float(
        default=0.32,
        help="Calibrated confidence (the share of right proposals expected) below which "
        "the agent proposes no code and asks a person to choose one. 0.32 is the threshold "
        "that kept precision above 0.90 on the classification benchmark (cross-validated).",
    )
    drift_drop = fields.Float(
        default=0.2,
        help="Fall of the approval share (or rise of the share of subjects asked to a person) "
        "between the previous and the last 30 days that raises a drift finding.",
    )
    drift_min_decisions = fields.Integer(
        default=10, help="Fewest decisions (or new subjects) in each window for the drift check."
    )
    # --- remediation
    min_priority = fields.Float(
        default=1.0, help="Smallest expected uncertainty reduction (kg CO2e) worth a request."
    )
    max_requests = fields.Integer(default=10, help="Suppliers proposed per run, best first.")
    reminder_days = fields.Integer(default=14)
    escalation_days = fields.Integer(default=30)
    # --- policy
    intensity_threshold = fields.Float(
        string="Intensity Threshold (kg CO2e / currency unit)",
        default=0.0,
        help="An order line above this many kg CO2e per unit of company currency needs a "
        "Carbon Manager's approval. 0 disables the check.",
    )
    top_vendor_count = fields.Integer(
        default=0,
        help="Orders from the N top-emitting vendors of the last 12 months with a data "
        "quality score at or above the limit need a Carbon Manager's approval. 0 disables.",
    )
    top_vendor_dq = fields.Float(string="Top Vendor DQ Limit", default=4.0)

    _sql_constraints = [
        ("code_uniq", "unique(code)", "An agent code must be unique."),
        (
            "threshold_range",
            "CHECK(threshold >= 0 AND threshold <= 1)",
            "The confidence threshold is between 0 and 1.",
        ),
        ("batch_size_positive", "CHECK(batch_size > 0)", "The batch size must be positive."),
    ]

    @api.depends("kind")
    def _compute_rule_version(self):
        for agent in self:
            agent.rule_version = RULE_VERSIONS.get(agent.kind, "")

    def _compute_last_run_id(self):
        for agent in self:
            agent.last_run_id = self.env["scope3.agent.run"].search(
                [("agent_id", "=", agent.id)], order="id desc", limit=1
            )

    def _compute_open_finding_count(self):
        counts = dict(
            self.env["scope3.agent.finding"]._read_group(
                [("agent_id", "in", self.ids), ("state", "in", ("open", "proposed"))],
                ["agent_id"],
                ["__count"],
            )
        )
        for agent in self:
            agent.open_finding_count = counts.get(agent, 0)

    # ------------------------------------------------------------------------------------
    # CRUD: one cron per agent
    # ------------------------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        agents = super().create(vals_list)
        model = self.env["ir.model"]._get_id(self._name)
        crons = (
            self.env["ir.cron"]
            .sudo()  # crons are technical records; managers configure agents, not crons
            .create(
                [
                    {
                        "name": self.env._("Scope 3 agent: %(name)s", name=agent.name),
                        "model_id": model,
                        "state": "code",
                        "code": f"model._cron_run_agent({agent.id})",
                        "interval_number": agent.interval_number,
                        "interval_type": agent.interval_type,
                        "active": agent._scope3_cron_active(),
                        "priority": 10,
                    }
                    for agent in agents
                ]
            )
        )
        for agent, cron in zip(agents, crons, strict=True):
            agent.cron_id = cron
        return agents

    def write(self, vals):
        res = super().write(vals)
        if {"name", "interval_number", "interval_type", "active", "paused", "autonomy"} & set(vals):
            for agent in self.filtered("cron_id"):
                agent.cron_id.sudo().write(
                    {
                        "interval_number": agent.interval_number,
                        "interval_type": agent.interval_type,
                        "active": agent._scope3_cron_active(),
                    }
                )
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_with_runs(self):
        if self.run_ids:
            raise UserError(
                self.env._("An agent that has run cannot be deleted; archive it instead.")
            )

    def unlink(self):
        crons = self.cron_id
        res = super().unlink()
        crons.sudo().unlink()
        return res

    def _scope3_cron_active(self):
        self.ensure_one()
        return self.active and not self.paused and self.autonomy != "off"

    # ------------------------------------------------------------------------------------
    # Switches
    # ------------------------------------------------------------------------------------
    @api.model
    def _scope3_kill_switch_on(self):
        """The global kill switch, read from the database (not from a cache), so that a
        switch thrown by another transaction stops the agents at their next batch."""
        self.env["ir.config_parameter"].flush_model()
        self.env.cr.execute(
            SQL("SELECT value FROM ir_config_parameter WHERE key = %s", KILL_SWITCH_PARAM)
        )
        row = self.env.cr.fetchone()
        return bool(row and row[0] and row[0].lower() not in ("0", "false", ""))

    def _scope3_runnable(self):
        """Whether this agent may work now (and a reason when it may not)."""
        self.ensure_one()
        if self._scope3_kill_switch_on():
            return False, "killed"
        if not self.active or self.paused or self.autonomy == "off":
            return False, "inactive"
        return True, None

    @api.model
    def _scope3_wake(self, kinds, domain=None):
        """Wake the crons of the runnable agents of ``kinds`` (an event they care about),
        restricted to ``domain`` if given: each runs ``WAKE_DELAY`` from now, unless it
        is already due to run after now (one run for a burst of changes)."""
        if self._scope3_kill_switch_on():
            return
        agents = self.sudo().search(  # any business user's transaction may wake the agents
            [("kind", "in", list(kinds)), ("paused", "=", False), ("autonomy", "!=", "off")]
            + (domain or [])
        )
        if not agents.cron_id:
            return
        now = fields.Datetime.now()
        # a cron already due to run after now will see this change too
        woken = (
            self.env["ir.cron.trigger"]
            .sudo()
            .search([("cron_id", "in", agents.cron_id.ids), ("call_at", ">", now)])
            .cron_id
        )
        for cron in agents.cron_id - woken:
            cron._trigger(now + WAKE_DELAY)

    def _scope3_params(self):
        self.ensure_one()
        return {name: self[name] for name in KIND_PARAMS[self.kind]}

    def _scope3_service(self):
        self.ensure_one()
        return self.env[KIND_MODELS[self.kind]]

    # ------------------------------------------------------------------------------------
    # Runs and batches
    # ------------------------------------------------------------------------------------
    @api.model
    def _cron_run_agent(self, agent_id):
        """Cron entry point of one agent: one bounded batch of its current run."""
        agent = self.browse(agent_id).exists()
        done, remaining = agent._scope3_run_batch() if agent else (0, 0)
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        if self.env.context.get("ir_cron_progress_id") and not getattr(
            threading.current_thread(), "testing", False
        ):
            # A batch is a unit of work: commit it so that its findings, decisions and the
            # run's cursor become visible together, and a crash later resumes from here.
            self.env.cr.commit()  # pylint: disable=invalid-commit
        return done

    def _scope3_lock(self):
        """Lock this agent's row for the batch; False when another worker holds it."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                "SELECT id FROM scope3_agent WHERE id = %s FOR NO KEY UPDATE SKIP LOCKED",
                self.id,
            )
        )
        return bool(self.env.cr.fetchone())

    def _scope3_current_run(self):
        """The agent's running run, or a new one; a run without progress for longer than
        ``stuck_after_minutes`` is closed as stuck first (stuck-run recovery)."""
        self.ensure_one()
        Run = self.env["scope3.agent.run"].sudo()
        run = Run.search([("agent_id", "=", self.id), ("state", "=", "running")], limit=1)
        now = fields.Datetime.now()
        if run and run.heartbeat < now - timedelta(minutes=self.stuck_after_minutes):
            run._scope3_close(
                "stuck",
                error=self.env._(
                    "No progress since %(time)s: closed as stuck, a new run starts.",
                    time=run.heartbeat,
                ),
            )
            run = Run.browse()
        if not run:
            last = Run.search([("agent_id", "=", self.id)], order="id desc", limit=1)
            vals = {
                "agent_id": self.id,
                "started_at": now,
                "heartbeat": now,
                "started_tx_at": self.env.cr.now(),
            }
            if last.state == "done" and last.resume_phase:
                # the pass stopped at the run limit goes on, with the same scope
                vals.update(
                    phase=last.resume_phase,
                    cursor=last.resume_cursor,
                    pass_start_run_id=(last.pass_start_run_id or last).id,
                    since=last.since,
                    params_digest=last.params_digest,
                )
            elif (
                last.state == "done"
                and last.started_tx_at
                and not self._scope3_service()._scope3_changed_since(
                    self, last.started_tx_at - IDLE_MARGIN
                )
            ):
                return Run  # idle: nothing changed since the last complete pass
            else:
                vals["since"], vals["params_digest"] = self._scope3_pass_scope()
            run = Run.create(vals)
        return run

    def _scope3_params_digest(self):
        """Digest of what a pass's findings depend on: the agent's parameters and rules."""
        self.ensure_one()
        return digest({"params": self._scope3_params(), "rules": self.rule_version})

    def _scope3_pass_scope(self):
        """``(since, params digest)`` of a new pass: ``since`` is False for a full pass,
        else the moment from which changed subjects are evaluated (the start of the last
        complete pass, less the idle margin: a change committed by a transaction older
        than that pass counts)."""
        self.ensure_one()
        params = self._scope3_params_digest()
        if self.full_pass_days <= 0 or not self._scope3_service()._scope3_incremental():
            return False, params
        Run = self.env["scope3.agent.run"].sudo()
        complete = [
            ("agent_id", "=", self.id),
            ("state", "=", "done"),
            ("resume_phase", "=", False),
        ]
        last = Run.search(complete, order="id desc", limit=1)
        full = Run.search(complete + [("since", "=", False)], order="id desc", limit=1)
        if not last or not full or full.params_digest != params or last.params_digest != params:
            return False, params
        full_start = (full.pass_start_run_id or full).started_tx_at
        last_start = (last.pass_start_run_id or last).started_tx_at
        if not full_start or not last_start:
            return False, params
        if full_start < self.env.cr.now() - timedelta(days=self.full_pass_days):
            return False, params
        return last_start - IDLE_MARGIN, params

    def _scope3_run_batch(self):
        """Run one batch; return ``(subjects done, subjects remaining)``."""
        self.ensure_one()
        runnable, reason = self._scope3_runnable()
        if not runnable:
            if reason == "killed":
                self.env["scope3.agent.run"].sudo().search(
                    [("agent_id", "=", self.id), ("state", "=", "running")]
                )._scope3_close("killed", error=self.env._("Stopped by the kill switch."))
            return 0, 0
        if not self._scope3_lock():
            return 0, 0
        run = self._scope3_current_run()
        if not run:
            return 0, 0
        try:
            with self.env.cr.savepoint():
                done, remaining = self._scope3_process_batch(run)
        except Exception as exc:  # noqa: BLE001 - recorded on the run, the cron goes on
            _logger.warning("Scope 3 agent %s: run %s failed: %s", self.code, run.id, exc)
            run._scope3_close("failed", error=str(exc) or exc.__class__.__name__)
            return 0, 0
        return done, remaining

    def _scope3_run_to_completion(self, max_batches=1000):
        """Run batches until the current run ends (tests, and the "Run Now" button of
        small databases); returns the run."""
        self.ensure_one()
        run = self.env["scope3.agent.run"]
        for _i in range(max_batches):
            done, remaining = self._scope3_run_batch()
            run = self.env["scope3.agent.run"].search(
                [("agent_id", "=", self.id)], order="id desc", limit=1
            )
            if not remaining or run.state != "running":
                break
        return run

    def _scope3_process_batch(self, run):
        """Evaluate the next subjects of the run's phase(s) and record what they give.

        In a full pass a phase walks the subjects of its ``domain``; in an incremental
        pass (``run.since``) a phase with a ``changed`` domain walks only the subjects
        changed since then (evaluating those still in its ``domain``), and the open
        findings of its ``checks`` on the subjects walked and not found again are
        resolved at once (a full pass resolves them at its end)."""
        service = self._scope3_service()
        phases = service._scope3_phases(self)
        names = [phase["name"] for phase in phases]
        index = names.index(run.phase) if run.phase in names else 0
        cursor = run.cursor if run.phase in names else 0
        budget = self.batch_size
        if self.run_limit:
            budget = max(min(budget, self.run_limit - run.items_scanned), 0)
        results = []
        walked = []
        scanned = 0
        while index < len(phases) and budget > 0:
            phase = phases[index]
            Model = self.env[phase["model"]].sudo().with_context(active_test=False)
            # agents read every company's data; findings carry the company
            records = Model.search(
                self._scope3_phase_domain(phase, run) + [("id", ">", cursor)],
                order="id",
                limit=budget,
            )
            if records:
                subjects = records
                if run.since and phase.get("changed"):
                    subjects = Model.search([("id", "in", records.ids)] + phase["domain"])
                    walked.append((phase, records))
                if subjects:
                    results += getattr(service, phase["method"])(self, subjects, run)
                scanned += len(records)
                cursor = records[-1].id
            if len(records) < budget:
                index += 1
                cursor = 0
            budget -= len(records)
        findings, applied = self._scope3_record(run, results)
        resolved = sum(
            run._scope3_resolve_unseen(records, phase["checks"]) for phase, records in walked
        )
        # what is left, counted up to REMAINING_CAP batches (the cron's progress needs
        # "more to do", not the size of a table: a batch never counts a whole table)
        remaining = 0
        cap = REMAINING_CAP * self.batch_size
        if index < len(phases):
            phase = phases[index]
            remaining = (
                self.env[phase["model"]]
                .sudo()
                .with_context(active_test=False)
                .search_count(
                    self._scope3_phase_domain(phase, run) + [("id", ">", cursor)], limit=cap
                )
            )
            for later in phases[index + 1 :]:
                if remaining >= cap:
                    break
                remaining += (
                    self.env[later["model"]]
                    .sudo()
                    .with_context(active_test=False)
                    .search_count(self._scope3_phase_domain(later, run), limit=cap - remaining)
                )
        run.write(
            {
                "phase": names[index] if index < len(phases) else False,
                "cursor": cursor,
                "heartbeat": fields.Datetime.now(),
                "items_scanned": run.items_scanned + scanned,
                "findings_count": run.findings_count + len(findings),
                "actions_count": run.actions_count + applied,
                "resolved_count": run.resolved_count + resolved,
                "batch_count": run.batch_count + 1,
            }
        )
        # nothing left to walk: the pass ends now, not at the next call (a batch that
        # used its budget exactly at the end of the last non-empty phase)
        exhausted = index >= len(phases) or not remaining
        if self._scope3_kill_switch_on():
            run._scope3_close("killed", error=self.env._("Stopped by the kill switch."))
            remaining = 0
        elif not exhausted and self.run_limit and run.items_scanned >= self.run_limit:
            run._scope3_pause_at_limit(names[index], cursor)
            remaining = 0
        elif exhausted:
            run._scope3_finish()
            remaining = 0
        return scanned, remaining

    @api.model
    def _scope3_phase_domain(self, phase, run):
        """The subjects a phase walks in ``run``: its changed subjects in an incremental
        pass (when it says how to find them), else its whole domain."""
        if run.since and phase.get("changed"):
            return phase["changed"](run.since)
        return phase["domain"]

    # ------------------------------------------------------------------------------------
    # Findings and decisions
    # ------------------------------------------------------------------------------------
    def _scope3_check(
        self, check, subject, inputs, company=None, partner=None, product=None, key=""
    ):
        """Evaluate rule ``check`` for ``subject``; a result dict for the batch, or None."""
        self.ensure_one()
        params = self._scope3_params()
        result = evaluate(check, inputs, params)
        if result is None:
            return None
        if company is None:
            company = (
                subject["company_id"]
                if "company_id" in subject._fields
                else self.env["res.company"]
            )
        return {
            "check": check,
            "subject": subject,
            "inputs": inputs,
            "params": params,
            "result": result,
            "company": company,
            "partner": partner or self.env["res.partner"],
            "product": product or self.env["product.product"],
            "key": key,
        }

    def _scope3_identity_key(self, item):
        """Identity of a finding: agent, check, subject, company and the proposal's own
        key (e.g. the proposed code), so the same finding is never recorded twice and a
        rejected proposal is never proposed again."""
        self.ensure_one()
        subject = item["subject"]
        text = "|".join(
            [
                self.code,
                item["check"],
                subject._name,
                str(subject.id),
                str(item["company"].id or 0),
                str(item["key"]),
            ]
        )
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _scope3_record(self, run, results):
        """Create the new findings of a batch, log their decisions and apply what the
        agent's autonomy allows. Returns ``(new findings, number applied)``."""
        self.ensure_one()
        Finding = self.env["scope3.agent.finding"].sudo()  # agents write their own findings
        for item in results:
            item["identity_key"] = self._scope3_identity_key(item)
        existing = Finding.search([("identity_key", "in", [i["identity_key"] for i in results])])
        by_key = {finding.identity_key: finding for finding in existing}
        # still present: open findings seen again stay open (and are not resolved at the end)
        existing.filtered(lambda f: f.state in ("open", "proposed")).with_context(
            scope3_finding_write=True
        ).write({"last_seen_run_id": run.id})
        service = self._scope3_service()
        executable = service._scope3_executable_actions()
        new_items, seen = [], set()
        for item in results:
            if item["identity_key"] in by_key or item["identity_key"] in seen:
                continue  # known (open, or decided: a rejection is remembered)
            seen.add(item["identity_key"])
            new_items.append(item)
        if not new_items:
            return Finding.browse(), 0
        vals_list = []
        for item in new_items:
            result = item["result"]
            subject = item["subject"]
            vals_list.append(
                {
                    "agent_id": self.id,
                    "run_id": run.id,
                    "last_seen_run_id": run.id,
                    "identity_key": item["identity_key"],
                    "company_id": item["company"].id,
                    "res_model": subject._name,
                    "res_id": subject.id,
                    "subject_name": subject.display_name,
                    "partner_id": item["partner"].id,
                    "product_id": item["product"].id,
                    "kind": item["check"],
                    "category": result["category"],
                    "severity": result["severity"],
                    "confidence": result["confidence"],
                    "name": result["summary"],
                    "evidence": {"inputs": item["inputs"], "params": item["params"]},
                    "proposal": result["proposal"],
                    "proposed_action": result["proposal"]["action"],
                    "state": "proposed" if result["proposal"]["action"] in executable else "open",
                }
            )
        findings = Finding.with_context(scope3_finding_write=True).create(vals_list)
        self.env["scope3.agent.decision"]._scope3_log(
            [
                {
                    "type": "finding",
                    "agent": self,
                    "run": run,
                    "finding": finding,
                    "decision": {
                        "check": item["check"],
                        "subject": [item["subject"]._name, item["subject"].id],
                        "company": item["company"].id or None,
                        "inputs": item["inputs"],
                        "params": item["params"],
                        "result": item["result"],
                    },
                    "inputs": item["inputs"],
                }
                for finding, item in zip(findings, new_items, strict=True)
            ]
        )
        applied = 0
        to_review = findings
        if self.autonomy == "act":
            auto_actions = service._scope3_auto_actions()
            auto = findings.filtered(
                lambda f: f.state == "proposed"
                and f.proposed_action in auto_actions
                and f.confidence > self.threshold
            )
            for finding in auto:
                if self._scope3_kill_switch_on():
                    break
                finding._scope3_approve_and_apply(by_agent=True)
                applied += 1
            to_review -= auto
        to_review._scope3_schedule_review()
        return findings, applied

    # ------------------------------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------------------------------
    def action_run_now(self):
        """Wake the agent's cron at once (the run happens in the cron worker)."""
        self.check_access("write")
        for agent in self:
            runnable, reason = agent._scope3_runnable()
            if not runnable:
                raise UserError(
                    self.env._(
                        "Agent %(agent)s cannot run: %(reason)s.",
                        agent=agent.display_name,
                        reason=self.env._("the kill switch is on")
                        if reason == "killed"
                        else self.env._("it is off, paused or archived"),
                    )
                )
            agent.cron_id.sudo()._trigger()
        return True

    def action_pause(self):
        self.write({"paused": True})
        return True

    def action_resume(self):
        self.write({"paused": False})
        return True

    def action_view_findings(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "scope3_carbon_agents.scope3_agent_finding_action"
        )
        action["domain"] = [("agent_id", "=", self.id)]
        action["context"] = {"search_default_todo": 1}
        return action
