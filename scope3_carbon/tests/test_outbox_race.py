# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Changes made while a worker processes the same document, and a worker killed between
its claim and its commit, on real PostgreSQL connections.

Like ``test_concurrent_workers``, the test commits through independent connections
(``odoo.sql_db.db_connect``) and deletes everything it committed at the end.

Figures: EPA USEEIO v1.3 with margins, NAICS 331110 = 0.787 kg CO2e per 2022 USD (shipped
``data/scope3.factor.csv``); USD orders dated 2022-06-15, bills dated 2022-07-01: no
conversion, no deflation.
"""

import logging
import time

from psycopg2.extensions import TransactionRollbackError

from odoo import Command
from odoo.tests import Form, TransactionCase, tagged
from odoo.tools import mute_logger

from ..models.scope3_outbox_event import LEASE_PARAM
from .common_connections import RealConnectionsMixin

_logger = logging.getLogger(__name__)


@tagged("post_install", "-at_install")
class TestOutboxRace(RealConnectionsMixin, TransactionCase):
    def setUp(self):
        super().setUp()
        self.dbname = self.env.cr.dbname
        self.created = {"orders": [], "products": [], "partners": []}
        with self._cursor() as cr:
            env = self._env(cr)
            cr.execute("SELECT COALESCE(max(id), 0) FROM ir_cron_trigger")
            self.max_trigger_before = cr.fetchone()[0]
            cr.execute("SELECT COALESCE(max(id), 0) FROM scope3_outbox_event")
            self.max_event_before = cr.fetchone()[0]
            company = env.ref("base.main_company")
            self.company_id = company.id
            self.factor_set_before = company.scope3_spend_factor_set_id.id
            self.lease_before = env["ir.config_parameter"].get_param(LEASE_PARAM)
        self.addCleanup(self._cleanup)
        # events that are not the test's (e.g. of demo data) are locked by a guard
        # transaction, so the test's workers (SKIP LOCKED) leave them alone
        self.guard = self._cursor()
        self.guard.execute(
            "SELECT id FROM scope3_outbox_event WHERE id <= %s "
            "AND state IN ('pending', 'processing') FOR UPDATE",
            [self.max_event_before],
        )
        self.addCleanup(self._release_guard)

    def _release_guard(self):
        self.guard.rollback()
        self.guard.close()

    # ------------------------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------------------------
    def _setup_order(self, qty=10, price=100.0):
        """A confirmed order, attributed, committed."""
        with self._cursor() as cr:
            env = self._env(cr)
            company = env["res.company"].browse(self.company_id)
            # the test's own setting, restored at the end: not a change to restate
            company.with_context(scope3_no_restatement=True).scope3_spend_factor_set_id = env.ref(
                "scope3_carbon.scope3_factor_set_epa_useeio_v1_3"
            )
            vendor = env["res.partner"].create({"name": "Race Steel Mill"})
            self.created["partners"].append(vendor.id)
            product = env["product.product"].create(
                {
                    "name": "Race steel coil",
                    "type": "consu",
                    "scope3_naics_code": "331110",
                    "supplier_taxes_id": [Command.clear()],
                }
            )
            self.created["products"].append(product.id)
            order = env["purchase.order"].create(
                {
                    "partner_id": vendor.id,
                    "company_id": company.id,
                    "currency_id": company.currency_id.id,
                    "date_order": "2022-06-15 10:00:00",
                    "order_line": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "product_qty": qty,
                                "price_unit": price,
                                "taxes_id": [Command.clear()],
                            }
                        )
                    ],
                }
            )
            self.created["orders"].append(order.id)
            order.button_confirm()
            cr.commit()  # pylint: disable=invalid-commit  # independent test cursor
        self._drain()
        return order.id

    def _events(self, cr, order_id):
        cr.execute(
            "SELECT id, state, attempts, worker FROM scope3_outbox_event "
            "WHERE aggregatetype = 'purchase.order' AND aggregateid = %s ORDER BY id",
            [str(order_id)],
        )
        return cr.fetchall()

    def _drain(self, max_rounds=20):
        """Run the cron method on its own connection until none of the test's events is
        due (retries made due at once), each batch committed as the cron does."""
        for _round in range(max_rounds):
            with self._cursor() as cr:
                cr.execute(
                    "UPDATE scope3_outbox_event SET next_attempt_at = NULL "
                    "WHERE state = 'pending' AND id > %s",
                    [self.max_event_before],
                )
                cr.execute(
                    "SELECT count(*) FROM scope3_outbox_event WHERE id > %s "
                    "AND state IN ('pending', 'processing')",
                    [self.max_event_before],
                )
                if not cr.fetchone()[0]:
                    return
                cr.commit()  # pylint: disable=invalid-commit  # independent test cursor
                env = self._env(cr, scope3_commit=True)
                with mute_logger("odoo.sql_db"):
                    try:
                        env["scope3.outbox.event"]._cron_process_events(batch_size=50)
                    except TransactionRollbackError:
                        cr.rollback()
        self.fail("events of the test still due after the cron ran repeatedly")

    def _ledger(self, order_id):
        """(net kg as text, entries, entries reversed twice, active entries)"""
        with self._cursor() as cr:
            cr.execute(
                """
                SELECT round(COALESCE(sum(co2e_kg), 0), 3)::text, count(*),
                       count(*) FILTER (WHERE reversed_entry_id IS NULL AND NOT EXISTS (
                           SELECT 1 FROM scope3_emission_entry r
                            WHERE r.reversed_entry_id = e.id))
                  FROM scope3_emission_entry e WHERE purchase_order_id = %s
                """,
                [order_id],
            )
            net, count, active = cr.fetchone()
            cr.execute(
                "SELECT count(*) FROM (SELECT reversed_entry_id FROM scope3_emission_entry "
                "WHERE purchase_order_id = %s AND reversed_entry_id IS NOT NULL "
                "GROUP BY reversed_entry_id HAVING count(*) > 1) t",
                [order_id],
            )
            return net, count, cr.fetchone()[0], active

    def _race(self, order_id, change):
        """A worker claims the order's pending event (committed), takes its snapshot and
        holds its transaction; meanwhile ``change`` runs and commits on another
        connection; then the worker processes from its snapshot and commits, and the
        cron runs again."""
        worker = self._cursor()
        try:
            env = self._env(worker)
            claimed = env["scope3.outbox.event"]._scope3_claim(10, worker="race-worker")
            self.assertTrue(claimed, "the worker claims the order's event")
            worker.commit()  # pylint: disable=invalid-commit  # the claim, before the work
            # the worker's snapshot: the document as it is before the change
            worker.execute("SELECT count(*) FROM purchase_order_line")
            with self._cursor() as other:
                change(self._env(other))
                # the change gets an event of its own, not merged into the claimed one
                states = [row[1] for row in self._events(other, order_id)]
                self.assertEqual(states[-1], "pending")
                self.assertIn("processing", states)
                other.commit()  # pylint: disable=invalid-commit  # independent test cursor
            with mute_logger("odoo.sql_db"):
                try:
                    claimed._scope3_process()
                    worker.commit()  # pylint: disable=invalid-commit  # worker's batch
                except TransactionRollbackError:
                    worker.rollback()
        finally:
            worker.close()
        self._drain()

    def _pending_event(self, order_id):
        with self._cursor() as cr:
            env = self._env(cr)
            env["purchase.order"].browse(order_id)._scope3_capture("purchase.order.reattribute")
            cr.commit()  # pylint: disable=invalid-commit  # independent test cursor

    # ------------------------------------------------------------------------------------
    # Tests
    # ------------------------------------------------------------------------------------
    def test_edit_during_processing_is_counted(self):
        order_id = self._setup_order()
        # 10 x 100 x 0.787 = 787.000
        self.assertEqual(self._ledger(order_id), ("787.000", 1, 0, 1))
        self._pending_event(order_id)

        def edit(env):
            env["purchase.order"].browse(order_id).order_line.product_qty = 20

        self._race(order_id, edit)
        # 20 x 100 x 0.787 = 1,574.000: one entry, reversed once, one new
        self.assertEqual(self._ledger(order_id), ("1574.000", 3, 0, 1))
        with self._cursor() as cr:
            self.assertEqual({row[1] for row in self._events(cr, order_id)}, {"done"})

    def test_return_during_processing_is_counted(self):
        order_id = self._setup_order()
        with self._cursor() as cr:
            env = self._env(cr)
            picking = env["purchase.order"].browse(order_id).picking_ids
            picking.move_ids.quantity = 10
            picking.move_ids.picked = True
            picking.button_validate()
            cr.commit()  # pylint: disable=invalid-commit  # independent test cursor
        self._drain()
        # received 10: 787.000 (receipt stage)
        self.assertEqual(self._ledger(order_id)[0], "787.000")
        self._pending_event(order_id)

        def return_4(env):
            picking = env["purchase.order"].browse(order_id).picking_ids
            wizard = Form(
                env["stock.return.picking"].with_context(
                    active_id=picking.id, active_model="stock.picking"
                )
            ).save()
            wizard.product_return_moves.quantity = 4
            returned = env["stock.picking"].browse(wizard.action_create_returns()["res_id"])
            returned.move_ids.quantity = 4
            returned.move_ids.picked = True
            returned.button_validate()

        self._race(order_id, return_4)
        # received 10 - 4 = 6: 6 x 100 x 0.787 = 472.200
        net, _count, twice, active = self._ledger(order_id)
        self.assertEqual((net, twice, active), ("472.200", 0, 1))

    def test_bill_reset_and_reposted_during_processing(self):
        order_id = self._setup_order()
        with self._cursor() as cr:
            env = self._env(cr)
            order = env["purchase.order"].browse(order_id)
            picking = order.picking_ids
            picking.move_ids.quantity = 10
            picking.move_ids.picked = True
            picking.button_validate()
            bill = env["account.move"].browse(order.action_create_invoice()["res_id"])
            bill.invoice_date = "2022-07-01"
            bill.action_post()
            bill_id = bill.id
            cr.commit()  # pylint: disable=invalid-commit  # independent test cursor
        self._drain()
        self.assertEqual(self._ledger(order_id)[0], "787.000")
        self._pending_event(order_id)

        def reset_edit_repost(env):
            bill = env["account.move"].browse(bill_id)
            bill.button_draft()
            bill.invoice_line_ids.price_unit = 120.0
            bill.action_post()

        self._race(order_id, reset_edit_repost)
        # billed 10 x 120 = 1,200 USD x 0.787 = 944.400 (bill stage)
        net, _count, twice, active = self._ledger(order_id)
        self.assertEqual((net, twice, active), ("944.400", 0, 1))

    def test_killed_worker_lease_expires_event_reprocessed(self):
        with self._cursor() as cr:
            self._env(cr)["ir.config_parameter"].set_param(LEASE_PARAM, "2")
            cr.commit()  # pylint: disable=invalid-commit  # independent test cursor
        order_id = self._setup_order()
        self._pending_event(order_id)
        with self._cursor() as cr:
            env = self._env(cr)
            env["purchase.order"].browse(order_id).order_line.product_qty = 30
            cr.commit()  # pylint: disable=invalid-commit  # independent test cursor
        worker = self._cursor()
        env = self._env(worker)
        claimed = env["scope3.outbox.event"]._scope3_claim(10, worker="doomed-worker")
        self.assertEqual(len(claimed), 2)  # both pending events of the order, coalesced
        worker.commit()  # pylint: disable=invalid-commit  # the claim, before the work
        worker.execute("SELECT pg_backend_pid()")
        pid = worker.fetchone()[0]
        claimed._scope3_dispatch()
        env.flush_all()
        # the worker is killed between its claim and its commit
        with self._cursor() as killer:
            killer.execute("SELECT pg_terminate_backend(%s)", [pid])
            self.assertTrue(killer.fetchone()[0])
        with mute_logger("odoo.sql_db"):
            try:
                worker.close()
            except Exception:  # noqa: BLE001 - the connection is gone, as intended
                _logger.info("Scope 3 race test: the killed worker's connection is gone")
        with self._cursor() as cr:
            rows = self._events(cr, order_id)
            self.assertEqual(
                [(r[1], r[2], r[3]) for r in rows[-2:]],
                [("processing", 1, "doomed-worker")] * 2,
            )
        self.assertEqual(self._ledger(order_id), ("787.000", 1, 0, 1))  # nothing committed
        # before the lease expires, nobody takes the events
        with self._cursor() as cr:
            self.assertFalse(self._env(cr)["scope3.outbox.event"]._scope3_claim(10, "early"))
            cr.rollback()
        time.sleep(2.5)
        self._drain()
        with self._cursor() as cr:
            rows = self._events(cr, order_id)
            self.assertEqual({r[1] for r in rows}, {"done"})
            self.assertEqual([r[2] for r in rows[-2:]], [2, 2])  # the killed attempt counted
        # 30 x 100 x 0.787 = 2,361.000: 0 lost, 0 duplicated
        self.assertEqual(self._ledger(order_id), ("2361.000", 3, 0, 1))

    # ------------------------------------------------------------------------------------
    # Cleanup
    # ------------------------------------------------------------------------------------
    def _cleanup(self):
        order_ids = tuple(self.created["orders"]) or (0,)
        with self._cursor() as cr:
            self._delete_ledger_rows(
                cr, "purchase_order_id IN %s OR event_id > %s", [order_ids, self.max_event_before]
            )
            cr.execute("DELETE FROM scope3_activity WHERE purchase_order_id IN %s", [order_ids])
            cr.execute("DELETE FROM scope3_outbox_event WHERE id > %s", [self.max_event_before])
            cr.execute(
                "SELECT DISTINCT move_id FROM account_move_line WHERE purchase_line_id IN "
                "(SELECT id FROM purchase_order_line WHERE order_id IN %s)",
                [order_ids],
            )
            bill_ids = tuple(row[0] for row in cr.fetchall()) or (0,)
            cr.execute("DELETE FROM account_move_line WHERE move_id IN %s", [bill_ids])
            cr.execute("DELETE FROM account_move WHERE id IN %s", [bill_ids])
            cr.execute(
                "SELECT group_id FROM purchase_order WHERE id IN %s AND group_id IS NOT NULL",
                [order_ids],
            )
            group_ids = tuple(row[0] for row in cr.fetchall()) or (0,)
            cr.execute(
                "SELECT id FROM stock_picking WHERE group_id IN %s OR id IN (SELECT picking_id "
                "FROM stock_move WHERE purchase_line_id IN (SELECT id FROM purchase_order_line "
                "WHERE order_id IN %s))",
                [group_ids, order_ids],
            )
            picking_ids = tuple(row[0] for row in cr.fetchall()) or (0,)
            cr.execute("SELECT id FROM stock_picking WHERE return_id IN %s", [picking_ids])
            picking_ids += tuple(row[0] for row in cr.fetchall())
            cr.execute(
                "DELETE FROM stock_valuation_layer WHERE product_id IN %s",
                [tuple(self.created["products"]) or (0,)],
            )
            cr.execute("DELETE FROM stock_move_line WHERE picking_id IN %s", [picking_ids])
            cr.execute(
                "DELETE FROM stock_move WHERE picking_id IN %s OR purchase_line_id IN "
                "(SELECT id FROM purchase_order_line WHERE order_id IN %s)",
                [picking_ids, order_ids],
            )
            cr.execute("DELETE FROM stock_picking WHERE id IN %s", [picking_ids])
            cr.execute("DELETE FROM purchase_order_line WHERE order_id IN %s", [order_ids])
            cr.execute("DELETE FROM purchase_order WHERE id IN %s", [order_ids])
            cr.execute("DELETE FROM procurement_group WHERE id IN %s", [group_ids])
            env = self._env(cr, scope3_no_capture=True)
            products = env["product.product"].browse(self.created["products"]).exists()
            env["product.supplierinfo"].search(
                [("product_tmpl_id", "in", products.product_tmpl_id.ids)]
            ).unlink()
            products.product_tmpl_id.unlink()
            env["res.partner"].browse(self.created["partners"]).exists().unlink()
            cr.execute("DELETE FROM ir_cron_trigger WHERE id > %s", [self.max_trigger_before])
            env["res.company"].browse(self.company_id).with_context(
                scope3_no_restatement=True  # the test's own setting, restored
            ).write({"scope3_spend_factor_set_id": self.factor_set_before or False})
            env["ir.config_parameter"].set_param(LEASE_PARAM, self.lease_before or False)
