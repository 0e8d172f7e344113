# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models

from ..reports.scope3_inventory_report import kg, share

#: how many vendors and products the dashboard ranks
TOP = 5


class Scope3Dashboard(models.AbstractModel):
    """Figures of the Carbon app's overview (the ``scope3_carbon.dashboard`` client action).

    One call returns every card and chart for the selected companies and period, each with
    the ledger domain it sums so that a click opens exactly those entries. Other add-ons
    add cards with :meth:`_scope3_dashboard_cards` (the agents add-on shows its open
    findings there).
    """

    _name = "scope3.dashboard"
    _description = "Scope 3 Dashboard"

    @api.model
    def _scope3_dashboard_periods(self):
        today = fields.Date.context_today(self)
        month_start = today.replace(day=1)
        return {
            "12m": (
                self.env._("Last 12 months"),
                month_start - relativedelta(months=11),
                month_start + relativedelta(months=1, days=-1),
            ),
            "ytd": (self.env._("This year"), date(today.year, 1, 1), date(today.year, 12, 31)),
            "last_year": (
                self.env._("Last year"),
                date(today.year - 1, 1, 1),
                date(today.year - 1, 12, 31),
            ),
        }

    @api.model
    def get_dashboard_data(self, period="12m"):
        """Everything the overview shows, for the companies selected in the switcher.

        :param period: ``"12m"`` (the last 12 calendar months, this one included),
            ``"ytd"`` (this calendar year) or ``"last_year"``
        :return: a JSON-serialisable dict; every figure is kg CO2e and comes with the
            ``domain`` of the ledger entries it sums
        """
        periods = self._scope3_dashboard_periods()
        if period not in periods:
            period = "12m"
        label, date_from, date_to = periods[period]
        companies = self.env.companies
        Report = self.env["scope3.inventory.report"]
        domain = Report._scope3_report_domain(companies, date_from, date_to)
        totals = Report._scope3_totals(domain)
        total = totals["kg"]

        def line(extra_domain, amount, count, **values):
            return dict(
                values,
                kg=kg(amount),
                share=share(kg(amount), total),
                count=count,
                domain=domain + extra_domain,
            )

        categories = [
            line(
                [("category_id", "=", category.id)],
                amount,
                count,
                id=category.id,
                name=category.display_name,
            )
            for category, amount, __, count in Report._scope3_sums(
                domain, ["category_id"], order="co2e_kg:sum desc"
            )
        ]
        months = {
            month: (amount, count)
            for month, amount, __, count in Report._scope3_sums(domain, ["date:month"])
        }
        month_lines = []
        month = date_from
        while month <= date_to:
            amount, count = months.get(month, (0.0, 0))
            month_end = month + relativedelta(months=1, days=-1)
            month_lines.append(
                line(
                    [
                        ("date", ">=", fields.Date.to_string(month)),
                        ("date", "<=", fields.Date.to_string(month_end)),
                    ],
                    amount,
                    count,
                    name=self._scope3_month_name(month),
                    month=fields.Date.to_string(month),
                )
            )
            month += relativedelta(months=1)

        hidden = not self.env.user.has_group("scope3_carbon.group_scope3_auditor")

        def top(field_name, scope=()):
            confidential = []
            if hidden:
                # a vendor's or product's sum of a confidential footprint gives it (known
                # quantities): not ranked for non-auditors, nor its rank
                confidential = [
                    record.id
                    for (record,) in self.env["scope3.emission.entry"]
                    .sudo()
                    ._read_group(
                        domain
                        + list(scope)
                        + [("supplier_footprint_id.is_confidential", "=", True)],
                        [field_name],
                    )
                    if record
                ]
            rows = Report._scope3_sums(
                domain
                + list(scope)
                + [(field_name, "!=", False), (field_name, "not in", confidential)],
                [field_name],
                order="co2e_kg:sum desc",
                limit=TOP,
            )
            names = Report._scope3_names(
                self.env[self.env["scope3.emission.entry"]._fields[field_name].comodel_name].browse(
                    record.id for record, *__ in rows
                )
            )
            return [
                line(
                    list(scope) + [(field_name, "=", record.id)],
                    amount,
                    count,
                    id=record.id,
                    name=names[record.id],
                )
                for record, amount, __, count in rows
            ]

        method_names = dict(
            self.env["scope3.emission.entry"]._fields["method"]._description_selection(self.env)
        )
        methods = [
            line([("method", "=", method)], amount, count, key=method, name=method_names[method])
            for method, amount, __, count in Report._scope3_sums(
                domain, ["method"], order="co2e_kg:sum desc"
            )
        ]
        dq_scores = [
            line(
                [("dq_score", "=", score)],
                amount,
                count,
                key=score or 0,
                name=self.env._("DQ %(score)s", score=score or 0),
            )
            for score, amount, __, count in Report._scope3_sums(
                domain, ["dq_score"], order="dq_score"
            )
        ]
        return {
            "period": period,
            "periods": [{"key": key, "name": value[0]} for key, value in periods.items()],
            "date_from": fields.Date.to_string(date_from),
            "date_to": fields.Date.to_string(date_to),
            "companies": companies.mapped("name"),
            "domain": domain,
            "totals": totals,
            "categories": categories,
            "months": month_lines,
            # vendors: the partners of upstream entries (customers are downstream)
            "vendors": top("partner_id", [("category_id.direction", "=", "upstream")]),
            "products": top("product_id"),
            "methods": methods,
            "dq_scores": dq_scores,
            "freshness": self._scope3_dashboard_freshness(companies),
            "coverage": self._scope3_dashboard_coverage(companies, date_from, date_to),
            "period_label": Report._scope3_period_label(date_from, date_to),
            "cards": self._scope3_dashboard_cards(companies, date_from, date_to),
        }

    @api.model
    def _scope3_month_name(self, month):
        """ "Jan 2026", "janv. 2026", "Jan. 2026": Babel, in the user's language."""
        from babel.dates import format_date

        from odoo.tools.misc import babel_locale_parse

        return format_date(
            month, format="MMM yyyy", locale=babel_locale_parse(self.env.lang or "en_US")
        )

    @api.model
    def _scope3_dashboard_coverage(self, companies, date_from, date_to):
        """What the figures cover: the confirmed purchase lines of the period with a figure
        (share of lines and of spend), the spend not calculated (unmapped or never captured)
        and the documents still waiting, each with the domain of the records to fix.

        Set-based (grouped SQL); spend is converted to the first company's currency at
        today's rate (a share, not an amount of the inventory).
        """
        # sudo: counts and sums only, for the companies the user works in
        Line = self.env["purchase.order.line"].sudo()
        base = [
            ("company_id", "in", companies.ids),
            ("display_type", "=", False),
            ("order_id.state", "in", ("purchase", "done")),
            ("order_id.date_order", ">=", fields.Datetime.to_string(date_from)),
            (
                "order_id.date_order",
                "<",
                fields.Datetime.to_string(date_to + relativedelta(days=1)),
            ),
        ]
        groups = {
            "unmapped": [("scope3_activity_ids.state", "=", "unmapped")],
            "not_captured": [("scope3_activity_ids", "=", False)],
            "pending": [
                ("scope3_activity_ids.state", "=", "pending"),
                ("scope3_activity_ids", "not any", [("state", "=", "unmapped")]),
            ],
        }
        currency = companies[:1].currency_id
        today = fields.Date.context_today(self)

        def spend(domain):
            total, count = 0.0, 0
            for line_currency, amount, number in Line._read_group(
                domain, ["currency_id"], ["price_subtotal:sum", "__count"]
            ):
                total += line_currency._convert(amount, currency, companies[:1], today)
                count += number
            return currency.round(total), count

        all_spend, all_count = spend(base)
        result = {"currency": currency.name, "line_count": all_count, "spend": all_spend}
        missing_spend = missing_count = 0.0
        for key, extra in groups.items():
            amount, count = spend(base + extra)
            missing_spend += amount
            missing_count += count
            order_ids = Line._read_group(base + extra, ["order_id"])
            result[key] = {
                "spend": amount,
                "count": count,
                "order_domain": [("id", "in", [order.id for (order,) in order_ids])],
            }
        result["unmapped"]["activity_domain"] = [
            ("company_id", "in", companies.ids),
            ("state", "=", "unmapped"),
            ("date", ">=", fields.Date.to_string(date_from)),
            ("date", "<=", fields.Date.to_string(date_to)),
        ]
        result["lines_share"] = share(all_count - missing_count, all_count)
        result["spend_share"] = share(all_spend - missing_spend, all_spend)
        return result

    @api.model
    def _scope3_dashboard_freshness(self, companies):
        """How far the ledger lags behind the ERP: the events still to process."""
        # sudo: the counts and the oldest date only, no event content, for the companies
        # the user works in; the events themselves stay readable by auditors only
        Event = self.env["scope3.outbox.event"].sudo()
        company_domain = [("company_id", "in", companies.ids)]
        counts = dict(Event._read_group(company_domain, ["state"], ["__count"]))
        [(oldest,)] = Event._read_group(
            company_domain + [("state", "=", "pending")], [], ["create_date:min"]
        )
        now = fields.Datetime.now()
        return {
            "pending": counts.get("pending", 0),
            "failed": counts.get("failed", 0),
            "oldest_pending": fields.Datetime.to_string(oldest) if oldest else False,
            "oldest_pending_minutes": int((now - oldest).total_seconds() // 60) if oldest else 0,
            "domain": company_domain + [("state", "in", ("pending", "failed"))],
            "can_open": self.env.user.has_group("scope3_carbon.group_scope3_auditor"),
        }

    @api.model
    def _scope3_dashboard_cards(self, companies, date_from, date_to):
        """Extra cards of other add-ons: a list of dicts.

        Each card has ``key``, ``name``, ``value`` (a number or text), ``subtitle``, and,
        to be clickable, ``res_model`` and ``domain`` (opened as a list view) or
        ``action`` (the XML id of a window action). Add-ons extend this method and append
        their cards to ``super()``'s list.
        """
        return []
