# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.scope3_carbon.core.conversion import to_decimal

from ..core import digest
from ..core.chain import normalise
from .scope3_agent import KIND_PARAMS

#: the policy agent's runs rank the top-emitting vendors again when the ranking is older
RANK_REFRESH = timedelta(minutes=10)


class Scope3AgentPolicy(models.AbstractModel):
    """Policy agent: carbon guardrails at purchase approval.

    Evaluated synchronously when an order is confirmed (``purchase.order.button_confirm``):
    an order line above the intensity threshold (kg CO2e per unit of company currency,
    from the factor the line resolves to), or an order from one of the top-emitting
    vendors whose data-quality score is at or above the limit, holds the order in "To
    Approve" — the state of Odoo's purchase double validation — until a Carbon Manager
    approves it. In Recommend mode the agent only records the finding and warns. Its
    findings are never approved by the agent itself.
    """

    _name = "scope3.agent.policy"
    _inherit = "scope3.agent.kind"
    _description = "Scope 3 Policy Agent"

    @api.model
    def _scope3_executable_actions(self):
        return {"carbon_approval"}

    @api.model
    def _scope3_auto_actions(self):
        return set()  # a guardrail is released by a person only

    @api.model
    def _scope3_sticky_checks(self):
        return ["carbon_guardrail"]

    @api.model
    def _scope3_apply(self, finding):
        order = finding._scope3_subject()
        if order.state not in ("draft", "sent", "to approve"):
            raise UserError(
                self.env._(
                    "Order %(order)s is %(state)s: there is nothing to approve.",
                    order=order.name,
                    state=order.state,
                )
            )
        order._scope3_carbon_record_approval(log=False)
        if order.state == "to approve":
            order.button_approve()
        return {"order": order.name, "state": order.state}

    @api.model
    def _policy_agent(self):
        """The runnable policy agent, or an empty recordset."""
        agent = (
            self.env["scope3.agent"]
            .sudo()  # the guardrail applies to every purchase user
            .search_fetch(
                [("kind", "=", "policy")],
                ["code", "kind", "active", "paused", "autonomy", *KIND_PARAMS["policy"]],
                limit=1,
            )
        )
        if not agent or not agent._scope3_runnable()[0]:
            return self.env["scope3.agent"]
        return agent

    @api.model
    def _policy_inputs(self, order, agent):
        """Inputs of the guardrail: each line's estimated kg CO2e per unit of company
        currency, computed by scope3_carbon's own resolution and estimate (the figure the
        commitment entry would get), and the vendor's rank and data quality."""
        # the guardrail reads factors, footprints and rules for any purchase user
        company = order.company_id.sudo()
        lines = order.order_line.filtered(lambda line: not line.display_type and line.product_id)
        if agent.intensity_threshold <= 0:
            # only the vendor check is on: no line needs an estimate
            lines = lines.browse()
        line_inputs = (
            self._policy_line_inputs(order, lines, agent.intensity_threshold) if lines else []
        )
        inputs = {
            "order": order.name,
            "currency": company.currency_id.name,
            "lines": line_inputs,
            "vendor": order.partner_id.display_name,
            "vendor_rank": None,
            "vendor_dq": None,
        }
        if agent.top_vendor_count:
            inputs["vendor_rank"], inputs["vendor_dq"], inputs["ranked_at"] = (
                self._policy_vendor_rank(order, agent)
            )
        return inputs

    @api.model
    def _policy_line_inputs(self, order, lines, threshold):
        """Each line's estimated kg CO2e and kg CO2e per unit of company currency; the
        lines above ``threshold`` (kg CO2e per unit) are named, for the reason."""
        company = order.company_id.sudo()
        date = order.date_order.date()
        Factor = self.env["scope3.factor"].sudo()
        partner = order.partner_id.sudo()
        empty_account = self.env["account.account"]
        _factor_set, resolved = Factor._scope3_candidates(
            company,
            date,
            [
                {
                    "product": line.product_id.sudo(),
                    "partner": partner,
                    "account": empty_account,
                    "operation": "purchase",
                }
                for line in lines
            ],
        )
        rates = company._scope3_rates_getter(date)
        Activity = self.env["scope3.activity"].sudo()
        line_inputs = []
        for line, (candidates, path, _rule) in zip(lines, resolved, strict=True):
            if not line.price_subtotal:
                continue
            # what the commitment entry would be computed from (see _scope3_estimate)
            source = {
                "company": company,
                "date": date,
                "amount": line.price_subtotal,
                "currency": line.currency_id,
                "quantity": line.product_qty,
                "uom": line.product_uom,
                "product": line.product_id.sudo(),
                "partner": partner,
                "subject": {"document": "purchase.order", "line_id": line.id, "stage": "policy"},
            }
            try:
                estimate = Activity._scope3_estimate(source, candidates, path, rates, trace=False)
                rate = rates(line.currency_id)[0]
            except UserError:
                estimate = None  # e.g. no currency rate: the data-quality agent flags it
            if not estimate:
                continue
            amount = to_decimal(line.price_subtotal) / to_decimal(rate)
            intensity = round(float(to_decimal(estimate["co2e"]) / amount), 6)
            line_inputs.append(
                {
                    "line": line.id,
                    "product": line.product_id.id,
                    "co2e_kg": float(estimate["co2e"]),
                    "level": estimate["level"],
                    "intensity": intensity,
                }
            )
            if intensity > threshold:
                # named in the guardrail's reason (the other lines are not)
                line_inputs[-1]["name"] = line.product_id.display_name
            if estimate["footprint"].is_confidential:
                # the reason is shown on the order to its buyer: without the intensity
                # (with the line's amount, it gives the supplier's confidential footprint)
                line_inputs[-1]["confidential"] = True
        return line_inputs

    @api.model
    def _scope3_after_run(self, run):
        """A run of the policy agent (woken when the ledger changes) ranks the vendors
        again when the ranking is older than ``RANK_REFRESH`` or for another top count
        (one grouped query per company), and drops the older rankings."""
        agent = run.agent_id
        if agent.top_vendor_count <= 0:
            return
        Rank = self.env["scope3.agent.vendor.rank"].sudo()
        latest = Rank.search([], order="computed_at desc, id desc", limit=1)
        if (
            latest
            and latest.computed_at > fields.Datetime.now() - RANK_REFRESH
            and latest.top_count == agent.top_vendor_count
        ):
            return
        companies = self.env["res.company"].sudo().search([])
        ranking = self._policy_rank_vendors(agent, companies)
        Rank.search([("id", "not in", ranking.ids)]).unlink()

    @api.model
    def _policy_rank_vendors(self, agent, companies):
        """Rank the ``top_vendor_count`` top-emitting vendors of each company over the
        last 12 months (kg CO2e and DQ x kg summed in SQL, no entry read into Python) and
        store the ranking. A confirmation only ever adds a ranking (two at once add two
        equal ones); the agent's run drops the older ones."""
        Rank = self.env["scope3.agent.vendor.rank"].sudo()
        Entry = self.env["scope3.emission.entry"].sudo()
        today = fields.Date.today()
        date_from = today - timedelta(days=365)
        now = fields.Datetime.now()
        vals_list = []
        for company in companies:
            top = self._policy_vendor_totals(company, today)[: max(agent.top_vendor_count, 0)]
            # an empty ranking is stored too (rank 0, no vendor): "ranked, nobody"
            rows = [(rank, partner, kg, dq_kg) for rank, (partner, kg, dq_kg) in enumerate(top, 1)]
            for rank, partner, kg, dq_kg in rows or [(0, Entry.partner_id, 0.0, 0.0)]:
                vals_list.append(
                    {
                        "company_id": company.id,
                        "partner_id": partner.id,
                        "rank": rank,
                        "co2e_kg": kg,
                        "dq_weighted_kg": dq_kg,
                        "top_count": agent.top_vendor_count,
                        "date_from": date_from,
                        "date_to": today,
                        "computed_at": now,
                    }
                )
        return Rank.create(vals_list)

    @api.model
    def _policy_vendor_rank(self, order, agent):
        """Rank of the order's vendor among the company's top-emitting vendors of the last
        12 months, its kg-weighted data-quality score (None without scores) and when the
        ranking was made: one bounded query on the stored ranking. It is made again here
        when it is from another day or for another top count; else the agent's runs,
        woken by the attribution, keep it at most ``RANK_REFRESH`` behind the ledger."""
        company = order.company_id
        today = fields.Date.today()
        if order.date_order.date() != today:
            # a back-dated order: the 12 months before its own date, ranked for it alone
            return (*self._policy_vendor_rank_on(order, order.date_order.date()), None)
        Rank = self.env["scope3.agent.vendor.rank"].sudo()
        rows = Rank.search_fetch(
            [("company_id", "=", company.id)],
            [
                "computed_at",
                "date_to",
                "top_count",
                "rank",
                "partner_id",
                "co2e_kg",
                "dq_weighted_kg",
            ],
            order="computed_at desc, id desc",
            limit=2 * max(agent.top_vendor_count, 1),
        )
        latest = rows[:1]
        if not latest or latest.date_to != today or latest.top_count != agent.top_vendor_count:
            rows = self._policy_rank_vendors(agent, company)
            latest = rows[:1]
        row = rows.filtered(
            lambda r: r.computed_at == latest.computed_at
            and r.rank
            and r.partner_id == order.partner_id
        )[:1]
        return (row.rank or None, row._scope3_dq() if row else None, str(latest.computed_at))

    @api.model
    def _policy_vendor_totals(self, company, date):
        """``(vendor, kg CO2e, DQ x kg)`` of the company's entries over the 12 months up to
        ``date``, top emitter first (one grouped query; no entry read into Python)."""
        totals = (
            self.env["scope3.emission.entry"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "=", company.id),
                    ("date", ">", date - timedelta(days=365)),
                    ("date", "<=", date),
                    ("partner_id", "!=", False),
                ],
                ["partner_id"],
                ["co2e_kg:sum", "dq_weighted_kg:sum"],
            )
        )
        return sorted(totals, key=lambda row: (-row[1], row[0].id))

    @api.model
    def _policy_vendor_rank_on(self, order, date):
        """Rank and kg-weighted DQ score of the order's vendor over the 12 months up to
        ``date`` (one grouped query; no entry read into Python)."""
        ranking = self._policy_vendor_totals(order.company_id, date)
        rank = next((i + 1 for i, row in enumerate(ranking) if row[0] == order.partner_id), None)
        dq = None
        if rank:
            _partner, kg, dq_kg = ranking[rank - 1]
            if kg and dq_kg:
                dq = round(dq_kg / kg, 2)
        return rank, dq

    @api.model
    def _policy_key(self, inputs):
        return digest(normalise(inputs))
