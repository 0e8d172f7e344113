# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
from datetime import date

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class Scope3InventoryReportWizard(models.TransientModel):
    """Prints the Scope 3 inventory of a company and period (PDF) or exports it (XLSX)."""

    _name = "scope3.inventory.report.wizard"
    _description = "Scope 3 Inventory Report"

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.companies.ids)],
    )
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: date(fields.Date.context_today(self).year, 1, 1),
    )
    date_to = fields.Date(
        string="To",
        required=True,
        default=lambda self: date(fields.Date.context_today(self).year, 12, 31),
    )
    basis = fields.Selection(
        [
            ("all", "Location- and market-based"),
            ("location", "Location-based only"),
            ("market", "Market-based only"),
        ],
        required=True,
        default="all",
        help="Entries carry the basis of the factor they used: with market-based accounting, "
        "an entry without a supplier-specific or contractual factor is location-based.",
    )
    lang = fields.Selection(
        selection="_scope3_lang_selection",
        string="Language",
        default=lambda self: self._scope3_default_lang(),
        help="Language of the PDF and the XLSX: the company's by default.",
    )
    xlsx_file = fields.Binary(string="XLSX", readonly=True, attachment=False)
    xlsx_name = fields.Char(readonly=True)

    @api.model
    def _scope3_lang_selection(self):
        return self.env["res.lang"].get_installed()

    @api.model
    def _scope3_default_lang(self):
        installed = dict(self.env["res.lang"].get_installed())
        for lang in (self.env.company.partner_id.lang, self.env.lang, "en_US"):
            if lang in installed:
                return lang
        return next(iter(installed), False)

    def _scope3_report_lang(self):
        self.ensure_one()
        return self.lang or self._scope3_default_lang()

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(self.env._("The period must end after it starts."))

    def _scope3_file_stem(self):
        self.ensure_one()
        return f"scope3_inventory_{self.company_id.name}_{self.date_from}_{self.date_to}".replace(
            " ", "_"
        ).replace("/", "_")

    def action_print_pdf(self):
        self.ensure_one()
        action = self.env.ref("scope3_carbon.scope3_inventory_report_action_pdf").report_action(
            self
        )
        if action["type"] == "ir.actions.report":
            # not the layout configurator an administrator may get first
            action["close_on_report_download"] = True
        return action

    def action_export_xlsx(self):
        self.ensure_one()
        Report = self.env["scope3.inventory.report"].with_context(lang=self._scope3_report_lang())
        data = Report._scope3_report_data(self.company_id, self.date_from, self.date_to, self.basis)
        content = Report._scope3_report_xlsx(data, Report._scope3_report_entries(data["domain"]))
        self.write(
            {
                "xlsx_file": base64.b64encode(content),
                "xlsx_name": f"{self._scope3_file_stem()}.xlsx",
            }
        )
        return {
            "type": "ir.actions.act_url",
            # the type given: Odoo would guess it from the first 1,024 bytes, which cannot
            # be opened as a ZIP archive (a warning in the log at each download)
            "url": f"/web/content/{self._name}/{self.id}/xlsx_file"
            "?filename_field=xlsx_name&download=true"
            "&mimetype=application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "target": "download",
        }
