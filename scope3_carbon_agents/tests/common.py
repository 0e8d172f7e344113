# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.tests import new_test_user

from odoo.addons.scope3_carbon.tests.common import Scope3Common

KILL_SWITCH = "scope3_carbon_agents.kill_switch"


class AgentsCommon(Scope3Common):
    """Scope3Common plus the shipped agents, a Carbon Manager and helpers.

    The test database may hold demo data, so assertions look at the findings about the
    records a test created (``findings_about``), never at every finding."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].sudo().set_param(KILL_SWITCH, "False")
        # goods with a weight: a clean dataset has no "missing weight" finding
        cls.steel.weight = 1.0
        cls.cement.weight = 50.0
        cls.carbon_manager = new_test_user(
            cls.env,
            login="s3_carbon_manager",
            groups="scope3_carbon.group_scope3_manager,purchase.group_purchase_user",
        )
        cls.plain_buyer = new_test_user(
            cls.env, login="s3_agents_plain_buyer", groups="purchase.group_purchase_user"
        )
        cls.carbon_user = new_test_user(
            cls.env, login="s3_carbon_user", groups="scope3_carbon.group_scope3_user"
        )
        cls.dq_agent = cls.env.ref("scope3_carbon_agents.scope3_agent_data_quality")
        cls.cls_agent = cls.env.ref("scope3_carbon_agents.scope3_agent_classification")
        cls.rem_agent = cls.env.ref("scope3_carbon_agents.scope3_agent_remediation")
        cls.policy_agent = cls.env.ref("scope3_carbon_agents.scope3_agent_policy")
        (cls.dq_agent | cls.cls_agent | cls.rem_agent | cls.policy_agent).write(
            {"responsible_id": cls.carbon_manager.id, "paused": False, "active": True}
        )
        cls.Finding = cls.env["scope3.agent.finding"]
        cls.Decision = cls.env["scope3.agent.decision"]

    @classmethod
    def confirm(cls, orders, user=None):
        for order in orders:
            order.with_user(user or cls.buyer).button_confirm()
        return orders

    @classmethod
    def run_agent(cls, agent):
        return agent._scope3_run_to_completion()

    @classmethod
    def findings_about(cls, *recordsets, agent=None):
        domain = ["|"] * (len(recordsets) - 1)
        for records in recordsets:
            domain += ["&", ("res_model", "=", records._name), ("res_id", "in", records.ids)]
        if agent:
            domain = ["&", ("agent_id", "=", agent.id), *domain]
        return cls.Finding.search(domain, order="id")

    @staticmethod
    def summary(findings):
        return {(f.kind, f.res_model, f.res_id, f.severity) for f in findings}
