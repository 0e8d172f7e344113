# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class Scope3Activity(models.Model):
    _inherit = "scope3.activity"

    @api.model
    def _scope3_apply(self, plans):
        """The ledger changed: wake the agents that watch data quality and mappings."""
        entries = super()._scope3_apply(plans)
        if plans:
            self.env["scope3.agent"]._scope3_wake(["data_quality", "classification"])
        return entries
