# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class Scope3SupplierFootprint(models.Model):
    _inherit = "scope3.supplier.footprint"

    pact_connection_id = fields.Many2one(
        "scope3.pact.connection", string="PACT Connection", readonly=True, index="btree_not_null"
    )
    pact_event_id = fields.Many2one("scope3.pact.event", string="PACT Event", readonly=True)
    pact_payload = fields.Text(string="PACT Payload", readonly=True)
