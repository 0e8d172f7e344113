# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import uuid

from odoo import fields, models


class ResCompany(models.Model):
    _inherit = "res.company"

    scope3_pact_company_urns = fields.Text(
        string="PACT Company IDs",
        default=lambda self: f"urn:uuid:{uuid.uuid4()}",
        help="The company's identifiers (URNs, one a line) in the footprints it publishes "
        "over PACT (companyIds); e.g. urn:uuid:..., urn:lei:...",
    )
