# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The Scope 3 boundary: a Scope 1 or Scope 2 row of DESNZ cannot be the activity factor of
a purchase (it would count the company's own emissions again in category 1); it is the
energy factor, whose well-to-tank and T&D companions count in category 3.

Rows (DESNZ 2025 flat file, shipped ``data/scope3.factor-desnz_2025.csv``):
7_400_4000_5_1 "Electricity generated > Electricity: UK > kWh" = 0.17700 kg CO2e/kWh, filed
under Scope 2; 1_101_1011_8_1 a Scope 1 fuel row.
"""

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from .common import Scope3Common


@tagged("post_install", "-at_install")
class TestScope3Boundary(Scope3Common):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.electricity = cls.env.ref("scope3_carbon.scope3_factor_desnz_2025_7_400_4000_5_1")
        cls.fuel = cls.env.ref("scope3_carbon.scope3_factor_desnz_2025_1_101_1011_8_1")

    def test_scope2_row_refused_as_product_activity_factor(self):
        self.assertEqual(self.electricity.scope, "Scope 2")
        self.assertEqual(self.fuel.scope, "Scope 1")
        for factor in (self.electricity, self.fuel):
            with self.assertRaisesRegex(ValidationError, "Energy Factor"):
                self.steel.product_tmpl_id.scope3_factor_id = factor
        # not offered in the product form either
        domain = self.env["product.template"]._fields["scope3_factor_id"].domain
        offered = self.env["scope3.factor"].search(safe_eval(domain))
        self.assertNotIn(self.electricity, offered)
        # as the energy factor it is accepted: only its companions count (category 3)
        form = Form(self.steel.product_tmpl_id)
        form.scope3_energy_factor_id = self.electricity
        form.save()

    def test_scope2_row_refused_in_a_mapping_rule_except_leased_assets(self):
        Rule = self.env["scope3.mapping.rule"]
        with self.assertRaisesRegex(ValidationError, "Scope 2 factor"):
            Rule.create(
                {
                    "name": "Electricity bought",
                    "method": "activity",
                    "factor_id": self.electricity.id,
                    "category_id": self.category_1.id,
                }
            )
        # the operation of upstream leased assets (category 8) is Scope 3 of the lessee
        rule = Rule.create(
            {
                "name": "Leased warehouse electricity",
                "method": "activity",
                "factor_id": self.electricity.id,
                "category_id": self.env.ref("scope3_carbon.scope3_category_08").id,
            }
        )
        self.assertEqual(rule.factor_id, self.electricity)
