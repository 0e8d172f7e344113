# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from .scope3_agent import AUTONOMY, KILL_SWITCH_PARAM


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    scope3_agents_kill_switch = fields.Boolean(
        string="Agents Kill Switch",
        config_parameter=KILL_SWITCH_PARAM,
        help="Stops every Scope 3 agent at once: no run starts, running runs stop at their "
        "next batch, no proposal is applied and guardrails are lifted.",
    )

    scope3_agents_autonomy = fields.Selection(
        AUTONOMY,
        string="Agents Autonomy",
        help="Autonomy of every agent at once (off / recommend / act). Empty when the agents "
        "differ: set each one on its own form (Carbon > Agents).",
    )

    @api.model
    def get_values(self):
        res = super().get_values()
        levels = set(self.env["scope3.agent"].sudo().search([]).mapped("autonomy"))
        res["scope3_agents_autonomy"] = levels.pop() if len(levels) == 1 else False
        return res

    def set_values(self):
        before = self.env["scope3.agent"]._scope3_kill_switch_on()
        if self.scope3_agents_autonomy:
            agents = self.env["scope3.agent"].search(
                [("autonomy", "!=", self.scope3_agents_autonomy)]
            )
            agents.write({"autonomy": self.scope3_agents_autonomy})
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
