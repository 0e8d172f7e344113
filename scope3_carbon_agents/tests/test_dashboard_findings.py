# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools.safe_eval import safe_eval

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

    def test_approval_share_card_and_graph(self):
        """Per agent, the share of its proposals people approved, over the last 30 days
        and the 30 before, on the overview and week by week in the graph it opens."""
        Product = self.env["product.product"]
        products = Product.create(
            [
                {"name": name, "type": "service"}
                for name in (
                    "Portland cement 25 kg bag",
                    "Custom software development",
                    "Office cleaning wing A",
                    "Ocean freight container lot 1",
                )
            ]
        )
        orders = self.env["purchase.order"]
        for product in products:
            orders |= self.create_order([(product, 1, 100.0)])
        self.confirm(orders)
        self.run_attribution()
        self.cls_agent.min_confidence = 0.0
        self.run_agent(self.cls_agent)
        findings = self.findings_about(products, agent=self.cls_agent).filtered(
            lambda f: f.state == "proposed"
        )
        self.assertEqual(len(findings), 4)
        for finding in findings[:3]:
            finding.with_user(self.carbon_manager).action_approve()
        findings[3].with_user(self.carbon_manager).action_reject(note="not what we buy")
        self.assertEqual(findings.mapped("review_approved"), [1.0, 1.0, 1.0, 0.0])
        # one approval decided 40 days ago: it counts in the window before
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE scope3_agent_finding SET review_date = review_date - interval '40 days' "
            "WHERE id = %s",
            [findings[0].id],
        )
        self.env.invalidate_all()
        action = self.env.ref("scope3_carbon_agents.scope3_agent_finding_action_approvals")
        Finding = self.Finding.with_user(self.carbon_user)
        domain = safe_eval(action.domain)
        [(agent, share, count)] = Finding._read_group(
            domain + [("id", "in", findings.ids)], ["agent_id"], ["review_approved:avg", "__count"]
        )
        self.assertEqual((agent, count), (self.cls_agent, 4))
        self.assertAlmostEqual(share, 0.75)
        data = self.env["scope3.dashboard"].with_user(self.carbon_user).get_dashboard_data()
        [card] = [card for card in data["cards"] if card["key"] == "approvals"]
        self.assertEqual(
            card["action"], "scope3_carbon_agents.scope3_agent_finding_action_approvals"
        )
        # the agent's share: what people decided about its proposals in each window
        windows = {}
        now = fields.Datetime.now()
        for window, period in (
            ("recent", [("review_date", ">=", now - timedelta(days=30))]),
            (
                "base",
                [
                    ("review_date", ">=", now - timedelta(days=60)),
                    ("review_date", "<", now - timedelta(days=30)),
                ],
            ),
        ):
            decided = Finding.search(domain + period + [("agent_id", "=", self.cls_agent.id)])
            windows[window] = sum(decided.mapped("review_approved")) / len(decided)
        self.assertEqual(windows["base"], 1.0)  # the approval moved 40 days back
        self.assertIn(
            f"{self.cls_agent.name} {windows['recent']:.0%} ({windows['base']:.0%} before)",
            card["subtitle"],
        )
