# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64

from odoo import fields, models
from odoo.exceptions import UserError

from ..core import importers


class Scope3FactorImportWizard(models.TransientModel):
    """Upload an official emission-factor file; it becomes a draft factor set."""

    _name = "scope3.factor.import.wizard"
    _description = "Import an Emission Factor File"

    source = fields.Selection(
        [
            ("auto", "Detect from the file"),
            ("epa_supply_chain", "US EPA Supply Chain GHG Emission Factors (NAICS-6)"),
            ("desnz_flat", "UK DESNZ GHG Conversion Factors (flat CSV)"),
            ("epa_hub", "US EPA GHG Emission Factors Hub (table CSV)"),
            ("ember", "Ember grid intensity (JSON or CSV)"),
        ],
        required=True,
        default="auto",
    )
    file = fields.Binary(required=True, attachment=False)
    file_name = fields.Char()
    by_ghg_file = fields.Binary(
        string="By-gas File",
        attachment=False,
        help="EPA supply-chain factors only: the by-GHG file of the same edition.",
    )
    by_ghg_file_name = fields.Char()
    valid_from = fields.Date(help="First activity date the set applies to (empty: any).")
    company_id = fields.Many2one(
        "res.company", help="Leave empty to share the set with every company."
    )

    def action_import(self):
        self.ensure_one()
        files = {"data": base64.b64decode(self.file)}
        names = [self.file_name or "file"]
        source = self.source
        if source == "auto":
            source = importers.detect(self.file_name or "", files["data"][:4096])
            if not source:
                raise UserError(
                    self.env._(
                        "The format of %(file)s is not recognised; choose the source.",
                        file=self.file_name or self.env._("the file"),
                    )
                )
        if source == "epa_supply_chain":
            files = {"co2e": files["data"]}
            if self.by_ghg_file:
                files["by_ghg"] = base64.b64decode(self.by_ghg_file)
                names.append(self.by_ghg_file_name or "by-gas file")
        factor_set = self.env["scope3.factor.set"]._scope3_import(
            source,
            files,
            file_name=", ".join(names),
            valid_from=self.valid_from,
            company=self.company_id,
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "scope3.factor.set",
            "res_id": factor_set.id,
            "view_mode": "form",
            "target": "current",
        }
