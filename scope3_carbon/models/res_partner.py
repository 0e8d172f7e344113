# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from .scope3_transport_route import TRANSPORT_MODES


class ResPartner(models.Model):
    _inherit = "res.partner"

    scope3_co2e_12m_kg = fields.Float(
        string="kg CO2e (12 months)",
        digits=(16, 3),
        compute="_compute_scope3_co2e_12m_kg",
        help="Net Scope 3 emissions of purchases from this vendor (and its contacts) dated "
        "within the last 365 days, in the companies you work in.",
    )

    scope3_transport_distance_km = fields.Float(
        string="Transport Distance (km)",
        digits=(16, 3),
        company_dependent=True,
        help="Default distance of the goods received from or delivered to this partner, "
        "used by transfers that no transport route matches (per company).",
    )
    scope3_transport_mode = fields.Selection(
        TRANSPORT_MODES,
        string="Transport Mode",
        company_dependent=True,
        help="Default transport mode of the goods received from or delivered to this "
        "partner when no transport route matches; empty: road (per company).",
    )

    def _compute_scope3_co2e_12m_kg(self):
        since = fields.Date.context_today(self) - timedelta(days=365)
        commercial = self.commercial_partner_id
        groups = (
            self.env["scope3.emission.entry"]
            .sudo()
            ._read_group(
                [
                    ("partner_id.commercial_partner_id", "in", commercial.ids),
                    ("date", ">", since),
                    ("company_id", "in", self.env.companies.ids),
                ],
                ["partner_id"],
                ["co2e_kg:sum"],
            )
        )
        totals = {}
        for partner, kg in groups:
            key = partner.commercial_partner_id.id
            totals[key] = totals.get(key, 0.0) + kg
        for partner in self:
            partner.scope3_co2e_12m_kg = totals.get(partner.commercial_partner_id.id, 0.0)

    def _scope3_check_not_in_ledger(self, merge=False):
        """Refuse to delete (or merge away) contacts that are vendors of ledger entries:
        the ledger is append-only and names them; archive them instead."""
        if not self.ids:
            return
        self.env.cr.execute(
            "SELECT DISTINCT partner_id FROM scope3_emission_entry WHERE partner_id IN %s",
            [tuple(self.ids)],
        )
        used = self.browse(row[0] for row in self.env.cr.fetchall())
        if not used:
            return
        names = ", ".join(used.mapped("display_name"))
        if merge:
            raise UserError(
                self.env._(
                    "%(names)s cannot be merged into another contact: Scope 3 emission "
                    "entries name them as vendor and the ledger is append-only. Keep them "
                    "as the contact that remains, or archive them instead.",
                    names=names,
                )
            )
        raise UserError(
            self.env._(
                "%(names)s cannot be deleted: Scope 3 emission entries name them as vendor "
                "and the ledger is append-only. Archive them instead.",
                names=names,
            )
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_in_scope3_ledger(self):
        self._scope3_check_not_in_ledger()

    def action_view_scope3_entries(self):
        return self.env["scope3.emission.entry"]._scope3_action(
            [("partner_id.commercial_partner_id", "in", self.commercial_partner_id.ids)]
        )
