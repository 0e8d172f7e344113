# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import json

from odoo.tests import tagged

from .common import AgentsCommon


@tagged("post_install", "-at_install")
class TestFindingConfidentiality(AgentsCommon):
    """A finding about an activity counted with a footprint received under confidentiality
    (200 kg x 1.85 = 370.000 kg: 1.85 kg CO2e/kg, an outlier intensity) gives the footprint
    in its summary and evidence: a Carbon User reads neither (read, search, export); a
    Carbon Manager (an auditor) reads everything."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        kg = cls.env.ref("uom.product_uom_kgm")
        widget = cls.env["product.product"].create(
            {
                "name": "Machined widget",
                "type": "consu",
                "uom_id": kg.id,
                "uom_po_id": kg.id,
                "scope3_naics_code": "331110",
                "weight": 1.0,
            }
        )
        footprint = cls.env["scope3.supplier.footprint"].create(
            {
                "partner_id": cls.vendor.id,
                "product_id": widget.id,
                "pcf_kg": 1.85,
                "declared_unit": "kilogram",
                "valid_from": "2025-01-01",
            }
        )
        footprint.action_accept()
        order = cls.create_order([(widget, 200, 3.0)], date="2025-06-02 10:00:00")
        cls.confirm(order)
        cls.run_attribution()
        cls.activity = order.order_line.scope3_activity_ids
        inputs = {"value": 1.85, "unit": "kg CO2e/kg", "median": 0.4, "kg": 370.0}
        cls.finding = (
            cls.Finding.sudo()
            .with_context(scope3_finding_write=True)
            .create(
                {
                    "name": "1.85 kg CO2e/kg is far from the median 0.4",
                    "agent_id": cls.dq_agent.id,
                    "identity_key": "test-confidential-finding",
                    "company_id": cls.company.id,
                    "res_model": "scope3.activity",
                    "res_id": cls.activity.id,
                    "subject_name": cls.activity.display_name,
                    "kind": "outlier_intensity",
                    "category": "plausibility",
                    "severity": "high",
                    "confidence": 0.9,
                    "evidence": {"inputs": inputs, "params": {}},
                    "proposal": {"action": "review_line"},
                }
            )
        )

    def test_carbon_user_reads_no_figure(self):
        finding = self.finding.with_user(self.carbon_user)
        fields_ = ["name", "display_name", "evidence", "evidence_text", "explanation"]
        [vals] = finding.read(fields_)
        self.assertNotIn("1.85", json.dumps(vals))
        self.assertIn("confidentiality", vals["name"])
        self.assertFalse(vals["evidence"])
        self.carbon_user.groups_id += self.env.ref("base.group_allow_export")
        rows = finding.export_data(["name", "evidence_text", "kind"])["datas"]
        self.assertNotIn("1.85", json.dumps(rows))
        Finding = self.Finding.with_user(self.carbon_user)
        self.assertFalse(Finding.search([("id", "=", finding.id), ("name", "ilike", "1.85")]))

    def test_review_todo_has_no_figure(self):
        # (a Carbon User cannot read another user's to-dos; whoever can reads no figure)
        self.finding._scope3_schedule_review()
        notes = self.finding.sudo().activity_ids.mapped("note")
        self.assertTrue(notes)
        self.assertNotIn("1.85", json.dumps(notes))

    def test_guardrail_reason_has_no_figure(self):
        """The carbon guardrail holds an order whose line is above the intensity threshold:
        the reason shown to the buyer on the order gives no intensity when it comes from
        a confidential footprint (200 kg x 1.85 = 370 kg for 600 USD: 0.617 kg CO2e/USD)."""
        self.policy_agent.write({"autonomy": "act", "intensity_threshold": 0.5})
        order = self.create_order(
            [(self.activity.product_id, 200, 3.0)], date="2025-07-01 10:00:00"
        )
        order.with_user(self.plain_buyer).button_confirm()
        self.assertTrue(order.scope3_carbon_hold)
        [reason] = order.with_user(self.plain_buyer).read(["scope3_carbon_hold_reason"])
        self.assertIn("confidentiality", reason["scope3_carbon_hold_reason"])
        bodies = order.with_user(self.plain_buyer).message_ids.read(["body"])
        self.assertNotIn("0.617", json.dumps([reason, bodies]))

    def test_manager_reads_everything(self):
        finding = self.finding.with_user(self.carbon_manager)
        [vals] = finding.read(["name", "evidence"])
        self.assertIn("1.85", vals["name"])
        self.assertEqual(vals["evidence"]["inputs"]["value"], 1.85)
