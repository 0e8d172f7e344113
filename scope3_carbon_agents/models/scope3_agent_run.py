# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from ..core import digest


class Scope3AgentRun(models.Model):
    """One run of an agent: the batches from its start to its end, with what it did."""

    _name = "scope3.agent.run"
    _description = "Scope 3 Agent Run"
    _order = "id desc"

    agent_id = fields.Many2one(
        "scope3.agent", required=True, readonly=True, index=True, ondelete="restrict"
    )
    kind = fields.Selection(related="agent_id.kind", store=True)
    state = fields.Selection(
        [
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Failed"),
            ("killed", "Killed"),
            ("stuck", "Stuck"),
        ],
        string="Outcome",
        default="running",
        required=True,
        readonly=True,
        index=True,
    )
    started_at = fields.Datetime(string="Start", required=True, readonly=True)
    ended_at = fields.Datetime(string="End", readonly=True)
    started_tx_at = fields.Datetime(
        readonly=True,
        help="Start of the database transaction that started the run (the clock of the "
        "records' write dates), for the idle check of the next run.",
    )
    heartbeat = fields.Datetime(readonly=True, help="Time of the last batch.")
    phase = fields.Char(readonly=True, help="Phase of the next batch.")
    cursor = fields.Integer(readonly=True, help="Last subject id done in the phase.")
    pass_start_run_id = fields.Many2one(
        "scope3.agent.run",
        string="Pass Started In",
        readonly=True,
        ondelete="set null",
        help="A pass over the subjects may span several runs when the agent has a run "
        "limit: the run that started this pass.",
    )
    resume_phase = fields.Char(
        readonly=True,
        help="Set when the run stopped at the agent's run limit: the next run "
        "resumes at this phase and cursor.",
    )
    resume_cursor = fields.Integer(readonly=True)
    since = fields.Datetime(
        string="Changes Since",
        readonly=True,
        help="Set for an incremental pass: only the subjects changed since this moment "
        "were evaluated. Empty: a full pass over every subject.",
    )
    params_digest = fields.Char(
        readonly=True,
        help="SHA-256 of the agent's parameters and rule version at the start of the pass; "
        "a pass after a change of either is a full pass.",
    )
    batch_count = fields.Integer(string="Batches", readonly=True)
    items_scanned = fields.Integer(readonly=True)
    findings_count = fields.Integer(string="Findings", readonly=True)
    actions_count = fields.Integer(string="Actions", readonly=True)
    resolved_count = fields.Integer(string="Resolved", readonly=True)
    error = fields.Text(readonly=True)
    inputs_digest = fields.Char(
        readonly=True,
        help="SHA-256 over the inputs digests of the decisions of the run, in order.",
    )
    decision_ids = fields.One2many("scope3.agent.decision", "run_id", string="Decisions")
    finding_ids = fields.One2many("scope3.agent.finding", "run_id", string="Findings Raised")

    @api.depends("agent_id", "started_at")
    def _compute_display_name(self):
        for run in self:
            run.display_name = f"{run.agent_id.name} #{run.id or 0}"

    def _scope3_close(self, state, error=False):
        self.write(
            {
                "state": state,
                "ended_at": fields.Datetime.now(),
                "error": error,
                "phase": False,
            }
        )

    def _scope3_pause_at_limit(self, phase, cursor):
        """End the run at the agent's run limit: the pass goes on in the next run (no
        finding is resolved before the pass is complete)."""
        self.ensure_one()
        self.write(
            {
                "state": "done",
                "ended_at": fields.Datetime.now(),
                "phase": False,
                "resume_phase": phase,
                "resume_cursor": cursor,
            }
        )

    def _scope3_resolve_unseen(self, subjects, checks):
        """Resolve the open findings of ``checks`` on ``subjects`` (walked by this run's
        pass) that the pass did not find again; returns how many."""
        self.ensure_one()
        first = self.pass_start_run_id or self
        gone = self.env["scope3.agent.finding"].search(
            [
                ("agent_id", "=", self.agent_id.id),
                ("state", "in", ("open", "proposed")),
                ("res_model", "=", subjects._name),
                ("res_id", "in", subjects.ids),
                ("kind", "in", checks),
                ("kind", "not in", self.agent_id._scope3_service()._scope3_sticky_checks()),
                "|",
                ("last_seen_run_id", "=", False),
                ("last_seen_run_id", "<", first.id),
            ]
        )
        gone._scope3_resolve(self)
        return len(gone)

    def _scope3_finish(self):
        """End the run and its pass: findings of this agent not seen in any run of the
        pass are resolved."""
        self.ensure_one()
        first = self.pass_start_run_id or self
        service = self.agent_id._scope3_service()
        domain = [
            ("agent_id", "=", self.agent_id.id),
            ("state", "in", ("open", "proposed")),
            "|",
            ("last_seen_run_id", "=", False),
            ("last_seen_run_id", "<", first.id),
            ("kind", "not in", service._scope3_sticky_checks()),
        ]
        if self.since:
            # incremental pass: the phases walked whole resolve here, the others did
            # batch by batch (their subjects not walked were not looked at)
            whole = [
                check
                for phase in service._scope3_phases(self.agent_id)
                if not phase.get("changed")
                for check in phase.get("checks", [])
            ]
            domain.append(("kind", "in", whole))
        gone = self.env["scope3.agent.finding"].search(domain)
        gone._scope3_resolve(self)
        digests = self.env["scope3.agent.decision"].search_read(
            [("run_id", "=", self.id)], ["inputs_digest"], order="id"
        )
        self.write(
            {
                "state": "done",
                "ended_at": fields.Datetime.now(),
                "phase": False,
                "resolved_count": self.resolved_count + len(gone),
                "inputs_digest": digest([d["inputs_digest"] for d in digests]),
            }
        )
        self.agent_id._scope3_service()._scope3_after_run(self)

    def action_replay(self):
        """Re-evaluate the run's logged decisions from their recorded inputs and re-chain
        them: the same decisions and hashes must come out."""
        self.ensure_one()
        problems = self.decision_ids._scope3_replay()
        if problems:
            record, reason = problems[0]
            message = self.env._(
                "Replay differs at decision %(record)s: %(reason)s.",
                record=record.display_name,
                reason=reason,
            )
            kind = "danger"
        else:
            message = (
                self.env._("1 decision replayed: same result, same hash.")
                if len(self.decision_ids) == 1
                else self.env._(
                    "%(count)s decisions replayed: same results, same hashes.",
                    count=len(self.decision_ids),
                )
            )
            kind = "success"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {"type": kind, "message": message},
        }
