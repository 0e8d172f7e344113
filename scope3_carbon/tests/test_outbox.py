# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mute_logger

from ..models.scope3_outbox_event import MAX_ATTEMPTS
from .common import Scope3Common

OUTBOX_LOGGER = "odoo.addons.scope3_carbon.models.scope3_outbox_event"


@tagged("post_install", "-at_install")
class TestOutbox(Scope3Common):
    def _events(self, order):
        return self.Event.search(
            [
                ("aggregateid", "=", str(order.id)),
                ("aggregatetype", "=", "purchase.order"),
            ]
        )

    def test_confirm_writes_event_and_wakes_cron(self):
        triggers_before = self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)])
        order = self.create_order([(self.steel, 10, 1000.0)])
        order.button_confirm()
        event = self._events(order)
        self.assertEqual(len(event), 1)
        self.assertEqual(event.state, "pending")
        self.assertEqual(event.type, "purchase.order.confirmed")
        self.assertEqual(event.payload["name"], order.name)
        self.assertEqual(event.payload["lines"][0]["price_subtotal"], 10000.0)
        self.assertEqual(event.correlation_id, f"purchase.order:{order.id}")
        self.assertTrue(event.idempotency_key.startswith(f"purchase.order:{order.id}:"))
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)]),
            triggers_before + 1,
        )
        # Debezium outbox router columns
        self.env.cr.execute(
            "SELECT aggregatetype, aggregateid, type, payload->>'name' "
            "FROM scope3_outbox_event WHERE id = %s",
            [event.id],
        )
        self.assertEqual(
            self.env.cr.fetchone(),
            ("purchase.order", str(order.id), "purchase.order.confirmed", order.name),
        )

    def test_same_event_twice_changes_nothing(self):
        order = self.create_order([(self.steel, 10, 1000.0)])
        order.button_confirm()
        # capturing the same event again in the same transaction is ignored (idempotency
        # key)
        self.assertEqual(order._scope3_capture("purchase.order.confirmed"), 0)
        event = self._events(order)
        self.assertEqual(len(event), 1)
        self.run_attribution()
        self.assertEqual(event.state, "done")
        self.assertEqual(event.attempts, 1)
        # processing the same event again, directly and after re-queueing it
        event._scope3_process()
        event.write({"state": "pending"})
        self.run_attribution()
        self.assertEqual(event.state, "done")
        # a new event for the same order (e.g. re-sent by an integration) as well
        order._scope3_capture("purchase.order.reattribute")
        self.run_attribution()
        entries = self.entries_of(order)
        self.assertEqual(len(entries), 1)
        self.assertEqual(entries.co2e_kg, 7870.0)
        self.assertEqual(order.scope3_co2e_kg, 7870.0)

    def test_failure_retries_with_backoff_then_fails_visibly(self):
        """No EUR rate on or before 2021-06-01: the event fails, is retried with backoff,
        and after MAX_ATTEMPTS stays failed with its error; the order is confirmed anyway."""
        order = self.create_order(
            [(self.steel, 1, 100.0)], date="2021-06-01 10:00:00", currency=self.eur
        )
        order.button_confirm()
        self.assertEqual(order.state, "purchase")
        event = self._events(order)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            with mute_logger(OUTBOX_LOGGER):
                self.run_attribution()
            self.assertEqual(event.attempts, attempt)
            self.assertIn("No EUR exchange rate on or before 2021-06-01", event.error)
            if attempt < MAX_ATTEMPTS:
                self.assertEqual(event.state, "pending")
                self.assertGreater(event.next_attempt_at, fields.Datetime.now())
                # not due yet: the cron leaves it alone
                self.run_attribution()
                self.assertEqual(event.attempts, attempt)
                event.next_attempt_at = fields.Datetime.now() - timedelta(hours=1)
        self.assertEqual(event.state, "failed")
        self.assertFalse(self.entries_of(order))

        # the rate arrives; a manager retries the failed event
        self.env["res.currency.rate"].create(
            {
                "name": "2021-01-01",
                "rate": 0.85,
                "currency_id": self.eur.id,
                "company_id": self.company.id,
            }
        )
        event.action_retry()
        self.assertEqual(event.state, "pending")
        self.run_attribution()
        self.assertEqual(event.state, "done")
        self.assertFalse(event.error)
        # 100 EUR / 0.85 = 117.647... -> 117.65 USD of 2021 (cent rounding);
        # in 2022 USD: x 292.655 / 270.970 (US CPI-U) = 127.0650... -> 127.07;
        # x 0.787 (EPA v1.3, 331110) = 100.00409 -> 100.004 kg
        self.assertEqual(self.entries_of(order).co2e_kg, 100.004)

    def test_failing_event_does_not_block_others(self):
        bad = self.create_order(
            [(self.steel, 1, 100.0)], date="2021-06-01 10:00:00", currency=self.eur
        )
        good = self.create_order([(self.steel, 10, 1000.0)])
        (bad | good).button_confirm()
        self.run_attribution()
        self.assertEqual(self._events(good).state, "done")
        self.assertEqual(self._events(bad).state, "pending")
        self.assertEqual(self._events(bad).attempts, 1)
        self.assertEqual(self.entries_of(good).co2e_kg, 7870.0)

    def test_batches_report_progress(self):
        orders = self.create_order([(self.steel, 1, 100.0)]) | self.create_order(
            [(self.cement, 1, 100.0)]
        )
        orders.button_confirm()
        cron, progress = self.cron._add_progress()
        done = self.Event.with_context(ir_cron_progress_id=progress.id)._cron_process_events(
            batch_size=1
        )
        self.assertEqual(done, 1)
        self.assertEqual(progress.done, 1)
        self.assertEqual(progress.remaining, 1)
        self.run_attribution()
        self.assertEqual(set(self._events(orders[0]).mapped("state")), {"done"})
        self.assertEqual(set(self._events(orders[1]).mapped("state")), {"done"})


