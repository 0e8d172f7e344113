# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Two attribution cron workers on the same backlog, with real concurrent transactions.

The other tests run in the test transaction, where concurrency cannot happen. This one
commits its data through independent connections (``odoo.sql_db.db_connect``), runs two
threads that each call the cron method on their own connection and commit each batch as
the cron does, then checks the ledger in a fresh transaction: no duplicate entry, no
missing entry, no entry reversed twice. Everything it committed is deleted at the end
(``addCleanup``, so also when an assertion fails), and the row counts of the tables it
touched are compared with those before the test.
"""

import logging
import threading
import time
import traceback
from decimal import Decimal

from psycopg2.extensions import TransactionRollbackError

from odoo import SUPERUSER_ID, Command, api
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, mute_logger

from .common_connections import RealConnectionsMixin

_logger = logging.getLogger(__name__)

OUTBOX_LOGGER = "odoo.addons.scope3_carbon.models.scope3_outbox_event"
#: EPA USEEIO v1.3, NAICS 331110 (iron and steel mills), kg CO2e per 2022 USD at
#: purchaser price; the orders are dated 2022 in USD: no conversion, no deflation
FACTOR = Decimal("0.787")
N_ORDERS = 30
N_LINES = 5
#: orders 0..19 get a second event before the first round (reattribute)
DOUBLED = range(0, 20)
#: second round: orders 0..9 are cancelled (cancel + reattribute events), orders 10..19
#: get a re-sent confirmation and a reattribute event (nothing changes)
CANCELLED = range(0, 10)
BATCH_SIZE = 4
ROUND_TIMEOUT = 120  # seconds, per round of the two workers
IDLE_ROUNDS = 2  # checks in a row without any pending event of the test before stopping
#: tables whose row counts must be the same before and after the test
TABLES = (
    "scope3_emission_entry",
    "scope3_activity",
    "scope3_outbox_event",
    "purchase_order",
    "purchase_order_line",
    "stock_picking",
    "stock_move",
    "stock_move_line",
    "procurement_group",
    "product_product",
    "product_template",
    "product_supplierinfo",
    "res_partner",
    "mail_message",
    "mail_followers",
    "ir_cron_trigger",
)


def line_figures(order_index, line_index):
    """Quantity, unit price (whole USD) and expected kg CO2e of a line.

    kg = qty x price x 0.787, exact to the gram: whole dollars times a factor with three
    decimals. E.g. order 2, line 3: qty 4, price 100 x 3 + 10 x 3 = 330 USD, spend
    4 x 330 = 1,320 USD, 1,320 x 0.787 = 1,038.840 kg CO2e.
    """
    qty = line_index + 1
    price = 100 * (order_index + 1) + 10 * line_index
    return qty, price, Decimal(qty) * Decimal(price) * FACTOR


class _CountRecords(logging.Handler):
    """Counts the outbox's "batch failed, retrying one by one" records."""

    def __init__(self):
        super().__init__(logging.INFO)
        self.count = 0

    def emit(self, record):
        if record.getMessage().startswith("Scope 3 batch of"):
            self.count += 1


