# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged

from .common import AgentsCommon


class RemediationCommon(AgentsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.big = Partner.create({"name": "Big Steel Co.", "email": "carbon@bigsteel.example"})
        cls.small = Partner.create({"name": "Small Cement Ltd", "email": "esg@cement.example"})
        cls.vendor = cls.big
        cls.o_big = cls.create_order([(cls.steel, 100, 1000.0)])  # 78,700 kg, spend-based
        cls.vendor = cls.small
        cls.o_small = cls.create_order([(cls.cement, 1, 10.0)])  # 39.24 kg
        cls.confirm(cls.o_big | cls.o_small)
        cls.run_attribution()
        # the demo database has vendors of its own: Small Cement (39.24 kg x 0.4 = 15.7 kg
        # expected reduction) stays under the 100 kg worth a request, Big Steel is above
        cls.rem_agent.write({"max_requests": 50, "min_priority": 100.0})
        cls.Request = cls.env["scope3.supplier.data.request"]


@tagged("post_install", "-at_install")
class TestRemediation(RemediationCommon):
    def test_ranks_suppliers_and_proposes_requests(self):
        run = self.run_agent(self.rem_agent)
        self.assertEqual(run.state, "done", run.error)
        findings = self.findings_about(self.big | self.small, agent=self.rem_agent)
        self.assertEqual(
            {(f.kind, f.res_model, f.res_id) for f in findings},
            {("supplier_priority", "res.partner", self.big.id)},
        )
        self.assertEqual(
            findings.severity, "high" if findings.evidence["inputs"]["rank"] <= 3 else "medium"
        )
        inputs = findings.evidence["inputs"]
        self.assertGreaterEqual(inputs["rank"], 1)
        self.assertEqual(inputs["co2e_kg"], 78700.0)
        self.assertEqual(inputs["spend_based_share"], 1.0)
        # 78,700 kg x (uncertainty at DQ 4 - at DQ 1) = 78,700 x (0.5 - 0.1)
        self.assertEqual(findings.proposal["priority"], 31480.0)
        # confidence: the share of the vendor's kg its own data would replace
        self.assertEqual(findings.confidence, 1.0)
        self.assertIn("78,700 kg CO2e upstream", findings.name)
        self.assertIn(
            "x (uncertainty 50% at DQ 4.0 - 10% with supplier data) = 31,480 kg", findings.name
        )
        self.assertEqual(findings.state, "proposed")
        self.assertFalse(self.Request.search([("partner_id", "in", (self.big | self.small).ids)]))

    def test_approval_sends_the_request_then_reminds_and_escalates(self):
        self.run_agent(self.rem_agent)
        finding = self.findings_about(self.big, agent=self.rem_agent)
        finding.with_user(self.carbon_manager).action_approve()
        request = self.Request.search([("partner_id", "=", self.big.id)])
        self.assertEqual(request.state, "sent")
        self.assertEqual(request.product_ids, self.steel)
        self.assertTrue(request.access_token)
        self.assertIn(request.get_portal_url(), request.message_ids[0].body)
        self.assertEqual(finding.state, "applied")
        # an open request: the supplier is not asked twice
        run = self.run_agent(self.rem_agent)
        self.assertEqual(run.findings_count, 0)
        # 15 days without answer: a reminder (act mode, confidence 1.0 above 0.9)
        self.rem_agent.write({"autonomy": "act", "threshold": 0.9})
        request.sent_date = fields.Datetime.now() - timedelta(days=15)
        self.run_agent(self.rem_agent)
        self.assertEqual(request.reminder_count, 1)
        self.assertFalse(request.escalated)
        self.run_agent(self.rem_agent)
        self.assertEqual(request.reminder_count, 1)  # one reminder only
        # 31 days: escalated to the responsible manager
        request.sent_date = fields.Datetime.now() - timedelta(days=31)
        self.run_agent(self.rem_agent)
        self.assertTrue(request.escalated)
        self.assertEqual(request.activity_ids.user_id, self.carbon_manager)
        overdue = self.findings_about(request, agent=self.rem_agent)
        self.assertEqual(sorted(overdue.mapped("proposed_action")), ["escalate", "remind"])
        self.assertEqual(set(overdue.mapped("state")), {"applied"})


@tagged("post_install", "-at_install")
class TestRemediationVendorsOnly(RemediationCommon):
    def test_customers_and_old_vendors_are_never_asked(self):
        """A customer (downstream entries of its invoices) is never proposed, however
        large its kg; vendors are partners of confirmed orders or posted vendor bills."""
        heater = self.env["product.product"].create(
            {"name": "Heater", "type": "consu", "scope3_use_phase_kg": 1000.0}
        )
        customer = self.env["res.partner"].create(
            {"name": "Rail Yard (customer)", "email": "buyer@rail.example"}
        )
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "invoice_date": "2022-05-02",
                "invoice_line_ids": [
                    Command.create({"product_id": heater.id, "quantity": 500, "price_unit": 10.0})
                ],
            }
        )
        invoice.action_post()
        self.run_attribution()
        self.assertTrue(self.Entry.search([("partner_id", "=", customer.id)]))
        self.rem_agent.write({"max_requests": 10})
        run = self.run_agent(self.rem_agent)
        self.assertEqual(run.state, "done", run.error)
        asked = self.Finding.search(
            [("agent_id", "=", self.rem_agent.id), ("kind", "=", "supplier_priority")]
        ).partner_id
        self.assertIn(self.big, asked)
        self.assertNotIn(customer, asked)


