# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import pathlib
import unittest

from odoo.tests import Form, tagged

from .common import Scope3Common


@tagged("post_install", "-at_install")
class TestFactorEditions(Scope3Common):
    """A transfer uses the DESNZ edition of its reporting year (shipped 2024, 2025, 2026)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.steel.write({"is_storable": True, "weight": 1000.0})  # 20 units = 20 t
        cls.route = cls.env["scope3.transport.route"].create(
            {
                "from_partner_id": cls.vendor.id,
                "to_partner_id": warehouse.partner_id.id,
                "mode": "road",
                "distance_km": 100.0,
            }
        )

    def receipt_on(self, day):
        order = self.create_order([(self.steel, 20, 100.0)])
        order.button_confirm()
        receipt = order.picking_ids
        receipt.move_ids.quantity = 20
        receipt.move_ids.picked = True
        action = receipt.button_validate()
        if isinstance(action, dict) and action.get("res_model"):
            Form(self.env[action["res_model"]].with_context(**action["context"])).save().process()
        receipt.date_done = f"{day} 10:00:00"
        self.run_attribution()
        return self.env["scope3.activity"].search(
            [("source_type", "=", "transport"), ("picking_id", "=", receipt.id)]
        )

    def test_transfer_uses_the_edition_of_its_year(self):
        cases = (
            # 2024 v1.1 workbook, sheet "Freighting goods" row 63 column P: HGV (all diesel),
            # All HGVs, average laden 0.09752 -> 2,000 t.km x 0.09752 = 195.040 kg
            ("2024-05-02", 2024, 195.04),
            # 2025 flat file ID 27_304_3140_14_1 (workbook row 63 column P): 0.10163
            # -> 2,000 x 0.10163 = 203.260 kg
            ("2025-05-02", 2025, 203.26),
            # 2026 workbook, sheet "Freighting goods" row 63 column D: HGV (non-refrigerated,
            # all diesel), Average non-refrigerated HGVs, average laden 0.10356 -> 207.120 kg
            ("2026-05-02", 2026, 207.12),
        )
        for day, year, kg in cases:
            activity = self.receipt_on(day)
            self.assertEqual(activity.state, "attributed", activity.message)
            entry = activity.entry_ids
            self.assertEqual(entry.factor_set_id.edition, str(year), day)
            self.assertEqual(activity.co2e_kg, kg, day)
            self.assertEqual(entry.dq_temporal, 1, day)  # factor year = activity year

    def test_comparison_estimates_the_effect_on_the_ledger(self):
        """A 2025 rail receipt (2,000 t.km x 0.02779 = 55.580 kg) is one of the entries the
        2026 workbook changes: estimated 55.580 x 0.02583 / 0.02779 = 51.660 kg."""
        workbook = (
            pathlib.Path(__file__).resolve().parents[3]
            / "shared"
            / "factor-sources"
            / "desnz_ghg_conversion_factors_2026"
            / "ghg-conversion-factors-2026-full-set.xlsx"
        )
        if not workbook.is_file():
            raise unittest.SkipTest(f"official workbook not found: {workbook}")
        new = self.env["scope3.factor.set"]._scope3_import(
            "desnz_workbook", {"data": workbook.read_bytes()}
        )
        Comparison = self.env["scope3.factor.set.comparison"]
        base = self.env.ref("scope3_carbon.scope3_factor_set_desnz_2025")

        def compare():
            comparison = Comparison.create({"set_id": new.id, "base_set_id": base.id})
            comparison._scope3_compute()
            return comparison

        before = compare()
        self.route.mode = "rail"
        activity = self.receipt_on("2025-05-02")
        self.assertEqual(activity.co2e_kg, 55.58)
        after = compare()
        self.assertEqual(after.entry_count - before.entry_count, 1)
        self.assertAlmostEqual(after.current_kg - before.current_kg, 55.58, places=6)
        self.assertAlmostEqual(after.estimated_kg - before.estimated_kg, 51.66, places=6)
        self.assertIn("publishing changes no posted entry", after.restatement_note)
