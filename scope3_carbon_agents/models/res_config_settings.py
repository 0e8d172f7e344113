# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from .scope3_agent import KILL_SWITCH_PARAM


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    scope3_agents_kill_switch = fields.Boolean(
        string="Agents Kill Switch",
        config_parameter=KILL_SWITCH_PARAM,
        help="Stops every Scope 3 agent at once: no run starts, running runs stop at their "
        "next batch, no proposal is applied and guardrails are lifted.",
    )

    def set_values(self):
        before = self.env["scope3.agent"]._scope3_kill_switch_on()
        res = super().set_values()
        after = self.env["scope3.agent"]._scope3_kill_switch_on()
        if before != after:
            self.env["scope3.agent.decision"]._scope3_log(
                [
                    {
                        "type": "kill_switch",
                        "agent": self.env["scope3.agent"],
                        "run": self.env["scope3.agent.run"],
                        "finding": self.env["scope3.agent.finding"],
                        "decision": {"kill_switch": after, "by": self.env.user.login},
                        "inputs": {"kill_switch": after},
                    }
                ]
            )
        return res
