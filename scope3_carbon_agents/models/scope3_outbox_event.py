# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class Scope3OutboxEvent(models.Model):
    _inherit = "scope3.outbox.event"

    def _scope3_mark_failed(self, exc):
        """A failing event is a timeliness issue: wake the data-quality agent."""
        res = super()._scope3_mark_failed(exc)
        if self.state == "failed":
            self.env["scope3.agent"]._scope3_wake(["data_quality"])
        return res
