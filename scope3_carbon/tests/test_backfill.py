# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Historical attribution: documents created with capture off, attributed afterwards,
give the ledger live capture gives for the same documents.

Figures: EPA USEEIO v1.3 with margins (shipped ``data/scope3.factor.csv``), NAICS 331110 =
0.787 and 327310 = 3.924 kg CO2e per 2022 USD; EUR rates of ``Scope3Common`` (0.9 EUR per
USD from 2022-01-01, 0.8 from 2022-07-01).
"""

from odoo import fields
from odoo.tests import Form, tagged

from .common import Scope3Common


@tagged("post_install", "-at_install")
class TestBackfill(Scope3Common):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.steel.is_storable = True
        cls.env.user.groups_id += cls.env.ref("account.group_account_manager")
        cls.expense = cls.env["account.account"].search(
            [("account_type", "=", "expense"), ("company_ids", "in", cls.company.id)], limit=1
        )

    def _receive(self, picking, quantities, backorder=True):
        for move in picking.move_ids:
            move.quantity = quantities.get(move.product_id, 0.0)
        picking.move_ids.picked = True
        action = picking.button_validate()
        if isinstance(action, dict) and action.get("res_model") == "stock.backorder.confirmation":
            wizard = Form(
                self.env["stock.backorder.confirmation"].with_context(**action["context"])
            ).save()
            if backorder:
                wizard.process()
            else:
                wizard.process_cancel_backorder()

    def _bill(self, order, date, refund_qty=None):
        action = order.action_create_invoice()
        bill = self.env["account.move"].browse(action["res_id"])
        bill.invoice_date = date
        if refund_qty is not None:
            bill.invoice_line_ids.quantity = refund_qty
        bill.action_post()
        return bill

    def _history(self, live):
        """Mixed history: a confirmed order; one received partly (backorder); one in EUR
        received, billed, 2 units returned and refunded; a bill without order. With
        ``live``, each step is attributed as it happens; otherwise capture is off."""
        env = self.env if live else self.env(context=dict(self.env.context, scope3_no_capture=True))
        step = self.run_attribution if live else (lambda: None)
        docs = {}
        a = self.create_order([(self.steel, 10, 100.0), (self.cement, 4, 50.0)])
        a.with_env(env).button_confirm()
        step()
        b = self.create_order([(self.steel, 20, 100.0)], date="2022-03-01 10:00:00")
        b = b.with_env(env)
        b.button_confirm()
        step()
        self._receive(b.picking_ids, {self.steel: 12})
        step()
        c = self.create_order(
            [(self.steel, 5, 200.0)], date="2022-08-10 10:00:00", currency=self.eur
        ).with_env(env)
        c.button_confirm()
        self._receive(c.picking_ids, {self.steel: 5})
        step()
        self._bill(c, "2022-08-20")
        step()
        wizard = Form(
            env["stock.return.picking"].with_context(
                active_id=c.picking_ids.id, active_model="stock.picking"
            )
        ).save()
        wizard.product_return_moves.quantity = 2
        returned = env["stock.picking"].browse(wizard.action_create_returns()["res_id"])
        self._receive(returned, {self.steel: 2})
        step()
        self._bill(c, "2022-08-25")  # the refund of the 2 units returned
        step()
        bill = env["account.move"].create(
            {
                "move_type": "in_invoice",
                "partner_id": self.vendor.id,
                "invoice_date": "2022-05-05",
                "invoice_line_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": self.cement.id,
                            "quantity": 3,
                            "price_unit": 100.0,
                            "account_id": self.expense.id,
                            "tax_ids": [(5, 0, 0)],
                        },
                    )
                ],
            }
        )
        bill.action_post()
        step()
        docs.update(a=a, b=b, c=c, bill=bill)
        return docs

    def _totals(self, docs):
        """Net kg and active (stage, kg) figures per document."""
        Entry = self.Entry.sudo()
        result = {}
        for name, doc in docs.items():
            field = "account_move_id" if doc._name == "account.move" else "purchase_order_id"
            entries = Entry.search([(field, "=", doc.id)])
            active = entries.filtered(lambda e: not e.is_reversal and not e.is_reversed)
            result[name] = (
                round(sum(entries.mapped("co2e_kg")), 3),
                sorted((e.stage, e.co2e_kg, str(e.date)) for e in active),
            )
        return result

    def _backfill(self, chunk_size=2, date_from="2022-01-01"):
        run = self.env["scope3.backfill"].create(
            {"date_from": date_from, "chunk_size": chunk_size, "company_id": self.company.id}
        )
        run.action_start()
        return run

    def _run_to_end(self, run, max_chunks=500):
        for _chunk in range(max_chunks):
            if run.state != "running":
                return
            run._scope3_run_chunk()
        self.fail("the historical attribution did not finish")

    def test_backfill_equals_live_capture(self):
        live = self._totals(self._history(live=True))
        history = self._history(live=False)
        self.assertEqual(
            {name: total[0] for name, total in self._totals(history).items()},
            dict.fromkeys(history, 0.0),
            "capture off: nothing in the ledger",
        )
        run = self._backfill()
        self.assertEqual(run.state, "running")
        self.assertGreaterEqual(run.total_count, 6)  # 3 orders, 3 transfers, 3 bills at least
        run._scope3_run_chunk()
        self.assertEqual((run.done_count, run.chunk_count), (2, 1))
        self.assertTrue(run.eta)
        self.assertGreater(run.progress, 0.0)
        self._run_to_end(run)
        self.run_attribution()  # what the handlers enqueued (freight guard), as live
        self.assertEqual(run.state, "done")
        self.assertEqual(run.done_count, run.total_count)
        self.assertEqual(run.progress, 100.0)
        self.assertEqual(run.failed_count, 0)
        self.assertEqual(self._totals(history), live)
        # exact figures: a = 10 x 100 x 0.787 + 4 x 50 x 3.924 = 787.000 + 784.800;
        # b received 12 of 20: 12 x 100 x 0.787 = 944.400; bill: 3 x 100 x 3.924 = 1,177.200
        self.assertEqual(live["a"][0], 1571.8)
        self.assertEqual(live["b"][0], 944.4)
        self.assertEqual(live["bill"][0], 1177.2)

        # idempotent: a second run changes nothing
        entries = self.Entry.sudo().search_count([])
        second = self._backfill(chunk_size=50)
        self._run_to_end(second)
        self.assertEqual(second.done_count, second.total_count)
        self.assertEqual(self.Entry.sudo().search_count([]), entries)

    def test_interrupted_backfill_resumes_with_same_totals(self):
        live = self._totals(self._history(live=True))
        history = self._history(live=False)
        run = self._backfill(chunk_size=1)
        run._scope3_run_chunk()
        done, position = run.done_count, (run.kind, run.last_id)
        # the worker dies in the middle of the next chunk: its transaction is rolled back
        with self.assertRaises(RuntimeError), self.env.cr.savepoint():
            run._scope3_run_chunk()
            raise RuntimeError("killed")
        run.invalidate_recordset()
        self.assertEqual((run.done_count, (run.kind, run.last_id)), (done, position))
        # the cron starts again where the run stopped
        for _chunk in range(500):
            if run.state != "running":
                break
            self.env["scope3.backfill"]._cron_run()
        self.run_attribution()
        self.assertEqual(run.state, "done")
        self.assertEqual(self._totals(history), live)

    def test_settings_start_backfill(self):
        settings = self.env["res.config.settings"].create(
            {"scope3_backfill_date_from": "2022-01-01"}
        )
        action = settings.action_scope3_start_backfill()
        run = self.env["scope3.backfill"].browse(action["res_id"])
        self.assertEqual((run.state, str(run.date_from)), ("running", "2022-01-01"))

    def test_offered_right_after_install(self):
        """After the installation Odoo launches the open to-dos (``ir.module.module.next``,
        what the Apps screen does once a module is installed): the history form, with the
        start of last year proposed, from which the administrator starts the run."""
        todo = self.env.ref("scope3_carbon.scope3_backfill_todo")
        todo.state = "open"  # as after a fresh installation (the test database's ran)
        self.env["ir.actions.todo"].search([("id", "!=", todo.id)]).state = "done"
        admin = self.env.ref("base.user_admin")
        action = self.env["ir.module.module"].with_user(admin).next()
        self.assertEqual((action["res_model"], action["view_mode"]), ("scope3.backfill", "form"))
        self.assertEqual(todo.state, "done")  # offered once
        form = Form(self.env["scope3.backfill"].with_user(admin).with_context(**action["context"]))
        last_year = fields.Date.today().year - 1
        self.assertEqual(str(form.date_from), f"{last_year}-01-01")
        form.date_from = "2022-01-01"
        run = form.save()
        run.with_user(admin).action_start()
        self._run_to_end(run)
        self.assertEqual(run.state, "done")
