# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import binascii

from odoo import fields, models
from odoo.exceptions import UserError

from ..core import importers

#: what the wizard names each parser (and the files it reads)
SOURCE_LABELS = [
    ("auto", "Detect from the file"),
    ("desnz_workbook", "UK DESNZ GHG Conversion Factors, full set (XLSX workbook)"),
    ("epa_hub_workbook", "US EPA GHG Emission Factors Hub (XLSX workbook)"),
    ("epa_supply_chain", "US EPA Supply Chain GHG Emission Factors (NAICS-6 CSV)"),
    ("desnz_flat", "UK DESNZ GHG Conversion Factors (flat CSV)"),
    ("epa_hub", "US EPA GHG Emission Factors Hub (one table as CSV)"),
    ("ember", "Ember grid intensity (JSON or CSV)"),
]


class Scope3FactorImportWizard(models.TransientModel):
    """Upload an official emission-factor file; it becomes a draft factor set."""

    _name = "scope3.factor.import.wizard"
    _description = "Import an Emission Factor File"

    source = fields.Selection(
        SOURCE_LABELS,
        required=True,
        default="auto",
        help="Detect from the file: the publication and its edition are read from the file "
        "itself (a workbook's sheets and headings, a CSV file's header).",
    )
    file = fields.Binary(required=True, attachment=False)
    file_name = fields.Char()
    by_ghg_file = fields.Binary(
        string="By-gas File",
        attachment=False,
        help="EPA supply-chain factors only: the by-GHG file of the same edition.",
    )
    by_ghg_file_name = fields.Char()
    valid_from = fields.Date(
        help="First activity date the set applies to. Empty: 1 January of the edition's "
        "reporting year for the DESNZ editions, any date for the other publications."
    )
    company_id = fields.Many2one(
        "res.company", help="Leave empty to share the set with every company."
    )

    def _scope3_decoded(self, value, name):
        try:
            return base64.b64decode(value or b"", validate=False)
        except (binascii.Error, ValueError):
            raise UserError(
                self.env._("The upload of %(file)s is damaged; send it again.", file=name)
            ) from None

    def action_import(self):
        self.ensure_one()
        name = self.file_name or self.env._("the file")
        data = self._scope3_decoded(self.file, name)
        Set = self.env["scope3.factor.set"]
        limits = Set._scope3_import_limits()
        source = self.source
        if source == "auto":
            try:
                source = importers.detect_data(self.file_name or "", data, limits)
            except importers.ImportFileError as exc:
                raise UserError(
                    self.env._(
                        "%(file)s was rejected, nothing was imported: %(problems)s",
                        file=name,
                        problems="; ".join(exc.problems[:10]),
                    )
                ) from exc
            if not source:
                raise UserError(
                    self.env._(
                        "The format of %(file)s is not recognised. Supported: the DESNZ "
                        "full-set workbook or flat CSV, the EPA Emission Factors Hub workbook, "
                        "the EPA supply-chain CSV files and Ember's intensities (JSON/CSV).",
                        file=name,
                    )
                )
        files = {"data": data}
        names = [self.file_name or "file"]
        if source == "epa_supply_chain":
            files = {"co2e": data}
            if self.by_ghg_file:
                files["by_ghg"] = self._scope3_decoded(self.by_ghg_file, self.by_ghg_file_name)
                names.append(self.by_ghg_file_name or "by-gas file")
        factor_set = Set._scope3_import(
            source,
            files,
            file_name=", ".join(names),
            valid_from=self.valid_from,
            company=self.company_id,
            limits=limits,
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": "scope3.factor.set",
            "res_id": factor_set.id,
            "view_mode": "form",
            "target": "current",
        }
