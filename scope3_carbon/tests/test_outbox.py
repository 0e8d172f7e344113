# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import psycopg2

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

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

    def test_deterministic_failure_fails_at_once_visibly(self):
        """No EUR rate on or before 2021-06-01: a ``UserError``, the same at every try:
        the event fails at its first attempt with its message and full traceback, the
        order is confirmed anyway, and the event names its document."""
        order = self.create_order(
            [(self.steel, 1, 100.0)], date="2021-06-01 10:00:00", currency=self.eur
        )
        order.button_confirm()
        self.assertEqual(order.state, "purchase")
        event = self._events(order)
        self.run_attribution()
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.attempts, 1)
        self.assertIn("No EUR exchange rate on or before 2021-06-01", event.error)
        self.assertIn("Traceback (most recent call last)", event.exc_info)
        self.assertIn("UserError", event.exc_info)
        self.assertFalse(event.lease_until)
        self.assertEqual(event.document_ref, order)
        self.assertFalse(self.entries_of(order))
        # not claimed again
        self.run_attribution()
        self.assertEqual(event.attempts, 1)

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
        self.assertEqual(self._events(bad).state, "failed")
        self.assertEqual(self._events(bad).attempts, 1)
        self.assertEqual(self.entries_of(good).co2e_kg, 7870.0)

    def test_claim_marks_processing_and_coalesces(self):
        """Two events of one order (two transactions' worth): claimed together, marked
        processing with the worker, a lease and the attempt counted, before any work."""
        order = self.create_order([(self.steel, 10, 1000.0)])
        order.button_confirm()
        first = self._events(order)
        first._scope3_mark_done()  # as if processed by an earlier transaction
        order._scope3_capture("purchase.order.reattribute")
        first.sudo().write({"state": "pending"})
        events = self._events(order)
        self.assertEqual(len(events), 2)
        claimed = self.Event._scope3_claim(1, worker="test-worker")
        self.assertEqual(claimed, events)  # the second event coalesced with the first
        self.assertEqual(set(claimed.mapped("state")), {"processing"})
        self.assertEqual(set(claimed.mapped("worker")), {"test-worker"})
        self.assertTrue(all(e.lease_until > fields.Datetime.now() for e in claimed))
        self.assertEqual(claimed.mapped("attempts"), [1, 1])
        # another worker does not take a document under a live lease
        self.assertFalse(self.Event._scope3_claim(10, worker="other"))
        # a new change of the document meanwhile gets its own event, left pending
        order._scope3_capture("purchase.order.reattribute")
        self.assertEqual(len(self._events(order)), 3)
        self.assertFalse(self.Event._scope3_claim(10, worker="other"))
        claimed._scope3_process()
        self.assertEqual(set(claimed.mapped("state")), {"done"})
        self.assertEqual(self._events(order).sorted("id")[-1].state, "pending")
        self.run_attribution()
        self.assertEqual(set(self._events(order).mapped("state")), {"done"})
        self.assertEqual(self.entries_of(order).co2e_kg, 7870.0)

    def test_expired_lease_is_claimed_again(self):
        order = self.create_order([(self.steel, 10, 1000.0)])
        order.button_confirm()
        event = self.Event._scope3_claim(10, worker="dead-worker")
        self.assertEqual(event, self._events(order))
        # the worker died: nothing else happens until the lease expires
        self.assertFalse(self.Event._scope3_claim(10, worker="other"))
        self.env.cr.execute(
            "UPDATE scope3_outbox_event SET lease_until = now() at time zone 'UTC' "
            "- interval '1 second' WHERE id = %s",
            [event.id],
        )
        self.Event.invalidate_model()
        self.assertEqual(self.Event._scope3_claim(10, worker="other"), event)
        self.assertEqual((event.worker, event.attempts), ("other", 2))
        event._scope3_process()
        self.assertEqual(event.state, "done")
        self.assertEqual(self.entries_of(order).co2e_kg, 7870.0)

    def test_manager_cannot_mark_an_event_done(self):
        manager = self.env["res.users"].create(
            {
                "name": "Carbon Manager",
                "login": "s3_outbox_manager",
                "groups_id": [(4, self.env.ref("scope3_carbon.group_scope3_manager").id)],
            }
        )
        order = self.create_order([(self.steel, 10, 1000.0)])
        order.button_confirm()
        event = self._events(order).with_user(manager)
        for vals in ({"state": "done"}, {"attempts": 0}, {"lease_until": False}):
            with self.assertRaises(AccessError):
                event.write(vals)
        self.assertEqual(event.state, "pending")

    def test_retention_removes_old_done_events_entries_keep_key(self):
        order = self.create_order([(self.steel, 10, 1000.0)])
        order.button_confirm()
        self.run_attribution()
        event = self._events(order)
        entry = self.entries_of(order)
        self.assertEqual(entry.event_key, event.idempotency_key)
        key, correlation = event.idempotency_key, event.correlation_id
        self.assertEqual(self.Event._cron_purge_done(days=30), 0)  # too recent
        self.env.cr.execute(
            "UPDATE scope3_outbox_event SET processed_at = processed_at - interval '31 days' "
            "WHERE id = %s",
            [event.id],
        )
        self.assertEqual(self.Event._cron_purge_done(days=30), 1)
        self.assertFalse(event.exists())
        self.assertFalse(entry.event_id)
        self.assertEqual((entry.event_key, entry.correlation_id), (key, correlation))
        self.assertEqual(entry._scope3_verify()[entry], [])
        # the ledger's other protections still hold
        with self.assertRaises(psycopg2.Error), mute_logger("odoo.sql_db"):
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    "UPDATE scope3_emission_entry SET event_key = 'x' WHERE id = %s", [entry.id]
                )

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