@tagged("post_install", "-at_install")
class TestProcessingModes(Scope3Common):
    def _set_mode(self, mode):
        settings = self.env["res.config.settings"].create({"scope3_processing_mode": mode})
        settings.execute()
        self.assertEqual(self.Event._scope3_processing_mode(), mode)

    def _triggers(self):
        return self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)])

    def test_inline_attributes_in_the_users_transaction(self):
        self._set_mode("inline")
        triggers = self._triggers()
        order = self.create_order([(self.steel, 10, 1000.0)])
        order.button_confirm()
        # no cron run: the entry is there as soon as the order is confirmed
        # 10 x 1,000 USD of 2022, NAICS 331110 at 0.787 (EPA v1.3 with margins) = 7,870.000 kg
        self.assertEqual(self.entries_of(order).mapped("co2e_kg"), [7870.0])
        self.assertEqual(order.scope3_co2e_kg, 7870.0)
        event = self.Event.search([("aggregateid", "=", str(order.id))])
        self.assertEqual(event.state, "done")
        self.assertEqual(self._triggers(), triggers)

    def test_batch_waits_for_the_scheduled_run(self):
        self._set_mode("batch")
        triggers = self._triggers()
        order = self.create_order([(self.steel, 10, 1000.0)])
        order.button_confirm()
        self.assertEqual(self._triggers(), triggers)
        self.assertFalse(self.entries_of(order))
        self.run_attribution()
        self.assertEqual(self.entries_of(order).mapped("co2e_kg"), [7870.0])

    def test_near_real_time_wakes_the_cron(self):
        self._set_mode("near_real_time")
        triggers = self._triggers()
        order = self.create_order([(self.steel, 10, 1000.0)])
        order.button_confirm()
        self.assertEqual(self._triggers(), triggers + 1)
        self.assertFalse(self.entries_of(order))