@tagged("post_install", "-at_install")
class TestConcurrentWorkers(RealConnectionsMixin, TransactionCase):
    """Two cron workers processing the same backlog concurrently (two cursors) produce
    no duplicate and no missing entry."""

    def setUp(self):
        super().setUp()
        self.dbname = self.env.cr.dbname
        # ids of what the test commits, filled as soon as each record exists
        self.created = {"orders": [], "products": [], "partners": []}
        with self._cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            self.counts_before = self._table_counts(cr)
            cr.execute("SELECT COALESCE(max(id), 0) FROM ir_cron_trigger")
            self.max_trigger_before = cr.fetchone()[0]
            company = env.ref("base.main_company")
            self.company_id = company.id
            self.factor_set_before = company.scope3_spend_factor_set_id.id
            self.cron_id = env.ref("scope3_carbon.ir_cron_scope3_attribute").id
        # runs after the cleanup (cleanups run last in, first out)
        self.addCleanup(self._assert_nothing_left)
        self.addCleanup(self._cleanup)

    # ------------------------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------------------------
    @staticmethod
    def _table_counts(cr):
        counts = {}
        for table in TABLES:
            cr.execute(SQL("SELECT count(*) FROM %s", SQL.identifier(table)))
            counts[table] = cr.fetchone()[0]
        return counts

    def _order_keys(self):
        return tuple(str(order_id) for order_id in self.created["orders"]) or ("0",)

    # ------------------------------------------------------------------------------------
    # Data (committed)
    # ------------------------------------------------------------------------------------
    def _create_orders(self):
        with self._cursor() as cr:
            env = self._env(cr)
            company = env["res.company"].browse(self.company_id)
            self.assertEqual(company.currency_id.name, "USD", "the expected figures are in USD")
            # the test's own setting, restored at the end: not a change to restate
            company.with_context(scope3_no_restatement=True).write(
                {
                    "scope3_spend_factor_set_id": env.ref(
                        "scope3_carbon.scope3_factor_set_epa_useeio_v1_3"
                    ).id
                }
            )
            vendor = env["res.partner"].create({"name": "Concurrent Steel Mill"})
            self.created["partners"].append(vendor.id)
            product = env["product.product"].create(
                {
                    "name": "Concurrent hot-rolled steel coil",
                    "type": "consu",
                    "scope3_naics_code": "331110",
                    "supplier_taxes_id": [Command.clear()],
                }
            )
            self.created["products"].append(product.id)
            orders = env["purchase.order"]
            for order_index in range(N_ORDERS):
                lines = []
                for line_index in range(N_LINES):
                    qty, price, _kg = line_figures(order_index, line_index)
                    lines.append(
                        Command.create(
                            {
                                "product_id": product.id,
                                "product_qty": qty,
                                "price_unit": price,
                                "taxes_id": [Command.clear()],
                            }
                        )
                    )
                order = orders.create(
                    {
                        "partner_id": vendor.id,
                        "company_id": company.id,
                        "currency_id": company.currency_id.id,
                        "date_order": "2022-06-15 10:00:00",
                        "order_line": lines,
                    }
                )
                self.created["orders"].append(order.id)
                orders |= order
            # The test needs its data committed for the workers' connections to see it.
            cr.commit()  # pylint: disable=invalid-commit
        return orders.ids

    def _enqueue_first_round(self, order_ids):
        """Confirm the orders 4 by 4 (one transaction per group), then give the doubled
        ones of the group a second event in a separate transaction: their two events are
        4 ids apart, so the two workers, claiming 4 events at a time, get one each."""
        with self._cursor() as cr:
            env = self._env(cr)
            orders = env["purchase.order"].browse(order_ids)
            for start in range(0, N_ORDERS, BATCH_SIZE):
                group = orders[start : start + BATCH_SIZE]
                group.button_confirm()
                cr.commit()  # pylint: disable=invalid-commit  # independent test cursor
                doubled = group.filtered(lambda o: orders.ids.index(o.id) in DOUBLED)
                if doubled:
                    doubled._scope3_capture("purchase.order.reattribute")
                    cr.commit()  # pylint: disable=invalid-commit  # independent test cursor
            self.assertEqual(set(orders.mapped("state")), {"purchase"})

    def _enqueue_second_round(self, order_ids):
        """Cancel orders 0..9 and give them a reattribute event too: both events reverse
        the same entries. Give orders 10..19 a confirmation event again (as an
        integration replaying the outbox would) and a reattribute event: both events
        keep the entries and update the same activities. Same layout as the first round:
        the two events of an order are 4 ids apart."""
        with self._cursor() as cr:
            env = self._env(cr)
            orders = env["purchase.order"].browse(order_ids)
            for start in range(0, len(DOUBLED), BATCH_SIZE):
                group = orders[start : start + BATCH_SIZE]
                cancel = group.filtered(lambda o: orders.ids.index(o.id) in CANCELLED)
                cancel.button_cancel()
                (group - cancel)._scope3_capture("purchase.order.confirmed")
                cr.commit()  # pylint: disable=invalid-commit  # independent test cursor
                group._scope3_capture("purchase.order.reattribute")
                cr.commit()  # pylint: disable=invalid-commit  # independent test cursor

    # ------------------------------------------------------------------------------------
    # Workers
    # ------------------------------------------------------------------------------------
    def _run_workers(self):
        """Two threads, each with its own connection, run the cron method until no event
        of the test is pending. Events of other tests or of the database are locked by a
        guard transaction, so the workers (``SKIP LOCKED``) leave them alone."""
        keys = self._order_keys()
        guard = self._cursor()
        try:
            guard.execute(
                "SELECT id FROM scope3_outbox_event WHERE state = 'pending' "
                "AND NOT (aggregatetype = 'purchase.order' AND aggregateid IN %s) FOR UPDATE",
                [keys],
            )
            stats = [
                {
                    "name": f"scope3-worker-{index}",
                    "events": 0,
                    "batches": 0,
                    "rolled_back": 0,
                    "woken": 0,
                    "failures": [],
                    "errors": [],
                }
                for index in range(2)
            ]
            barrier = threading.Barrier(len(stats))
            deadline = time.monotonic() + ROUND_TIMEOUT
            threads = [
                threading.Thread(
                    target=self._worker,
                    args=(stat, keys, barrier, deadline),
                    name=stat["name"],
                    daemon=True,
                )
                for stat in stats
            ]
            counter = _CountRecords()
            outbox_logger = logging.getLogger(OUTBOX_LOGGER)
            outbox_logger.addHandler(counter)
            try:
                # a serialization failure inside a worker is an expected outcome; Odoo's
                # cursor would log it as a "bad query" ERROR before the outbox catches it
                with mute_logger("odoo.sql_db"):
                    for thread in threads:
                        thread.start()
                    for thread in threads:
                        thread.join(ROUND_TIMEOUT + 30)
            finally:
                outbox_logger.removeHandler(counter)
        finally:
            guard.rollback()
            guard.close()
        self.assertFalse(
            [thread.name for thread in threads if thread.is_alive()],
            "a worker did not stop in time",
        )
        self.assertFalse([error for stat in stats for error in stat["errors"]])
        return stats, counter.count

    def _worker(self, stat, keys, barrier, deadline):
        thread = threading.current_thread()
        thread.dbname = self.dbname
        try:
            cr = self._cursor()
        except Exception as exc:  # noqa: BLE001 - reported by the main thread
            stat["errors"].append(repr(exc))
            return
        try:
            barrier.wait(timeout=30)
            idle = 0
            while idle < IDLE_ROUNDS:
                if time.monotonic() > deadline:
                    stat["errors"].append("round timeout: events still pending")
                    break
                try:
                    idle = self._worker_step(cr, stat, keys, idle)
                except TransactionRollbackError as exc:
                    # a serialization failure outside the outbox's savepoints (e.g. both
                    # workers making the same retries due at once): roll back, go on
                    cr.rollback()
                    stat["rolled_back"] += 1
                    where = [
                        frame.name
                        for frame in traceback.extract_tb(exc.__traceback__)
                        if "/scope3_carbon/" in frame.filename
                    ]
                    stat["failures"].append(
                        f"{str(exc).splitlines()[0]} (in {where[-1] if where else '?'})"
                    )
        except Exception as exc:  # noqa: BLE001 - reported by the main thread
            stat["errors"].append(repr(exc))
            cr.rollback()
        finally:
            cr.close()
            del thread.dbname

    def _worker_step(self, cr, stat, keys, idle):
        """One batch, committed as the cron does; or, when nothing is due, make the
        test's events that wait for their retry (30 s backoff) due again."""
        # scope3_commit: the claim is committed before the work, as in a cron job
        env = api.Environment(cr, SUPERUSER_ID, {"scope3_commit": True})
        done = env["scope3.outbox.event"]._cron_process_events(batch_size=BATCH_SIZE)
        # The worker's own connection: commit the batch as the cron job does.
        cr.commit()  # pylint: disable=invalid-commit
        if done:
            stat["batches"] += 1
            stat["events"] += done
            return 0
        cr.execute(
            "UPDATE scope3_outbox_event SET next_attempt_at = NULL "
            "WHERE state = 'pending' AND aggregatetype = 'purchase.order' "
            "AND aggregateid IN %s AND next_attempt_at IS NOT NULL RETURNING error",
            [keys],
        )
        woken = [row[0] for row in cr.fetchall()]
        cr.execute(
            "SELECT count(*) FROM scope3_outbox_event WHERE state = 'pending' "
            "AND aggregatetype = 'purchase.order' AND aggregateid IN %s",
            [keys],
        )
        pending = cr.fetchone()[0]
        # The worker's own connection: make the retries due now.
        cr.commit()  # pylint: disable=invalid-commit
        stat["woken"] += len(woken)
        stat["failures"] += [(error or "").splitlines()[0] if error else "" for error in woken]
        if pending:
            time.sleep(0.01)  # the other worker holds them; wait for its commit
            return 0
        return idle + 1

    # ------------------------------------------------------------------------------------
    # Checks (fresh transaction)
    # ------------------------------------------------------------------------------------
    def _check_ledger(self, order_ids, cancelled_ids, n_events):
        lines_expected = {}
        with self._cursor() as cr:
            cr.execute(
                "SELECT id, order_id FROM purchase_order_line WHERE order_id IN %s ORDER BY id",
                [tuple(order_ids)],
            )
            line_rows = cr.fetchall()
            self.assertEqual(len(line_rows), N_ORDERS * N_LINES)
            by_order = {}
            for line_id, order_id in line_rows:
                by_order.setdefault(order_id, []).append(line_id)
            for order_index, order_id in enumerate(order_ids):
                for line_index, line_id in enumerate(by_order[order_id]):
                    _qty, _price, kg = line_figures(order_index, line_index)
                    if order_id in cancelled_ids:
                        # one commitment entry and its reversal, net 0
                        lines_expected[line_id] = (0, 1, Decimal("0.000"), 2)
                    else:
                        lines_expected[line_id] = (1, 0, kg, 1)
            keys = tuple(str(order_id) for order_id in order_ids)

            cr.execute(
                "SELECT state, count(*), max(attempts) FROM scope3_outbox_event "
                "WHERE aggregatetype = 'purchase.order' AND aggregateid IN %s GROUP BY state",
                [keys],
            )
            states = {state: (count, attempts) for state, count, attempts in cr.fetchall()}
            self.assertEqual(list(states), ["done"], f"events not all done: {states}")
            self.assertEqual(states["done"][0], n_events)

            # per line: active entries (neither reversal nor reversed), reversals, net kg,
            # entries
            cr.execute(
                """
                SELECT l.id,
                       count(e.id) FILTER (WHERE e.reversed_entry_id IS NULL AND NOT EXISTS (
                           SELECT 1 FROM scope3_emission_entry r
                            WHERE r.reversed_entry_id = e.id)),
                       count(e.id) FILTER (WHERE e.reversed_entry_id IS NOT NULL),
                       round(COALESCE(sum(e.co2e_kg), 0), 3)::text,
                       count(e.id)
                  FROM purchase_order_line l
                  LEFT JOIN scope3_emission_entry e ON e.purchase_line_id = l.id
                 WHERE l.order_id IN %s
                 GROUP BY l.id
                """,
                [tuple(order_ids)],
            )
            # kg as text: Odoo's cursor would turn numeric into float
            actual = {row[0]: (row[1], row[2], Decimal(row[3]), row[4]) for row in cr.fetchall()}
            wrong = {
                line_id: (actual.get(line_id), expected)
                for line_id, expected in lines_expected.items()
                if actual.get(line_id) != expected
            }
            self.assertFalse(wrong, "line: ((active, reversals, net kg, entries), expected)")

            cr.execute(
                "SELECT count(*) FROM scope3_emission_entry WHERE purchase_order_id IN %s",
                [tuple(order_ids)],
            )
            self.assertEqual(
                cr.fetchone()[0], sum(expected[3] for expected in lines_expected.values())
            )
            cr.execute(
                "SELECT reversed_entry_id FROM scope3_emission_entry "
                "WHERE purchase_order_id IN %s AND reversed_entry_id IS NOT NULL "
                "GROUP BY reversed_entry_id HAVING count(*) > 1",
                [tuple(order_ids)],
            )
            self.assertFalse(cr.fetchall(), "an entry was reversed twice")
            # every entry comes from an event of these orders
            cr.execute(
                "SELECT count(*) FROM scope3_emission_entry e "
                "JOIN scope3_outbox_event ev ON ev.id = e.event_id "
                "WHERE e.purchase_order_id IN %s AND ev.aggregateid = e.purchase_order_id::text",
                [tuple(order_ids)],
            )
            self.assertEqual(
                cr.fetchone()[0], sum(expected[3] for expected in lines_expected.values())
            )

            # one activity per line, its stored net and the line's equal the ledger's
            cr.execute(
                """
                SELECT l.id, count(a.id), max(a.co2e_kg)::text, max(l.scope3_co2e_kg)::text,
                       max(a.state)
                  FROM purchase_order_line l
                  LEFT JOIN scope3_activity a ON a.purchase_line_id = l.id
                 WHERE l.order_id IN %s
                 GROUP BY l.id
                """,
                [tuple(order_ids)],
            )
            wrong = {}
            for line_id, count, activity_kg, line_kg, state in cr.fetchall():
                net = lines_expected[line_id][2]
                cancelled = lines_expected[line_id][3] == 2
                expected = (1, net, net, "cancelled" if cancelled else "attributed")
                got = (count, Decimal(activity_kg or "NaN"), Decimal(line_kg or "NaN"), state)
                if got != expected:
                    wrong[line_id] = (got, expected)
            self.assertFalse(wrong, "line: ((activities, activity kg, line kg, state), expected)")
            cr.execute(
                "SELECT o.id, o.scope3_co2e_kg, sum(l.scope3_co2e_kg) FROM purchase_order o "
                "JOIN purchase_order_line l ON l.order_id = o.id WHERE o.id IN %s "
                "GROUP BY o.id HAVING o.scope3_co2e_kg IS DISTINCT FROM sum(l.scope3_co2e_kg)",
                [tuple(order_ids)],
            )
            self.assertFalse(cr.fetchall(), "order kg CO2e differs from its lines'")

            cr.execute(
                "SELECT count(*), COALESCE(sum(attempts - 1), 0) FROM scope3_outbox_event "
                "WHERE aggregatetype = 'purchase.order' AND aggregateid IN %s AND attempts > 1",
                [keys],
            )
            return cr.fetchone()

    # ------------------------------------------------------------------------------------
    # Cleanup
    # ------------------------------------------------------------------------------------
    def _cleanup(self):
        """Delete everything the test committed and restore the company setting."""
        order_ids = tuple(self.created["orders"]) or (0,)
        keys = self._order_keys()
        with self._cursor() as cr:
            self._delete_ledger_rows(
                cr,
                "purchase_order_id IN %s OR event_id IN (SELECT id FROM scope3_outbox_event "
                "WHERE aggregatetype = 'purchase.order' AND aggregateid IN %s)",
                [order_ids, keys],
            )
            cr.execute(
                "DELETE FROM scope3_activity WHERE purchase_order_id IN %s "
                "OR purchase_line_id IN (SELECT id FROM purchase_order_line "
                "WHERE order_id IN %s)",
                [order_ids, order_ids],
            )
            cr.execute(
                "DELETE FROM scope3_outbox_event "
                "WHERE aggregatetype = 'purchase.order' AND aggregateid IN %s",
                [keys],
            )
            env = self._env(cr, scope3_no_capture=True)
            orders = env["purchase.order"].browse(order_ids).exists()
            orders.filtered(lambda o: o.state != "cancel").button_cancel()
            groups = orders.group_id
            orders.picking_ids.unlink()
            orders.unlink()
            groups.exists().unlink()
            products = env["product.product"].browse(self.created["products"]).exists()
            products.product_tmpl_id.unlink()
            env["res.partner"].browse(self.created["partners"]).exists().unlink()
            # the triggers this test's captures created (attribution cron, and the crons
            # of other installed add-ons woken by attribution, e.g. the agents)
            cr.execute("DELETE FROM ir_cron_trigger WHERE id > %s", [self.max_trigger_before])
            env["res.company"].browse(self.company_id).with_context(
                scope3_no_restatement=True  # the test's own setting, restored
            ).write({"scope3_spend_factor_set_id": self.factor_set_before or False})
            # committed by the context manager

    def _assert_nothing_left(self):
        with self._cursor() as cr:
            self.assertEqual(self._table_counts(cr), self.counts_before)
            cr.execute(
                "SELECT scope3_spend_factor_set_id FROM res_company WHERE id = %s",
                [self.company_id],
            )
            self.assertEqual(cr.fetchone()[0] or False, self.factor_set_before or False)
            cr.execute(
                "SELECT tgenabled FROM pg_trigger WHERE tgname = %s",
                ["scope3_emission_entry_append_only"],
            )
            self.assertEqual(cr.fetchone()[0], "O", "the append-only trigger is enabled")

    # ------------------------------------------------------------------------------------
    # Test
    # ------------------------------------------------------------------------------------
    def test_two_workers_same_backlog(self):
        started = time.monotonic()
        order_ids = self._create_orders()
        cancelled_ids = {order_ids[index] for index in CANCELLED}

        # round 1: 30 confirmations + 20 reattributions, first attribution of each line
        # (the activities are created: unique per purchase line)
        self._enqueue_first_round(order_ids)
        stats_1, batch_failures_1 = self._run_workers()
        n_events_1 = N_ORDERS + len(DOUBLED)
        _retried, failed_1 = self._check_ledger(order_ids, set(), n_events_1)

        # round 2: 10 cancellations, 10 re-sent confirmations, 20 reattributions; both
        # events of a cancelled order want to reverse the same entries (unique
        # reversed_entry_id), both events of the other orders update the same activities
        # (REPEATABLE READ: serialization failure)
        self._enqueue_second_round(order_ids)
        stats_2, batch_failures_2 = self._run_workers()
        n_events = n_events_1 + 2 * len(DOUBLED)
        retried, failed_attempts = self._check_ledger(order_ids, cancelled_ids, n_events)

        # every claim of a committed batch ends in done or in a failed attempt (attempts+1)
        for stats, expected in (
            (stats_1, n_events_1 + failed_1),
            (stats_2, n_events - n_events_1 + failed_attempts - failed_1),
        ):
            self.assertEqual(sum(stat["events"] for stat in stats), expected)
        for round_no, stats in ((1, stats_1), (2, stats_2)):
            for stat in stats:
                failures = {}
                for failure in stat["failures"]:
                    failures[failure] = failures.get(failure, 0) + 1
                _logger.info(
                    "Concurrent workers round %s, %s: %s events in %s batches, %s batch "
                    "transactions rolled back, %s events made due again after a failure %s",
                    round_no,
                    stat["name"],
                    stat["events"],
                    stat["batches"],
                    stat["rolled_back"],
                    stat["woken"],
                    failures,
                )
        _logger.info(
            "Concurrent workers: %s events of %s order lines processed by 2 workers in "
            "%.1f s; %s events needed a retry (%s failed attempts, %s in round 1), "
            "%s batches retried event by event",
            n_events,
            N_ORDERS * N_LINES,
            time.monotonic() - started,
            retried,
            failed_attempts,
            failed_1,
            batch_failures_1 + batch_failures_2,
        )
