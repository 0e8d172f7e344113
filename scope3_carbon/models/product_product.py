# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models
from odoo.exceptions import UserError

#: Scope 3 category number -> product field of the sold-product factor (kg CO2e per unit)
SOLD_PRODUCT_FIELDS = {
    10: "scope3_processing_kg",
    11: "scope3_use_phase_kg",
    12: "scope3_end_of_life_kg",
}


class ProductProduct(models.Model):
    _inherit = "product.product"

    def _scope3_check_not_in_ledger(self):
        """Refuse to delete products that ledger entries name (append-only ledger)."""
        if not self.ids:
            return
        self.env.cr.execute(
            "SELECT DISTINCT product_id FROM scope3_emission_entry WHERE product_id IN %s",
            [tuple(self.ids)],
        )
        used = self.browse(row[0] for row in self.env.cr.fetchall())
        if used:
            raise UserError(
                self.env._(
                    "%(names)s cannot be deleted: Scope 3 emission entries name them and "
                    "the ledger is append-only. Archive them instead.",
                    names=", ".join(used.mapped("display_name")),
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_in_scope3_ledger(self):
        self._scope3_check_not_in_ledger()

    def _scope3_freight_products(self):
        """The products of ``self`` that are freight services: flagged themselves, or
        their category (or a parent category) is."""
        flags = self.categ_id._scope3_first_in_chain("scope3_is_freight")
        return self.filtered(lambda p: p.scope3_is_freight or flags.get(p.categ_id))

    def _scope3_energy_components(self):
        """Category 3 components of this energy product, as ``(name, factor)`` pairs
        (see ``scope3.activity._scope3_expand_energy``)."""
        self.ensure_one()
        energy = self.scope3_energy_factor_id
        components = []
        if energy.wtt_factor_id:
            components.append(("well_to_tank", energy.wtt_factor_id))
        td = self.scope3_td_factor_id if energy.category_hint == "electricity" else False
        if td:
            components.append(("td_losses", td))
            if td.wtt_factor_id:
                components.append(("td_well_to_tank", td.wtt_factor_id))
        return components

    def _scope3_sold_factors(self):
        """Sold-product factors of this product, as a dict category number -> kg CO2e per
        unit of the product's unit of measure (only the factors that are set)."""
        self.ensure_one()
        return {
            number: self[field_name]
            for number, field_name in SOLD_PRODUCT_FIELDS.items()
            if self[field_name]
        }
