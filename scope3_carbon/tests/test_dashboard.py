# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from freezegun import freeze_time

from odoo import Command
from odoo.tests import new_test_user, tagged

from .common import Scope3Common


@tagged("post_install", "-at_install")
class TestDashboard(Scope3Common):
    """The Carbon overview: each figure equals the ledger entries its domain selects.

    EPA v1.3 with margins, 2022 USD: steel (331110) 0.787, cement (327310) 3.924 kg
    CO2e/USD. Orders of 2022: steel 10,000 USD on 2022-06-15 = 7,870.000 kg; cement
    1,000 USD on 2022-03-10 = 3,924.000 kg; steel 1,000 USD on 2022-03-20 = 787.000 kg.
    The dashboard is opened on 2022-12-20: the last 12 months are 2022-01 to 2022-12.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_vendor = cls.env["res.partner"].create({"name": "Cement Works"})
        cls.steel_order = cls.create_order([(cls.steel, 100, 100.0)], date="2022-06-15 10:00:00")
        cls.cement_order = cls.create_order([(cls.cement, 10, 100.0)], date="2022-03-10 10:00:00")
        cls.cement_order.partner_id = cls.other_vendor
        cls.small_order = cls.create_order([(cls.steel, 10, 100.0)], date="2022-03-20 10:00:00")
        (cls.steel_order | cls.cement_order | cls.small_order).button_confirm()
        cls.run_attribution()
        cls.manager = new_test_user(
            cls.env, login="s3_dash_manager", groups="scope3_carbon.group_scope3_manager"
        )
        cls.user = new_test_user(
            cls.env, login="s3_dash_user", groups="scope3_carbon.group_scope3_user"
        )

    def dashboard(self, user=None, period="12m"):
        with freeze_time("2022-12-20"):
            return (
                self.env["scope3.dashboard"]
                .with_user(user or self.manager)
                .get_dashboard_data(period=period)
            )

    def assert_domain_sums(self, line):
        """A figure equals the sum of the entries its domain opens."""
        entries = self.Entry.search(line["domain"])
        self.assertEqual(round(sum(entries.mapped("co2e_kg")), 3), line["kg"])
        self.assertEqual(len(entries), line["count"])

    def test_figures(self):
        data = self.dashboard()
        self.assertEqual((data["date_from"], data["date_to"]), ("2022-01-01", "2022-12-31"))
        # 7,870 + 3,924 + 787 = 12,581.000 kg, all spend-based (DQ 4)
        self.assertEqual(data["totals"]["kg"], 12581.0)
        self.assertEqual(data["totals"]["count"], 3)
        self.assertEqual(data["totals"]["dq_score"], 4.0)
        self.assertEqual(data["totals"]["primary_share"], 0.0)
        self.assertEqual(
            [(line["name"], line["kg"], line["share"]) for line in data["categories"]],
            [(self.category_1.display_name, 12581.0, 100.0)],
        )
        self.assertEqual(len(data["months"]), 12)
        months = {line["month"]: line["kg"] for line in data["months"] if line["kg"]}
        # March: 3,924 + 787 = 4,711.000 kg; June: 7,870.000 kg
        self.assertEqual(months, {"2022-03-01": 4711.0, "2022-06-01": 7870.0})
        # vendors ranked by kg: Steel Mill 7,870 + 787 = 8,657; Cement Works 3,924
        self.assertEqual(
            [(line["name"], line["kg"]) for line in data["vendors"]],
            [("Steel Mill Inc.", 8657.0), ("Cement Works", 3924.0)],
        )
        self.assertEqual(
            [(line["id"], line["kg"]) for line in data["products"]],
            [(self.steel.id, 8657.0), (self.cement.id, 3924.0)],
        )
        self.assertEqual(
            [(line["key"], line["kg"], line["share"]) for line in data["methods"]],
            [("spend_based", 12581.0, 100.0)],
        )
        self.assertEqual([(line["key"], line["kg"]) for line in data["dq_scores"]], [(4, 12581.0)])
        for key in ("categories", "months", "vendors", "products", "methods", "dq_scores"):
            for line in data[key]:
                self.assert_domain_sums(line)
        self.assertEqual(
            self.Entry.search(data["domain"]).mapped("co2e_kg"), [7870.0, 787.0, 3924.0]
        )

    def test_customers_are_not_ranked_as_vendors(self):
        heater = self.env["product.product"].create(
            {"name": "Heater", "type": "consu", "scope3_use_phase_kg": 100.0}
        )
        customer = self.env["res.partner"].create({"name": "Big Customer"})
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "invoice_date": "2022-05-02",
                "invoice_line_ids": [
                    Command.create({"product_id": heater.id, "quantity": 200, "price_unit": 10.0})
                ],
            }
        )
        invoice.action_post()
        self.run_attribution()
        data = self.dashboard()
        # 200 heaters x 100 kg (use phase, category 11) = 20,000 kg: in the total, not a vendor
        self.assertEqual(data["totals"]["kg"], 32581.0)
        self.assertEqual(
            [(line["name"], line["kg"]) for line in data["vendors"]],
            [("Steel Mill Inc.", 8657.0), ("Cement Works", 3924.0)],
        )
        for line in data["vendors"]:
            self.assert_domain_sums(line)

    def test_period_and_user(self):
        # this year (2022) has the same entries; last year (2021) none
        self.assertEqual(self.dashboard(period="ytd")["totals"]["kg"], 12581.0)
        last_year = self.dashboard(period="last_year")
        self.assertEqual((last_year["totals"]["kg"], last_year["totals"]["count"]), (0.0, 0))
        self.assertIsNone(last_year["totals"]["dq_score"])
        self.assertEqual(last_year["categories"], [])
        # a Carbon User sees the same figures, but not the outbox events
        data = self.dashboard(user=self.user)
        self.assertEqual(data["totals"]["kg"], 12581.0)
        self.assertFalse(data["freshness"]["can_open"])
        self.assertTrue(self.dashboard()["freshness"]["can_open"])

    def test_freshness(self):
        data = self.env["scope3.dashboard"].with_user(self.user).get_dashboard_data()
        self.assertEqual(data["freshness"]["pending"], 0)
        self.assertFalse(data["freshness"]["oldest_pending"])
        order = self.create_order([(self.cement, 1, 100.0)], date="2022-12-01 10:00:00")
        order.button_confirm()  # not processed yet: one pending event
        event = self.Event.search([("aggregateid", "=", str(order.id))])
        data = self.env["scope3.dashboard"].with_user(self.user).get_dashboard_data()
        self.assertEqual(data["freshness"]["pending"], 1)
        self.assertEqual(
            data["freshness"]["oldest_pending"], event.create_date.strftime("%Y-%m-%d %H:%M:%S")
        )
        self.assertEqual(self.Event.search(data["freshness"]["domain"]), event)
        self.run_attribution()
        data = self.env["scope3.dashboard"].with_user(self.user).get_dashboard_data()
        self.assertEqual(data["freshness"]["pending"], 0)

    def test_coverage_and_links_to_fix(self):
        """The overview says what its figures cover: an unmapped line (500 USD) and an order
        confirmed before the install (300 USD, no activity) are not calculated."""
        unmapped = self.create_order([(self.unmapped, 1, 500.0)], date="2022-05-02 10:00:00")
        unmapped.button_confirm()
        self.run_attribution()
        old = self.create_order([(self.steel, 1, 300.0)], date="2022-04-04 10:00:00")
        old.with_context(scope3_capture_deferred=True).button_approve()
        self.Event.search([("aggregateid", "=", str(old.id))]).unlink()
        coverage = self.dashboard()["coverage"]
        # lines: the 3 of the scenario + these 2; spend 10,000 + 1,000 + 1,000 + 500 + 300
        self.assertEqual(coverage["line_count"], 5)
        self.assertEqual(coverage["spend"], 12800.0)
        self.assertEqual((coverage["unmapped"]["count"], coverage["unmapped"]["spend"]), (1, 500.0))
        self.assertEqual(
            (coverage["not_captured"]["count"], coverage["not_captured"]["spend"]), (1, 300.0)
        )
        self.assertEqual(coverage["pending"]["count"], 0)
        self.assertEqual(coverage["lines_share"], 60.0)
        # 12,000 / 12,800 = 93.75 %
        self.assertEqual(coverage["spend_share"], 93.75)
        # the links open what to fix
        self.assertEqual(
            self.env["scope3.activity"]
            .search(coverage["unmapped"]["activity_domain"])
            .purchase_order_id,
            unmapped,
        )
        self.assertEqual(
            self.env["purchase.order"].search(coverage["not_captured"]["order_domain"]), old
        )

    def test_period_and_months_in_the_users_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        with freeze_time("2022-12-20"):
            # the web client sends the user's language in the context
            data = (
                self.env["scope3.dashboard"]
                .with_user(self.manager)
                .with_context(lang="fr_FR")
                .get_dashboard_data()
            )
        self.assertEqual(data["months"][0]["name"], "janv. 2022")
        self.assertIn("1 janvier 2022", data["period_label"])
        self.assertIn("31 décembre 2022", data["period_label"])
