# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import new_test_user, tagged

from .common import Scope3Common


@tagged("post_install", "-at_install")
class TestRestatement(Scope3Common):
    """Restatements of a company whose spend-based set is not pinned.

    Ledger before any change (EPA v1.3 with margins, 2022 USD, no deflation nor rate):
    - June order, 100 steel x 100 USD = 10,000 USD x 0.787 = 7,870.000 kg (category 1)
    - August order, 50 steel x 100 USD = 5,000 USD x 0.787 = 3,935.000 kg (category 1)
    - September order, 20 cement x 100 USD = 2,000 USD x 3.924 = 7,848.000 kg (category 2,
      from the product category) and 10 steel x 100 USD = 1,000 USD x 0.787 = 787.000 kg
    Total 20,440.000 kg, all dated in 2022.

    The new edition (valid from 2022-07-01) has 331110 = 0.9 and 327310 = 3.5:
    - August steel 5,000 x 0.9 = 4,500.000 (delta +565.000)
    - September cement 2,000 x 3.5 = 7,000.000 (delta -848.000)
    - September steel 1,000 x 0.9 = 900.000 (delta +113.000)
    - June order: before the new set's validity, unchanged.
    Per category: 1 -> +565 + 113 = +678.000; 2 -> -848.000. Per period: 2022-08 +565.000;
    2022-09 -848 + 113 = -735.000. Total 12,570.000 -> 12,400.000, delta -170.000.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # its own company: the demo data's activities stay out of the figures
        cls.company_r = cls._create_company(name="Restated Co.", currency_id=cls.usd.id)
        cls.category_2 = cls.env.ref("scope3_carbon.scope3_category_02")
        cls.cement.categ_id = cls.env["product.category"].create(
            {"name": "Construction materials", "scope3_category_id": cls.category_2.id}
        )
        managers = "scope3_carbon.group_scope3_manager,purchase.group_purchase_manager"
        company_ids = [Command.set((cls.company | cls.company_r).ids)]
        cls.manager_a = new_test_user(
            cls.env, login="s3_rs_manager_a", groups=managers, company_ids=company_ids
        )
        cls.manager_b = new_test_user(
            cls.env, login="s3_rs_manager_b", groups=managers, company_ids=company_ids
        )
        cls.carbon_user = new_test_user(
            cls.env,
            login="s3_rs_user",
            groups="scope3_carbon.group_scope3_user",
            company_ids=company_ids,
        )
        cls.o_june = cls.order_r([(cls.steel, 100)], "2022-06-15 10:00:00")
        cls.o_aug = cls.order_r([(cls.steel, 50)], "2022-08-10 10:00:00")
        cls.o_sep = cls.order_r([(cls.cement, 20), (cls.steel, 10)], "2022-09-20 10:00:00")
        cls.run_attribution()
        cls.Restatement = cls.env["scope3.restatement"]
        cls.Line = cls.env["scope3.restatement.line"]

    @classmethod
    def order_r(cls, lines, date, price=100.0):
        """A confirmed order of the restated company."""
        order = (
            cls.env["purchase.order"]
            .with_company(cls.company_r)
            .create(
                {
                    "partner_id": cls.vendor.id,
                    "company_id": cls.company_r.id,
                    "date_order": date,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "product_qty": qty,
                                "price_unit": price,
                                "taxes_id": False,
                            }
                        )
                        for product, qty in lines
                    ],
                }
            )
        )
        order.button_confirm()
        return order

    def ledger(self):
        """(date, kg) of every entry of the restated company, by date then id."""
        entries = self.Entry.search([("company_id", "=", self.company_r.id)], order="date, id")
        return [(str(e.date), e.co2e_kg) for e in entries]

    def total(self):
        entries = self.Entry.search([("company_id", "=", self.company_r.id)])
        return round(sum(entries.mapped("co2e_kg")), 3)

    def restatements(self, **links):
        domain = [("company_id", "=", self.company_r.id)]
        domain += [(name, "=", value.id) for name, value in links.items()]
        return self.Restatement.search(domain, order="id")

    def publish_new_edition(self, user=None):
        """A new edition of the EPA series (same source, newer edition date), published."""
        factor_set = self.env["scope3.factor.set"].create(
            {
                "name": "EPA supply chain factors, test edition",
                "source": "epa_supply_chain",
                "publisher": "US EPA",
                "edition": "v9.9-test",
                "edition_date": "2025-01-01",
                "valid_from": "2022-07-01",
                "gwp_basis": "ar5",
                "factor_type": "spend",
                "currency_id": self.usd.id,
                "price_year": 2022,
                "price_basis": "purchaser",
                "data_year": 2022,
                "region": "US",
            }
        )
        unit = "kg CO2e/2022 USD, purchaser price"
        self.env["scope3.factor"].create(
            [
                {
                    "set_id": factor_set.id,
                    "key": "331110",
                    "name": "Iron and Steel Mills and Ferroalloy Manufacturing",
                    "value": 0.9,
                    "value_without_margins": 0.88,
                    "margin_value": 0.02,
                    "unit": unit,
                },
                {
                    "set_id": factor_set.id,
                    "key": "327310",
                    "name": "Cement Manufacturing",
                    "value": 3.5,
                    "value_without_margins": 3.42,
                    "margin_value": 0.08,
                    "unit": unit,
                },
            ]
        )
        factor_set.with_user(user or self.manager_a).action_publish()
        return factor_set

    def deltas(self, restatement, group):
        return {
            (key.number if group == "category_id" else key): round(delta, 3)
            for key, delta in self.Line._read_group(
                [("restatement_id", "=", restatement.id)], [group], ["delta_kg:sum"]
            )
        }

    def approve_and_post(self, restatement):
        restatement.with_user(self.manager_b).action_approve()
        restatement.with_user(self.manager_b).action_post()

    def test_ledger_before(self):
        self.assertEqual(
            self.ledger(),
            [
                ("2022-06-15", 7870.0),
                ("2022-08-10", 3935.0),
                ("2022-09-20", 7848.0),
                ("2022-09-20", 787.0),
            ],
        )

    def test_new_factor_set_restates_exact_deltas_after_approval(self):
        before = self.ledger()
        factor_set = self.publish_new_edition()
        self.assertEqual(self.epa_v13.valid_to, fields.Date.to_date("2022-06-30"))
        restatement = self.restatements(factor_set_id=factor_set)
        self.assertEqual(
            (restatement.trigger, restatement.state, restatement.proposed_by_id),
            ("factor_set", "draft", self.manager_a),
        )
        self.assertEqual(str(restatement.scope_date_from), "2022-07-01")
        # the main company is pinned to EPA v1.3: no proposal for it
        self.assertFalse(
            self.Restatement.search(
                [("factor_set_id", "=", factor_set.id), ("company_id", "=", self.company.id)]
            )
        )
        self.run_attribution()  # the shadow run
        self.assertEqual(restatement.state, "proposed")
        # nothing changed in the ledger
        self.assertEqual(self.ledger(), before)
        activity = {line: line.scope3_activity_ids for line in (self.o_aug | self.o_sep).order_line}
        aug_steel = activity[self.o_aug.order_line]
        sep_cement, sep_steel = (activity[line] for line in self.o_sep.order_line)
        self.assertEqual(
            [
                (
                    line.activity_id,
                    line.stage,
                    line.category_id.number,
                    line.period,
                    line.current_kg,
                    line.restated_kg,
                    line.delta_kg,
                )
                for line in restatement.line_ids.sorted(
                    lambda line: (line.date, line.activity_id.id)
                )
            ],
            [
                (aug_steel, "commitment", 1, "2022-08", 3935.0, 4500.0, 565.0),
                (sep_cement, "commitment", 2, "2022-09", 7848.0, 7000.0, -848.0),
                (sep_steel, "commitment", 1, "2022-09", 787.0, 900.0, 113.0),
            ],
        )
        self.assertEqual(self.deltas(restatement, "category_id"), {1: 678.0, 2: -848.0})
        self.assertEqual(self.deltas(restatement, "period"), {"2022-08": 565.0, "2022-09": -735.0})
        self.assertEqual(
            (
                restatement.current_kg,
                restatement.restated_kg,
                restatement.delta_kg,
                restatement.activity_count,
                restatement.scanned_count,
            ),
            (12570.0, 12400.0, -170.0, 3, 3),
        )
        self.assertEqual(
            (str(restatement.date_from), str(restatement.date_to)), ("2022-08-10", "2022-09-20")
        )
        # no base year: -170 / 12,570 (current total of the restated entries) = -1.3524 %
        self.assertAlmostEqual(restatement.delta_pct, -1.3524, places=4)
        self.assertEqual(
            (restatement.reference_kg, restatement.significance_pct, restatement.is_significant),
            (12570.0, 5.0, False),
        )
        # a user reads it, only a manager decides
        self.assertEqual(
            self.Restatement.with_user(self.carbon_user).search_count(
                [("id", "=", restatement.id)]
            ),
            1,
        )
        with self.assertRaises(AccessError):
            restatement.with_user(self.carbon_user).action_approve()
        restatement.with_user(self.manager_b).action_approve()
        self.assertEqual(self.ledger(), before)  # approved, not posted yet
        restatement.with_user(self.manager_a).action_post()
        self.assertEqual((restatement.state, restatement.posted_by_id), ("posted", self.manager_a))
        # reversal + new entry per restated activity, posted as shadowed
        self.assertEqual(
            self.ledger(),
            [
                ("2022-06-15", 7870.0),
                ("2022-08-10", 3935.0),
                ("2022-08-10", -3935.0),
                ("2022-08-10", 4500.0),
                ("2022-09-20", 7848.0),
                ("2022-09-20", 787.0),
                ("2022-09-20", -7848.0),
                ("2022-09-20", 7000.0),
                ("2022-09-20", -787.0),
                ("2022-09-20", 900.0),
            ],
        )
        posted = restatement.entry_ids
        self.assertEqual(restatement.entry_count, 6)
        self.assertEqual(set(posted.mapped("stage")), {"commitment"})
        reversals = posted.filtered("is_reversal")
        self.assertEqual(
            sorted(reversals.reversed_entry_id.mapped("co2e_kg")), [787.0, 3935.0, 7848.0]
        )
        new = posted - reversals
        self.assertEqual(set(new.factor_set_id.ids), {factor_set.id})
        self.assertEqual(new.restatement_id, restatement)
        for entry in new:
            self.assertEqual(
                json.loads(entry.trace)["restatement"],
                {"id": restatement.id, "name": restatement.name},
            )
        self.assertTrue(posted.action_verify_trace())
        # the inventory report of 2022 lists it with what it changed in the period
        report = self.env["scope3.inventory.report"]._scope3_report_data(
            self.company_r, fields.Date.to_date("2022-01-01"), fields.Date.to_date("2022-12-31")
        )
        self.assertEqual(
            [(r["name"], r["delta_kg"]) for r in report["restatements"]],
            [(restatement.name, -170.0)],
        )
        # August only: +565.000
        report = self.env["scope3.inventory.report"]._scope3_report_data(
            self.company_r, fields.Date.to_date("2022-08-01"), fields.Date.to_date("2022-08-31")
        )
        self.assertEqual([r["delta_kg"] for r in report["restatements"]], [565.0])
        self.assertEqual(aug_steel.factor_id.set_id, factor_set)
        # totals = a fresh computation with the new set: 20,440 - 170 = 20,270
        self.assertEqual(self.total(), 20270.0)
        self.assertEqual(
            (aug_steel.co2e_kg, sep_cement.co2e_kg, sep_steel.co2e_kg), (4500.0, 7000.0, 900.0)
        )
        # a new identical order gives the restated figure: 1,000 USD x 0.9 = 900.000
        again = self.order_r([(self.steel, 10)], "2022-09-20 10:00:00")
        self.run_attribution()
        self.assertEqual(self.entries_of(again).co2e_kg, 900.0)
        # a later document event finds the restated figures and keeps them
        count = len(self.ledger())
        (self.o_aug | self.o_sep)._scope3_capture("purchase.order.reattribute")
        self.run_attribution()
        self.assertEqual(len(self.ledger()), count)
        # and a shadow run of the whole ledger has nothing left to restate
        check = self.Restatement.with_user(self.manager_a).create(
            {"company_id": self.company_r.id, "reason": "Check"}
        )
        self.run_attribution()  # a manual request is computed at once
        self.assertEqual((check.state, check.line_count, check.delta_kg), ("proposed", 0, 0.0))
        self.assertEqual(check.scanned_count, 5)
        self.assertTrue(check.message_ids.filtered(lambda m: "no entry changes" in m.body))
        with self.assertRaises(UserError):
            check.with_user(self.manager_b).action_approve()
        # a posted restatement stays
        with self.assertRaises(UserError):
            restatement.unlink()

    def test_four_eyes(self):
        self.company_r.scope3_four_eyes_restatement = True
        factor_set = self.publish_new_edition(user=self.manager_a)
        self.run_attribution()
        restatement = self.restatements(factor_set_id=factor_set)
        with self.assertRaisesRegex(UserError, "Four-eyes rule"):
            restatement.with_user(self.manager_a).action_approve()
        self.assertEqual(restatement.state, "proposed")
        restatement.with_user(self.manager_b).action_approve()
        self.assertEqual(
            (restatement.state, restatement.approved_by_id), ("approved", self.manager_b)
        )
        # the proposer may post what another manager approved
        restatement.with_user(self.manager_a).action_post()
        self.assertEqual(self.total(), 20270.0)

    def test_locked_period_adjusted_in_open_period(self):
        """Locked up to 2022-08-31: the August figures are restated on 2022-09-01."""
        self.company_r.scope3_lock_date = "2022-08-31"
        factor_set = self.publish_new_edition()
        self.run_attribution()
        restatement = self.restatements(factor_set_id=factor_set)
        aug = restatement.line_ids.filtered(lambda line: line.period == "2022-08")
        self.assertEqual(
            (str(aug.date), str(aug.entry_date), aug.is_locked_period, aug.delta_kg),
            ("2022-08-10", "2022-09-01", True, 565.0),
        )
        self.approve_and_post(restatement)
        original = self.entries_of(self.o_aug).filtered(lambda e: not e.restatement_id)
        reversal, new = restatement.entry_ids.filtered(
            lambda e: e.activity_id == original.activity_id
        ).sorted("id")
        self.assertEqual(
            [(str(e.date), e.co2e_kg, e.stage) for e in (original, reversal, new)],
            [
                ("2022-08-10", 3935.0, "commitment"),
                ("2022-09-01", -3935.0, "commitment"),
                ("2022-09-01", 4500.0, "commitment"),
            ],
        )
        self.assertEqual(reversal.reversed_entry_id, original)
        self.assertEqual((reversal.restatement_id, new.restatement_id), (restatement, restatement))
        # the open period's figures keep their own dates
        self.assertEqual(
            sorted(str(d) for d in (restatement.entry_ids - reversal - new).mapped("date")),
            ["2022-09-20"] * 4,
        )
        self.assertTrue(
            restatement.message_ids.filtered(lambda m: "are dated 2022-09-01" in m.body)
        )
        # a later event of the August order changes nothing (no entry in the locked period)
        count = len(self.ledger())
        self.o_aug._scope3_capture("purchase.order.reattribute")
        self.run_attribution()
        self.assertEqual(len(self.ledger()), count)
        self.assertEqual(self.total(), 20270.0)

    def test_post_refused_when_the_ledger_changed(self):
        factor_set = self.publish_new_edition()
        self.run_attribution()
        restatement = self.restatements(factor_set_id=factor_set)
        restatement.with_user(self.manager_b).action_approve()
        # the company pins EPA v1.3 after the approval: the approved figures no longer hold
        self.company_r.scope3_spend_factor_set_id = self.epa_v13
        before = self.ledger()
        with self.assertRaisesRegex(UserError, "Compute it again"):
            restatement.with_user(self.manager_b).action_post()
        self.assertEqual(self.ledger(), before)
        restatement.with_user(self.manager_b).action_compute()
        self.assertEqual((restatement.state, restatement.approved_by_id.id), ("draft", False))
        self.run_attribution()
        self.assertEqual((restatement.state, restatement.line_count), ("proposed", 0))

    # ------------------------------------------------------------------------------------
    # Bounded work: the shadow run and the posting chunk by chunk (one activity per chunk)
    # ------------------------------------------------------------------------------------
    RESTATED = [
        ("2022-06-15", 7870.0),
        ("2022-08-10", 3935.0),
        ("2022-08-10", -3935.0),
        ("2022-08-10", 4500.0),
        ("2022-09-20", 7848.0),
        ("2022-09-20", 787.0),
        ("2022-09-20", -7848.0),
        ("2022-09-20", 7000.0),
        ("2022-09-20", -787.0),
        ("2022-09-20", 900.0),
    ]

    def chunk_of(self, size):
        self.env["ir.config_parameter"].sudo().set_param(
            "scope3_carbon.restatement_chunk", str(size)
        )

    def run_jobs(self, restatement):
        """The restatement cron until the work under way is done; the calls it took."""
        calls = 0
        while restatement.job:
            self.assertLess(calls, 10, "the work must end")
            self.Restatement._cron_run_jobs()
            calls += 1
        return calls

    def test_shadow_run_and_posting_in_chunks(self):
        """Same lines, fingerprint and ledger as in one chunk (the figures of the class
        docstring), with one activity per chunk: 3 activities in the scope."""
        self.chunk_of(1)
        factor_set = self.publish_new_edition()
        restatement = self.restatements(factor_set_id=factor_set)
        self.run_attribution()  # the outbox handler starts the shadow run: first chunk
        self.assertEqual(
            (restatement.state, restatement.job, restatement.job_done, restatement.job_total),
            ("draft", "compute", 1, 3),
        )
        self.assertAlmostEqual(restatement.job_progress, 100.0 / 3)
        self.assertEqual(len(restatement.line_ids), 1)  # the August steel so far
        self.assertEqual(self.run_jobs(restatement), 2)  # the 2nd activity, the 3rd (last)
        self.assertEqual(
            (
                restatement.state,
                restatement.job_chunks,
                restatement.current_kg,
                restatement.restated_kg,
                restatement.delta_kg,
                restatement.activity_count,
                restatement.scanned_count,
                restatement.line_count,
            ),
            ("proposed", 3, 12570.0, 12400.0, -170.0, 3, 3, 3),
        )
        self.assertEqual(self.deltas(restatement, "category_id"), {1: 678.0, 2: -848.0})
        chunked_hash = restatement.shadow_hash
        # computed again in a single chunk: the same fingerprint
        self.chunk_of(1000)
        restatement.with_user(self.manager_b).action_compute()
        self.run_attribution()
        self.assertEqual((restatement.state, restatement.job), ("proposed", False))
        self.assertEqual(restatement.shadow_hash, chunked_hash)
        # posting: the click posts the first activity, the cron the others
        self.chunk_of(1)
        restatement.with_user(self.manager_b).action_approve()
        restatement.with_user(self.manager_a).action_post()
        self.assertEqual((restatement.state, restatement.job), ("approved", "post"))
        self.assertEqual(len(restatement.entry_ids), 2)  # August steel: reversal + new
        self.assertEqual(self.run_jobs(restatement), 2)  # September cement, then steel
        self.assertEqual((restatement.state, restatement.posted_by_id), ("posted", self.manager_a))
        self.assertEqual(self.ledger(), self.RESTATED)
        self.assertEqual(set(restatement.line_ids.mapped("post_state")), {"posted"})
        self.assertTrue(
            restatement.message_ids.filtered(
                lambda m: "Posted 6 entries (3 reversals) by" in m.body
            )
        )
        self.assertEqual(self.total(), 20270.0)

    def test_a_chunk_lost_in_a_crash_is_done_again(self):
        """A worker killed in the middle of a chunk loses that chunk's transaction only
        (stood for here by a savepoint rolled back): the next cron call resumes from the
        position the last committed chunk stored, and the result is the one-run result."""
        self.chunk_of(1)
        factor_set = self.publish_new_edition()
        restatement = self.restatements(factor_set_id=factor_set)
        self.run_attribution()  # chunk 1
        with self.assertRaises(KeyboardInterrupt), self.env.cr.savepoint():
            self.Restatement._cron_run_jobs()  # chunk 2 ...
            self.assertEqual(restatement.job_done, 2)
            raise KeyboardInterrupt  # ... killed before its commit
        self.env.invalidate_all()
        self.assertEqual((restatement.job_done, len(restatement.line_ids)), (1, 1))
        self.assertEqual(self.run_jobs(restatement), 2)
        self.assertEqual(
            (restatement.state, restatement.line_count, restatement.delta_kg),
            ("proposed", 3, -170.0),
        )
        # posting: the click's chunk, then a cron chunk lost, then the rest
        restatement.with_user(self.manager_b).action_approve()
        restatement.with_user(self.manager_a).action_post()
        with self.assertRaises(KeyboardInterrupt), self.env.cr.savepoint():
            self.Restatement._cron_run_jobs()
            raise KeyboardInterrupt
        self.env.invalidate_all()
        self.assertEqual(len(restatement.entry_ids), 2)
        self.run_jobs(restatement)
        self.assertEqual(restatement.state, "posted")
        self.assertEqual(self.ledger(), self.RESTATED)

    def test_posting_refused_when_an_activity_got_entries_since_the_shadow_run(self):
        factor_set = self.publish_new_edition()
        self.run_attribution()
        restatement = self.restatements(factor_set_id=factor_set)
        restatement.with_user(self.manager_b).action_approve()
        # the August order is edited after the shadow run: its ledger moves
        self.o_aug.order_line.product_qty = 60
        self.run_attribution()
        before = self.ledger()
        with self.assertRaisesRegex(UserError, "restated activity .* Nothing was posted"):
            restatement.with_user(self.manager_b).action_post()
        self.assertEqual(self.ledger(), before)
        self.assertEqual((restatement.state, restatement.job), ("approved", False))

    def test_posting_leaves_out_an_activity_changed_during_the_posting(self):
        """Chunk 1 (the click) posts the August steel; the September order is edited before
        the cron's turn (live capture reprocesses both its lines with today's
        configuration): the cron leaves both out, says so, and the restatement is posted
        for August only."""
        self.chunk_of(1)
        factor_set = self.publish_new_edition()
        restatement = self.restatements(factor_set_id=factor_set)
        self.run_attribution()
        self.run_jobs(restatement)
        restatement.with_user(self.manager_b).action_approve()
        restatement.with_user(self.manager_a).action_post()
        self.assertEqual(restatement.job, "post")
        aug_steel = self.o_aug.order_line.scope3_activity_ids
        september = self.o_sep.order_line.scope3_activity_ids
        cement_line = self.o_sep.order_line.filtered(lambda line: line.product_id == self.cement)
        cement_line.price_unit = 110.0
        self.run_attribution()  # live capture of the edit
        self.assertEqual(self.run_jobs(restatement), 2)
        self.assertEqual((restatement.state, restatement.stale_count), ("posted", 2))
        stale = restatement.line_ids.filtered(lambda line: line.post_state == "stale")
        self.assertEqual(stale.activity_id, september)
        self.assertEqual(restatement.entry_ids.activity_id, aug_steel)
        self.assertEqual(sorted(restatement.entry_ids.mapped("co2e_kg")), [-3935.0, 4500.0])
        self.assertTrue(
            restatement.message_ids.filtered(
                lambda m: "2 restated activities changed while the posting" in m.body
            )
        )

    def test_significance_against_base_year(self):
        """Base year 2022: inventory 20,440.000 kg; -170 / 20,440 = -0.83170 %."""
        self.company_r.write({"scope3_base_year": 2022, "scope3_significance_pct": 0.84})
        factor_set = self.publish_new_edition()
        self.run_attribution()
        restatement = self.restatements(factor_set_id=factor_set)
        self.assertEqual(restatement.reference_kg, 20440.0)
        self.assertAlmostEqual(restatement.delta_pct, -0.8317, places=4)
        self.assertFalse(restatement.is_significant)
        self.company_r.scope3_significance_pct = 0.83
        restatement.with_user(self.manager_a).action_compute()
        self.run_attribution()
        self.assertEqual((restatement.significance_pct, restatement.is_significant), (0.83, True))

    def test_supplier_footprint_acceptance(self):
        """An accepted footprint of 1.85 kg CO2e per kg, 1 kg per unit, valid from 2022:
        June 100 units -> 185.000 (-7,685.000), August 50 -> 92.500 (-3,842.500),
        September 10 -> 18.500 (-768.500); cement unchanged. Total 12,592.000 -> 296.000."""
        footprint = self.env["scope3.supplier.footprint"].create(
            {
                "partner_id": self.vendor.id,
                "product_id": self.steel.id,
                "company_id": self.company_r.id,
                "pcf_kg": 1.85,
                "declared_unit": "kilogram",
                "unitary_product_amount": 1.0,
                "valid_from": "2022-01-01",
            }
        )
        before = self.ledger()
        footprint.with_user(self.manager_a).action_accept()
        self.assertEqual(footprint.status, "active")
        restatement = self.restatements(supplier_footprint_id=footprint)
        self.assertEqual(restatement.trigger, "supplier_footprint")
        self.run_attribution()
        self.assertEqual(self.ledger(), before)
        self.assertEqual(
            [
                (line.period, line.current_kg, line.restated_kg, line.delta_kg)
                for line in restatement.line_ids.sorted("date")
            ],
            [
                ("2022-06", 7870.0, 185.0, -7685.0),
                ("2022-08", 3935.0, 92.5, -3842.5),
                ("2022-09", 787.0, 18.5, -768.5),
            ],
        )
        self.assertEqual(
            (restatement.current_kg, restatement.restated_kg, restatement.delta_kg),
            (12592.0, 296.0, -12296.0),
        )
        self.approve_and_post(restatement)
        self.assertEqual(self.total(), 20440.0 - 12296.0)
        new = restatement.entry_ids.filtered(lambda e: not e.is_reversal)
        self.assertEqual(set(new.mapped("resolution_level")), {"supplier"})
        self.assertEqual(new.supplier_footprint_id, footprint)

    def test_mapping_rule_changes(self):
        """A rule maps the unmapped service: 500 USD x 3.924 = 1,962.000 kg (category 2);
        changed to 331110: 500 x 0.787 = 393.500 kg (delta -1,568.500)."""
        service = self.order_r([(self.unmapped, 1)], "2022-09-20 10:00:00", price=500.0)
        self.run_attribution()
        activity = service.order_line.scope3_activity_ids
        self.assertEqual((activity.state, activity.co2e_kg), ("unmapped", 0.0))
        rule = (
            self.env["scope3.mapping.rule"]
            .with_user(self.manager_a)
            .create(
                {
                    "name": "Services as cement",
                    "company_id": self.company_r.id,
                    "product_id": self.unmapped.id,
                    "naics_code": "327310",
                    "category_id": self.category_2.id,
                }
            )
        )
        restatement = self.restatements(mapping_rule_id=rule)
        self.assertEqual((restatement.trigger, restatement.state), ("mapping_rule", "draft"))
        self.run_attribution()
        self.assertEqual(activity.state, "unmapped")
        self.assertEqual(
            [
                (line.activity_id, line.category_id.number, line.current_kg, line.restated_kg)
                for line in restatement.line_ids
            ],
            [(activity, 2, 0.0, 1962.0)],
        )
        # nothing counted before: the whole figure is new, as significant as can be
        self.assertEqual((restatement.delta_pct, restatement.is_significant), (100.0, True))
        self.approve_and_post(restatement)
        self.assertEqual((activity.state, activity.co2e_kg), ("attributed", 1962.0))
        self.assertEqual(activity.entry_ids.mapping_rule_id, rule)

        rule.with_user(self.manager_a).naics_code = "331110"
        changed = self.restatements(mapping_rule_id=rule) - restatement
        self.assertEqual(len(changed), 1)
        self.run_attribution()
        self.assertEqual(activity.co2e_kg, 1962.0)
        self.assertEqual(
            [(line.current_kg, line.restated_kg, line.delta_kg) for line in changed.line_ids],
            [(1962.0, 393.5, -1568.5)],
        )
        # a second change before the decision widens the same proposal
        rule.with_user(self.manager_a).naics_code = "327310"
        self.assertEqual(self.restatements(mapping_rule_id=rule), restatement | changed)
        self.assertEqual(changed.state, "draft")
        self.run_attribution()
        self.assertEqual((changed.state, changed.line_count), ("proposed", 0))

    def test_one_cause_per_restatement(self):
        """The price basis moves to producer prices (factors without margins), then the new
        edition is published. The edition's restatement shows only the factor effect (the
        exact deltas of the docstring, at purchaser prices as the entries were computed);
        the settings change has its own restatement, whose deltas are only the margins
        (EPA v1.3 without margins: 331110 = 0.769, 327310 = 3.846, file
        SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv, column "Supply Chain
        Emission Factors without Margins")."""
        self.company_r.scope3_spend_price_basis = "producer"
        settings = self.Restatement.search(
            [("company_id", "=", self.company_r.id), ("trigger", "=", "settings")]
        )
        self.assertEqual(len(settings), 1)
        self.assertIn("Spend Price Basis", settings.reason)
        factor_set = self.publish_new_edition()
        self.run_attribution()
        restatement = self.restatements(factor_set_id=factor_set)
        self.assertEqual(
            [
                (ln.current_kg, ln.restated_kg, ln.delta_kg)
                for ln in restatement.line_ids.sorted(lambda ln: (ln.date, ln.activity_id.id))
            ],
            [(3935.0, 4500.0, 565.0), (7848.0, 7000.0, -848.0), (787.0, 900.0, 113.0)],
        )
        self.assertEqual(restatement.delta_kg, -170.0)
        # the margins alone: June 10,000 x 0.769 = 7,690 (-180); August 5,000 x 0.769 =
        # 3,845 (-90); September cement 2,000 x 3.846 = 7,692 (-156), steel 1,000 x 0.769
        # = 769 (-18): -444.000
        self.assertEqual(settings.state, "proposed")
        self.assertEqual(
            sorted(round(ln.delta_kg, 3) for ln in settings.line_ids),
            [-180.0, -156.0, -90.0, -18.0],
        )
        self.assertEqual(settings.delta_kg, -444.0)

    def test_naics_change_of_a_product_proposes_a_restatement(self):
        """Cement (bought in September, 20 x 100 USD) moves from NAICS 327310 (3.924) to
        331110 (0.787): 2,000 x 3.924 = 7,848.000 -> 2,000 x 0.787 = 1,574.000 kg, delta
        -6,274.000; nothing changes before the restatement is posted."""
        before = self.ledger()
        line = self.o_sep.order_line.filtered(lambda ol: ol.product_id == self.cement)
        activity = line.scope3_activity_ids
        self.assertEqual(activity.co2e_kg, 7848.0)
        self.cement.product_tmpl_id.with_user(self.manager_a).scope3_naics_code = "331110"
        restatement = self.Restatement.search(
            [("company_id", "=", self.company_r.id), ("trigger", "=", "product_factor")]
        )
        self.assertEqual(len(restatement), 1)
        self.assertIn("Portland cement", restatement.reason)
        self.run_attribution()
        self.assertEqual(restatement.state, "proposed")
        self.assertEqual(
            [(ln.activity_id, ln.current_kg, ln.restated_kg) for ln in restatement.line_ids],
            [(activity, 7848.0, 1574.0)],
        )
        self.assertEqual(restatement.delta_kg, -6274.0)
        self.assertEqual(self.ledger(), before)  # nothing moved before the decision
        # the reconciliation sweep does not take the pending change for a drift either
        run = self.env["scope3.reconciliation.run"].create({"partner_id": self.vendor.id})
        self.assertEqual(run._scope3_sweep().drift_count, 0)
        self.assertEqual(self.ledger(), before)
        self.approve_and_post(restatement)
        self.assertEqual(activity.co2e_kg, 1574.0)
        # a product category's code proposes one too (products without a code of their own)
        self.cement.product_tmpl_id.scope3_naics_code = False
        self.cement.categ_id.with_user(self.manager_a).scope3_naics_code = "327310"
        self.assertEqual(
            self.Restatement.search_count(
                [("company_id", "=", self.company_r.id), ("trigger", "=", "product_factor")]
            ),
            3,
        )

    def test_reject_and_cancel(self):
        factor_set = self.publish_new_edition()
        self.run_attribution()
        restatement = self.restatements(factor_set_id=factor_set)
        before = self.ledger()
        restatement.with_user(self.manager_b).action_reject()
        self.assertEqual(restatement.state, "rejected")
        with self.assertRaises(UserError):
            restatement.with_user(self.manager_b).action_approve()
        with self.assertRaises(UserError):
            restatement.with_user(self.manager_b).action_compute()
        self.assertEqual(self.ledger(), before)
        # a manual request cancelled before the cron computes it
        request = self.Restatement.with_user(self.manager_a).create(
            {"company_id": self.company_r.id, "scope_date_from": "2022-09-01"}
        )
        self.assertEqual(request.trigger, "manual")
        request.action_cancel()
        self.run_attribution()
        self.assertEqual((request.state, request.line_count), ("cancelled", 0))
        with self.assertRaises(AccessError):
            self.Restatement.with_user(self.carbon_user).create({"company_id": self.company_r.id})
