# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import inspect

from lxml import etree

from odoo.tests import HttpCase, tagged

from .common import AgentsCommon


@tagged("post_install", "-at_install")
class TestViewButtons(AgentsCommon, HttpCase):
    """Every object button of the add-on's views is called the way the web client calls
    it: ``/web/dataset/call_button`` with the ids of the records as the first argument
    (``[]`` for a list header button with nothing selected)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.carbon_manager.write(
            {
                "password": "s3_carbon_manager_pw",
                "groups_id": [
                    (4, cls.env.ref("scope3_carbon.group_scope3_auditor").id),
                    (4, cls.env.ref("base.group_system").id),
                ],
            }
        )
        product = cls.env["product.product"].create({"name": "Button widget", "type": "service"})
        cls.confirm(cls.create_order([(product, 2, 100.0)]))
        cls.run_attribution()

    def _buttons(self):
        """``(model, method, where)`` of every object button of this add-on's views."""
        views = self.env["ir.ui.view"].search(
            [("model_data_id.module", "=", "scope3_carbon_agents")]
        )
        self.assertTrue(views)
        buttons = set()
        for view in views:
            arch = etree.fromstring(view.arch_db.encode())
            for node in arch.iter("button"):
                if node.get("type") == "object":
                    where = "header" if node.getparent().tag == "header" else "record"
                    buttons.add((view.model, node.get("name"), where))
        return sorted(buttons)

    def call_button(self, model, method, ids):
        return self.make_jsonrpc_request(
            "/web/dataset/call_button",
            {
                "model": model,
                "method": method,
                "args": [ids],
                "kwargs": {"context": {"lang": "en_US"}},
            },
        )

    def test_every_button_accepts_the_ids_it_is_called_with(self):
        """A method an object button calls must take the records' ids: an ``@api.model``
        method without ``*args`` cannot be a button (Odoo passes the ids)."""
        buttons = self._buttons()
        self.assertIn(("scope3.agent.decision", "action_verify_chain", "header"), buttons)
        for model, method, _where in buttons:
            with self.subTest(model=model, method=method):
                function = getattr(type(self.env[model]), method, None)
                self.assertTrue(callable(function), f"{model}.{method} does not exist")
                if getattr(function, "_api_model", False):
                    parameters = inspect.signature(function).parameters.values()
                    self.assertTrue(
                        any(p.kind == p.VAR_POSITIONAL for p in parameters),
                        f"{model}.{method} is @api.model: the button's ids break it",
                    )

    def test_verify_chain_from_the_list_and_the_form(self):
        self.run_agent(self.dq_agent)
        self.authenticate("s3_carbon_manager", "s3_carbon_manager_pw")
        decision = self.Decision.search([], order="id desc", limit=1)
        for ids in ([], [decision.id]):
            result = self.call_button("scope3.agent.decision", "action_verify_chain", ids)
            self.assertEqual(result["params"]["type"], "success", result)
            self.assertRegex(result["params"]["message"], r"^\d+ decisions? verified")

    def test_agent_run_and_finding_buttons(self):
        self.authenticate("s3_carbon_manager", "s3_carbon_manager_pw")
        agent = self.dq_agent
        # a button whose method returns True gives the web client no action (False)
        self.assertFalse(self.call_button("scope3.agent", "action_pause", [agent.id]))
        self.assertTrue(agent.paused)
        self.assertFalse(self.call_button("scope3.agent", "action_resume", [agent.id]))
        self.assertFalse(agent.paused)
        self.assertFalse(self.call_button("scope3.agent", "action_run_now", [agent.id]))
        action = self.call_button("scope3.agent", "action_view_findings", [agent.id])
        self.assertEqual(action["res_model"], "scope3.agent.finding")
        run = self.run_agent(agent)
        result = self.call_button("scope3.agent.run", "action_replay", [run.id])
        self.assertEqual(result["params"]["type"], "success", result)
        finding = run.finding_ids[:1]
        self.assertTrue(finding, "the data-quality run found the unmapped product")
        action = self.call_button("scope3.agent.finding", "action_open_subject", [finding.id])
        self.assertEqual(action["res_id"], finding.res_id)
        self.assertFalse(self.call_button("scope3.agent.finding", "action_dismiss", [finding.id]))
        self.assertEqual(finding.state, "dismissed")
