# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import fields
from odoo.tests import Form, new_test_user, tagged

from .common import Scope3Common


@tagged("post_install", "-at_install")
class TestPurchaseAttribution(Scope3Common):
    def test_usd_order_2022_steel(self):
        """10,000 USD of NAICS 331110 in 2022 = 7,870.000 kg CO2e.

        Oracle: US EPA Supply Chain GHG Emission Factors v1.3, NAICS 331110 (Iron and steel
        mills), with margins 0.787 kg CO2e per 2022 USD, purchaser price
        (SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv).
        10 x 1,000.00 USD = 10,000.00 USD; 10,000 x 0.787 = 7,870.000 kg.
        """
        order = self.create_order([(self.steel, 10, 1000.0)])
        order.with_user(self.buyer).button_confirm()
        self.assertEqual(order.state, "purchase")
        self.assertFalse(self.entries_of(order), "the hook only enqueues")
        self.run_attribution()

        entry = self.entries_of(order)
        self.assertEqual(len(entry), 1)
        self.assertEqual(entry.co2e_kg, 7870.0)
        self.assertEqual(entry.factor_value, 0.787)
        self.assertEqual(entry.factor_id.key, "331110")
        self.assertEqual(entry.factor_set_id, self.epa_v13)
        self.assertEqual(entry.resolution_level, "product")
        self.assertEqual(entry.stage, "commitment")
        self.assertEqual(entry.method, "spend_based")
        self.assertEqual(entry.category_id, self.category_1)
        self.assertEqual(entry.activity_amount, 10000.0)
        self.assertEqual(str(entry.date), "2022-06-15")
        trace = json.loads(entry.trace)
        self.assertEqual(trace["result"]["co2e_kg"], "7870.000")
        self.assertEqual(trace["factor"]["value"], "0.787")
        self.assertEqual(trace["factor"]["set"]["edition"], "v1.3.0")
        self.assertEqual(trace["conversion"]["rule"], "same currency")
        self.assertEqual(len(entry.trace_hash), 64)
        self.assertEqual(entry._scope3_verify()[entry], [])

        self.assertEqual(order.order_line.scope3_co2e_kg, 7870.0)
        self.assertEqual(order.scope3_co2e_kg, 7870.0)
        activity = order.order_line.scope3_activity_ids
        self.assertEqual(activity.state, "attributed")
        self.assertEqual(activity.co2e_kg, 7870.0)
        # the vendor's 12-month figure counts entries dated within 365 days of today:
        # this 2022 order is older, a copy dated today counts (10,000 USD of this year,
        # deflated from the CPI's last year, is the entry's own figure)
        self.assertEqual(self.vendor.scope3_co2e_12m_kg, 0.0)
        recent = self.create_order([(self.steel, 10, 1000.0)], date=fields.Datetime.now())
        recent.button_confirm()
        self.run_attribution()
        self.vendor.invalidate_recordset(["scope3_co2e_12m_kg"])
        self.assertEqual(self.vendor.scope3_co2e_12m_kg, self.entries_of(recent).co2e_kg)
        domain = self.vendor.action_view_scope3_entries()["domain"]
        self.assertEqual(
            self.Entry.search(domain), self.entries_of(order) | self.entries_of(recent)
        )

    def test_eur_order_converts_at_order_date_rate(self):
        """9,000 EUR on 2022-06-15 at 0.9 EUR/USD (the rate of 2022-01-01, not the later
        2022-07-01 rate) = 10,000.00 USD; x 0.787 (EPA v1.3, 331110) = 7,870.000 kg."""
        order = self.create_order([(self.steel, 9, 1000.0)], currency=self.eur)
        self.assertEqual(order.currency_id, self.eur)
        order.button_confirm()
        self.run_attribution()
        entry = self.entries_of(order)
        self.assertEqual(entry.co2e_kg, 7870.0)
        self.assertEqual(entry.source_amount, 9000.0)
        self.assertEqual(entry.source_currency_id, self.eur)
        self.assertEqual(entry.activity_amount, 10000.0)
        conversion = json.loads(entry.trace)["conversion"]
        self.assertEqual(conversion["rate_from"], "0.9")
        self.assertEqual(conversion["rate_from_date"], "2022-01-01")
        self.assertEqual(conversion["amount"], "10000.00")

    def test_eur_order_later_rate(self):
        """After 2022-07-01 the 0.8 rate applies: 8,000 EUR = 10,000 USD = 7,870.000 kg."""
        order = self.create_order(
            [(self.steel, 8, 1000.0)], date="2022-09-01 08:00:00", currency=self.eur
        )
        order.button_confirm()
        self.run_attribution()
        self.assertEqual(self.entries_of(order).co2e_kg, 7870.0)

    def test_two_lines_two_factors(self):
        """331110: 2,000 USD x 0.787 = 1,574.000; 327310: 500 USD x 3.924 = 1,962.000
        (EPA v1.3, with margins); the order shows 3,536.000 kg."""
        order = self.create_order([(self.steel, 2, 1000.0), (self.cement, 5, 100.0)])
        order.button_confirm()
        self.run_attribution()
        by_product = {e.product_id: e.co2e_kg for e in self.entries_of(order)}
        self.assertEqual(by_product, {self.steel: 1574.0, self.cement: 1962.0})
        self.assertAlmostEqual(order.scope3_co2e_kg, 3536.0, places=3)

    def test_cancel_posts_linked_reversal(self):
        order = self.create_order([(self.steel, 10, 1000.0)])
        order.button_confirm()
        self.run_attribution()
        order.button_cancel()
        self.assertEqual(order.state, "cancel")
        self.run_attribution()
        original, reversal = self.entries_of(order)
        self.assertEqual(original.co2e_kg, 7870.0)
        self.assertEqual(reversal.co2e_kg, -7870.0)
        self.assertTrue(reversal.is_reversal)
        self.assertEqual(reversal.reversed_entry_id, original)
        self.assertEqual(original.reversal_entry_ids, reversal)
        self.assertTrue(original.is_reversed)
        self.assertEqual(reversal.date, original.date)
        self.assertEqual(json.loads(reversal.trace)["reverses"]["trace_hash"], original.trace_hash)
        self.assertEqual(reversal._scope3_verify()[reversal], [])
        self.assertEqual(order.scope3_co2e_kg, 0.0)
        self.assertEqual(order.order_line.scope3_activity_ids.state, "cancelled")
        self.assertNotEqual(original.event_id, reversal.event_id)

    def test_reconfirm_after_cancel(self):
        """Cancel, reset to draft, confirm again: net is the one current commitment."""
        order = self.create_order([(self.steel, 10, 1000.0)])
        order.button_confirm()
        self.run_attribution()
        order.button_cancel()
        order.button_draft()
        order.order_line.price_unit = 500.0
        order.button_confirm()
        self.run_attribution()
        entries = self.entries_of(order)
        self.assertEqual(entries.mapped("co2e_kg"), [7870.0, -7870.0, 3935.0])
        self.assertEqual(order.scope3_co2e_kg, 3935.0)

    def test_confirm_then_cancel_before_processing(self):
        """Both events processed together: nothing is counted, nothing to reverse."""
        order = self.create_order([(self.steel, 10, 1000.0)])
        order.button_confirm()
        order.button_cancel()
        self.run_attribution()
        self.assertFalse(self.entries_of(order))
        self.assertEqual(order.scope3_co2e_kg, 0.0)

    def test_resolution_falls_through_levels(self):
        """Product code -> product category code -> company default, level recorded."""
        categ_parent = self.env["product.category"].create(
            {"name": "Building materials", "scope3_naics_code": "327310"}
        )
        categ = self.env["product.category"].create(
            {"name": "Cement bags", "parent_id": categ_parent.id}
        )
        product = self.env["product.product"].create(
            {"name": "Bagged cement", "type": "consu", "categ_id": categ.id}
        )
        self.company.scope3_default_naics_code = "331110"
        order = self.create_order([(product, 1, 100.0), (self.unmapped, 1, 100.0)])
        order.button_confirm()
        self.run_attribution()
        entries = {e.product_id: e for e in self.entries_of(order)}
        # 100 USD x 3.924 (EPA v1.3 327310) = 392.400; 100 USD x 0.787 (331110) = 78.700
        self.assertEqual(entries[product].resolution_level, "product_category")
        self.assertEqual(entries[product].co2e_kg, 392.4)
        self.assertEqual(entries[self.unmapped].resolution_level, "company_default")
        self.assertEqual(entries[self.unmapped].co2e_kg, 78.7)
        path = json.loads(entries[self.unmapped].trace)["subject"]["resolution_path"]
        self.assertEqual(path, [{"level": "company_default", "key": "331110", "found": True}])

    def test_unknown_code_falls_through_and_is_traced(self):
        """A product code the set does not hold (999999) falls through to the category."""
        categ = self.env["product.category"].create(
            {"name": "Steel", "scope3_naics_code": "331110"}
        )
        product = self.env["product.product"].create(
            {
                "name": "Odd steel",
                "type": "consu",
                "categ_id": categ.id,
                "scope3_naics_code": "999999",
            }
        )
        order = self.create_order([(product, 1, 1000.0)])
        order.button_confirm()
        self.run_attribution()
        entry = self.entries_of(order)
        self.assertEqual(entry.resolution_level, "product_category")
        self.assertEqual(entry.co2e_kg, 787.0)
        path = json.loads(entry.trace)["subject"]["resolution_path"]
        self.assertEqual(path[0], {"level": "product", "key": "999999", "found": False})

    def test_unmapped_product_is_flagged_not_crashing(self):
        order = self.create_order([(self.unmapped, 3, 50.0), (self.steel, 1, 1000.0)])
        order.button_confirm()
        self.assertEqual(order.state, "purchase")
        self.run_attribution()
        event = self.Event.search([("aggregateid", "=", str(order.id))])
        self.assertEqual(event.state, "done")
        activity = order.order_line.filtered(
            lambda line: line.product_id == self.unmapped
        ).scope3_activity_ids
        self.assertEqual(activity.state, "unmapped")
        self.assertIn("No emission factor for this line", activity.message)
        unmapped_list = self.env["scope3.activity"].search([("state", "=", "unmapped")])
        self.assertIn(activity, unmapped_list)
        # the mapped line is counted normally
        self.assertEqual(self.entries_of(order).product_id, self.steel)
        self.assertEqual(order.scope3_co2e_kg, 787.0)

        # map it (EPA v1.3 541511 custom programming, 0.084) and attribute again
        self.unmapped.scope3_naics_code = "541511"
        activity.action_retry_attribution()
        self.run_attribution()
        self.assertEqual(activity.state, "attributed")
        # 150 USD x 0.084 = 12.600 kg
        self.assertEqual(activity.co2e_kg, 12.6)
        self.assertAlmostEqual(order.scope3_co2e_kg, 799.6, places=3)

    def test_no_factor_set_is_flagged(self):
        self.company.scope3_spend_factor_set_id = False
        self.epa_v13.action_archive_set()
        order = self.create_order([(self.steel, 1, 100.0)])
        order.button_confirm()
        self.run_attribution()
        activity = order.order_line.scope3_activity_ids
        self.assertEqual(activity.state, "unmapped")
        self.assertIn("No published spend-based emission factor set", activity.message)

    def test_double_validation_captured_at_approval(self):
        self.company.write({"po_double_validation": "two_step", "po_double_validation_amount": 0.0})
        order = self.create_order([(self.steel, 10, 1000.0)])
        order.with_user(self.buyer).button_confirm()
        self.assertEqual(order.state, "to approve")
        self.assertFalse(self.Event.search([("aggregateid", "=", str(order.id))]))
        manager = new_test_user(
            self.env, login="s3_po_manager", groups="purchase.group_purchase_manager"
        )
        order.with_user(manager).button_approve()
        self.assertEqual(order.state, "purchase")
        self.run_attribution()
        self.assertEqual(self.entries_of(order).co2e_kg, 7870.0)

    def test_line_form_shows_figure(self):
        order = self.create_order([(self.steel, 10, 1000.0)])
        order.button_confirm()
        self.run_attribution()
        with Form(order) as form:
            self.assertEqual(form.scope3_co2e_kg, 7870.0)


