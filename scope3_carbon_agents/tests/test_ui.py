# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import new_test_user, tagged

from odoo.addons.scope3_carbon.tests.common_tour import Scope3TourCase

from .common import AgentsCommon


@tagged("post_install", "-at_install")
class TestUi(AgentsCommon, Scope3TourCase):
    """The agents' screens as a Carbon Manager clicks them (static/src/tours/), in Chromium,
    in English and in French: the decision log's Verify Chain (a list header button), a
    classification finding approved and another rejected."""

    modules = ("scope3_carbon", "scope3_carbon_agents")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # products whose names the classification agent knows (tests/test_classification.py):
        # it proposes NAICS 327310 for the cement and 541511 for the software
        Product = cls.env["product.product"]
        cls.cement_bag = Product.create({"name": "Portland cement 25 kg bag", "type": "service"})
        cls.software = Product.create({"name": "Custom software development", "type": "service"})
        cls.confirm(cls.create_order([(cls.cement_bag, 1, 100.0), (cls.software, 1, 100.0)]))
        cls.run_attribution()

    def _run(self, lang):
        manager = new_test_user(
            self.env,
            login=f"s3_agents_tour_{lang}",
            groups="scope3_carbon.group_scope3_manager,purchase.group_purchase_user",
            lang=lang,
        )
        self.cls_agent.responsible_id = manager
        run = self.run_agent(self.cls_agent)
        self.assertEqual(run.state, "done", run.error)
        findings = self.findings_about(self.cement_bag | self.software, agent=self.cls_agent)
        self.assertEqual(set(findings.mapped("state")), {"proposed"})
        texts = self.run_tour_seeing(
            "/odoo/action-scope3_carbon_agents.scope3_agent_decision_action",
            "scope3_agents_tour",
            manager.login,
        )
        cement = findings.filtered(lambda f: f.res_id == self.cement_bag.id)
        software = findings - cement
        self.assertEqual((cement.state, software.state), ("applied", "rejected"))
        self.assertEqual(self.cement_bag.scope3_naics_code, "327310")
        self.assertFalse(self.software.scope3_naics_code)
        self.assertEqual(
            (cement.reviewer_id, software.reviewer_id), (manager, manager), "clicked by them"
        )
        return texts

    def test_agents_tour_en_US(self):
        self._run("en_US")

    def test_agents_tour_fr_FR(self):
        self.activate_french()
        texts = self._run("fr_FR")
        # the check sees French: the add-on's menu, as translated in its fr.po
        self.assertIn("Journal des décisions", texts)
        self.assert_french(texts)
