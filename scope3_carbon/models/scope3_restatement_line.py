# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from .scope3_emission_entry import STAGES


class Scope3RestatementLine(models.Model):
    """What a restatement changes for one activity, stage, category and date.

    *Current* is the net kg CO2e of the entries the restatement reverses, *restated* that
    of the figures it posts instead; *date* is the figure's own date (its period, by
    month in ``period``) and *entry date* the date the entries are posted at (the day
    after the company's lock date when the period is locked). Written by the shadow run
    only.
    """

    _name = "scope3.restatement.line"
    _description = "Scope 3 Restatement Line"
    _order = "restatement_id desc, date, activity_id, id"

    restatement_id = fields.Many2one(
        "scope3.restatement", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        related="restatement_id.company_id", store=True, index=True, readonly=True
    )
    state = fields.Selection(related="restatement_id.state", string="Restatement State")
    activity_id = fields.Many2one(
        "scope3.activity", required=True, readonly=True, index=True, ondelete="cascade"
    )
    product_id = fields.Many2one("product.product", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Vendor", readonly=True)
    stage = fields.Selection(STAGES, required=True, readonly=True)
    category_id = fields.Many2one("scope3.category", string="Category", readonly=True)
    date = fields.Date(required=True, readonly=True, help="Date of the figure (its period).")
    period = fields.Char(
        compute="_compute_period", store=True, help="Month of the figure (YYYY-MM)."
    )
    entry_date = fields.Date(
        readonly=True,
        help="Date the entries are posted at: the figure's date, or the first day after "
        "the company's lock date when that period is locked.",
    )
    is_locked_period = fields.Boolean(string="Locked Period", compute="_compute_period", store=True)
    current_kg = fields.Float(
        string="Current kg CO2e", digits=(16, 3), readonly=True, aggregator="sum"
    )
    restated_kg = fields.Float(
        string="Restated kg CO2e", digits=(16, 3), readonly=True, aggregator="sum"
    )
    delta_kg = fields.Float(
        string="Delta kg CO2e",
        digits=(16, 3),
        compute="_compute_delta_kg",
        store=True,
        aggregator="sum",
    )

    activity_hash = fields.Char(
        string="Shadow Fingerprint",
        readonly=True,
        help="SHA-256 of the entries the shadow run would post for the activity (posting "
        "checks it).",
    )
    entry_mark = fields.Integer(
        string="Last Entry Seen",
        readonly=True,
        help="Last ledger entry of the activity the shadow run had seen.",
    )
    post_state = fields.Selection(
        [("pending", "To Post"), ("posted", "Posted"), ("stale", "Not Posted")],
        string="Posting",
        default="pending",
        readonly=True,
        help="Not Posted: the activity's entries changed while the posting was under way; "
        "it was left as it is, to be restated again.",
    )

    @api.depends("date", "entry_date")
    def _compute_period(self):
        for line in self:
            line.period = line.date and f"{line.date:%Y-%m}"
            line.is_locked_period = bool(line.entry_date and line.entry_date != line.date)

    @api.depends("current_kg", "restated_kg")
    def _compute_delta_kg(self):
        for line in self:
            line.delta_kg = line.restated_kg - line.current_kg

    @api.ondelete(at_uninstall=False)
    def _unlink_except_posted(self):
        if any(line.restatement_id.state in ("approved", "posted") for line in self):
            raise UserError(
                self.env._("Lines of an approved or posted restatement cannot be deleted.")
            )
