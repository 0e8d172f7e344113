# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from datetime import datetime, time

from odoo import api, fields, models

from ..core.rules import DQ_UNCERTAINTY

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
        return [
            {
                "name": "suppliers",
                "model": "res.partner",
                "domain": [("id", "in", sorted({p.id for p, _c in self._rem_ranking(agent)}))],
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
    def _rem_periods(self):
        """Per company, the period ranked: its upstream ledger, first to last entry date."""
        spans = (
            self.env["scope3.emission.entry"]
            .sudo()
            ._read_group(
                [("category_id.direction", "=", "upstream")],
                ["company_id"],
                ["date:min", "date:max"],
            )
        )
        return {company: (first, last) for company, first, last in spans if last}

    @api.model
    def _rem_vendors(self, company, date_from, date_to):
        """Commercial partners the company bought from in the period: a confirmed purchase
        order or a posted vendor bill / refund dated in it. Customers are never vendors."""
        orders = (
            self.env["purchase.order"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "=", company.id),
                    ("state", "in", ("purchase", "done")),
                    ("date_order", ">=", datetime.combine(date_from, time.min)),
                    ("date_order", "<=", datetime.combine(date_to, time.max)),
                ],
                ["partner_id"],
            )
        )
        bills = (
            self.env["account.move"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "=", company.id),
                    ("move_type", "in", ("in_invoice", "in_refund")),
                    ("state", "=", "posted"),
                    ("date", ">=", date_from),
                    ("date", "<=", date_to),
                ],
                ["partner_id"],
            )
        )
        partners = self.env["res.partner"].browse({p.id for (p,) in orders + bills if p})
        return partners.commercial_partner_id

    def _rem_ranking(self, agent):
        """Per company, the vendors of the period ranked by priority, set-based (grouped
        sums in SQL, one pass over the groups):

        ``priority = upstream kg CO2e x expected uncertainty reduction``, where the
        reduction is the kg-weighted uncertainty of the vendor's figures today (DQ score
        -> uncertainty) minus the uncertainty of primary supplier data (DQ 1).

        :return: ``{(partner, company): (rank, inputs)}``
        """
        Entry = self.env["scope3.emission.entry"].sudo()
        open_requests = {
            (partner.id, company.id)
            for partner, company in self.env["scope3.supplier.data.request"]
            .sudo()
            ._read_group(
                [("state", "in", ("draft", "sent", "submitted"))], ["partner_id", "company_id"]
            )
        }
        rows = []
        for company, (date_from, date_to) in self._rem_periods().items():
            vendors = self._rem_vendors(company, date_from, date_to)
            if not vendors:
                continue
            groups = Entry._read_group(
                [
                    ("company_id", "=", company.id),
                    ("category_id.direction", "=", "upstream"),
                    ("date", ">=", date_from),
                    ("date", "<=", date_to),
                    ("partner_id", "child_of", vendors.ids),
                ],
                ["partner_id", "method", "dq_score"],
                ["co2e_kg:sum"],
            )
            totals = defaultdict(lambda: defaultdict(float))
            for partner, method, dq_score, co2e in groups:
                vendor = partner.commercial_partner_id
                if vendor not in vendors:
                    continue
                total = totals[vendor]
                total["kg"] += co2e
                total["gross"] += abs(co2e)
                score = int(dq_score or METHOD_DQ.get(method, 4))
                total["dq_kg"] += abs(co2e) * score
                total["uncertainty_kg"] += abs(co2e) * DQ_UNCERTAINTY[score]
                if method == "spend_based":
                    total["spend_kg"] += abs(co2e)
                if method == "supplier_specific":
                    total["primary_kg"] += abs(co2e)
            for vendor, total in totals.items():
                gross = total["gross"]
                if total["kg"] <= 0 or not gross:
                    continue
                uncertainty = total["uncertainty_kg"] / gross
                reduction = max(uncertainty - DQ_UNCERTAINTY[1], 0.0)
                inputs = {
                    "partner": vendor.display_name,
                    "period": [str(date_from), str(date_to)],
                    "co2e_kg": round(total["kg"], 3),
                    "dq_score": round(total["dq_kg"] / gross, 2),
                    "uncertainty": round(uncertainty, 4),
                    "primary_uncertainty": DQ_UNCERTAINTY[1],
                    "spend_based_share": round(total["spend_kg"] / gross, 4),
                    "secondary_share": round(1.0 - total["primary_kg"] / gross, 4),
                    "has_open_request": (vendor.id, company.id) in open_requests,
                }
                priority = total["kg"] * reduction
                rows.append((company.id, -priority, vendor.id, vendor, company, inputs))
        ranking = {}
        rank_in_company = defaultdict(int)
        for _company_id, _neg, _pid, partner, company, inputs in sorted(rows, key=lambda r: r[:3]):
            rank_in_company[company] += 1
            ranking[(partner, company)] = (rank_in_company[company], inputs)
        return ranking

    def _rem_suppliers(self, agent, partners, run):
        ranking = self._rem_ranking(agent)
        keys = [(p, c) for (p, c), (rank, _i) in ranking.items() if p in partners]
        asked = {
            (partner.id, company.id): count
            for partner, company, count in self.env["scope3.supplier.data.request"]
            .sudo()
            ._read_group(
                [("partner_id", "in", partners.ids)], ["partner_id", "company_id"], ["__count"]
            )
        }
        results = []
        for partner, company in sorted(keys, key=lambda k: (k[1].id, ranking[k][0])):
            rank, inputs = ranking[(partner, company)]
            if rank > agent.max_requests:
                continue
            results.append(
                agent._scope3_check(
                    "supplier_priority",
                    partner,
                    dict(inputs, rank=rank),
                    company=company,
                    partner=partner,
                    key=str(asked.get((partner.id, company.id), 0)),
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
