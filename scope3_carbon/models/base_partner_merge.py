# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class BasePartnerMergeAutomaticWizard(models.TransientModel):
    """The standard contact merge rewrites every foreign key to the merged contacts (and
    deletes the rows it cannot rewrite), then deletes them: on the append-only ledger
    that would change posted facts. A merge whose contacts to delete are vendors of
    ledger entries is refused with a clear message before anything is touched."""

    _inherit = "base.partner.merge.automatic.wizard"

    def _merge(self, partner_ids, dst_partner=None, extra_checks=True):
        partners = self.env["res.partner"].browse(partner_ids).exists()
        if len(partners) >= 2:
            if dst_partner and dst_partner in partners:
                src = partners - dst_partner
            else:
                src = partners - self._get_ordered_partner(partners.ids)[-1]
            src._scope3_check_not_in_ledger(merge=True)
        return super()._merge(partner_ids, dst_partner=dst_partner, extra_checks=extra_checks)
