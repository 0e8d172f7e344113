# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import fields
from odoo.tests import Form, new_test_user, tagged

from .. import core
from .common import AgentsCommon


class _DryRun(Exception):
    """Rolls a dry run back."""


@tagged("post_install", "-at_install")
class TestClassification(AgentsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # a vendor whose name says nothing about what it sells
        cls.vendor = cls.env["res.partner"].create({"name": "Zedd GmbH"})
        Product = cls.env["product.product"]
        cls.p_cement = Product.create({"name": "Portland cement 25 kg bag", "type": "service"})
        cls.p_software = Product.create({"name": "Custom software development", "type": "service"})
        cls.p_widget = Product.create({"name": "Widget A", "type": "service"})
        cls.p_zorbex = Product.create({"name": "Zorbex tabs, mint", "type": "service"})
        cls.unmapped_products = cls.p_cement | cls.p_software | cls.p_widget | cls.p_zorbex
        cls.orders = cls.env["purchase.order"]
        for product in cls.unmapped_products:
            cls.orders |= cls.create_order([(product, 1, 100.0)])
        cls.confirm(cls.orders)
        cls.run_attribution()

    def _proposals(self):
        findings = self.findings_about(self.unmapped_products, agent=self.cls_agent)
        return {
            (f.res_id, f.proposal.get("naics_code") or f.proposal["action"], f.state)
            for f in findings.filtered(lambda f: f.state != "rejected")
        }

    def test_proposals_and_abstentions(self):
        self.assertEqual(
            set(
                self.env["scope3.activity"]
                .search([("purchase_order_id", "in", self.orders.ids)])
                .mapped("state")
            ),
            {"unmapped"},
        )
        run = self.run_agent(self.cls_agent)
        self.assertEqual(run.state, "done", run.error)
        # nothing in the titles, the lexicon or the approved mappings is close to "Widget A"
        # or "Zorbex tabs": the agent proposes no code and asks a person
        self.assertEqual(
            self._proposals(),
            {
                (self.p_cement.id, "327310", "proposed"),
                (self.p_software.id, "541511", "proposed"),
                (self.p_widget.id, "needs_review", "open"),
                (self.p_zorbex.id, "needs_review", "open"),
            },
        )
        cement = self.findings_about(self.p_cement, agent=self.cls_agent)
        self.assertEqual((cement.kind, cement.category), ("classification", "classification"))
        inputs = cement.evidence["inputs"]
        self.assertEqual(inputs["model"], core.MODEL_VERSION)
        self.assertIn("Portland cement 25 kg bag", inputs["text"])
        best = inputs["candidates"][0]
        self.assertEqual(best["code"], "327310")
        # the confidence is the calibrated probability of the logged score and margin
        other = next(c for c in inputs["candidates"] if inputs["groups"][c["code"]] != "327310")
        self.assertAlmostEqual(
            cement.confidence,
            core.calibrated_confidence(
                inputs["calibration"], best["score"], best["score"] - other["score"]
            ),
            places=4,
        )
        self.assertGreaterEqual(cement.confidence, self.cls_agent.min_confidence)
        # the evidence, in words: the nearest document, its source, what approving does
        self.assertIn("327310", cement.explanation)
        self.assertIn("approved mapping", cement.explanation)
        self.assertIn("Approving writes NAICS 327310", cement.explanation)
        widget = self.findings_about(self.p_widget, agent=self.cls_agent)
        self.assertEqual(
            (widget.proposal, widget.confidence, widget.approve_primary),
            ({"action": "needs_review", "reason": "no_match"}, 0.0, False),
        )
        self.assertIn("proposes nothing", widget.explanation)
        # recommend never changes data
        self.assertFalse(self.p_cement.scope3_naics_code)

    def test_primary_button_follows_the_confidence(self):
        self.run_agent(self.cls_agent)
        cement = self.findings_about(self.p_cement, agent=self.cls_agent)
        self.cls_agent.threshold = min(cement.confidence + 0.001, 1.0)
        self.assertFalse(cement.approve_primary)
        self.cls_agent.threshold = cement.confidence
        self.assertTrue(cement.approve_primary)

    def test_abstains_below_min_confidence(self):
        self.run_agent(self.cls_agent)
        software = self.findings_about(self.p_software, agent=self.cls_agent)
        # a stricter manager: the same evidence is no longer enough
        self.cls_agent.min_confidence = software.confidence + 0.001
        result = core.evaluate(
            "classification", software.evidence["inputs"], self.cls_agent._scope3_params()
        )
        self.assertEqual(
            (result["proposal"]["action"], result["proposal"]["reason"]),
            ("needs_review", "low_confidence"),
        )
        self.assertEqual(result["proposal"]["best_guess"], "541511")

    def test_act_applies_above_threshold_and_reattributes(self):
        # a dry run (rolled back) tells the two confidences
        confidences = {}
        try:
            with self.env.cr.savepoint():
                self.run_agent(self.cls_agent)
                for product in self.p_cement | self.p_software:
                    confidences[product] = self.findings_about(
                        product, agent=self.cls_agent
                    ).confidence
                raise _DryRun()
        except _DryRun:
            self.env.invalidate_all()
        self.assertFalse(self.findings_about(self.p_cement, agent=self.cls_agent))
        self.assertNotEqual(confidences[self.p_cement], confidences[self.p_software])
        # a threshold between the two confidences: only the stronger one is applied
        threshold = sum(confidences.values()) / 2
        stronger = max(confidences, key=confidences.get)
        self.cls_agent.write({"autonomy": "act", "threshold": threshold})
        self.run_agent(self.cls_agent)
        applied = self.findings_about(self.p_cement | self.p_software, agent=self.cls_agent)
        self.assertEqual({f.res_id for f in applied if f.state == "applied"}, {stronger.id})
        self.assertTrue(stronger.scope3_naics_code)
        if stronger == self.p_cement:
            self.run_attribution()
            activity = self.env["scope3.activity"].search([("product_id", "=", self.p_cement.id)])
            self.assertEqual(activity.state, "attributed")
            self.assertEqual(activity.factor_id.key, "327310")
            # 100 USD x 3.924 kg/USD (EPA v1.3, 327310) = 392.4 kg
            self.assertAlmostEqual(activity.co2e_kg, 392.4, places=3)

    def test_rejection_is_remembered_and_learned(self):
        self.cls_agent.min_confidence = 0.0
        self.run_agent(self.cls_agent)
        cement = self.findings_about(self.p_cement, agent=self.cls_agent)
        cement.with_user(self.carbon_manager).action_reject(note="these bags are resold")
        self.run_agent(self.cls_agent)
        findings = self.findings_about(self.p_cement, agent=self.cls_agent)
        self.assertEqual(len(findings), 2)
        new = findings - cement
        self.assertEqual(cement.state, "rejected")
        self.assertNotEqual(new.proposal.get("naics_code"), "327310")
        self.assertEqual(new.evidence["inputs"]["rejected"], ["327310"])
        # a third run proposes nothing new
        self.run_agent(self.cls_agent)
        self.assertEqual(self.findings_about(self.p_cement, agent=self.cls_agent), findings)

    def test_learns_from_approved_mappings(self):
        self.run_agent(self.cls_agent)
        zorbex = self.findings_about(self.p_zorbex, agent=self.cls_agent)
        self.assertEqual(zorbex.proposal["action"], "needs_review")
        # the company maps a sibling product by hand: an approved mapping
        self.env["product.product"].create(
            {"name": "Zorbex tabs, lemon", "type": "service", "scope3_naics_code": "325611"}
        )
        self.run_agent(self.cls_agent)
        proposal = self.findings_about(self.p_zorbex, agent=self.cls_agent).filtered(
            lambda f: f.proposal.get("naics_code") == "325611"
        )
        self.assertEqual(len(proposal), 1)
        self.assertGreater(proposal.confidence, 0.5)
        self.assertEqual(proposal.evidence["inputs"]["candidates"][0]["source"], "approved")
        # the request for a person is closed: the run no longer needed it
        self.assertEqual(zorbex.state, "dismissed")

    def test_mapped_products_yield_nothing(self):
        orders = self.create_order([(self.steel, 1, 10.0), (self.cement, 1, 10.0)])
        self.confirm(orders)
        self.run_attribution()
        self.run_agent(self.cls_agent)
        self.assertFalse(self.findings_about(self.steel | self.cement, agent=self.cls_agent))


@tagged("post_install", "-at_install")
class TestClassificationOfBillLines(AgentsCommon):
    """A vendor bill line without a product nor an order is mapped by a rule on its vendor
    and account; the agent proposes that rule."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.host = cls.env["res.partner"].create({"name": "Nimbus Ltd"})
        form = Form(cls.env["account.move"].with_context(default_move_type="in_invoice"))
        form.partner_id = cls.host
        form.invoice_date = "2022-07-01"
        with form.invoice_line_ids.new() as line:
            line.name = "Data hosting and data processing services, July"
            line.quantity = 1
            line.price_unit = 2000.0
            line.tax_ids.clear()
        cls.bill = form.save()
        cls.bill.action_post()
        cls.run_attribution()
        cls.line = cls.bill.invoice_line_ids
        cls.activity = cls.env["scope3.activity"].search(
            [("account_move_line_id", "=", cls.line.id)]
        )

    def test_rule_proposed_then_applied_through_a_restatement(self):
        self.assertEqual(self.activity.state, "unmapped")
        run = self.run_agent(self.cls_agent)
        self.assertEqual(run.state, "done", run.error)
        finding = self.findings_about(self.line, agent=self.cls_agent)
        self.assertEqual(
            (finding.kind, finding.proposal["action"], finding.proposal["naics_code"]),
            ("classification", "create_rule", "518210"),
        )
        self.assertIn("Nimbus Ltd", finding.evidence["inputs"]["text"])
        # recommend: nothing changed
        self.assertFalse(
            self.env["scope3.mapping.rule"].search([("partner_id", "=", self.host.id)])
        )
        finding.with_user(self.carbon_manager).action_approve()
        rule = self.env["scope3.mapping.rule"].search([("partner_id", "=", self.host.id)])
        self.assertEqual(
            (rule.naics_code, rule.account_id, finding.state),
            ("518210", self.line.account_id, "applied"),
        )
        # the rule opens a restatement; the ledger changes when it is posted
        self.assertEqual(self.activity.co2e_kg, 0.0)
        self.run_attribution()
        restatement = self.env["scope3.restatement"].search([("mapping_rule_id", "=", rule.id)])
        self.assertEqual(restatement.state, "proposed")
        other_manager = new_test_user(
            self.env, login="s3_cls_manager_2", groups="scope3_carbon.group_scope3_manager"
        )
        restatement.with_user(other_manager).action_approve()
        restatement.with_user(other_manager).action_post()
        # 2,000 USD of 2022 x 0.093 (EPA v1.3 518210, with margins) = 186.000 kg
        self.assertEqual((self.activity.state, self.activity.co2e_kg), ("attributed", 186.0))

    def test_rejected_rule_is_not_proposed_again(self):
        self.run_agent(self.cls_agent)
        finding = self.findings_about(self.line, agent=self.cls_agent)
        finding.with_user(self.carbon_manager).action_reject(note="a reseller, not a host")
        self.cls_agent.min_confidence = 0.0
        self.run_agent(self.cls_agent)
        codes = self.findings_about(self.line, agent=self.cls_agent).mapped(
            lambda f: f.proposal["naics_code"]
        )
        self.assertEqual(codes.count("518210"), 1)


@tagged("post_install", "-at_install")
class TestClassificationLearning(AgentsCommon):
    """After a manager approves 20 proposals with the form's button, the agent classifies
    held-out products of the same vendors that it could not classify before (the approved
    products and their vendors become documents of the model)."""

    FAMILIES = {
        # vendor: (NAICS, 20 approvable product names, held-out names)
        "Verdant Interiors": (
            "561730",
            [f"Office plant rental, floor {i}" for i in range(1, 8)],
            ["Biophilic upkeep reception", "Living wall refresh", "Moss wall upkeep"],
        ),
        "Blue Anchor Lines": (
            "483111",
            [f"Ocean freight container lot {i}" for i in range(1, 8)],
            ["Port-to-port lot 7 Shanghai", "Reefer box lot 9"],
        ),
        "Sparkle Facility": (
            "561720",
            [f"Office cleaning wing {i}" for i in range(1, 7)],
            ["Washroom hygiene units", "Feminine hygiene bins", "Sanitary units service"],
        ),
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"]
        cls.expected = {}
        cls.trained = Product
        cls.held_out = Product
        orders = cls.env["purchase.order"]
        for vendor_name, (code, names, held_names) in cls.FAMILIES.items():
            cls.vendor = cls.env["res.partner"].create({"name": vendor_name})
            lines = []
            for name in names + held_names:
                product = Product.create({"name": name, "type": "service"})
                cls.expected[product] = code
                if name in names:
                    cls.trained |= product
                else:
                    cls.held_out |= product
                lines.append((product, 1, 100.0))
            orders |= cls.create_order(lines)
        cls.confirm(orders)
        cls.run_attribution()

    def _right(self, products):
        findings = self.findings_about(products, agent=self.cls_agent).filtered(
            lambda f: f.state == "proposed"
        )
        return {
            f.res_id
            for f in findings
            if f.proposal.get("naics_code")
            == self.expected[self.env["product.product"].browse(f.res_id)]
        }

    def test_twenty_approvals_improve_the_held_out_accuracy(self):
        self.assertEqual(len(self.trained), 20)
        self.run_agent(self.cls_agent)
        before = self._right(self.held_out)
        proposals = self.findings_about(self.trained, agent=self.cls_agent).filtered(
            lambda f: f.state == "proposed"
        )
        self.assertEqual(len(self._right(self.trained)), 20, "the 20 proposals are right")
        # the manager approves them one by one with the form's button
        for finding in proposals:
            action = finding.with_user(self.carbon_manager).action_approve()
            self.assertTrue(action)
        self.assertEqual(set(proposals.mapped("state")), {"applied"})
        self.assertEqual(
            {p: p.scope3_naics_code for p in self.trained},
            {p: self.expected[p] for p in self.trained},
        )
        self.run_agent(self.cls_agent)
        after = self._right(self.held_out)
        accuracy_before = len(before) / len(self.held_out)
        accuracy_after = len(after) / len(self.held_out)
        self.assertGreater(accuracy_after, accuracy_before)
        self.assertGreaterEqual(accuracy_after, 0.75)
        # what was learned: the newly right proposals rest on the approved mappings
        learned = self.findings_about(self.held_out, agent=self.cls_agent).filtered(
            lambda f: f.state == "proposed" and f.res_id in after - before
        )
        sources = {f.evidence["inputs"]["candidates"][0]["source"] for f in learned}
        self.assertTrue(sources)
        self.assertLessEqual(sources, {"approved", "vendor"})


@tagged("post_install", "-at_install")
class TestClassificationBatches(AgentsCommon):
    """Bounded work: batches of ``batch_size`` subjects read through SQL subqueries, a run
    limit whose pass resumes in the next run, and an idle call that starts no run."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"]
        cls.products = Product.create(
            [{"name": f"Portland cement grade {i}", "type": "service"} for i in range(5)]
        )
        cls.confirm(cls.create_order([(p, 1, 100.0) for p in cls.products]))
        cls.run_attribution()

    def _runs(self):
        return self.env["scope3.agent.run"].search(
            [("agent_id", "=", self.cls_agent.id)], order="id"
        )

    def test_run_limit_resumes_in_the_next_run(self):
        self.cls_agent.write({"batch_size": 1, "run_limit": 2})
        before = self._runs()
        first = self.run_agent(self.cls_agent)
        self.assertEqual(
            (first.state, first.items_scanned, first.batch_count, first.resume_phase),
            ("done", 2, 2, "products"),
        )
        runs = first
        for _i in range(20):
            run = self.run_agent(self.cls_agent)
            runs |= run
            if not run.resume_phase:
                break
            self.assertEqual(run.pass_start_run_id, first)
        last = runs[-1]
        self.assertFalse(last.resume_phase)
        self.assertEqual(last.pass_start_run_id, first)
        self.assertTrue(all(r.items_scanned <= 2 for r in runs))
        # every product was seen once in the pass, and nothing seen early was resolved
        findings = self.findings_about(self.products, agent=self.cls_agent)
        self.assertEqual(set(findings.mapped("res_id")), set(self.products.ids))
        self.assertEqual(set(findings.mapped("state")), {"proposed"})
        self.assertEqual(sum(runs.mapped("resolved_count")), 0)
        self.assertEqual(len(self._runs() - before), len(runs))

    def test_idle_call_starts_no_run(self):
        run = self.run_agent(self.cls_agent)
        self.assertEqual(run.state, "done")
        # time passes: the pass started after every change it could have missed
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE scope3_agent_run SET started_tx_at = now() + interval '1 hour' WHERE id = %s",
            (run.id,),
        )
        self.env.invalidate_all()
        runs = self._runs()
        # kill switch (flush + read), lock, running run, last run, one probe per watched
        # model
        with self.assertQueryCount(12):
            self.assertEqual(self.cls_agent._scope3_run_batch(), (0, 0))
        self.assertEqual(self._runs(), runs)
        # a change wakes it up again
        self.products[0].name = "Portland cement grade 0, bulk"
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE product_template SET write_date = now() + interval '2 hours' WHERE id = %s",
            (self.products[0].product_tmpl_id.id,),
        )
        self.assertEqual(self.run_agent(self.cls_agent).state, "done")
        self.assertGreater(len(self._runs()), len(runs))

    def test_batch_query_count_does_not_grow_with_the_subjects(self):
        """A batch of 2 subjects costs the same number of queries with 10 or with 25
        unmapped products."""
        self.cls_agent.write({"batch_size": 2})

        def add_products(count, start):
            products = self.env["product.product"].create(
                [
                    {"name": f"Ready-mix concrete C{i}", "type": "service"}
                    for i in range(start, start + count)
                ]
            )
            self.confirm(self.create_order([(p, 1, 50.0) for p in products]))
            self.run_attribution()

        def batch_queries():
            run = self.cls_agent._scope3_current_run()
            run.write({"phase": "products", "cursor": 0})
            self.env.flush_all()
            self.env.invalidate_all()
            start = self.env.cr.sql_log_count
            self.cls_agent._scope3_run_batch()
            return self.env.cr.sql_log_count - start

        add_products(5, 0)
        self.run_agent(self.cls_agent)  # builds and caches the model, records findings
        first = batch_queries()
        add_products(15, 5)
        self.run_agent(self.cls_agent)
        self.assertLessEqual(batch_queries(), first)


