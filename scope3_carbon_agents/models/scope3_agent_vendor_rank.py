# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class Scope3AgentVendorRank(models.Model):
    """The top-emitting vendors of a company over the last 12 months, as the policy agent
    ranked them (its runs, or the first confirmation after its ranking got old): the
    carbon guardrail reads one row at a confirmation instead of summing the ledger."""

    _name = "scope3.agent.vendor.rank"
    _description = "Scope 3 Top-Emitting Vendor"
    _order = "company_id, rank"
    _check_company_auto = True

    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Vendor",
        readonly=True,
        check_company=True,
        help="Empty on the one row of a ranking without any vendor.",
    )
    rank = fields.Integer(readonly=True, help="1 for the top emitter; 0 on an empty ranking.")
    co2e_kg = fields.Float(string="kg CO2e", readonly=True)
    dq_weighted_kg = fields.Float(
        string="DQ x kg", readonly=True, help="Sum of the entries' DQ score x kg CO2e."
    )
    top_count = fields.Integer(
        readonly=True, help="How many vendors the ranking kept (the agent's top vendor count)."
    )
    date_from = fields.Date(readonly=True, help="First day of the ranked period (excluded).")
    date_to = fields.Date(readonly=True, help="Last day of the ranked period.")
    computed_at = fields.Datetime(readonly=True)

    def _scope3_dq(self):
        """The vendor's kg-weighted data-quality score (None without scores)."""
        self.ensure_one()
        if self.co2e_kg and self.dq_weighted_kg:
            return round(self.dq_weighted_kg / self.co2e_kg, 2)
        return None