@tagged("post_install", "-at_install")
class TestSupplierPortal(RemediationCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.request_big = cls.Request.create(
            {"partner_id": cls.big.id, "product_ids": [(6, 0, cls.steel.ids)]}
        )
        cls.request_small = cls.Request.create(
            {"partner_id": cls.small.id, "product_ids": [(6, 0, cls.cement.ids)]}
        )
        (cls.request_big | cls.request_small).action_send()
        cls.contact_big = cls.env["res.partner"].create(
            {"name": "Big contact", "parent_id": cls.big.id, "email": "ann@bigsteel.example"}
        )
        cls.portal_big = new_test_user(
            cls.env,
            login="s3_portal_big",
            groups="base.group_portal",
            partner_id=cls.contact_big.id,
        )
        cls.portal_small = new_test_user(
            cls.env, login="s3_portal_small", groups="base.group_portal", partner_id=cls.small.id
        )

    def test_portal_supplier_sees_only_own_requests(self):
        Request = self.Request.with_user(self.portal_big)
        self.assertEqual(Request.search([]), self.request_big)
        with self.assertRaises(AccessError):
            self.request_small.with_user(self.portal_big).read(["name"])
        with self.assertRaises(AccessError):
            self.env["scope3.supplier.footprint"].with_user(self.portal_big).search([])
        self.authenticate("s3_portal_big", "s3_portal_big")
        page = self.url_open("/my/scope3/requests")
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.request_big.name, page.text)
        self.assertNotIn(self.request_small.name, page.text)
        own = self.url_open(f"/my/scope3/requests/{self.request_big.id}")
        self.assertIn("Submit a footprint", own.text)
        other = self.url_open(f"/my/scope3/requests/{self.request_small.id}")
        self.assertNotIn(self.request_small.name, other.text)
        self.assertTrue(other.url.endswith("/my"))

    def _csrf(self, request):
        page = self.url_open(f"/my/scope3/requests/{request.id}")
        return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)

    def test_submitted_footprint_waits_for_review(self):
        entries_before = self.entries_of(self.o_big).mapped("co2e_kg")
        self.authenticate("s3_portal_big", "s3_portal_big")
        response = self.url_open(
            f"/my/scope3/requests/{self.request_big.id}/submit",
            data={
                "csrf_token": self._csrf(self.request_big),
                "product_id": self.steel.id,
                "declared_unit": "kilogram",
                "pcf_kg": "1.85",
                "dqr": "1.5",
                "primary_data_share": "80",
                "valid_from": "2022-01-01",
                "valid_to": "2023-12-31",
                "evidence_name": "epd.pdf",
                "evidence_b64": "JVBERi0xLjQK",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("footprint received", response.text)
        footprint = self.env["scope3.supplier.footprint"].search(
            [("partner_id", "=", self.big.id), ("product_id", "=", self.steel.id)]
        )
        self.assertEqual(len(footprint), 1)
        self.assertEqual(
            (footprint.status, footprint.pcf_kg, footprint.dqr, footprint.declared_unit),
            ("pending", 1.85, 1.5, "kilogram"),
        )
        self.assertEqual(
            self.env["ir.attachment"]
            .search([("res_model", "=", footprint._name), ("res_id", "=", footprint.id)])
            .name,
            "epd.pdf",
        )
        self.assertEqual(self.request_big.state, "submitted")
        self.assertEqual(self.request_big.footprint_count, 1)
        # nothing changes until a manager accepts it
        self.run_attribution()
        self.assertEqual(self.entries_of(self.o_big).mapped("co2e_kg"), entries_before)
        # the other supplier's page does not show this footprint
        self.authenticate("s3_portal_small", "s3_portal_small")
        page = self.url_open(f"/my/scope3/requests/{self.request_small.id}")
        self.assertNotIn("1.85", page.text)
        # a portal user cannot submit against another supplier's request
        response = self.url_open(
            f"/my/scope3/requests/{self.request_big.id}/submit",
            data={
                "csrf_token": self._csrf(self.request_small),
                "product_id": self.steel.id,
                "declared_unit": "kilogram",
                "pcf_kg": "0.1",
                "dqr": "1",
            },
        )
        self.assertEqual(
            self.env["scope3.supplier.footprint"].search_count([("partner_id", "=", self.big.id)]),
            1,
        )
        # the manager accepts it: the existing entries change through a restatement
        footprint.with_user(self.carbon_manager).action_accept()
        self.assertEqual(footprint.status, "active")
        self.run_attribution()  # the restatement's shadow run
        self.assertEqual(self.entries_of(self.o_big).mapped("co2e_kg"), entries_before)
        restatement = self.env["scope3.restatement"].search(
            [("supplier_footprint_id", "=", footprint.id)]
        )
        # 100 units x 1 kg per unit (declared) x 1.85 kg CO2e/kg = 185 kg, was 78,700 kg
        self.assertEqual(
            (restatement.state, restatement.current_kg, restatement.restated_kg),
            ("proposed", 78700.0, 185.0),
        )
        # approved and posted: only now is it used, through a reversal and a new entry
        restatement.action_approve()
        restatement.action_post()
        activity = self.env["scope3.activity"].search([("purchase_order_id", "=", self.o_big.id)])
        self.assertEqual(activity.resolution_level, "supplier")
        self.assertAlmostEqual(activity.co2e_kg, 185.0, places=3)
        self.assertEqual(self.entries_of(self.o_big).restatement_id, restatement)