@tagged("post_install", "-at_install")
class TestLiveEstimate(Scope3Common):
    """Buyers see an estimate while typing an order, before anything is recorded."""

    def test_estimate_while_typing_then_the_same_figure_once_confirmed(self):
        buyer = new_test_user(
            self.env, login="s3_typing_buyer", groups="purchase.group_purchase_user"
        )
        form = Form(self.env["purchase.order"].with_user(buyer))
        form.partner_id = self.vendor
        form.date_order = "2022-06-15 10:00:00"
        with form.order_line.new() as line:
            line.product_id = self.steel
            line.product_qty = 10
            line.price_unit = 1000.0
            line.taxes_id.clear()
            # 10,000 USD of 2022, NAICS 331110 (EPA v1.3 with margins 0.787) = 7,870.000 kg
            self.assertEqual(line.scope3_estimate_kg, 7870.0)
            # spend-based through the product's NAICS code: DQ 4
            self.assertEqual(line.scope3_estimate_dq, 4)
        with form.order_line.new() as line:
            line.product_id = self.cement
            line.product_qty = 1
            line.price_unit = 500.0
            line.taxes_id.clear()
            # 500 USD x 3.924 (NAICS 327310) = 1,962.000 kg
            self.assertEqual(line.scope3_estimate_kg, 1962.0)
        self.assertEqual(form.scope3_estimate_kg, 9832.0)
        order = form.save()
        # nothing is recorded before confirmation
        self.assertFalse(self.Event.search([("aggregateid", "=", str(order.id))]))
        self.assertEqual(order.scope3_co2e_kg, 0.0)
        order.button_confirm()
        self.run_attribution()
        self.assertEqual(sorted(self.entries_of(order).mapped("co2e_kg")), [1962.0, 7870.0])
        # the confirmed lines show the DQ score of their figure (spend-based: 4)
        self.assertEqual(order.order_line.mapped("scope3_dq_score"), [4, 4])

    def test_unmapped_product_estimates_nothing(self):
        order = self.create_order([(self.unmapped, 1, 100.0)])
        self.assertEqual(order.order_line.scope3_estimate_kg, 0.0)
        self.assertEqual(order.order_line.scope3_estimate_dq, 0)

    def test_missing_rate_gives_no_estimate_and_does_not_block_typing(self):
        # no EUR rate on or before 2021-06-01 in this database (rates start in 2022)
        order = self.create_order(
            [(self.steel, 1, 100.0)], date="2021-06-01 10:00:00", currency=self.eur
        )
        self.assertEqual(order.order_line.scope3_estimate_kg, 0.0)

    def test_product_per_unit_estimate(self):
        self.steel.standard_price = 1000.0
        template = self.steel.product_tmpl_id.with_user(self.buyer)
        # one unit at a cost of 1,000 USD bought today (spend year after the CPI table:
        # its last year, 2024): 1,000 x 292.655 / 313.689 (US CPI-U 2022 / 2024) = 932.95
        # 2022 USD (cent rounding) x 0.787 (EPA v1.3 331110) = 734.232 kg, spend-based DQ 4
        self.assertEqual(template.scope3_unit_estimate_kg, 734.232)
        self.assertEqual(template.scope3_unit_estimate_dq, 4)
        self.assertEqual(self.unmapped.product_tmpl_id.scope3_unit_estimate_kg, 0.0)
