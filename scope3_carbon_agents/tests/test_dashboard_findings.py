# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import tagged

from .common import AgentsCommon


@tagged("post_install", "-at_install")
class TestDashboardFindings(AgentsCommon):
    """The Carbon overview shows the open findings, and opens exactly those."""

    def card(self):
        data = self.env["scope3.dashboard"].with_user(self.carbon_user).get_dashboard_data()
        [card] = [card for card in data["cards"] if card["key"] == "findings"]
        return card

    def test_open_findings_card(self):
        before = self.card()
        Finding = self.Finding.with_user(self.carbon_user)
        self.assertEqual(before["value"], Finding.search_count(before["domain"]))
        order = self.create_order([(self.unmapped, 5, 100.0)])
        self.confirm(order)
        self.run_attribution()
        self.run_agent(self.dq_agent)
        [finding] = self.findings_about(self.unmapped, agent=self.dq_agent)
        self.assertEqual((finding.kind, finding.severity), ("unmapped_product", "medium"))
        card = self.card()
        # the run may also find things about the demo data of the database
        self.assertGreaterEqual(card["value"], before["value"] + 1)
        self.assertEqual(card["res_model"], "scope3.agent.finding")
        self.assertIn(finding, Finding.search(card["domain"]))
        self.assertEqual(card["value"], Finding.search_count(card["domain"]))
        self.assertIn("medium", card["subtitle"])
        # once dismissed, it is no longer open
        finding.with_user(self.carbon_manager).action_dismiss()
        self.assertEqual(self.card()["value"], card["value"] - 1)
