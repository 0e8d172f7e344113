# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import UserError

SEVERITIES = [("low", "Low"), ("medium", "Medium"), ("high", "High")]
CATEGORIES = [
    ("completeness", "Completeness"),
    ("plausibility", "Plausibility"),
    ("consistency", "Consistency"),
    ("timeliness", "Timeliness"),
    ("classification", "Classification"),
    ("remediation", "Remediation"),
    ("policy", "Policy"),
]
KINDS = [
    ("unmapped_product", "Unmapped product"),
    ("missing_weight", "Missing weight"),
    ("missing_currency_rate", "Missing currency rate"),
    ("missing_distance", "Missing transport distance"),
    ("outlier_intensity", "Outlier intensity"),
    ("unit_mismatch", "Unit mismatch"),
    ("quantity_mismatch", "Quantity mismatch"),
    ("duplicate_vendor_ref", "Duplicate vendor reference"),
    ("event_failed", "Failed event"),
    ("event_stuck", "Stuck event"),
    ("classification", "NAICS proposal"),
    ("supplier_priority", "Supplier data request"),
    ("request_overdue", "Overdue supplier request"),
    ("carbon_guardrail", "Carbon guardrail"),
    ("model_drift", "Model drift"),
]
STATES = [
    ("open", "Open"),
    ("proposed", "Proposed"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("applied", "Applied"),
    ("dismissed", "Dismissed"),
]


class Scope3AgentFinding(models.Model):
    """Something an agent found about one record, with the remediation it proposes.

    States: *open* (a person must fix the data; the proposal says how) or *proposed*
    (the agent can carry out its proposal) → *approved* (by a person, or by the agent in
    Act mode above its threshold) → *applied*; or *rejected* (remembered: the same
    proposal is never made again) / *dismissed*. Every transition is a logged decision.
    """

    _name = "scope3.agent.finding"
    _description = "Scope 3 Agent Finding"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(string="Summary", required=True, readonly=True)
    agent_id = fields.Many2one(
        "scope3.agent", required=True, readonly=True, index=True, ondelete="restrict"
    )
    run_id = fields.Many2one("scope3.agent.run", readonly=True, ondelete="restrict")
    last_seen_run_id = fields.Many2one("scope3.agent.run", readonly=True, ondelete="set null")
    identity_key = fields.Char(required=True, readonly=True, index=True, copy=False)
    company_id = fields.Many2one("res.company", readonly=True, index=True)
    res_model = fields.Char(string="Subject Model", required=True, readonly=True, index=True)
    res_id = fields.Many2oneReference(
        string="Subject ID", model_field="res_model", required=True, readonly=True, index=True
    )
    subject_name = fields.Char(string="Subject", readonly=True)
    subject_ref = fields.Reference(
        selection="_selection_subject_ref", string="Subject Record", compute="_compute_subject_ref"
    )
    partner_id = fields.Many2one("res.partner", string="Vendor", readonly=True, index=True)
    product_id = fields.Many2one("product.product", readonly=True, index=True)
    kind = fields.Selection(KINDS, required=True, readonly=True, index=True)
    category = fields.Selection(CATEGORIES, required=True, readonly=True, index=True)
    severity = fields.Selection(SEVERITIES, required=True, readonly=True, index=True)
    confidence = fields.Float(required=True, readonly=True, digits=(3, 4))
    evidence = fields.Json(readonly=True, help="Inputs the rule saw and its parameters.")
    evidence_text = fields.Text(string="Evidence (JSON)", compute="_compute_json_texts")
    proposal = fields.Json(readonly=True, help="The proposed remediation (machine form).")
    proposal_text = fields.Text(string="Proposal (JSON)", compute="_compute_json_texts")
    explanation = fields.Html(
        compute="_compute_explanation",
        sanitize=True,
        help="Why the agent found or proposes this, in words (rendered from the evidence).",
    )
    approve_primary = fields.Boolean(
        compute="_compute_approve_primary",
        help="A proposal whose confidence reaches the agent's threshold: approving is the "
        "expected decision.",
    )
    proposed_action = fields.Char(readonly=True)
    state = fields.Selection(
        STATES, default="open", required=True, readonly=True, tracking=True, index=True
    )
    reviewer_id = fields.Many2one("res.users", readonly=True, tracking=True)
    review_date = fields.Datetime(readonly=True)
    review_approved = fields.Float(
        string="Approval Share",
        compute="_compute_review_approved",
        store=True,
        aggregator="avg",
        help="1 for a proposal a person approved, 0 otherwise: averaged over the proposals "
        "people decided (approved or rejected), per agent and over time, the share of the "
        "agent's proposals that people approved.",
    )
    review_note = fields.Text(readonly=True)
    applied_by_agent = fields.Boolean(readonly=True)
    decision_ids = fields.One2many("scope3.agent.decision", "finding_id", string="Decisions")

    _sql_constraints = [
        (
            "identity_key_uniq",
            "unique(identity_key)",
            "This finding was already recorded.",
        ),
        (
            "confidence_range",
            "CHECK(confidence >= 0 AND confidence <= 1)",
            "A confidence is between 0 and 1.",
        ),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.context.get("scope3_finding_write") and not self.env.su:
            raise UserError(self.env._("Findings are recorded by the agents only."))
        return super().create(vals_list)

    def write(self, vals):
        """A finding's facts and state only change through its transitions, which are
        logged; chatter and activities stay writable."""
        protected = set(vals) - {"activity_ids", "message_main_attachment_id"}
        protected = {name for name in protected if not name.startswith(("message_", "activity_"))}
        if protected and not self.env.context.get("scope3_finding_write"):
            raise UserError(
                self.env._(
                    "Findings change only by approving, rejecting or dismissing them (%(fields)s).",
                    fields=", ".join(sorted(protected)),
                )
            )
        return super().write(vals)

    @api.model
    def _selection_subject_ref(self):
        return [(model.model, model.name) for model in self.env["ir.model"].sudo().search([])]

    @api.depends("state", "reviewer_id", "applied_by_agent")
    def _compute_review_approved(self):
        for finding in self:
            finding.review_approved = float(
                finding.state in ("approved", "applied")
                and bool(finding.reviewer_id)
                and not finding.applied_by_agent
            )

    @api.depends("res_model", "res_id")
    def _compute_subject_ref(self):
        for finding in self:
            finding.subject_ref = (
                f"{finding.res_model},{finding.res_id}"
                if finding.res_model in self.env and finding.res_id
                else False
            )

    @api.depends("evidence", "proposal")
    def _compute_json_texts(self):
        for finding in self:
            finding.evidence_text = json.dumps(finding.evidence, indent=2, sort_keys=True)
            finding.proposal_text = json.dumps(finding.proposal, indent=2, sort_keys=True)

    @api.depends("evidence", "proposal", "confidence")
    def _compute_explanation(self):
        for finding in self:
            lines = finding.agent_id and finding._scope3_service()._scope3_explain(finding)
            finding.explanation = (
                Markup("<ul>%s</ul>")
                % Markup("").join(Markup("<li>%s</li>") % escape(line) for line in lines)
                if lines
                else False
            )

    @api.depends("state", "confidence", "agent_id.threshold")
    def _compute_approve_primary(self):
        for finding in self:
            finding.approve_primary = (
                finding.state == "proposed" and finding.confidence >= finding.agent_id.threshold
            )

    def _scope3_subject(self):
        self.ensure_one()
        return self.env[self.res_model].sudo().browse(self.res_id).exists()

    # ------------------------------------------------------------------------------------
    # Review by a person
    # ------------------------------------------------------------------------------------
    def _scope3_check_reviewer(self):
        if not self.env.user.has_group("scope3_carbon.group_scope3_manager"):
            raise UserError(self.env._("Only a Carbon Manager can decide on agent findings."))
        self.check_access("write")

    def action_approve(self):
        """Approve the proposal and carry it out now."""
        self._scope3_check_reviewer()
        for finding in self:
            if finding.state != "proposed":
                raise UserError(
                    self.env._(
                        "Only proposed findings can be approved (%(finding)s is %(state)s).",
                        finding=finding.display_name,
                        state=finding.state,
                    )
                )
            finding._scope3_approve_and_apply(by_agent=False)
        return True

    def action_reject(self, note=False):
        """Reject the proposal; the agent remembers it and never proposes it again."""
        self._scope3_check_reviewer()
        todo = self.filtered(lambda f: f.state in ("open", "proposed"))
        todo._scope3_transition("rejected", "reject", note=note)
        for finding in todo:
            finding._scope3_service()._scope3_on_reject(finding)
        return True

    def action_dismiss(self, note=False):
        """Close the finding without acting on it (e.g. fixed by hand, or not an issue)."""
        self._scope3_check_reviewer()
        self.filtered(lambda f: f.state in ("open", "proposed"))._scope3_transition(
            "dismissed", "dismiss", note=note
        )
        return True

    def action_open_subject(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------------------------------
    # Mechanics
    # ------------------------------------------------------------------------------------
    def _scope3_service(self):
        self.ensure_one()
        return self.agent_id._scope3_service()

    def _scope3_transition(self, state, decision_type, note=False, by_agent=False, extra=None):
        """Move to ``state``, log the decision, close the review activities."""
        if not self:
            return
        user = self.env.user
        vals = {"state": state, "review_note": note or False}
        if not by_agent:
            vals.update(reviewer_id=user.id, review_date=fields.Datetime.now())
        # findings are readonly: only transitions change them
        self.sudo().with_context(scope3_finding_write=True).write(vals)
        self.env["scope3.agent.decision"]._scope3_log(
            [
                {
                    "type": decision_type,
                    "agent": finding.agent_id,
                    "run": self.env["scope3.agent.run"],
                    "finding": finding,
                    "decision": {
                        "finding": finding.identity_key,
                        "state": state,
                        "by": "agent" if by_agent else user.login,
                        "note": note or None,
                        **(extra or {}),
                    },
                    "inputs": {"finding": finding.identity_key, "proposal": finding.proposal},
                }
                for finding in self
            ]
        )
        for finding in self:
            if by_agent:
                body = self.env._("%(state)s by the agent.", state=state.capitalize())
            else:
                body = self.env._(
                    "%(state)s by %(user)s.", state=state.capitalize(), user=user.name
                )
            finding.sudo().message_post(body=body + (f" {note}" if note else ""))
        if state not in ("approved",):
            self.sudo().activity_ids.action_feedback(feedback=state)

    def _scope3_approve_and_apply(self, by_agent):
        """Approve and carry out the proposal (by a person, or by the agent in Act mode)."""
        self.ensure_one()
        self._scope3_transition(
            "approved",
            "auto_approve" if by_agent else "approve",
            by_agent=by_agent,
            extra={"confidence": self.confidence, "threshold": self.agent_id.threshold}
            if by_agent
            else None,
        )
        # The approval is the authorisation: the proposal runs with the agent's rights.
        outcome = self._scope3_service().sudo()._scope3_apply(self)
        self.sudo().with_context(scope3_finding_write=True).write({"applied_by_agent": by_agent})
        self._scope3_transition("applied", "apply", by_agent=by_agent, extra={"outcome": outcome})

    def _scope3_resolve(self, run):
        """The condition is gone (seen in no later run): dismiss as resolved."""
        if not self:
            return
        self.sudo().with_context(scope3_finding_write=True).write(
            {"state": "dismissed", "review_note": self.env._("Resolved.")}
        )
        self.env["scope3.agent.decision"]._scope3_log(
            [
                {
                    "type": "resolved",
                    "agent": finding.agent_id,
                    "run": run,
                    "finding": finding,
                    "decision": {"finding": finding.identity_key, "state": "dismissed"},
                    "inputs": {"finding": finding.identity_key, "run_phase": "end"},
                }
                for finding in self
            ]
        )
        self.sudo().activity_ids.action_feedback(feedback="resolved")

    def _scope3_schedule_review(self):
        """A to-do for the agent's responsible manager on each finding needing a person."""
        todo = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        for finding in self.sudo():
            user = finding.agent_id.responsible_id
            if not user or not todo:
                continue
            finding.activity_schedule(
                activity_type_id=todo.id,
                user_id=user.id,
                summary=self.env._(
                    "Review %(kind)s: %(subject)s",
                    # the label in the sentence's language, not the Python constant
                    kind=dict(self._fields["kind"]._description_selection(self.env)).get(
                        finding.kind
                    ),
                    subject=finding.subject_name,
                ),
                note=finding.name,
            )
        # the activities are created on their own model: refresh the findings' view of them
        self.invalidate_recordset(["activity_ids"])
