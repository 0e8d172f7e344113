# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import UserError

CARBON_MANAGER = "scope3_carbon.group_scope3_manager"


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    scope3_carbon_hold = fields.Boolean(
        string="Carbon Approval Needed",
        readonly=True,
        copy=False,
        help="A carbon guardrail of the policy agent holds this order until a Carbon "
        "Manager approves it.",
    )
    scope3_carbon_hold_reason = fields.Text(string="Carbon Guardrail", readonly=True, copy=False)
    scope3_carbon_approved_by_id = fields.Many2one(
        "res.users", string="Carbon Approval By", readonly=True, copy=False
    )
    scope3_carbon_approved_date = fields.Datetime(
        string="Carbon Approval On", readonly=True, copy=False
    )
    scope3_carbon_finding_id = fields.Many2one(
        "scope3.agent.finding", string="Guardrail Finding", readonly=True, copy=False
    )

    # ------------------------------------------------------------------------------------
    # Double-validation mechanics
    # ------------------------------------------------------------------------------------
    def button_confirm(self):
        self.filtered(lambda o: o.state in ("draft", "sent"))._scope3_policy_evaluate()
        return super().button_confirm()

    def _approval_allowed(self):
        allowed = super()._approval_allowed()
        if allowed and self._scope3_carbon_blocked():
            return self.env.user.has_group(CARBON_MANAGER)
        return allowed

    def button_approve(self, force=False):
        blocked = self.filtered(lambda o: o._scope3_carbon_blocked())
        if blocked and blocked == self and not self.env.user.has_group(CARBON_MANAGER):
            raise UserError(
                self.env._(
                    "%(orders)s cannot be approved yet: a carbon guardrail needs a Carbon "
                    "Manager's approval first (%(reason)s).",
                    orders=", ".join(blocked.mapped("name")),
                    reason=blocked[0].scope3_carbon_hold_reason,
                )
            )
        # a Carbon Manager approving (or confirming) a held order approves its carbon too
        blocked.filtered(lambda o: o._approval_allowed())._scope3_carbon_record_approval()
        return super().button_approve(force=force)

    def button_draft(self):
        res = super().button_draft()
        self.sudo().write(
            {
                "scope3_carbon_hold": False,
                "scope3_carbon_hold_reason": False,
                "scope3_carbon_approved_by_id": False,
                "scope3_carbon_approved_date": False,
            }
        )
        return res

    def _scope3_carbon_blocked(self):
        self.ensure_one()
        return bool(
            self.scope3_carbon_hold
            and not self.scope3_carbon_approved_by_id
            and self.env["scope3.agent.policy"]._policy_agent()
        )

    # ------------------------------------------------------------------------------------
    # Guardrail
    # ------------------------------------------------------------------------------------
    def _scope3_policy_evaluate(self):
        """Evaluate the carbon guardrails of these orders before their confirmation."""
        if not self:
            return
        Policy = self.env["scope3.agent.policy"]
        agent = Policy._policy_agent()
        if not agent or not (agent.intensity_threshold > 0 or agent.top_vendor_count > 0):
            # no guardrail configured (or agents stopped): nothing to compute at
            # confirmation; only lift holds left from an earlier configuration
            self.filtered("scope3_carbon_hold").sudo().write(
                {"scope3_carbon_hold": False, "scope3_carbon_hold_reason": False}
            )
            return
        for order in self:
            if order.scope3_carbon_approved_by_id:
                continue
            item = None
            if agent:
                inputs = Policy._policy_inputs(order, agent)
                item = agent._scope3_check(
                    "carbon_guardrail",
                    order,
                    inputs,
                    partner=order.partner_id,
                    key=Policy._policy_key(inputs),
                )
            if not item:
                if order.scope3_carbon_hold or order.scope3_carbon_hold_reason:
                    order.sudo().write(
                        {"scope3_carbon_hold": False, "scope3_carbon_hold_reason": False}
                    )
                continue
            findings, _applied = agent._scope3_record(self.env["scope3.agent.run"], [item])
            finding = findings or self.env["scope3.agent.finding"].sudo().search(
                [("identity_key", "=", agent._scope3_identity_key(item))]
            )
            reason = item["result"]["summary"]
            hold = agent.autonomy == "act" and finding.state == "proposed"
            # the guardrail's own fields: purchase users cannot write them
            order.sudo().write(
                {
                    "scope3_carbon_hold": hold,
                    "scope3_carbon_hold_reason": reason,
                    "scope3_carbon_finding_id": finding.id,
                }
            )
            if hold:
                body = self.env._(
                    "Carbon guardrail: %(reason)s. This order needs a Carbon Manager's "
                    "approval before confirmation.",
                    reason=reason,
                )
            else:
                body = self.env._(
                    "Carbon guardrail (recommendation only): %(reason)s.", reason=reason
                )
            order.message_post(body=body)

    def _scope3_carbon_record_approval(self, log=True):
        """Record the current user's carbon approval of these held orders."""
        user = self.env.user
        for order in self:
            order.sudo().write(
                {
                    "scope3_carbon_approved_by_id": user.id,
                    "scope3_carbon_approved_date": fields.Datetime.now(),
                }
            )
            order.message_post(
                body=self.env._(
                    "Carbon guardrail approved by %(user)s: %(reason)s.",
                    user=user.name,
                    reason=order.scope3_carbon_hold_reason,
                )
            )
            if not log:
                continue
            finding = order.scope3_carbon_finding_id.sudo()
            if finding.state == "proposed":
                finding._scope3_transition("approved", "approve")
                finding._scope3_transition(
                    "applied", "apply", extra={"outcome": {"order": order.name}}
                )
            else:
                self.env["scope3.agent.decision"]._scope3_log(
                    [
                        {
                            "type": "policy_approve",
                            "agent": self.env["scope3.agent.policy"]._policy_agent(),
                            "run": self.env["scope3.agent.run"],
                            "finding": self.env["scope3.agent.finding"],
                            "company": order.company_id,
                            "decision": {
                                "order": ["purchase.order", order.id],
                                "by": user.login,
                                "reason": order.scope3_carbon_hold_reason,
                            },
                            "inputs": {"order": order.name},
                        }
                    ]
                )

    def action_scope3_carbon_approve(self):
        """Carbon Manager's approval of held orders (then Odoo's own approval runs)."""
        if not self.env.user.has_group(CARBON_MANAGER):
            raise UserError(self.env._("Only a Carbon Manager can give a carbon approval."))
        for order in self.filtered(lambda o: o._scope3_carbon_blocked()):
            finding = order.scope3_carbon_finding_id.sudo()
            if finding.state == "proposed":
                finding.with_user(self.env.user).action_approve()
            else:
                order._scope3_carbon_record_approval()
                # Odoo's own approval rules still apply to the real user (has_group)
                order.sudo().button_approve()
        return True
