# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .scope3_outbox_event import PROCESSING_MODE_PARAM


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
    scope3_processing_mode = fields.Selection(
        [
            ("near_real_time", "Near real time"),
            ("inline", "Inline"),
            ("batch", "Batch"),
        ],
        string="Processing Mode",
        config_parameter=PROCESSING_MODE_PARAM,
        default="near_real_time",
        help="Near real time: documents are attributed by a cron woken at once, seconds "
        "after they are saved. Inline: in the same transaction as the document (small "
        "volumes; the user waits for it). Batch: at the cron's scheduled runs.",
    )
    scope3_batch_size = fields.Integer(
        string="Attribution Batch Size",
        config_parameter="scope3_carbon.batch_size",
        default=200,
        help="Events the attribution cron processes per batch (one transaction each).",
    )
