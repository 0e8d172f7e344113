# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models
from odoo.exceptions import ValidationError

#: categories where the operation of leased assets (their Scope 1 and 2 rows) is Scope 3
LEASED_ASSET_CATEGORIES = (8, 13)


class Scope3Factor(models.Model):
    """The Scope 3 boundary: a Scope 1 combustion or Scope 2 generation row is the
    company's own emissions, never a Scope 3 activity factor of a purchase; only its
    upstream companions (well-to-tank, T&D losses) count, in category 3, through the
    product's energy factor."""

    _inherit = "scope3.factor"

    def _scope3_check_boundary(self, used_by, category=None):
        """Refuse these factors as activity factors of ``used_by`` (a record, for the
        message) when the publisher files them under Scope 1 or 2, unless ``category``
        (a ``scope3.category``) is one of leased assets."""
        if category and category.number in LEASED_ASSET_CATEGORIES:
            return
        for factor in self:
            # a Scope 1 or 2 row measures the company's own emissions (``scope3_boundary``)
            if factor.scope3_boundary == "proxy":
                raise ValidationError(
                    self.env._(
                        "%(factor)s is a %(scope)s factor: used as the activity factor of "
                        "%(record)s it would count the company's own %(scope)s emissions "
                        "again in Scope 3. For fuels and electricity the company consumes, "
                        "set it as the product's Energy Factor instead: only its "
                        "well-to-tank and transmission-loss companions are counted, in "
                        "category 3.",
                        factor=factor.display_name,
                        scope=factor.scope or self.env._("Scope 1 or 2"),
                        record=used_by.display_name,
                    )
                )
