# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class Scope3Restatement(models.Model):
    _inherit = "scope3.restatement"

    def _scope3_post(self):
        """A posted restatement changed the ledger: wake the agents that watch it."""
        entries = super()._scope3_post()
        if entries:
            self.env["scope3.agent"]._scope3_wake(["data_quality", "classification"])
        return entries
