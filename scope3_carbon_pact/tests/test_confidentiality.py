# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.scope3_carbon.tests.common import Scope3Common


@tagged("post_install", "-at_install")
class TestPactConfidentiality(Scope3Common):
    """The company publishes its own product footprints only: a product bought with a
    footprint received under confidentiality cannot have its PACT footprint derived from
    the ledger (that would publish the supplier's figure: 200 kg x 1.85 / 200 kg = 1.85)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        kg = cls.env.ref("uom.product_uom_kgm")
        cls.widget = cls.env["product.product"].create(
            {
                "name": "Resold widget",
                "type": "consu",
                "uom_id": kg.id,
                "uom_po_id": kg.id,
                "scope3_naics_code": "331110",
            }
        )
        cls.supplier_footprint = cls.env["scope3.supplier.footprint"].create(
            {
                "partner_id": cls.vendor.id,
                "product_id": cls.widget.id,
                "pcf_kg": 1.85,
                "declared_unit": "kilogram",
                "valid_from": "2025-01-01",
            }
        )
        cls.supplier_footprint.action_accept()
        order = cls.create_order([(cls.widget, 200, 3.0)], date="2025-06-02 10:00:00")
        order.button_confirm()
        cls.run_attribution()
        cls.footprint = cls.env["scope3.product.footprint"].create(
            {
                "company_id": cls.company.id,
                "product_id": cls.widget.id,
                "product_name_company": "Resold widget",
                "product_description": "A widget we resell",
                "product_urns": "urn:gtin:4000000000099",
                "declared_unit": "kilogram",
                "declared_unit_amount": 1.0,
                "product_mass_per_declared_unit": 1.0,
                "reference_period_start": "2025-01-01 00:00:00",
                "reference_period_end": "2025-12-31 00:00:00",
                "geography_country": "DE",
                "pcf_excluding_biogenic": 0.0,
                "pcf_including_biogenic": 0.0,
                "fossil_ghg_emissions": 0.0,
            }
        )

    def test_confidential_footprint_is_not_republished(self):
        with self.assertRaisesRegex(UserError, "confidentiality"):
            self.footprint.action_derive_from_ledger()
        self.assertEqual(self.footprint.pcf_excluding_biogenic, 0.0)

    def test_shared_footprint_can_be_derived(self):
        self.supplier_footprint.is_confidential = False
        self.footprint.action_derive_from_ledger()
        self.assertEqual(self.footprint.pcf_excluding_biogenic, 1.85)
