# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class Scope3Activity(models.Model):
    _inherit = "scope3.activity"

    @api.model
    def _scope3_apply(self, plans, post=True):
        """The ledger changed: wake the agents that watch data quality and mappings (not
        for a shadow run, which changes nothing)."""
        result = super()._scope3_apply(plans, post=post)
        if post and plans:
            self.env["scope3.agent"]._scope3_wake(["data_quality", "classification"])
        return result
