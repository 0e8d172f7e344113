# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class ReportScope3Inventory(models.AbstractModel):
    """Values of the QWeb "Scope 3 inventory" report: one inventory per wizard."""

    _name = "report.scope3_carbon.report_scope3_inventory"
    _description = "Scope 3 Inventory Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        wizards = self.env["scope3.inventory.report.wizard"].browse(docids)
        Report = self.env["scope3.inventory.report"]
        return {
            "doc_ids": wizards.ids,
            "doc_model": "scope3.inventory.report.wizard",
            "docs": wizards,
            "inventories": {
                wizard.id: Report.with_context(
                    lang=wizard._scope3_report_lang()
                )._scope3_report_data(
                    wizard.company_id, wizard.date_from, wizard.date_to, wizard.basis
                )
                for wizard in wizards
            },
        }
