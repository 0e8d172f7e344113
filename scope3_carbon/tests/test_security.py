# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import Scope3Common


@tagged("post_install", "-at_install")
class TestSecurity(Scope3Common):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls._create_company(name="Carbon Co. B", currency_id=cls.usd.id)
        cls.company_b.scope3_spend_factor_set_id = cls.epa_v13
        cls.order_a = cls.create_order([(cls.steel, 10, 1000.0)])
        cls.order_b = (
            cls.env["purchase.order"]
            .with_company(cls.company_b)
            .create(
                {
                    "partner_id": cls.vendor.id,
                    "company_id": cls.company_b.id,
                    "date_order": "2022-06-15 10:00:00",
                    "order_line": [
                        Command.create(
                            {
                                "product_id": cls.cement.id,
                                "product_qty": 1,
                                "price_unit": 1000.0,
                                "taxes_id": False,
                            }
                        )
                    ],
                }
            )
        )
        cls.order_a.button_confirm()
        cls.order_b.button_confirm()
        cls.run_attribution()
        cls.entry_a = cls.entries_of(cls.order_a)
        cls.entry_b = cls.entries_of(cls.order_b)
        cls.auditor = new_test_user(
            cls.env, login="s3_auditor", groups="scope3_carbon.group_scope3_auditor"
        )
        cls.plain_buyer = new_test_user(
            cls.env, login="s3_plain_buyer", groups="purchase.group_purchase_user"
        )

    def test_both_companies_attributed(self):
        self.assertEqual(self.entry_a.company_id, self.company)
        self.assertEqual(self.entry_b.company_id, self.company_b)
        # 1,000 USD x 3.924 (EPA v1.3 327310, with margins) = 3,924.000 kg
        self.assertEqual(self.entry_b.co2e_kg, 3924.0)

    def test_user_of_company_a_never_sees_b(self):
        Entry = self.Entry.with_user(self.buyer)
        visible = Entry.search([])
        self.assertIn(self.entry_a, visible)
        self.assertNotIn(self.entry_b, visible)
        with self.assertRaises(AccessError):
            self.entry_b.with_user(self.buyer).read(["co2e_kg"])
        activities = self.env["scope3.activity"].with_user(self.buyer).search([])
        self.assertNotIn(self.entry_b.activity_id, activities)
        self.assertEqual(
            sum(Entry.search([("purchase_order_id", "=", self.order_b.id)]).mapped("co2e_kg")),
            0.0,
        )

    def test_carbon_user_reads_but_cannot_change(self):
        entry = self.entry_a.with_user(self.buyer)
        self.assertEqual(entry.co2e_kg, 7870.0)
        with self.assertRaises(AccessError):
            self.env["scope3.factor.set"].with_user(self.buyer).create(
                {"name": "x", "publisher": "x", "edition": "x", "gwp_basis": "ar5"}
            )
        with self.assertRaises(AccessError):
            self.Event.with_user(self.buyer).search([])

    def test_auditor_reads_events_but_cannot_retry(self):
        events = self.Event.with_user(self.auditor).search([("company_id", "=", self.company.id)])
        self.assertTrue(events)
        with self.assertRaises(AccessError):
            events.action_retry()

    def test_buyer_without_carbon_group_confirms_and_sees_kg(self):
        order = self.create_order([(self.steel, 1, 1000.0)], user=self.plain_buyer)
        order.with_user(self.plain_buyer).button_confirm()
        self.run_attribution()
        self.assertEqual(order.with_user(self.plain_buyer).scope3_co2e_kg, 787.0)
        with self.assertRaises(AccessError):
            self.Entry.with_user(self.plain_buyer).search([])

    def test_manager_of_one_company_cannot_publish_a_shared_set(self):
        """A set without company applies to every company: the Carbon Manager of company B
        alone cannot publish it (it would change company A's figures), but can publish one
        of company B."""
        manager_b = new_test_user(
            self.env,
            login="s3_manager_b_only",
            groups="scope3_carbon.group_scope3_manager",
            company_id=self.company_b.id,
            company_ids=[Command.set(self.company_b.ids)],
        )
        values = {
            "name": "Shared spend set",
            "publisher": "x",
            "edition": "t1",
            "valid_from": "2022-01-01",
            "gwp_basis": "ar5",
            "factor_type": "spend",
            "currency_id": self.usd.id,
            "price_year": 2022,
            "factor_ids": [
                Command.create(
                    {"key": "331110", "name": "Steel", "value": 0.5, "unit": "kg CO2e/2022 USD"}
                )
            ],
        }
        # company A resolves to the latest published spend-based set (none chosen)
        self.company.with_context(scope3_no_restatement=True).scope3_spend_factor_set_id = False
        Set = self.env["scope3.factor.set"].with_user(manager_b).with_company(self.company_b)
        shared = Set.create(values)
        with self.assertRaisesRegex(UserError, "shared by every company"):
            shared.action_publish()
        self.assertEqual(shared.state, "draft")
        own = Set.create(dict(values, edition="t2", company_id=self.company_b.id))
        own.action_publish()
        self.assertEqual(own.state, "published")