@tagged("post_install", "-at_install")
class TestClassificationDrift(AgentsCommon):
    def _decided(self, state, days_ago, count):
        now = fields.Datetime.now()
        products = self.env["product.product"].create(
            [{"name": f"Drift {state} {days_ago} {i}", "type": "service"} for i in range(count)]
        )
        return (
            self.env["scope3.agent.finding"]
            .sudo()
            .with_context(scope3_finding_write=True)
            .create(
                [
                    {
                        "agent_id": self.cls_agent.id,
                        "identity_key": f"drift-test-{state}-{days_ago}-{p.id}",
                        "res_model": "product.product",
                        "res_id": p.id,
                        "kind": "classification",
                        "category": "classification",
                        "severity": "low",
                        "confidence": 0.8,
                        "name": "test",
                        "proposed_action": "set_naics",
                        "proposal": {"action": "set_naics", "naics_code": "327310"},
                        "state": state,
                        "review_date": now - timedelta(days=days_ago),
                    }
                    for p in products
                ]
            )
        )

    def _drift(self):
        return self.Finding.search(
            [("agent_id", "=", self.cls_agent.id), ("kind", "=", "model_drift")]
        )

    def test_a_marked_drop_of_approvals_is_a_finding(self):
        # 30-60 days ago: 10 of 10 proposals applied; last 30 days: 3 of 12
        self._decided("applied", 45, 10)
        self._decided("applied", 5, 3)
        self._decided("rejected", 5, 9)
        run = self.run_agent(self.cls_agent)
        self.assertEqual(run.state, "done", run.error)
        drift = self._drift()
        self.assertEqual(len(drift), 1)
        self.assertEqual((drift.res_model, drift.res_id), ("scope3.agent", self.cls_agent.id))
        self.assertEqual(
            (drift.proposal["recent_share"], drift.proposal["base_share"]), (0.25, 1.0)
        )
        self.assertIn("approved 25% of its proposals lately, 100% before", drift.name)
        self.assertEqual(drift.state, "open")
        # the same day, another pass does not repeat it; it stays open (sticky)
        self.run_agent(self.cls_agent)
        self.assertEqual(self._drift(), drift)
        self.assertEqual(drift.state, "open")

    def test_a_steady_share_is_no_finding(self):
        self._decided("applied", 45, 8)
        self._decided("rejected", 45, 2)
        self._decided("applied", 5, 7)
        self._decided("rejected", 5, 3)
        self.run_agent(self.cls_agent)
        self.assertFalse(self._drift())
