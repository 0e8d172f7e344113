# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class Scope3FactorSet(models.Model):
    _inherit = "scope3.factor.set"

    def action_publish(self):
        """Publishing a factor set is a governance decision: it is logged in the decision
        log with who imported and who published it, and whether four-eyes applied."""
        res = super().action_publish()
        Decision = self.env["scope3.agent.decision"]
        for factor_set in self:
            company = factor_set.company_id or self.env.company
            importer = factor_set.imported_by_id or factor_set.create_uid
            Decision._scope3_log_governance(
                "factor_set_published",
                factor_set,
                company,
                {
                    "set": factor_set.display_name,
                    "content_checksum": factor_set.content_checksum,
                    "proposed_by": importer.login,
                    "decided_by": self.env.user.login,
                    "four_eyes_required": company.scope3_four_eyes_publish,
                    "four_eyes_held": importer != self.env.user,
                },
            )
        return res
