# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import Form, tagged

from .common import Scope3Common


@tagged("post_install", "-at_install")
class TestThreeWayMatching(Scope3Common):
    """Order -> receipts -> bill: every activity counted exactly once.

    Product NAICS 331110, EPA v1.3 with margins 0.787 kg CO2e per 2022 USD; 100 units at
    100 USD ordered on 2022-06-15 and billed on 2022-07-01 (no deflation):
    100 units = 10,000 USD = 7,870.000 kg; 60 units = 4,722.000 kg; 90 units = 7,083.000 kg.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.steel.is_storable = True
        cls.env.user.groups_id += cls.env.ref("account.group_account_manager")

    def confirmed_order(self, qty=100):
        order = self.create_order([(self.steel, qty, 100.0)])
        order.button_confirm()
        self.run_attribution()
        return order

    def receive(self, picking, qty):
        """Validate ``qty`` of the picking's move; a partial one leaves a backorder."""
        picking.move_ids.quantity = qty
        picking.move_ids.picked = True
        action = picking.button_validate()
        if isinstance(action, dict) and action.get("res_model") == "stock.backorder.confirmation":
            Form(
                self.env["stock.backorder.confirmation"].with_context(**action["context"])
            ).save().process()
        self.run_attribution()

    def bill(self, order, date="2022-07-01"):
        action = order.action_create_invoice()
        bill = self.env["account.move"].browse(action["res_id"])
        bill.invoice_date = date
        bill.action_post()
        self.run_attribution()
        return bill

    def net(self, order):
        return round(sum(self.entries_of(order).mapped("co2e_kg")), 3)

    def stages(self, order):
        return [(e.stage, e.co2e_kg, e.is_reversal) for e in self.entries_of(order)]

    def test_full_flow_backorder_then_bill(self):
        order = self.confirmed_order()
        self.receive(order.picking_ids, 60)
        backorder = order.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        self.assertEqual(backorder.move_ids.product_uom_qty, 40)
        self.receive(backorder, 40)
        self.assertEqual(order.order_line.qty_received, 100)
        bill = self.bill(order)
        self.assertEqual(
            self.stages(order),
            [
                ("commitment", 7870.0, False),
                ("commitment", -7870.0, True),
                ("receipt", 4722.0, False),
                ("receipt", -4722.0, True),
                ("receipt", 7870.0, False),
                ("receipt", -7870.0, True),
                ("bill", 7870.0, False),
            ],
        )
        self.assertEqual(self.net(order), 7870.0)
        self.assertEqual(order.scope3_co2e_kg, 7870.0)
        # lineage from the documents: bill, receipts, product, vendor
        self.assertEqual((bill.scope3_co2e_kg, bill.scope3_entry_count), (7870.0, 1))
        bill_domain = bill.action_view_scope3_entries()["domain"]
        self.assertEqual(self.Entry.search(bill_domain).stage, "bill")
        receipt = order.picking_ids.sorted("id")[0]
        self.assertEqual(receipt.scope3_entry_count, len(self.entries_of(order)))
        self.assertEqual(
            self.Entry.search(receipt.action_view_scope3_entries()["domain"]),
            self.entries_of(order),
        )
        self.assertGreaterEqual(self.steel.product_tmpl_id.scope3_entry_count, 7)
        bill_entry = self.entries_of(order).filtered(lambda e: e.stage == "bill")
        self.assertEqual(bill_entry.account_move_id, bill)
        self.assertEqual(bill_entry.date, bill.date)  # the accounting date of the bill
        self.assertEqual(bill_entry._scope3_verify()[bill_entry], [])

    def test_return_and_refund_reduce_by_ten_units(self):
        order = self.confirmed_order()
        self.receive(order.picking_ids, 100)
        self.bill(order)
        self.assertEqual(self.net(order), 7870.0)
        # return 10 units to the vendor
        picking = order.picking_ids
        wizard = Form(
            self.env["stock.return.picking"].with_context(
                active_id=picking.id, active_model="stock.picking"
            )
        ).save()
        wizard.product_return_moves.quantity = 10
        return_picking = self.env["stock.picking"].browse(wizard.action_create_returns()["res_id"])
        self.receive(return_picking, 10)
        self.assertEqual(order.order_line.qty_received, 90)
        # still billed for 100: the bill stage counts what was billed
        self.assertEqual(self.net(order), 7870.0)
        # the vendor refund for the 10 units
        refund_action = order.action_create_invoice()
        refund = self.env["account.move"].browse(refund_action["res_id"])
        self.assertEqual(refund.move_type, "in_refund")
        refund.invoice_date = "2022-07-15"
        refund.action_post()
        self.run_attribution()
        # 7,870.000 - 10 x 100 USD x 0.787 = 7,083.000 kg
        self.assertEqual(self.net(order), 7083.0)
        refund_entry = self.entries_of(order).filtered(lambda e: e.account_move_id == refund)
        self.assertEqual(refund_entry.co2e_kg, -787.0)

    def test_cancel_with_nothing_received_nets_zero(self):
        order = self.confirmed_order()
        order.button_cancel()
        self.run_attribution()
        self.assertEqual(self.net(order), 0.0)
        self.assertEqual(len(self.entries_of(order)), 2)

    def test_reset_bill_to_draft_and_repost_keeps_net(self):
        order = self.confirmed_order()
        self.receive(order.picking_ids, 100)
        bill = self.bill(order)
        self.assertEqual(self.net(order), 7870.0)
        bill.button_draft()
        self.run_attribution()
        # back to the receipt stage while the bill is a draft
        self.assertEqual(self.net(order), 7870.0)
        active = self.entries_of(order).filtered(lambda e: not e.is_reversal and not e.is_reversed)
        self.assertEqual(active.stage, "receipt")
        bill.action_post()
        self.run_attribution()
        self.assertEqual(self.net(order), 7870.0)
        active = self.entries_of(order).filtered(lambda e: not e.is_reversal and not e.is_reversed)
        self.assertEqual(active.stage, "bill")

    def test_partial_receipt_activity_based(self):
        """A product with a per-tonne activity factor is counted on the received mass:
        DESNZ 2025 shipped selection has no steel; a test factor of 2,000 kg CO2e per
        tonne and 10 kg per unit: 60 units = 600 kg = 0.6 t -> 1,200.000 kg CO2e."""
        factor_set = self.env["scope3.factor.set"].create(
            {
                "name": "t",
                "publisher": "t",
                "edition": "1",
                "gwp_basis": "ar5",
                "factor_type": "activity",
            }
        )
        factor = self.env["scope3.factor"].create(
            {
                "set_id": factor_set.id,
                "key_type": "manual",
                "key": "steel-t",
                "name": "Steel",
                "value": 2000,
                "unit": "tonnes",
                "uom_id": self.env.ref("uom.product_uom_ton").id,
            }
        )
        factor_set.action_publish()
        self.steel.write({"scope3_factor_id": factor.id, "weight": 10.0})
        order = self.confirmed_order()
        # commitment on the ordered mass: 100 x 10 kg = 1 t -> 2,000.000 kg
        self.assertEqual(self.net(order), 2000.0)
        self.receive(order.picking_ids, 60)
        self.assertEqual(self.net(order), 1200.0)
        active = self.entries_of(order).filtered(lambda e: not e.is_reversal and not e.is_reversed)
        self.assertEqual((active.stage, active.method), ("receipt", "average_data"))
