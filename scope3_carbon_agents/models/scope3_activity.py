# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class Scope3Activity(models.Model):
    _inherit = "scope3.activity"

    @api.model
    def _scope3_apply(self, plans, post=True):
        """The ledger changed: wake the agents that watch data quality and mappings, and
        the policy agent when it ranks the top-emitting vendors (not for a shadow run,
        which changes nothing)."""
        result = super()._scope3_apply(plans, post=post)
        if post and plans:
            Agent = self.env["scope3.agent"]
            Agent._scope3_wake(["data_quality", "classification"])
            Agent._scope3_wake(["policy"], [("top_vendor_count", ">", 0)])
        return result
