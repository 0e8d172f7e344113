# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import api, fields, models

#: data-quality score assumed for an entry of each method when the ledger has no scores
METHOD_DQ = {
    "supplier_specific": 1,
    "hybrid": 2,
    "average_data": 3,
    "distance_based": 3,
    "spend_based": 4,
}


class Scope3AgentRemediation(models.AbstractModel):
    """Remediation agent: asks the suppliers who matter most for better data.

    Phase ``suppliers``: vendors of the ledger ranked, per company, by kg CO2e x expected
    uncertainty reduction (spend-based and low-quality data first); the best
    ``max_requests`` are proposed a supplier data request (an email with a portal link
    where the supplier submits product footprints). Phase ``requests``: sent requests
    left unanswered get a reminder after ``reminder_days`` and are escalated to the
    responsible manager after ``escalation_days``.
    """

    _name = "scope3.agent.remediation"
    _inherit = "scope3.agent.kind"
    _description = "Scope 3 Remediation Agent"

    @api.model
    def _scope3_phases(self, agent):
        partners = (
            self.env["scope3.emission.entry"]
            .sudo()
            ._read_group([("partner_id", "!=", False)], ["partner_id"])
        )
        return [
            {
                "name": "suppliers",
                "model": "res.partner",
                "domain": [("id", "in", [p.id for (p,) in partners])],
                "method": "_rem_suppliers",
            },
            {
                "name": "requests",
                "model": "scope3.supplier.data.request",
                "domain": [("state", "=", "sent")],
                "method": "_rem_requests",
            },
        ]

    @api.model
    def _scope3_executable_actions(self):
        return {"send_request", "remind", "escalate"}

    @api.model
    def _scope3_apply(self, finding):
        subject = finding._scope3_subject()
        action = finding.proposed_action
        if action == "send_request":
            request = self.env["scope3.supplier.data.request"]._scope3_create_for(
                subject, finding.company_id, finding
            )
            request.action_send()
            return {"request": request.name, "state": request.state}
        if action == "remind":
            subject._scope3_remind()
            return {"request": subject.name, "reminders": subject.reminder_count}
        if action == "escalate":
            subject._scope3_escalate(finding.agent_id.responsible_id)
            return {"request": subject.name, "escalated": True}
        return {}

    @api.model
    def _rem_dq(self, entries):
        """kg-weighted data-quality score of ``entries`` (the ledger's own scores when it
        has them, else the score of each entry's method)."""
        has_scores = "dq_score" in entries._fields
        weight = total = 0.0
        for entry in entries:
            score = (entry.dq_score if has_scores else 0) or METHOD_DQ.get(entry.method, 4)
            weight += abs(entry.co2e_kg)
            total += abs(entry.co2e_kg) * score
        return round(total / weight, 2) if weight else 5.0

    def _rem_ranking(self, agent):
        """Per company, vendors ranked by priority: ``{(partner, company): (rank, inputs)}``."""
        entries = self.env["scope3.emission.entry"].sudo().search([("partner_id", "!=", False)])
        groups = defaultdict(lambda: self.env["scope3.emission.entry"])
        for entry in entries:
            groups[(entry.partner_id.commercial_partner_id, entry.company_id)] |= entry
        open_requests = {
            (r.partner_id, r.company_id)
            for r in self.env["scope3.supplier.data.request"]
            .sudo()
            .search([("state", "in", ("draft", "sent", "submitted"))])
        }
        rows = []
        for (partner, company), group in groups.items():
            co2e = sum(group.mapped("co2e_kg"))
            gross = sum(abs(k) for k in group.mapped("co2e_kg")) or 1.0
            spend = sum(abs(e.co2e_kg) for e in group if e.method == "spend_based")
            dq = self._rem_dq(group)
            inputs = {
                "partner": partner.display_name,
                "co2e_kg": round(co2e, 3),
                "dq_score": dq,
                "spend_based_share": round(spend / gross, 4),
                "has_open_request": (partner, company) in open_requests,
            }
            priority = co2e * (dq - 1)
            rows.append((company.id, -priority, partner.id, partner, company, inputs))
        ranking = {}
        rank_in_company = defaultdict(int)
        for _company_id, _neg, _pid, partner, company, inputs in sorted(rows, key=lambda r: r[:3]):
            rank_in_company[company] += 1
            ranking[(partner, company)] = (rank_in_company[company], inputs)
        return ranking

    def _rem_suppliers(self, agent, partners, run):
        ranking = self._rem_ranking(agent)
        results = []
        for (partner, company), (rank, inputs) in sorted(
            ranking.items(), key=lambda kv: (kv[0][1].id, kv[1][0])
        ):
            if partner not in partners or rank > agent.max_requests:
                continue
            results.append(
                agent._scope3_check(
                    "supplier_priority",
                    partner,
                    dict(inputs, rank=rank),
                    company=company,
                    partner=partner,
                    key=str(
                        self.env["scope3.supplier.data.request"]
                        .sudo()
                        .search_count(
                            [("partner_id", "=", partner.id), ("company_id", "=", company.id)]
                        )
                    ),
                )
            )
        return self._scope3_keep(results)

    def _rem_requests(self, agent, requests, run):
        today = fields.Date.context_today(self)
        results = []
        for request in requests:
            sent = (request.sent_date or request.create_date).date()
            inputs = {
                "request": request.name,
                "partner": request.partner_id.display_name,
                "days_since_sent": (today - sent).days,
                "reminders": request.reminder_count,
                "escalated": request.escalated,
            }
            item = agent._scope3_check(
                "request_overdue", request, inputs, partner=request.partner_id
            )
            if item:
                item["key"] = f"{item['result']['proposal']['action']}:{request.reminder_count}"
                results.append(item)
        return results
