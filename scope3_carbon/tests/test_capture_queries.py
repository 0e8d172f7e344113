# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The capture hooks cost a constant number of queries, whatever the batch size.

Each flow runs as the user's click does (``button_confirm``, ``button_validate``, a line
``write`` on confirmed orders), once with capture turned off (context
``scope3_no_capture``) and once with it, on the same shape of documents; the difference is
what capture adds. It is the same for one document and for ten: capture enqueues one
outbox statement per flow, it does not work per document or per line. For bill posting the
hook that ``_post`` calls is counted on its own (see ``test_post_bills``).
"""

from odoo import Command
from odoo.tests import tagged

from .common_bills import Scope3BillCommon


@tagged("post_install", "-at_install", "is_query_count")
class TestCaptureQueries(Scope3BillCommon):
    def _orders(self, count, lines=3):
        return self.env["purchase.order"].create(
            [
                {
                    "partner_id": self.vendor.id,
                    "date_order": "2022-06-15 10:00:00",
                    "order_line": [
                        Command.create(
                            {
                                "product_id": (self.steel, self.cement)[j % 2].id,
                                "product_qty": 1 + j,
                                "price_unit": 100.0,
                                "taxes_id": [Command.clear()],
                            }
                        )
                        for j in range(lines)
                    ],
                }
                for _i in range(count)
            ]
        )

    def _queries(self, action):
        """Queries of ``action()`` from cold caches, flushed."""
        self.env.flush_all()
        self.env.invalidate_all()
        before = self.cr.sql_log_count
        action()
        self.env.flush_all()
        return self.cr.sql_log_count - before

    def _capture_cost(self, make, act):
        """Queries that capture adds to ``act(records)`` on records made by ``make()``."""
        without = make()
        with_capture = make()
        off = self._queries(lambda: act(without.with_context(scope3_no_capture=True)))
        on = self._queries(lambda: act(with_capture))
        return on - off

    def _assert_constant(self, make_of_size, act, expected):
        self._capture_cost(lambda: make_of_size(1), act)  # warm the caches of both paths
        one = self._capture_cost(lambda: make_of_size(1), act)
        ten = self._capture_cost(lambda: make_of_size(10), act)
        self.assertEqual((one, ten), (expected, expected))

    def test_confirm(self):
        self._assert_constant(self._orders, lambda orders: orders.button_confirm(), 5)

    def test_edit_confirmed_lines(self):
        def make(count):
            orders = self._orders(count)
            orders.button_confirm()
            return orders.order_line

        self._assert_constant(make, lambda lines: lines.write({"product_qty": 9}), 6)

    def test_receive(self):
        def make(count):
            orders = self._orders(count)
            orders.button_confirm()
            pickings = orders.picking_ids
            for move in pickings.move_ids:
                move.quantity = move.product_uom_qty
            pickings.move_ids.picked = True
            return pickings

        self._assert_constant(make, lambda pickings: pickings.button_validate(), 13)

    def _bills(self, count):
        Move = self.env["account.move"].with_context(default_move_type="in_invoice")
        return Move.create(
            [
                {
                    "partner_id": self.vendor.id,
                    "invoice_date": "2022-07-01",
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": self.steel.id,
                                "quantity": 2,
                                "price_unit": 500.0,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
                for _i in range(count)
            ]
        )

    def _assert_hook_queries(self, make, post, hook, expected):
        """``hook(records)`` alone, on records of 1 and of 10 documents already through
        ``post(records)`` without capture: ``expected`` queries both times."""
        warm, one, ten = make(1), make(1), make(10)
        post((warm | one | ten).with_context(scope3_no_capture=True))
        hook(warm)
        for records in (one, ten):
            self.env.flush_all()
            self.env.invalidate_all()
            with self.assertQueryCount(expected):
                hook(records)

    def test_post_bills(self):
        """What ``_post`` adds for posted bills (Odoo's own posting draws journal sequence
        numbers, whose queries depend on the bills posted before: not compared here)."""

        def hook(moves):
            moves._scope3_capture_purchases("account.move.posted")
            moves._scope3_capture_moves("account.move.posted")

        self._assert_hook_queries(self._bills, lambda moves: moves.action_post(), hook, 11)

    def test_capture_hook_alone(self):
        """The hook itself: the same queries for one order and for ten."""
        self._assert_hook_queries(
            self._orders,
            lambda orders: orders.button_confirm(),
            lambda orders: orders._scope3_capture("purchase.order.changed"),
            9,
        )
