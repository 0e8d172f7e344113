# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import Scope3Common


@tagged("post_install", "-at_install")
class TestResolutionChain(Scope3Common):
    """Supplier footprint -> product factor -> mapping rule -> company default."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.kg = cls.env.ref("uom.product_uom_kgm")
        cls.tonne = cls.env.ref("uom.product_uom_ton")
        # an activity set with one factor: DESNZ 2026, Material use > Metal: steel cans,
        # primary production, 2,861.58251 kg CO2e per tonne (SOURCE.txt oracle)
        cls.activity_set = cls.env["scope3.factor.set"].create(
            {
                "name": "Materials test set",
                "publisher": "UK DESNZ",
                "edition": "2026",
                "gwp_basis": "ar5",
                "factor_type": "activity",
                "data_year": 2026,
                "region": "GB",
            }
        )
        cls.steel_factor = cls.env["scope3.factor"].create(
            {
                "set_id": cls.activity_set.id,
                "key_type": "desnz",
                "key": "steel-primary",
                "name": "Metal: steel cans, primary production",
                "value": 2861.58251,
                "unit": "tonnes",
                "uom_id": cls.tonne.id,
                "category_hint": "material",
            }
        )
        cls.activity_set.action_publish()
        cls.categ = cls.env["product.category"].create({"name": "Steel sheets"})
        cls.sheet = cls.env["product.product"].create(
            {
                "name": "Steel sheet",
                "type": "consu",
                "categ_id": cls.categ.id,
                "uom_id": cls.kg.id,
                "uom_po_id": cls.kg.id,
                "scope3_factor_id": cls.steel_factor.id,
            }
        )
        cls.footprint = cls.env["scope3.supplier.footprint"].create(
            {
                "partner_id": cls.vendor.id,
                "product_id": cls.sheet.id,
                "pcf_kg": 1.8,
                "declared_unit": "kilogram",
                "dqr": 1.2,
                "primary_data_share": 85.0,
                "verified": True,
                "valid_from": "2025-01-01",
            }
        )
        cls.rule = cls.env["scope3.mapping.rule"].create(
            {
                "name": "Steel sheets",
                "product_categ_id": cls.categ.id,
                "method": "spend",
                "naics_code": "331110",
                "category_id": cls.env.ref("scope3_carbon.scope3_category_02").id,
            }
        )
        cls.company.scope3_default_naics_code = "327310"

    def attribute(self):
        order = self.create_order([(self.sheet, 1000, 2.0)], date="2025-06-02 10:00:00")
        order.button_confirm()
        self.run_attribution()
        return self.entries_of(order)

    def test_chain_falls_through_level_by_level(self):
        # a pending footprint is not used until a manager accepts it: product factor
        entry = self.attribute()
        self.assertEqual(entry.resolution_level, "product")

        self.footprint.action_accept()
        self.assertEqual(self.footprint.status, "active")
        # 1: supplier-specific, 1,000 kg x 1.8 = 1,800.000 kg CO2e
        supplier = self.attribute()
        self.assertEqual(
            (supplier.resolution_level, supplier.method, supplier.co2e_kg),
            ("supplier", "supplier_specific", 1800.0),
        )
        self.assertEqual(supplier.supplier_footprint_id, self.footprint)
        # the rule matches at every level: its category (2, capital goods) applies
        self.assertEqual(supplier.category_id.number, 2)

        # 2: product activity factor, 1,000 kg = 1 t x 2,861.58251 = 2,861.583 kg
        self.footprint.status = "deprecated"
        product = self.attribute()
        self.assertEqual(
            (product.resolution_level, product.method, product.co2e_kg),
            ("product", "average_data", 2861.583),
        )
        self.assertEqual(product.factor_id, self.steel_factor)
        conversion = json.loads(product.trace)["conversion"]
        self.assertEqual(
            (conversion["to_factor_unit"], conversion["quantity"]), ("0.001", "1.0000")
        )

        # 3: mapping rule, spend-based: 2,000 USD of 2025 in 2022 USD
        #    = 2,000 x 292.655 / 313.689 (2025 beyond the CPI table: 2024 value)
        #    = 1,865.89...; -> 1,865.89 x 0.787 (EPA v1.3 331110) = 1,468.455 kg
        self.sheet.scope3_factor_id = False
        rule = self.attribute()
        self.assertEqual(
            (rule.resolution_level, rule.method, rule.co2e_kg), ("rule", "spend_based", 1468.455)
        )
        self.assertEqual(rule.mapping_rule_id, self.rule)

        # 4: company default 327310: 1,865.89 x 3.924 = 7,321.752 kg
        self.rule.active = False
        default = self.attribute()
        self.assertEqual((default.resolution_level, default.co2e_kg), ("company_default", 7321.752))
        self.assertEqual(default.category_id.number, 1)

        scores = [e.dq_score for e in (supplier, product, rule, default)]
        self.assertEqual(scores, [1, 3, 4, 5])
        self.assertEqual(
            [e.uncertainty_pct for e in (supplier, product, rule, default)], [10, 30, 50, 80]
        )
        # product factor from GB (2026 data) for a US company, activity of 2025:
        # technological 2, temporal 2 (one year apart), geographical 4, completeness 3,
        # reliability 2; mean 13 / 5 = 2.6 -> score 3
        self.assertEqual(
            [
                product.dq_technological,
                product.dq_temporal,
                product.dq_geographical,
                product.dq_completeness,
                product.dq_reliability,
            ],
            [2, 2, 4, 3, 2],
        )
        # emission-weighted DQ of the four entries
        total = sum(e.co2e_kg for e in (supplier, product, rule, default))
        weighted = sum(e.dq_weighted_kg for e in (supplier, product, rule, default))
        self.assertAlmostEqual(
            weighted / total,
            (1800 * 1 + 2861.583 * 3 + 1468.455 * 4 + 7321.752 * 5) / total,
            places=6,
        )

    def test_unit_mismatch_falls_through_and_is_traced(self):
        """A per-tonne factor for a product counted in units without a weight cannot be
        used: the chain goes on to the rule and the trace says why."""
        unit = self.env.ref("uom.product_uom_unit")
        bolt = self.env["product.product"].create(
            {
                "name": "Bolt",
                "type": "consu",
                "categ_id": self.categ.id,
                "uom_id": unit.id,
                "uom_po_id": unit.id,
                "scope3_factor_id": self.steel_factor.id,
            }
        )
        order = self.create_order([(bolt, 100, 1.0)], date="2025-06-02 10:00:00")
        order.button_confirm()
        self.run_attribution()
        entry = self.entries_of(order)
        self.assertEqual(entry.resolution_level, "rule")
        path = json.loads(entry.trace)["subject"]["resolution_path"]
        self.assertEqual(path[0]["usable"], False)
        # with a weight (0.05 kg per unit) the product factor applies:
        # 100 x 0.05 kg = 5 kg = 0.005 t x 2,861.58251 = 14.308 kg CO2e
        bolt.weight = 0.05
        order2 = self.create_order([(bolt, 100, 1.0)], date="2025-06-02 10:00:00")
        order2.button_confirm()
        self.run_attribution()
        entry2 = self.entries_of(order2)
        self.assertEqual((entry2.resolution_level, entry2.co2e_kg), ("product", 14.308))

    def test_market_basis_fallback_recorded(self):
        self.company.scope3_accounting_basis = "market"
        self.footprint.action_accept()
        market = self.attribute()
        self.assertEqual(market.basis, "market")
        self.footprint.status = "deprecated"
        fallback = self.attribute()
        self.assertEqual(fallback.basis, "location")
        basis = json.loads(fallback.trace)["subject"]["basis"]
        self.assertEqual(basis["requested"], "market")
        self.assertIn("fallback", basis)

    def test_only_managers_accept_footprints(self):
        user = new_test_user(self.env, login="s3_fp_user", groups="scope3_carbon.group_scope3_user")
        with self.assertRaises(AccessError):
            self.footprint.with_user(user).action_accept()
        self.assertEqual(self.footprint.status, "pending")

    def test_rule_changes_are_tracked(self):
        # a rule made in this test (records of setUpClass were created untracked)
        rule = (
            self.env["scope3.mapping.rule"]
            .with_context(tracking_disable=False, mail_notrack=False)
            .create({"name": "Cement", "method": "spend", "naics_code": "331110"})
        )
        self.env.flush_all()
        self.env.cr.precommit.run()
        rule.naics_code = "327310"
        self.env.flush_all()
        self.env.cr.precommit.run()
        rule.invalidate_recordset(["message_ids"])
        tracked = rule.message_ids.tracking_value_ids
        self.assertEqual(tracked.field_id.name, "naics_code")
        self.assertEqual((tracked.old_value_char, tracked.new_value_char), ("331110", "327310"))
