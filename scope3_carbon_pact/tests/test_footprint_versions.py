# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestFootprintVersions(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Footprint = cls.env["scope3.product.footprint"]
        cls.values = {
            "product_name_company": "Bolt M8",
            "product_description": "Steel bolt M8",
            "product_urns": "urn:gtin:4000000000123",
            "declared_unit": "kilogram",
            "reference_period_start": "2025-01-01 00:00:00",
            "reference_period_end": "2025-12-31 00:00:00",
            "pcf_excluding_biogenic": 2.1,
            "pcf_including_biogenic": 2.1,
            "fossil_ghg_emissions": 2.1,
        }

    def test_new_version_deprecates_old(self):
        v1 = self.Footprint.create(self.values)
        v1.action_approve()
        self.assertEqual(v1.state, "approved")
        # defaults of the spec: validity from the end of the reference period, 3 years
        self.assertEqual(str(v1.validity_start), "2025-12-31 00:00:00")
        self.assertEqual(v1.validity_end.year, 2028)
        self.assertEqual(v1.company_urns, self.env.company.scope3_pact_company_urns)
        with self.assertRaises(UserError):
            v1.pcf_excluding_biogenic = 1.0
        with self.assertRaises(UserError):
            v1.unlink()
        action = v1.action_new_version()
        v2 = self.Footprint.browse(action["res_id"])
        self.assertNotEqual(v2.pf_uuid, v1.pf_uuid)
        self.assertEqual(v2.version, 2)
        self.assertEqual(v2.state, "draft")
        v2.pcf_excluding_biogenic = 1.8
        v2.action_approve()
        self.assertEqual(v1.pact_status, "Deprecated")
        self.assertEqual(v1.successor_id, v2)
        self.assertEqual(v2._pact_dict()["precedingPfIds"], [v1.pf_uuid])
        self.assertEqual(v1._pact_dict()["status"], "Deprecated")
        self.assertEqual(v1.pcf_excluding_biogenic, 2.1)

    def test_invalid_values(self):
        for bad in (
            {"product_urns": "gtin:123"},
            {"geography_country": "Germany"},
            {"ipcc_characterization_factors": "IPCC6"},
            {"dqr_temporal": 4},
            {"reference_period_end": "2024-01-01 00:00:00"},
            {"pcf_excluding_biogenic": -1},
        ):
            with self.assertRaises(ValidationError, msg=str(bad)), self.env.cr.savepoint():
                self.Footprint.create({**self.values, **bad})

    def test_only_managers_approve(self):
        user = new_test_user(
            self.env, login="pact_user", groups="base.group_user,scope3_carbon.group_scope3_user"
        )
        draft = self.Footprint.create(self.values)
        with self.assertRaises(AccessError):
            draft.with_user(user).action_approve()
        self.assertEqual(draft.state, "draft")
