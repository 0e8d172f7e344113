# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, fields, models

#: days of each window of the approval-share card (the last ones, and the ones before)
APPROVAL_WINDOW_DAYS = 30


class Scope3Dashboard(models.AbstractModel):
    _inherit = "scope3.dashboard"

    @api.model
    def _scope3_dashboard_cards(self, companies, date_from, date_to):
        """The Carbon overview shows the findings waiting for a person (any date)."""
        cards = super()._scope3_dashboard_cards(companies, date_from, date_to)
        domain = [
            ("state", "in", ("open", "proposed")),
            ("company_id", "in", companies.ids + [False]),
        ]
        counts = dict(
            self.env["scope3.agent.finding"]._read_group(domain, ["severity"], ["__count"])
        )
        cards.append(
            {
                "key": "findings",
                "name": self.env._("Open findings"),
                "value": sum(counts.values()),
                "subtitle": self.env._(
                    "%(high)s high, %(medium)s medium, %(low)s low severity",
                    high=counts.get("high", 0),
                    medium=counts.get("medium", 0),
                    low=counts.get("low", 0),
                ),
                "res_model": "scope3.agent.finding",
                "domain": domain,
            }
        )
        cards.append(self._scope3_approval_card(companies))
        return cards

    @api.model
    def _scope3_approval_card(self, companies):
        """Share of the agents' proposals that people approved (the others were
        rejected), over the last 30 days and the 30 before, per agent: a fall says an
        agent's model drifts. Opens the share week by week, per agent."""
        Finding = self.env["scope3.agent.finding"]
        recent_from = fields.Datetime.now() - timedelta(days=APPROVAL_WINDOW_DAYS)
        base_from = recent_from - timedelta(days=APPROVAL_WINDOW_DAYS)
        decided = [
            ("state", "in", ("approved", "applied", "rejected")),
            ("reviewer_id", "!=", False),
            ("applied_by_agent", "=", False),
            ("company_id", "in", companies.ids + [False]),
        ]
        windows = {}
        for window, period in (
            ("recent", [("review_date", ">=", recent_from)]),
            ("base", [("review_date", ">=", base_from), ("review_date", "<", recent_from)]),
        ):
            windows[window] = {
                agent: (share, count)
                for agent, share, count in Finding._read_group(
                    decided + period,
                    ["agent_id"],
                    ["review_approved:avg", "__count"],
                )
            }
        recent = windows["recent"]
        total = sum(count for _share, count in recent.values())
        approved = sum(share * count for share, count in recent.values())
        parts = []
        for agent in sorted(set(recent) | set(windows["base"]), key=lambda a: a.sequence):
            share = self._scope3_percent(recent.get(agent, (None,))[0])
            before = self._scope3_percent(windows["base"].get(agent, (None,))[0])
            parts.append(
                self.env._(
                    "%(agent)s %(share)s (%(before)s before)",
                    agent=agent.name,
                    share=share,
                    before=before,
                )
            )
        name = self.env._("Proposals approved (%(days)s days)", days=APPROVAL_WINDOW_DAYS)
        return {
            "key": "approvals",
            "name": name,
            "value": self._scope3_percent(approved / total if total else None),
            "subtitle": " · ".join(parts) or self.env._("No proposal decided yet"),
            "action": "scope3_carbon_agents.scope3_agent_finding_action_approvals",
        }

    @api.model
    def _scope3_percent(self, share):
        """A share as a whole percentage, "-" when there is none."""
        return "-" if share is None else f"{share:.0%}"
