# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class Scope3Dashboard(models.AbstractModel):
    _inherit = "scope3.dashboard"

    @api.model
    def _scope3_dashboard_cards(self, companies, date_from, date_to):
        """The Carbon overview shows the findings waiting for a person (any date)."""
        cards = super()._scope3_dashboard_cards(companies, date_from, date_to)
        domain = [
            ("state", "in", ("open", "proposed")),
            ("company_id", "in", companies.ids + [False]),
        ]
        counts = dict(
            self.env["scope3.agent.finding"]._read_group(domain, ["severity"], ["__count"])
        )
        cards.append(
            {
                "key": "findings",
                "name": self.env._("Open findings"),
                "value": sum(counts.values()),
                "subtitle": self.env._(
                    "%(high)s high, %(medium)s medium, %(low)s low severity",
                    high=counts.get("high", 0),
                    medium=counts.get("medium", 0),
                    low=counts.get("low", 0),
                ),
                "res_model": "scope3.agent.finding",
                "domain": domain,
            }
        )
        return cards
