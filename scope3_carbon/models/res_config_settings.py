# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    scope3_default_naics_code = fields.Char(
        related="company_id.scope3_default_naics_code", readonly=False
    )
    scope3_spend_factor_set_id = fields.Many2one(
        related="company_id.scope3_spend_factor_set_id", readonly=False
    )
    scope3_spend_price_basis = fields.Selection(
        related="company_id.scope3_spend_price_basis", readonly=False
    )
    scope3_accounting_basis = fields.Selection(
        related="company_id.scope3_accounting_basis", readonly=False
    )
    scope3_well_to_wheel = fields.Boolean(related="company_id.scope3_well_to_wheel", readonly=False)
    scope3_four_eyes_publish = fields.Boolean(
        related="company_id.scope3_four_eyes_publish", readonly=False
    )
    scope3_four_eyes_restatement = fields.Boolean(
        related="company_id.scope3_four_eyes_restatement", readonly=False
    )
    scope3_base_year = fields.Integer(related="company_id.scope3_base_year", readonly=False)
    scope3_significance_pct = fields.Float(
        related="company_id.scope3_significance_pct", readonly=False
    )
    scope3_lock_date = fields.Date(related="company_id.scope3_lock_date", readonly=False)
    scope3_batch_size = fields.Integer(
        string="Attribution Batch Size",
        config_parameter="scope3_carbon.batch_size",
        default=200,
        help="Events the attribution cron processes per batch (one transaction each).",
    )
