# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Supplier confidentiality of agents' findings (see scope3_carbon's
``models/scope3_confidentiality.py``): a finding whose subject has a confidential figure,
or about a vendor with a footprint received under confidentiality, carries figures (an
intensity per unit, a line's kg CO2e, a vendor's total) from which the footprint can be
derived; non-auditors read it without its summary, evidence, proposal and explanation."""

from odoo import api, models
from odoo.tools import SQL

from odoo.addons.scope3_carbon.models.scope3_confidentiality import (
    confidential_footprints_sql,
)

#: subject models whose confidentiality is their own (the scope3_carbon mixin)
CONFIDENTIAL_SUBJECTS = (
    "scope3.emission.entry",
    "scope3.activity",
    "purchase.order",
    "purchase.order.line",
    "account.move",
    "account.move.line",
    "scope3.restatement",
)


class Scope3AgentFinding(models.Model):
    _name = "scope3.agent.finding"
    _inherit = ["scope3.agent.finding", "scope3.confidential.mixin"]

    _scope3_confidential_fields = (
        "name",
        "subject_name",
        "evidence",
        "evidence_text",
        "proposal",
        "proposal_text",
        "explanation",
    )
    _scope3_coarse_fields = ("company_id", "agent_id", "kind", "category", "severity", "state")

    def _scope3_confidential_sql(self, alias):
        conditions = []
        for model_name in CONFIDENTIAL_SUBJECTS:
            Subject = self.env[model_name]
            conditions.append(
                SQL(
                    "(%s = %s AND EXISTS (SELECT 1 FROM %s cs WHERE cs.id = %s AND %s))",
                    SQL.identifier(alias, "res_model"),
                    model_name,
                    SQL.identifier(Subject._table),
                    SQL.identifier(alias, "res_id"),
                    Subject._scope3_confidential_sql("cs"),
                )
            )
        # a vendor that gave a footprint under confidentiality (its totals, its orders'
        # intensities), whatever the subject
        conditions.append(
            SQL(
                "EXISTS (SELECT 1 FROM scope3_supplier_footprint cf "
                "JOIN res_partner cfp ON cfp.id = cf.partner_id "
                "JOIN res_partner cp ON cp.commercial_partner_id = cfp.commercial_partner_id "
                "WHERE cp.id = %s AND cf.id IN (%s) AND cf.status IN ('active', 'deprecated'))",
                SQL.identifier(alias, "partner_id"),
                confidential_footprints_sql(self.env),
            )
        )
        return SQL("(%s)", SQL(" OR ").join(conditions))

    def _read_format(self, fnames, load="_classic_read"):
        result = super()._read_format(fnames, load=load)
        if "name" in fnames and self._scope3_hidden():
            for vals in result:
                if vals.get("name") is False:
                    vals["name"] = self._scope3_confidential_summary()
        return result

    def _scope3_confidential_summary(self):
        return self.env._(
            "Finding on supplier data received under confidentiality (Carbon Auditors and "
            "Managers read it)."
        )

    @api.depends_context("uid")
    def _compute_display_name(self):
        res = super()._compute_display_name()
        self._scope3_mask_computed({"display_name": self._scope3_confidential_summary()})
        return res

    def _scope3_schedule_review(self):
        """The review to-do is read by whoever reads the finding: its note (the summary)
        is left generic for a confidential one (the responsible manager opens it)."""
        res = super()._scope3_schedule_review()
        confidential = self.sudo()._scope3_confidential_ids()
        for finding in self.sudo().filtered(lambda f: f.id in confidential):
            finding.activity_ids.write({"note": finding._scope3_confidential_summary()})
        return res
