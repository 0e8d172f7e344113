# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from ..demo.scope3_demo_story import ORDERS, load_demo_story
from .common import Scope3Common


@tagged("post_install", "-at_install")
class TestDemoStory(Scope3Common):
    """The demo story loads through the business flows and the ledger explains it."""

    def test_story_is_attributed_end_to_end(self):
        Event = self.env["scope3.outbox.event"]
        orders = load_demo_story(self.env)
        self.assertEqual(len(orders), len(ORDERS))
        # every event processed, none failed
        self.assertFalse(
            Event.search([("state", "!=", "done"), ("id", ">", 0)]).filtered(
                lambda e: e.aggregateid in {str(i) for i in orders.ids}
                or e.aggregatetype == "stock.picking"
            )
        )
        activities = self.env["scope3.activity"].search(
            ["|", ("purchase_order_id", "in", orders.ids), ("source_type", "=", "transport")]
        )
        states = set(activities.mapped("state"))
        self.assertEqual(states, {"attributed", "cancelled"})
        entries = self.Entry.search([("activity_id", "in", activities.ids)])
        # the ledger net of each activity equals its stored kg, and every trace replays
        for activity in activities:
            self.assertAlmostEqual(
                sum(entries.filtered(lambda e, a=activity: e.activity_id == a).mapped("co2e_kg")),
                activity.co2e_kg,
                places=3,
            )
        self.assertFalse([p for p in entries._scope3_verify().values() if p])
        # commitment, receipt, bill and transport stages, with reversals; both transport
        # directions; a cancelled order nets to zero
        self.assertTrue(
            {"commitment", "receipt", "bill", "transport"} <= set(entries.mapped("stage"))
        )
        self.assertTrue(entries.filtered("is_reversal"))
        self.assertEqual(
            set(entries.filtered(lambda e: e.stage == "transport").category_id.mapped("number")),
            {4, 9},
        )
        cancelled = orders.filtered(lambda o: o.state == "cancel")
        self.assertEqual(len(cancelled), 1)
        self.assertEqual(cancelled.scope3_co2e_kg, 0.0)
        # bills without an order and sold products: categories 3, 5, 6, 11 and 12
        other = self.Entry.search(
            [("activity_id.source_type", "in", ("bill_line", "invoice_line"))]
        )
        self.assertTrue({3, 5, 6, 11, 12} <= set(other.category_id.mapped("number")))
        # two currencies
        self.assertEqual(set(orders.currency_id.mapped("name")), {"EUR", "USD"})
