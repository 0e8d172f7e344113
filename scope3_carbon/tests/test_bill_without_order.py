# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import psycopg2

from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common_bills import Scope3BillCommon


@tagged("post_install", "-at_install")
class TestBillWithoutOrder(Scope3BillCommon):
    """Vendor bills and refunds of services and assets bought without a purchase order.

    EPA v1.3 (kg CO2e per 2022 USD, with margins; bills dated 2022, no deflation):
    541511 Custom Computer Programming Services 0.084; 334111 Electronic Computer
    Manufacturing 0.058.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Rule = cls.env["scope3.mapping.rule"]
        cls.it_rule = Rule.create(
            {
                "name": "IT services booked on consulting fees",
                "account_id": cls.consulting_account.id,
                "operation": "bill",
                "method": "spend",
                "naics_code": "541511",
            }
        )
        cls.computer_rule = Rule.create(
            {
                "name": "Computers capitalised",
                "account_id": cls.asset_account.id,
                "method": "spend",
                "naics_code": "334111",
            }
        )

    def service_bill(self, price=5000.0):
        return self.create_move(
            [("Development of the ordering portal", 1, price, self.consulting_account)]
        )

    def test_service_bill_spend_based_via_account_rule(self):
        bill = self.post(self.service_bill())
        line = bill.invoice_line_ids
        entry = self.move_entries(bill)
        # 5,000 USD x 0.084 = 420.000 kg CO2e
        self.assertEqual(len(entry), 1)
        self.assertEqual(entry.co2e_kg, 420.0)
        self.assertEqual(
            (entry.stage, entry.method, entry.resolution_level, entry.mapping_rule_id),
            ("bill", "spend_based", "rule", self.it_rule),
        )
        self.assertEqual(entry.category_id, self.category_1)
        self.assertEqual(entry.account_move_line_id, line)
        self.assertEqual(entry.date, bill.date)
        self.assertEqual(entry._scope3_verify()[entry], [])
        activity = entry.activity_id
        self.assertEqual(
            (activity.source_type, activity.source_key, activity.state),
            ("bill_line", f"account.move.line:{line.id}", "attributed"),
        )
        # the figures on the bill and its line
        self.assertEqual(bill.scope3_co2e_kg, 420.0)
        self.assertEqual(line.scope3_co2e_kg, 420.0)
        self.assertEqual(line.scope3_dq_score, entry.dq_score)
        self.assertEqual(entry.dq_score, 4)  # spend-based: never better than 4

    def test_reset_to_draft_edit_and_repost(self):
        bill = self.post(self.service_bill())
        self.assertEqual(self.net(self.move_entries(bill)), 420.0)
        bill.button_draft()
        self.run_attribution()
        self.assertEqual(self.net(self.move_entries(bill)), 0.0)
        self.assertEqual(self.activities_of(bill).state, "pending")
        bill.action_post()
        self.run_attribution()
        # reposted unchanged: the net is unchanged
        self.assertEqual(
            [(e.co2e_kg, e.is_reversal) for e in self.move_entries(bill)],
            [(420.0, False), (-420.0, True), (420.0, False)],
        )
        # reset, raise the price to 6,000 USD, repost: 6,000 x 0.084 = 504.000 kg
        bill.button_draft()
        with Form(bill.with_user(self.accountant)) as form:
            with form.invoice_line_ids.edit(0) as line:
                line.price_unit = 6000.0
        bill.action_post()
        self.run_attribution()
        # the draft and posted events were processed together: one reversal, one figure
        self.assertEqual(
            [e.co2e_kg for e in self.move_entries(bill)], [420.0, -420.0, 420.0, -420.0, 504.0]
        )
        # a second capture of the unchanged bill changes nothing (idempotent)
        bill._scope3_capture_moves("account.move.posted")
        self.run_attribution()
        self.assertEqual(len(self.move_entries(bill)), 5)

    def test_cancelled_bill_reversed(self):
        bill = self.post(self.service_bill())
        bill.button_draft()
        bill.button_cancel()
        self.run_attribution()
        self.assertEqual(self.net(self.move_entries(bill)), 0.0)
        self.assertEqual(self.activities_of(bill).state, "cancelled")

    def test_refunds_net_out(self):
        bill = self.post(self.service_bill())
        refund = self.refund(bill)
        self.assertEqual(refund.move_type, "in_refund")
        refund_entry = self.move_entries(refund)
        # the refund line counts negative: -5,000 USD x 0.084 = -420.000 kg
        self.assertEqual(refund_entry.co2e_kg, -420.0)
        self.assertEqual(refund_entry.activity_id.quantity, -1.0)
        self.assertEqual(self.net(self.move_entries(bill | refund)), 0.0)
        # a partial refund typed by hand: -1,000 USD x 0.084 = -84.000 kg
        partial = self.post(
            self.create_move(
                [("Discount on the portal", 1, 1000.0, self.consulting_account)],
                move_type="in_refund",
                date="2022-07-25",
            )
        )
        self.assertEqual(self.net(self.move_entries(partial)), -84.0)

    def test_fixed_asset_account_is_capital_goods(self):
        laptop = self.env["product.product"].create({"name": "Laptop", "type": "consu"})
        bill = self.post(self.create_move([(laptop, 2, 1500.0, self.asset_account)]))
        entry = self.move_entries(bill)
        # 2 x 1,500 USD x 0.058 = 174.000 kg CO2e, category 2 (capitalised purchase)
        self.assertEqual(entry.co2e_kg, 174.0)
        self.assertEqual(entry.category_id.number, 2)
        self.assertEqual(entry.activity_id.category_id.number, 2)

    def test_unmapped_line_flagged_then_mapped(self):
        rent = self.env["account.account"].create(
            {"name": "Office rent", "code": "612900", "account_type": "expense"}
        )
        bill = self.post(self.create_move([("Office rent July", 1, 2000.0, rent)]))
        activity = self.activities_of(bill)
        self.assertEqual(activity.state, "unmapped")
        self.assertIn("No emission factor", activity.message)
        self.assertFalse(self.move_entries(bill))
        # a rule on the rent account; EPA v1.3 531120 Lessors of Nonresidential
        # Buildings 0.246 -> 2,000 x 0.246 = 492.000 kg, category 8 (upstream leased assets)
        self.env["scope3.mapping.rule"].create(
            {
                "name": "Office rent",
                "account_id": rent.id,
                "naics_code": "531120",
                "category_id": self.env.ref("scope3_carbon.scope3_category_08").id,
            }
        )
        activity.action_retry_attribution()
        self.run_attribution()
        self.assertEqual(activity.state, "attributed")
        self.assertEqual(self.move_entries(bill).co2e_kg, 492.0)
        self.assertEqual(self.move_entries(bill).category_id.number, 8)

    def test_bill_of_an_order_with_an_extra_line(self):
        """Lines billing the order stay with the order's staged refinement; an extra
        line without an order line is an activity of its own."""
        self.steel.purchase_method = "purchase"  # billed on ordered quantities
        order = self.create_order([(self.steel, 10, 100.0)])
        order.button_confirm()
        self.run_attribution()
        action = order.action_create_invoice()
        bill = self.env["account.move"].browse(action["res_id"])
        with Form(bill.with_user(self.accountant)) as form:
            form.invoice_date = "2022-07-01"
            with form.invoice_line_ids.new() as line:
                line.name = "Set-up of the delivery portal"
                line.quantity = 1
                line.price_unit = 500.0
                line.account_id = self.consulting_account
                line.tax_ids.clear()
        self.post(bill)
        # order line: 10 x 100 USD x 0.787 = 787.000 kg (bill stage);
        # extra line: 500 USD x 0.084 = 42.000 kg
        order_entry = self.entries_of(order).filtered(lambda e: e.stage == "bill")
        self.assertEqual(order_entry.co2e_kg, 787.0)
        extra = bill.invoice_line_ids.filtered(lambda line: not line.purchase_line_id)
        self.assertEqual(extra.scope3_co2e_kg, 42.0)
        self.assertEqual(
            self.activities_of(bill).filtered("source_key").account_move_line_id, extra
        )
        self.assertEqual(bill.scope3_co2e_kg, 829.0)

    def test_line_removed_after_reset(self):
        bill = self.post(
            self.create_move(
                [
                    ("Portal development", 1, 5000.0, self.consulting_account),
                    ("Portal hosting set-up", 1, 1000.0, self.consulting_account),
                ]
            )
        )
        # 5,000 x 0.084 + 1,000 x 0.084 = 420.000 + 84.000 = 504.000 kg
        self.assertEqual(self.net(self.move_entries(bill)), 504.0)
        bill.button_draft()
        self.run_attribution()
        hosting_entries = self.move_entries(bill).filtered(
            lambda e: e.account_move_line_id.name == "Portal hosting set-up"
        )
        self.assertEqual(len(hosting_entries), 2)  # the figure and its reversal
        # the ledger lets the deleted line's link be cleared (ON DELETE SET NULL) ...
        with Form(bill.with_user(self.accountant)) as form:
            form.invoice_line_ids.remove(1)
        self.assertFalse(hosting_entries.account_move_line_id)
        self.assertEqual(hosting_entries.mapped("co2e_kg"), [84.0, -84.0])
        # ... but never re-pointed to another line
        with (
            self.assertRaises(psycopg2.errors.RestrictViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute(
                "UPDATE scope3_emission_entry SET account_move_line_id = %s WHERE id = %s",
                [bill.invoice_line_ids.id, hosting_entries[0].id],
            )
        bill.action_post()
        self.run_attribution()
        self.assertEqual(self.net(self.move_entries(bill)), 420.0)
        removed = self.activities_of(bill).filtered(lambda a: not a.account_move_line_id)
        self.assertEqual((removed.state, removed.co2e_kg), ("cancelled", 0.0))
