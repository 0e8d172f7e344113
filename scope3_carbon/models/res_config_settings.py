# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .scope3_outbox_event import (
    DEFAULT_LEASE_SECONDS,
    DEFAULT_RETENTION_DAYS,
    LEASE_PARAM,
    PROCESSING_MODE_PARAM,
    RETENTION_PARAM,
)


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
    scope3_outbox_retention_days = fields.Integer(
        string="Outbox Retention (days)",
        config_parameter=RETENTION_PARAM,
        default=DEFAULT_RETENTION_DAYS,
        help="Done outbox events are removed this many days after their processing (0 keeps "
        "them). The entries keep the event's idempotency key and correlation id.",
    )
    scope3_lease_seconds = fields.Integer(
        string="Processing Lease (seconds)",
        config_parameter=LEASE_PARAM,
        default=DEFAULT_LEASE_SECONDS,
        help="A claimed event whose worker has not finished within this time (e.g. it was "
        "killed) is claimed again.",
    )
    scope3_backfill_date_from = fields.Date(
        string="Attribute History Since",
        default=lambda self: fields.Date.today().replace(
            month=1, day=1, year=fields.Date.today().year - 1
        ),
        help="Confirmed purchase orders, done transfers and posted bills and invoices from "
        "this date on are attributed in the background.",
    )

    def action_scope3_start_backfill(self):
        """Start the historical attribution of the current company since the chosen date
        and show its progress."""
        self.ensure_one()
        run = self.env["scope3.backfill"].create(
            {"company_id": self.company_id.id, "date_from": self.scope3_backfill_date_from}
        )
        run.action_start()
        return {
            "type": "ir.actions.act_window",
            "res_model": "scope3.backfill",
            "res_id": run.id,
            "view_mode": "form",
        }

    def action_scope3_open_backfills(self):
        return self.env["ir.actions.act_window"]._for_xml_id("scope3_carbon.scope3_backfill_action")
