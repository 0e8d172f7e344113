# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged

from .common import AgentsCommon


@tagged("post_install", "-at_install")
class TestDataQuality(AgentsCommon):
    """A prepared dataset with one defect of each kind, and the exact findings expected."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Product = cls.env["product.product"]
        # physical (activity) factors: per kg, and per litre
        factor_set = cls.env["scope3.factor.set"].create(
            {
                "name": "Test activity factors",
                "publisher": "Test",
                "edition": "t1",
                "gwp_basis": "ar6",
                "factor_type": "activity",
            }
        )
        Factor = cls.env["scope3.factor"]
        per_kg, per_litre = Factor.create(
            [
                {
                    "set_id": factor_set.id,
                    "key_type": "manual",
                    "key": "copper-kg",
                    "name": "Copper, per kg",
                    "value": 4.0,
                    "unit": "kg CO2e/kg",
                    "uom_id": cls.env.ref("uom.product_uom_kgm").id,
                },
                {
                    "set_id": factor_set.id,
                    "key_type": "manual",
                    "key": "solvent-l",
                    "name": "Solvent, per litre",
                    "value": 2.0,
                    "unit": "kg CO2e/l",
                    "uom_id": cls.env.ref("uom.product_uom_litre").id,
                },
            ]
        )
        factor_set.action_publish()
        # counted in units: no weight for the per-kg factor, no way to a per-litre factor
        cls.copper = Product.create(
            {
                "name": "Copper wire",
                "type": "consu",
                "scope3_naics_code": "331420",
                "scope3_factor_id": per_kg.id,
            }
        )
        cls.solvent = Product.create(
            {
                "name": "Degreasing solvent can",
                "type": "consu",
                "weight": 5.0,
                "scope3_naics_code": "325510",
                "scope3_factor_id": per_litre.id,
            }
        )
        cls.o_unmapped = cls.create_order([(cls.unmapped, 5, 100.0)])
        cls.o_copper = cls.create_order([(cls.copper, 2, 50.0)])
        # kg CO2e per unit of cement = 3.924 x unit price: 1000 is the outlier
        cls.o_cement = cls.env["purchase.order"]
        for price in (100.0, 101.0, 99.0, 100.5, 99.5, 1000.0):
            cls.o_cement |= cls.create_order([(cls.cement, 1, price)])
        cls.o_solvent = cls.create_order([(cls.solvent, 3, 20.0)])
        cls.o_qty = cls.create_order([(cls.steel, 10, 100.0)])
        cls.o_ref1 = cls.create_order([(cls.steel, 1, 10.0)])
        cls.o_ref2 = cls.create_order([(cls.steel, 2, 10.0)])
        (cls.o_ref1 | cls.o_ref2).partner_ref = "INV-42"
        cls.o_eur = cls.create_order(
            [(cls.steel, 1, 100.0)], date="2021-06-01 10:00:00", currency=cls.eur
        )
        orders = (
            cls.o_unmapped
            | cls.o_copper
            | cls.o_cement
            | cls.o_solvent
            | cls.o_qty
            | cls.o_ref1
            | cls.o_ref2
            | cls.o_eur
        )
        cls.confirm(orders)
        cls.run_attribution()
        # receive 10, bill 12
        picking = cls.o_qty.picking_ids
        picking.move_ids.quantity = 10
        picking.move_ids.picked = True
        picking.button_validate()
        cls.o_qty.action_create_invoice()
        bill = cls.o_qty.invoice_ids
        bill.invoice_date = "2022-06-20"
        bill.invoice_line_ids.filtered("product_id").quantity = 12
        bill.sudo().action_post()  # an accountant posts the bill
        cls.run_attribution()  # the receipt's transport leg and the bill stage
        # the EUR order's event failed for good (no EUR rate on or before 2021-06-01)
        cls.event_eur = cls.Event.search(
            [("aggregatetype", "=", "purchase.order"), ("aggregateid", "=", str(cls.o_eur.id))]
        )
        cls.event_eur.write({"state": "failed", "attempts": 5, "error": "No EUR rate"})
        # an order whose event has been pending for two hours
        cls.o_stuck = cls.confirm(cls.create_order([(cls.steel, 1, 10.0)]))
        cls.event_stuck = cls.Event.search(
            [("aggregatetype", "=", "purchase.order"), ("aggregateid", "=", str(cls.o_stuck.id))]
        )
        cls.event_stuck.flush_recordset()
        cls.env.cr.execute(
            "UPDATE scope3_outbox_event SET create_date = %s WHERE id = %s",
            [fields.Datetime.now() - timedelta(hours=2), cls.event_stuck.id],
        )
        cls.event_stuck.invalidate_recordset()
        cls.orders = orders | cls.o_stuck
        cls.products = cls.unmapped | cls.copper | cls.cement | cls.solvent | cls.steel
        cls.activities = cls.env["scope3.activity"].search(
            [("purchase_order_id", "in", cls.orders.ids)]
        )
        cls.receipt = cls.o_qty.picking_ids
        cls.universe = (
            cls.vendor,
            cls.products,
            cls.orders,
            cls.orders.order_line,
            cls.activities,
            cls.event_eur | cls.event_stuck,
        )

    def _activity(self, order):
        return self.activities.filtered(lambda a: a.purchase_order_id == order)

    def test_dataset_yields_exactly_the_expected_findings(self):
        run = self.run_agent(self.dq_agent)
        self.assertEqual(run.state, "done", run.error)
        findings = self.findings_about(*self.universe, agent=self.dq_agent)
        self.assertEqual(
            self.summary(findings),
            {
                ("unmapped_product", "product.product", self.unmapped.id, "medium"),
                ("missing_weight", "product.product", self.copper.id, "medium"),
                ("missing_currency_rate", "purchase.order", self.o_eur.id, "high"),
                # the receipt's transport leg: no route, distance or coordinates for the vendor
                ("missing_distance", "res.partner", self.vendor.id, "medium"),
                (
                    "outlier_intensity",
                    "scope3.activity",
                    self._activity(self.o_cement[-1]).id,
                    "high",
                ),
                ("unit_mismatch", "product.product", self.solvent.id, "high"),
                ("quantity_mismatch", "purchase.order.line", self.o_qty.order_line.id, "high"),
                ("duplicate_vendor_ref", "purchase.order", self.o_ref2.id, "medium"),
                ("event_failed", "scope3.outbox.event", self.event_eur.id, "high"),
                ("event_stuck", "scope3.outbox.event", self.event_stuck.id, "medium"),
            },
        )
        by_kind = {f.kind: f for f in findings}
        self.assertEqual(
            {f.kind: f.category for f in findings},
            {
                "unmapped_product": "completeness",
                "missing_weight": "completeness",
                "missing_currency_rate": "completeness",
                "missing_distance": "completeness",
                "outlier_intensity": "plausibility",
                "unit_mismatch": "plausibility",
                "quantity_mismatch": "consistency",
                "duplicate_vendor_ref": "consistency",
                "event_failed": "timeliness",
                "event_stuck": "timeliness",
            },
        )
        # every finding has a confidence and a remediation proposal
        for finding in findings:
            self.assertTrue(0 < finding.confidence <= 1, finding.kind)
            self.assertTrue(finding.proposal["action"], finding.kind)
        self.assertEqual(by_kind["event_failed"].state, "proposed")  # executable: retry
        self.assertEqual(by_kind["missing_weight"].state, "open")  # a person sets the weight
        self.assertEqual(by_kind["quantity_mismatch"].proposal["gaps"], {"billed_vs_received": 0.2})
        outlier = by_kind["outlier_intensity"].evidence["inputs"]
        self.assertEqual(outlier["value"], 3924.0)
        self.assertEqual(outlier["median"], 393.381)
        self.assertEqual(outlier["n"], 6)
        self.assertEqual(
            by_kind["duplicate_vendor_ref"].evidence["inputs"]["others"], [self.o_ref1.name]
        )
        self.assertEqual(
            by_kind["missing_distance"].evidence["inputs"]["transfers"], [self.receipt.name]
        )
        self.assertEqual(run.findings_count, len(self.Finding.search([("run_id", "=", run.id)])))
        # a review activity for the responsible manager on each finding
        self.assertEqual(by_kind["event_stuck"].activity_ids.user_id, self.carbon_manager)

    def test_recommend_changes_no_data(self):
        self.assertEqual(self.dq_agent.autonomy, "recommend")
        self.run_agent(self.dq_agent)
        self.assertEqual(self.event_eur.state, "failed")
        self.assertEqual(self.event_stuck.state, "pending")
        self.assertEqual(self.copper.weight, 0.0)
        finding = self.findings_about(self.event_eur, agent=self.dq_agent)
        self.assertEqual(finding.state, "proposed")

    def test_missing_distance_is_resolved_by_a_partner_distance(self):
        self.run_agent(self.dq_agent)
        finding = self.findings_about(self.vendor, agent=self.dq_agent)
        self.assertEqual(finding.kind, "missing_distance")
        self.assertEqual(finding.proposal["action"], "set_distance")
        self.vendor.with_company(self.company).scope3_transport_distance_km = 100.0
        self.run_agent(self.dq_agent)
        self.assertEqual(finding.state, "dismissed")

    def test_resolved_findings_are_closed_by_the_next_run(self):
        self.run_agent(self.dq_agent)
        weight = self.findings_about(self.copper, agent=self.dq_agent)
        self.assertEqual(weight.state, "open")
        self.copper.weight = 8.5
        run = self.run_agent(self.dq_agent)
        self.assertEqual(weight.state, "dismissed")
        self.assertEqual(weight.review_note, "Resolved.")
        self.assertEqual(run.resolved_count, 1)
        self.assertEqual(run.findings_count, 0)

    def _age_history(self):
        """Make the data and the last pass a day old (as a real ledger's history is): a
        later change is then the only thing changed since that pass."""
        self.env.flush_all()
        for table in (
            "scope3_activity",
            "product_product",
            "product_template",
            "purchase_order",
            "purchase_order_line",
            "res_partner",
            "res_currency_rate",
            "stock_picking",
        ):
            self.env.cr.execute(
                f"UPDATE {table} SET write_date = write_date - interval '2 days'"  # noqa: S608
            )
        self.env.cr.execute(
            "UPDATE scope3_agent_run SET started_tx_at = started_tx_at - interval '1 day'"
        )
        self.env.invalidate_all()

    def test_incremental_pass_walks_only_what_changed(self):
        self.assertEqual(self.dq_agent.full_pass_days, 7)
        full = self.run_agent(self.dq_agent)
        self.assertFalse(full.since)
        weight = self.findings_about(self.copper, agent=self.dq_agent)
        unmapped = self.findings_about(self.unmapped, agent=self.dq_agent)
        self._age_history()
        self.copper.weight = 8.5  # the only change since the full pass
        # the changed product, and the pending or failed events (walked whole): one batch
        # of exactly that size walks them all, and the pass ends with it
        events = self.Event.search_count([("state", "in", ("pending", "failed"))])
        self.dq_agent.batch_size = 1 + events
        self.dq_agent._scope3_run_batch()
        run = self.env["scope3.agent.run"].search([("agent_id", "=", self.dq_agent.id)], limit=1)
        self.assertEqual((run.state, run.batch_count), ("done", 1), run.error)
        self.assertTrue(run.since)
        self.assertEqual(run.items_scanned, 1 + events)
        self.assertLess(run.items_scanned, full.items_scanned)
        self.assertEqual(weight.state, "dismissed")
        self.assertEqual(run.resolved_count, 1)
        # not walked: a finding on an unchanged subject stays open, last seen by the full pass
        self.assertEqual(unmapped.state, "open")
        self.assertEqual(unmapped.last_seen_run_id, full)
        # new parameters: the next pass is a full one again
        self.dq_agent.z_threshold = 4.0
        self.assertFalse(self.run_agent(self.dq_agent).since)
        self.assertEqual(unmapped.state, "open")


@tagged("post_install", "-at_install")
class TestDataQualityClean(AgentsCommon):
    def test_clean_data_yields_nothing(self):
        orders = self.create_order([(self.steel, 10, 1000.0)]) | self.create_order(
            [(self.cement, 2, 100.0), (self.steel, 1, 50.0)], currency=self.eur
        )
        orders[0].partner_ref = "INV-1"
        orders[1].partner_ref = "INV-2"
        self.confirm(orders)
        self.run_attribution()
        activities = self.env["scope3.activity"].search([("purchase_order_id", "in", orders.ids)])
        self.assertEqual(set(activities.mapped("state")), {"attributed"})
        events = self.Event.search([("aggregateid", "in", [str(i) for i in orders.ids])])
        run = self.run_agent(self.dq_agent)
        self.assertEqual(run.state, "done")
        self.assertFalse(
            self.findings_about(
                self.steel | self.cement, orders, orders.order_line, activities, events
            )
        )


@tagged("post_install", "-at_install")
class TestVendorOutliers(AgentsCommon):
    """The same product from six vendors, counted with a physical factor (2 kg CO2e/kg,
    10 kg a unit: 20 kg a unit whatever the price): five pay about 100 USD a unit
    (0.2 kg CO2e/USD), one only 10 USD (2.0 kg CO2e/USD), a price or unit typed wrong."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        factor_set = cls.env["scope3.factor.set"].create(
            {
                "name": "Test physical factors",
                "publisher": "Test",
                "edition": "o1",
                "gwp_basis": "ar6",
                "factor_type": "activity",
            }
        )
        per_kg = cls.env["scope3.factor"].create(
            {
                "set_id": factor_set.id,
                "key_type": "manual",
                "key": "casting-kg",
                "name": "Iron casting, per kg",
                "value": 2.0,
                "unit": "kg CO2e/kg",
                "uom_id": cls.env.ref("uom.product_uom_kgm").id,
            }
        )
        factor_set.action_publish()
        cls.casting = cls.env["product.product"].create(
            {"name": "Iron casting", "type": "consu", "weight": 10.0, "scope3_factor_id": per_kg.id}
        )
        cls.orders = cls.env["purchase.order"]
        for index, price in enumerate((100.0, 101.0, 99.0, 100.5, 99.5, 10.0)):
            order = cls.create_order([(cls.casting, 5, price)])
            order.partner_id = cls.env["res.partner"].create({"name": f"Foundry {index}"})
            cls.orders |= order
        cls.confirm(cls.orders)
        cls.run_attribution()
        cls.activities = cls.env["scope3.activity"].search(
            [("purchase_order_id", "in", cls.orders.ids)], order="id"
        )

    def test_the_cheap_vendor_stands_out_per_currency_unit(self):
        # 5 units x 10 kg x 2.0 = 100.000 kg on every order
        self.assertEqual(set(self.activities.mapped("co2e_kg")), {100.0})
        self.run_agent(self.dq_agent)
        findings = self.findings_about(self.activities, agent=self.dq_agent)
        cheap = self.activities.filtered(lambda a: a.purchase_order_id == self.orders[-1])
        self.assertEqual([(f.kind, f.res_id) for f in findings], [("outlier_intensity", cheap.id)])
        inputs = findings.evidence["inputs"]
        # 100 kg / 50 USD = 2.0 kg CO2e per USD, against about 0.2 for the others
        self.assertEqual((inputs["value"], inputs["unit"], inputs["n"]), (2.0, "kg CO2e/USD", 6))
        self.assertEqual(inputs["vendor"], "Foundry 5")
