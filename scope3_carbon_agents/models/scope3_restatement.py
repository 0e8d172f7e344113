# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class Scope3Restatement(models.Model):
    _inherit = "scope3.restatement"

    def _scope3_post(self, strict=False):
        """A posted restatement changed the ledger: wake the agents that watch it."""
        entries = super()._scope3_post(strict=strict)
        if entries:
            self.env["scope3.agent"]._scope3_wake(["data_quality", "classification"])
        return entries

    def action_approve(self):
        res = super().action_approve()
        self._scope3_log_governance("restatement_approved")
        return res

    def action_reject(self):
        res = super().action_reject()
        self._scope3_log_governance("restatement_rejected")
        return res

    def action_post(self):
        res = super().action_post()
        self._scope3_log_governance("restatement_posted")
        return res

    def _scope3_log_governance(self, action):
        """Log the decision on each restatement in the hash-chained decision log: who
        proposed and who decided, whether four-eyes applied, and the figures decided on
        (the shadow run's fingerprint and totals)."""
        Decision = self.env["scope3.agent.decision"]
        for restatement in self:
            Decision._scope3_log_governance(
                action,
                restatement,
                restatement.company_id,
                {
                    "restatement": restatement.name,
                    "shadow_hash": restatement.shadow_hash,
                    "delta_kg": restatement.delta_kg,
                    "significant": restatement.is_significant,
                    "proposed_by": restatement.proposed_by_id.login,
                    "decided_by": self.env.user.login,
                    "four_eyes_required": restatement.company_id.scope3_four_eyes_restatement,
                    "four_eyes_held": restatement.proposed_by_id != self.env.user,
                },
            )
