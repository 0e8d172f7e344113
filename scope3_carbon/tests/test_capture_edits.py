# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Edits of confirmed documents are captured at ORM level, one event per document and
transaction, and the ledger's net follows each edit exactly.

Figures: EPA USEEIO v1.3 with margins (shipped file
``data/scope3.factor.csv``, rows NAICS 331110 = 0.787 and 327310 = 3.924 kg CO2e per
2022 USD); orders in USD dated 2022-06-15: no conversion, no deflation.
"""

from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import Scope3Common


@tagged("post_install", "-at_install")
class TestCaptureEdits(Scope3Common):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.steel.is_storable = True
        cls.env.user.groups_id += cls.env.ref("account.group_account_manager")

    def _events(self, order):
        return self.Event.search(
            [("aggregatetype", "=", "purchase.order"), ("aggregateid", "=", str(order.id))]
        )

    def _net(self, order):
        return round(sum(self.entries_of(order).mapped("co2e_kg")), 3)

    def _fresh(self, order):
        """kg a fresh computation gives for the order's lines (nothing written)."""
        activities = order.order_line.sudo().scope3_activity_ids
        plans = activities._scope3_plans()
        return round(
            sum(float(f["co2e"]) for p in plans for fs in p["stages"].values() for f in fs), 3
        )

    def _confirmed(self):
        order = self.create_order([(self.steel, 10, 100.0), (self.steel, 5, 200.0)])
        order.button_confirm()
        self.run_attribution()
        # 10 x 100 x 0.787 = 787.000; 5 x 200 x 0.787 = 787.000
        self.assertEqual(self._net(order), 1574.0)
        return order

    def test_edits_of_confirmed_order_follow_exactly(self):
        order = self._confirmed()
        line_a, line_b = order.order_line.sorted("id")
        n_events = len(self._events(order))

        # qty 10 -> 20 in the form: 20 x 100 x 0.787 = 1,574.000 (+ 787.000)
        with Form(order.with_user(self.buyer)) as form, form.order_line.edit(0) as line:
            line.product_qty = 20
        self.assertEqual(len(self._events(order)), n_events + 1)
        self.run_attribution()
        self.assertEqual(self._net(order), 2361.0)
        self.assertEqual(self._net(order), self._fresh(order))
        reversal = self.entries_of(order).filtered("is_reversal")
        self.assertEqual(reversal.co2e_kg, -787.0)
        self.assertEqual(reversal.reversed_entry_id.purchase_line_id, line_a)
        self.assertEqual(line_a.scope3_co2e_kg, 1574.0)

        # price 200 -> 250 on line b: 5 x 250 x 0.787 = 983.750
        line_b.with_user(self.buyer).price_unit = 250.0
        self.run_attribution()
        self.assertEqual(self._net(order), 2557.75)
        self.assertEqual(self._net(order), self._fresh(order))
        self.assertEqual(line_b.scope3_co2e_kg, 983.75)

        # a line added: cement, 2 x 150 = 300 USD x 3.924 = 1,177.200
        with Form(order.with_user(self.buyer)) as form, form.order_line.new() as line:
            line.product_id = self.cement
            line.product_qty = 2
            line.price_unit = 150.0
            line.taxes_id.clear()
        self.run_attribution()
        self.assertEqual(self._net(order), 3734.95)
        self.assertEqual(self._net(order), self._fresh(order))

        # a line removed: Odoo refuses to delete a line of a confirmed order (nothing
        # changes in the ledger); setting its quantity to 0 removes it
        with self.assertRaises(UserError):
            line_b.unlink()
        line_b.with_user(self.buyer).product_qty = 0
        self.run_attribution()
        self.assertEqual(line_b.scope3_co2e_kg, 0.0)
        self.assertEqual(self._net(order), 2751.2)
        self.assertEqual(self._net(order), self._fresh(order))
        # every reversal is linked to what it reverses, each entry reversed once at most
        reversals = self.entries_of(order).filtered("is_reversal")
        self.assertEqual(len(reversals), 3)
        for reversal in reversals:
            self.assertEqual(reversal.co2e_kg, -reversal.reversed_entry_id.co2e_kg)
        self.assertEqual(order.scope3_co2e_kg, 2751.2)

    def test_one_event_per_order_per_transaction(self):
        order = self._confirmed()
        n_events = len(self._events(order))
        # many lines written, in several writes: one event
        order.order_line[0].product_qty = 11
        order.order_line.write({"price_unit": 300.0})
        order.date_order = "2022-06-20 10:00:00"
        self.assertEqual(len(self._events(order)), n_events + 1)
        event = self._events(order).sorted("id")[-1]
        # the event holds the last snapshot
        self.assertEqual(event.payload["lines"][0]["product_qty"], 11)
        self.assertEqual(event.payload["date_order"], "2022-06-20 10:00:00")
        self.run_attribution()
        # 11 x 300 x 0.787 = 2,597.100; 5 x 300 x 0.787 = 1,180.500
        self.assertEqual(self._net(order), 3777.6)

    def test_edit_that_counts_nothing_writes_no_event(self):
        order = self._confirmed()
        events = self._events(order)
        self.Event.invalidate_model()
        order.order_line[0].name = "Steel coil, see the note"
        for line in order.order_line:
            line.write({"price_unit": line.price_unit})  # the same value
        order.order_line[0].product_qty = 10  # unchanged
        order.partner_ref = "REF-42"
        order.notes = "<p>Deliver at gate 2</p>"
        self.assertEqual(self._events(order), events, self._events(order).mapped("type"))
        order.order_line.date_planned = "2022-07-01 10:00:00"
        self.assertEqual(self._events(order), events, self._events(order).mapped("type"))

    def test_draft_order_edits_capture_nothing(self):
        order = self.create_order([(self.steel, 10, 100.0)])
        order.order_line.product_qty = 12
        self.assertFalse(self._events(order))

    def test_done_move_quantity_edit_is_captured(self):
        order = self._confirmed()
        picking = order.picking_ids
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
        picking.move_ids.picked = True
        picking.button_validate()
        self.run_attribution()
        # received 10 + 5 at order prices: 787.000 + 787.000
        self.assertEqual(self._net(order), 1574.0)
        picking.action_toggle_is_locked()
        move_a = picking.move_ids.filtered(lambda m: m.product_qty == 10)
        move_a.quantity = 8  # the unlocked receipt corrected: 8 received
        self.assertEqual(order.order_line.sorted("id")[0].qty_received, 8)
        self.run_attribution()
        # 8 x 100 x 0.787 = 629.600 + 787.000
        self.assertEqual(self._net(order), 1416.6)
        self.assertEqual(self._net(order), self._fresh(order))

    def test_non_finite_quantity_refused(self):
        order = self.create_order([(self.steel, 10, 100.0)])
        # as a client sends it (JSON-RPC accepts NaN and Infinity)
        for vals in ({"price_unit": float("nan")}, {"product_qty": float("inf")}):
            with self.assertRaisesRegex(ValidationError, "must be a finite number"):
                order.order_line.write(vals)
        self.assertEqual((order.order_line.product_qty, order.order_line.price_unit), (10, 100))
