# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    scope3_lock_date = fields.Date(
        string="Scope 3 Lock Date",
        help="No emission entry dated on or before this date can be posted, except "
        "restatements (which a manager approves). Empty: no lock.",
    )
