# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError


class Scope3EmissionEntry(models.Model):
    _inherit = "scope3.emission.entry"

    @api.model
    def _scope3_check_lock_dates(self, vals_list):
        """Lock-date enforcement: closed periods only change through restatements.

        Entries of an approved ``scope3.restatement`` pass (scope3_carbon dates them
        after the lock date anyway, in the open period)."""
        companies = (
            self.env["res.company"]
            .sudo()  # the lock date is checked whoever posts
            .browse({vals.get("company_id") for vals in vals_list if vals.get("company_id")})
        )
        locks = {company.id: company.scope3_lock_date for company in companies}
        restatements = (
            self.env["scope3.restatement"]
            .sudo()
            .browse({vals["restatement_id"] for vals in vals_list if vals.get("restatement_id")})
        )
        approved = set(restatements.filtered(lambda r: r.state == "approved").ids)
        for vals in vals_list:
            lock = locks.get(vals.get("company_id"))
            date = fields.Date.to_date(vals.get("date"))
            if lock and date and date <= lock and vals.get("restatement_id") not in approved:
                raise UserError(
                    self.env._(
                        "The Scope 3 period is locked up to %(lock)s: an entry dated %(date)s "
                        "can only be posted by an approved restatement.",
                        lock=lock,
                        date=date,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        self._scope3_check_lock_dates(vals_list)
        return super().create(vals_list)

    @api.model
    def _scope3_post(self, vals_list):
        """The attribution cron's set-based path obeys the lock date too."""
        self._scope3_check_lock_dates(vals_list)
        return super()._scope3_post(vals_list)
