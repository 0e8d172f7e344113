# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import float_round

from ..models.scope3_category_relevance import RELEVANCE
from .scope3_inventory_xlsx import InventoryXlsx

BASES = ("location", "market")
#: methods whose figures come from supplier (primary) data, as ESRS E1-6 counts them
PRIMARY_METHODS = ("supplier_specific",)


def kg(value):
    """A ledger sum as reported: kg CO2e to the gram (the ledger's precision)."""
    return float_round(value or 0.0, precision_digits=3) + 0.0  # no "-0.0"


def tonnes(value):
    """kg CO2e as t CO2e, kept to the kg (the report prints two decimals)."""
    return float_round((value or 0.0) / 1000.0, precision_digits=3) + 0.0


def share(part, whole):
    """``part / whole`` as a percentage with two decimals, None when ``whole`` is zero."""
    return float_round(100.0 * part / whole, precision_digits=2) if whole else None


class Scope3InventoryReport(models.AbstractModel):
    """The figures of a Scope 3 inventory, in one place.

    Everything the PDF, the XLSX export and the dashboard show is computed here from the
    ledger with grouped SQL (``_read_group``), for a company (or the selected companies),
    a period and optionally one accounting basis. The same domain
    (:meth:`_scope3_report_domain`) on the ledger's list or pivot gives the same totals:
    the ledger is append-only and a correction is a reversal plus a new entry, so the
    net of every selection is a plain sum.
    """

    _name = "scope3.inventory.report"
    _description = "Scope 3 Inventory Report Data"

    # ------------------------------------------------------------------------------------
    # Selections and grouped sums
    # ------------------------------------------------------------------------------------
    @api.model
    def _scope3_report_domain(self, companies, date_from=None, date_to=None, basis="all"):
        """Ledger domain of an inventory: companies, dates (inclusive), basis or "all"."""
        domain = [("company_id", "in", companies.ids)]
        if date_from:
            domain.append(("date", ">=", fields.Date.to_string(date_from)))
        if date_to:
            domain.append(("date", "<=", fields.Date.to_string(date_to)))
        if basis in BASES:
            domain.append(("basis", "=", basis))
        return domain

    @api.model
    def _scope3_sums(self, domain, groupby=(), order=None, limit=None):
        """``[(group values..., kg, DQ x kg, count)]`` of the ledger entries in ``domain``."""
        return self.env["scope3.emission.entry"]._read_group(
            domain,
            groupby,
            ["co2e_kg:sum", "dq_weighted_kg:sum", "__count"],
            order=order,
            limit=limit,
        )

    @api.model
    def _scope3_totals(self, domain):
        (total, dq_kg, count), *__ = self._scope3_sums(domain)
        (primary,), *__ = self.env["scope3.emission.entry"]._read_group(
            domain + [("method", "in", PRIMARY_METHODS)], [], ["co2e_kg:sum"]
        )
        total = kg(total)
        return {
            "kg": total,
            "count": count,
            "dq_weighted_kg": kg(dq_kg),
            # emission-weighted DQ score: sum(DQ x kg) / sum(kg)
            "dq_score": float_round(dq_kg / total, precision_digits=2) if total else None,
            "primary_kg": kg(primary),
            "primary_share": share(kg(primary), total),
        }

    @api.model
    def _scope3_names(self, records):
        """Display names of grouped records (vendors, products, sets) by id.

        Read as superuser, as Odoo reads a many2one's name: what a reader may see of a
        value depends on its access to the ledger entry, not to the value's model (a
        Carbon User reads entries of bills without the Accounting rights).
        """
        return {record.id: record.sudo().display_name for record in records}

    # ------------------------------------------------------------------------------------
    # The inventory
    # ------------------------------------------------------------------------------------
    @api.model
    def _scope3_selection(self, model, field_name):
        """``[(value, label)]`` of a selection field, labels in the user's language."""
        return self.env[model]._fields[field_name]._description_selection(self.env)

    @api.model
    def _scope3_report_data(self, company, date_from, date_to, basis="all"):
        """Everything the inventory report shows, for one company and period.

        :param company: a ``res.company`` record
        :param date_from: first accounting date (a date or ``YYYY-MM-DD``), inclusive
        :param date_to: last accounting date, inclusive
        :param basis: ``"location"``, ``"market"`` or ``"all"`` (both)
        :return: a dict of plain values (numbers, strings, lists of dicts); every sum is
            kg CO2e rounded to the gram (``*_kg``) or t CO2e (``*_t``), every share a
            percentage

        The gross Scope 3 figure is on the company's accounting basis and never adds two
        bases of the same activity: with location-based accounting it is the location-based
        entries (market-based entries, if any, are shown beside it); with market-based
        accounting it is the market-based method's result: supplier-specific or contractual
        factors, and location-based factors where none exists (the method's fallback, shown
        in its own column). Excluded categories are shown apart, out of the gross figure.
        """
        company.ensure_one()
        date_from = fields.Date.to_date(date_from)
        date_to = fields.Date.to_date(date_to)
        domain = self._scope3_report_domain(company, date_from, date_to, basis)
        totals = self._scope3_totals(domain)
        accounting_basis = company.scope3_accounting_basis or "location"
        basis_labels = dict(self._scope3_selection("scope3.emission.entry", "basis"))
        categories = self._scope3_report_categories(domain, company, accounting_basis)
        gross = kg(sum(line["gross_kg"] for line in categories if line["in_gross"]))
        excluded = kg(sum(line["kg"] for line in categories if not line["in_gross"]))
        (gross_primary,), *__ = self.env["scope3.emission.entry"]._read_group(
            self._scope3_gross_domain(domain, categories, accounting_basis)
            + [("method", "in", PRIMARY_METHODS)],
            [],
            ["co2e_kg:sum"],
        )
        for line in categories:
            line["share"] = share(line["gross_kg"], gross) if line["in_gross"] else None
        totals.update(
            {
                "t": tonnes(totals["kg"]),
                "gross_kg": gross,
                "gross_t": tonnes(gross),
                "gross_primary_kg": kg(gross_primary),
                "gross_primary_share": share(kg(gross_primary), gross),
                "excluded_kg": excluded,
                "excluded_t": tonnes(excluded),
                "location_kg": kg(sum(line["location_kg"] for line in categories)),
                "market_kg": kg(sum(line["market_kg"] for line in categories)),
            }
        )
        for key in ("location", "market"):
            totals[f"{key}_t"] = tonnes(totals[f"{key}_kg"])
        base_year = self._scope3_report_base_year(company, date_from, date_to, basis, gross)
        return {
            "company_id": company.id,
            "company_name": company.name,
            "date_from": date_from,
            "date_to": date_to,
            "period": self._scope3_period_label(date_from, date_to),
            "basis": basis,
            "basis_label": basis_labels.get(basis, self.env._("Location- and market-based")),
            "accounting_basis_key": accounting_basis,
            "accounting_basis": basis_labels.get(accounting_basis),
            # the columns of the category table: the bases present, in a fixed order
            "bases_present": [
                key for key in BASES if any(line[f"{key}_count"] for line in categories)
            ],
            "domain": domain,
            "totals": totals,
            "categories": categories,
            "methods": self._scope3_report_selection(
                domain,
                "method",
                self._scope3_selection("scope3.emission.entry", "method"),
                totals["kg"],
            ),
            "stages": self._scope3_report_selection(
                domain,
                "stage",
                self._scope3_selection("scope3.emission.entry", "stage"),
                totals["kg"],
            ),
            "dq_scores": self._scope3_report_dq(domain, totals["kg"]),
            "base_year": base_year,
            "esrs": self._scope3_report_esrs(categories, totals, base_year),
            "restatements": self._scope3_report_restatements(company, date_from, date_to),
            "factor_sets": self._scope3_report_factor_sets(domain),
            "primary_data": self._scope3_report_primary_data(domain),
            "coverage": self._scope3_report_coverage(company, date_from, date_to),
            "period_close": self._scope3_report_period_close(company, date_from, date_to),
            "prepared_by": self.env.user.name,
            "printed_on": self._scope3_format_date(fields.Date.context_today(self)),
            "withheld_count": self._scope3_report_withheld(domain),
        }

    @api.model
    def _scope3_report_withheld(self, domain):
        """How many entries of confidential footprints the totals leave out for this reader
        (the company withholds them from non-auditors' totals), else 0."""
        # imported here: the confidentiality overrides must load after the models they
        # extend (models/__init__.py imports them last)
        from ..models.scope3_confidentiality import withheld  # noqa: PLC0415

        if not withheld(self.env):
            return 0
        return (
            self.env["scope3.emission.entry"]
            .sudo()
            .search_count(domain + [("supplier_footprint_id.is_confidential", "=", True)])
        )

    @api.model
    def _scope3_format_date(self, value):
        """A date in words in the language of the environment: "1 January 2026",
        "1 janvier 2026", "1. Januar 2026" (Babel's long format, no strftime)."""
        from babel.dates import format_date

        from odoo.tools.misc import babel_locale_parse

        return format_date(
            value, format="long", locale=babel_locale_parse(self.env.lang or "en_US")
        )

    @api.model
    def _scope3_period_label(self, date_from, date_to):
        """The period in words: "1 January 2026 to 31 December 2026" in the language of the
        environment (the range wording is a translated term)."""
        return self.env._(
            "%(date_from)s to %(date_to)s",
            date_from=self._scope3_format_date(date_from),
            date_to=self._scope3_format_date(date_to),
        )

    @api.model
    def _scope3_gross_domain(self, domain, categories, accounting_basis):
        """The entries of the gross figure: not excluded, on the accounting basis."""
        gross = domain + [
            ("category_id", "in", [line["id"] for line in categories if line["in_gross"]])
        ]
        if accounting_basis == "location":
            gross.append(("basis", "=", "location"))
        return gross

    @api.model
    def _scope3_report_esrs(self, categories, totals, base_year):
        """The ESRS E1-6 datapoints the Scope 3 inventory owns (E1-6 §44, §51, AR 46)."""
        return {
            "gross_t": totals["gross_t"],
            "significant": [
                {"number": line["number"], "name": line["name"], "t": tonnes(line["gross_kg"])}
                for line in categories
                if line["relevance"] == "relevant" and line["gross_kg"]
            ],
            "primary_share": totals["gross_primary_share"],
            "base_year": base_year and base_year["year"],
            "base_year_t": base_year and tonnes(base_year["kg"]),
            "base_year_recalculated": bool(base_year and base_year["restatements"]),
        }

    @api.model
    def _scope3_report_primary_data(self, domain):
        """The supplier-specific footprints the entries used (the primary data the primary
        share counts): by footprint, with its supplier, product, value and verification."""
        rows = (
            self.env["scope3.emission.entry"]
            .sudo()
            ._read_group(
                domain
                + [("method", "in", PRIMARY_METHODS), ("supplier_footprint_id", "!=", False)],
                ["supplier_footprint_id"],
                ["co2e_kg:sum", "__count"],
            )
        )
        lines = []
        # the footprints received under confidentiality: their value and their entries'
        # kg (by footprint, a known quantity) for auditors only
        hidden = not self.env.user.has_group("scope3_carbon.group_scope3_auditor")
        for footprint, amount, count in rows:
            confidential = hidden and footprint.is_confidential
            lines.append(
                {
                    "id": footprint.id,
                    "confidential": confidential,
                    "partner": footprint.partner_id.display_name,
                    "product": footprint.product_id.display_name or "",
                    "pcf_kg": footprint.pcf_kg,
                    "declared_unit": dict(
                        footprint._fields["declared_unit"]._description_selection(self.env)
                    ).get(footprint.declared_unit, footprint.declared_unit or ""),
                    "verified": footprint.verified,
                    "primary_data_share": footprint.primary_data_share,
                    "kg": kg(amount),
                    "t": tonnes(amount),
                    "count": count,
                }
            )
            if confidential:
                lines[-1].update(pcf_kg=None, kg=None, t=None)
        lines.sort(key=lambda line: (line["partner"], line["product"], line["id"]))
        return lines

    @api.model
    def _scope3_report_coverage(self, company, date_from, date_to):
        """Purchases of the period without a figure: confirmed order lines whose status is
        not calculated (unmapped, waiting, never captured), with their spend."""
        Line = self.env["purchase.order.line"].sudo()
        lines = Line.search(
            [
                ("company_id", "=", company.id),
                ("order_id.state", "in", ("purchase", "done")),
                ("order_id.date_order", ">=", fields.Datetime.to_string(date_from)),
                (
                    "order_id.date_order",
                    "<",
                    fields.Datetime.to_string(date_to + relativedelta(days=1)),
                ),
                ("display_type", "=", False),
            ]
        )
        statuses = dict(self._scope3_selection("purchase.order.line", "scope3_status"))
        currency = company.currency_id
        by_status = {}
        spend_total = spend_with_figure = 0.0
        for line in lines:
            amount = line.currency_id._convert(
                line.price_subtotal, currency, company, line.order_id.date_order.date()
            )
            spend_total += amount
            if line.scope3_status in ("calculated", "excluded", "cancelled"):
                spend_with_figure += amount
                continue
            item = by_status.setdefault(
                line.scope3_status,
                {
                    "status": line.scope3_status,
                    "name": statuses.get(line.scope3_status),
                    "count": 0,
                    "spend": 0.0,
                    "lines": [],
                },
            )
            item["count"] += 1
            item["spend"] += amount
            if len(item["lines"]) < 20:
                item["lines"].append(
                    {
                        "order": line.order_id.name,
                        "product": line.product_id.display_name or line.name,
                        "spend": amount,
                        "reason": line.scope3_status_reason or "",
                    }
                )
        not_calculated = sum(item["count"] for item in by_status.values())
        return {
            "line_count": len(lines),
            "not_calculated_count": not_calculated,
            "lines_share": share(len(lines) - not_calculated, len(lines)),
            "spend_total": currency.round(spend_total),
            "spend_share": share(spend_with_figure, spend_total),
            "currency": currency.name,
            "groups": list(by_status.values()),
        }

    @api.model
    def _scope3_report_period_close(self, company, date_from, date_to):
        """The period close of the inventory's period, when the ledger has period closes
        (``scope3.period.close``): its chain head, so the auditor can check the ledger did
        not change since. None otherwise."""
        if "scope3.period.close" not in self.env:
            return None
        Close = self.env["scope3.period.close"].sudo()
        if hasattr(Close, "_scope3_report_close_data"):
            return Close._scope3_report_close_data(company, date_from, date_to)
        return {"available": False}

    @api.model
    def _scope3_report_categories(self, domain, company, accounting_basis):
        """The 15 categories (all of them, empty ones too) with kg by basis, method mix,
        primary-data share, DQ and the company's relevance screening."""
        by_category = {}
        for category, basis, method, amount, dq_kg, count in self._scope3_sums(
            domain, ["category_id", "basis", "method"]
        ):
            line = by_category.setdefault(
                category.id,
                {
                    "location": 0.0,
                    "market": 0.0,
                    "location_count": 0,
                    "market_count": 0,
                    "dq_kg": 0.0,
                    "count": 0,
                    "methods": {},
                },
            )
            line[basis] += amount
            line[f"{basis}_count"] += count
            line["dq_kg"] += dq_kg
            line["count"] += count
            line["methods"][method] = line["methods"].get(method, 0.0) + amount
        method_labels = self._scope3_selection("scope3.emission.entry", "method")
        relevance_labels = dict(RELEVANCE)
        relevance_labels.update(self._scope3_selection("scope3.category.relevance", "relevance"))
        screening = self.env["scope3.category.relevance"]._scope3_by_category(company)
        lines = []
        for category in self.env["scope3.category"].search([], order="number"):
            sums = by_category.get(category.id, {})
            location = kg(sums.get("location"))
            market = kg(sums.get("market"))
            amount = kg((sums.get("location") or 0.0) + (sums.get("market") or 0.0))
            gross = location if accounting_basis == "location" else amount
            relevance = screening.get(category.id)
            relevance_key = relevance.relevance if relevance else "relevant"
            methods = sums.get("methods", {})
            primary = kg(sum(methods.get(method, 0.0) for method in PRIMARY_METHODS))
            lines.append(
                {
                    "id": category.id,
                    "number": category.number,
                    "name": category.name,
                    "direction": category.direction,
                    "location_kg": location,
                    "market_kg": market,
                    "location_t": tonnes(location),
                    "market_t": tonnes(market),
                    "location_count": sums.get("location_count", 0),
                    "market_count": sums.get("market_count", 0),
                    "kg": amount,
                    "t": tonnes(amount),
                    # on the accounting basis: what the category adds to gross Scope 3
                    "gross_kg": gross,
                    "gross_t": tonnes(gross),
                    "in_gross": relevance_key != "excluded",
                    "share": None,  # of the gross figure, set by _scope3_report_data
                    "count": sums.get("count", 0),
                    "dq_score": float_round(sums["dq_kg"] / amount, precision_digits=2)
                    if amount
                    else None,
                    "primary_kg": primary,
                    "primary_share": share(primary, amount),
                    "methods": [
                        {"key": key, "name": label, "share": share(kg(methods[key]), amount)}
                        for key, label in method_labels
                        if key in methods and amount
                    ],
                    "relevance": relevance_key,
                    "relevance_label": relevance_labels.get(relevance_key),
                    "reason": (relevance and relevance.reason) or "",
                    "methodology": (relevance and relevance.methodology) or "",
                }
            )
        return lines

    @api.model
    def _scope3_report_selection(self, domain, field_name, selection, total):
        """Lines of a selection field (method, stage) in the selection's order."""
        sums = {
            value: (amount, count)
            for value, amount, __, count in self._scope3_sums(domain, [field_name])
        }
        lines = []
        for value, label in selection:
            if value not in sums:
                continue
            amount, count = sums[value]
            lines.append(
                {
                    "key": value,
                    "name": label,
                    "kg": kg(amount),
                    "share": share(kg(amount), total),
                    "count": count,
                }
            )
        return lines

    @api.model
    def _scope3_report_dq(self, domain, total):
        """kg CO2e by DQ score (1 best, 5 worst)."""
        return [
            {
                "score": score or 0,
                "kg": kg(amount),
                "share": share(kg(amount), total),
                "count": count,
            }
            for score, amount, __, count in self._scope3_sums(
                domain, ["dq_score"], order="dq_score"
            )
        ]

    @api.model
    def _scope3_report_base_year(self, company, date_from, date_to, basis, current):
        """The same dates in the company's base year, by category, with the change.

        None when the company has no base year. The base-year window is the period moved
        back by whole years (a full year compares with the full base year).

        :param current: kg CO2e of the period, compared with the base year's
        """
        if not company.scope3_base_year:
            return None
        shift = relativedelta(years=date_from.year - company.scope3_base_year)
        base_from, base_to = date_from - shift, date_to - shift
        domain = self._scope3_report_domain(company, base_from, base_to, basis)
        if (company.scope3_accounting_basis or "location") == "location":
            domain.append(("basis", "=", "location"))  # as the gross figure it compares with
        base_by_category = {
            category.id: amount
            for category, amount, __, __ in self._scope3_sums(domain, ["category_id"])
        }
        base_total = kg(sum(base_by_category.values()))
        return {
            "year": company.scope3_base_year,
            "period": self._scope3_period_label(base_from, base_to),
            # restatements whose entries are dated in the base-year window: its recalculation
            "restatements": self._scope3_report_restatements(company, base_from, base_to),
            "date_from": base_from,
            "date_to": base_to,
            "kg": base_total,
            "t": tonnes(base_total),
            "change_kg": kg(current - base_total),
            "change_pct": share(kg(current - base_total), base_total),
            "categories": {
                category_id: kg(amount) for category_id, amount in base_by_category.items()
            },
        }

    @api.model
    def _scope3_report_restatements(self, company, date_from, date_to):
        """Restatements posted in the period, for the report's section.

        :return: a list of dicts with the keys ``name``, ``date``, ``reason``, ``state``
            and ``delta_kg`` (kg CO2e added to the inventory, negative when it lowers it);
            empty when restatements are not available in this database.
        """
        # the restatements whose posted entries (reversals and new figures) are dated in
        # the period: what each added to this period's inventory
        groups = (
            self.env["scope3.emission.entry"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "=", company.id),
                    ("date", ">=", date_from),
                    ("date", "<=", date_to),
                    ("restatement_id", "!=", False),
                ],
                ["restatement_id"],
                ["co2e_kg:sum"],
            )
        )
        triggers = dict(
            self.env["scope3.restatement"]._fields["trigger"]._description_selection(self.env)
        )
        states = dict(
            self.env["scope3.restatement"]._fields["state"]._description_selection(self.env)
        )
        result = []
        # a restatement of a confidential footprint (or of activities with confidential
        # figures) gives them by difference: its change for auditors only
        confidential = set()
        if not self.env.user.has_group("scope3_carbon.group_scope3_auditor"):
            confidential = (
                self.env["scope3.restatement"]
                .browse(group[0].id for group in groups)
                ._scope3_confidential_ids()
            )
        for restatement, delta in sorted(groups, key=lambda group: group[0].id):
            reason = triggers.get(restatement.trigger, "")
            if restatement.reason:
                reason = f"{reason}: {restatement.reason}"
            result.append(
                {
                    "name": restatement.name,
                    "date": restatement.posted_date and restatement.posted_date.date(),
                    "reason": reason,
                    "state": states.get(restatement.state, restatement.state),
                    "delta_kg": None if restatement.id in confidential else kg(delta),
                    "confidential": restatement.id in confidential,
                }
            )
        return result

    @api.model
    def _scope3_report_factor_sets(self, domain):
        """The factor sets the entries used (appendix), with their provenance."""
        sums = self._scope3_sums(domain, ["factor_set_id"])
        # sudo, as for a many2one's name: the provenance of the sets the visible entries
        # point at, archived ones included
        sets = (
            self.env["scope3.factor.set"]
            .browse([factor_set.id for factor_set, *__ in sums if factor_set])
            .with_context(active_test=False)
            .sudo()
        )
        sets_by_id = {factor_set.id: factor_set for factor_set in sets}  # one prefetch
        gwp = dict(sets._fields["gwp_basis"]._description_selection(self.env))
        lines = []
        for factor_set, amount, __, count in sums:
            if not factor_set:
                continue
            factor_set = sets_by_id[factor_set.id]
            lines.append(
                {
                    "id": factor_set.id,
                    "name": factor_set.name,
                    "publisher": factor_set.publisher,
                    "edition": factor_set.edition,
                    "edition_date": factor_set.edition_date,
                    "licence": factor_set.licence or "",
                    "source_url": factor_set.source_url or "",
                    "gwp_basis": gwp.get(factor_set.gwp_basis, ""),
                    "kg": kg(amount),
                    "count": count,
                }
            )
        lines.sort(key=lambda line: (line["publisher"], line["name"], line["id"]))
        # entries without a factor set, by method: supplier footprints (the primary-data
        # appendix lists them), product data (e.g. use phase of sold products), stated figures
        methods = dict(self._scope3_selection("scope3.emission.entry", "method"))
        without_set = [
            {"key": method, "name": methods.get(method, method), "kg": kg(amount), "count": count}
            for method, amount, __, count in self._scope3_sums(
                domain + [("factor_set_id", "=", False)], ["method"]
            )
        ]
        return {"sets": lines, "without_set": without_set}

    # ------------------------------------------------------------------------------------
    # Entry detail and XLSX
    # ------------------------------------------------------------------------------------
    @api.model
    def _scope3_report_entries(self, domain):
        """The entries of an inventory, one dict each, for the auditors' detail.

        Auditors (and managers) get the full traces and factor values; other users the
        traces without suppliers' confidential inputs (``trace_pretty``) and no factor
        value of supplier-specific entries.
        """
        entries = self.env["scope3.emission.entry"].search(domain, order="date, id")
        auditor = self.env.user.has_group("scope3_carbon.group_scope3_auditor")
        rows = entries.sudo().read(
            [
                "date",
                "category_id",
                "stage",
                "method",
                "basis",
                "resolution_level",
                "is_reversal",
                "reversed_entry_id",
                "partner_id",
                "product_id",
                "purchase_order_id",
                "account_move_id",
                "picking_id",
                "factor_set_id",
                "factor_value",
                "factor_unit",
                "activity_amount",
                "activity_unit",
                "source_amount",
                "source_currency_id",
                "co2e_kg",
                "dq_score",
                "dq_weighted_kg",
                "uncertainty_pct",
                "correlation_id",
                "trace_hash",
                "trace",
            ]
        )
        # the figures of entries of confidential footprints: auditors only
        confidential = set() if auditor else entries._scope3_confidential_ids()
        for row, entry in zip(rows, entries, strict=True):
            row["name"] = entry.display_name
            row["confidential"] = entry.id in confidential
            if row["confidential"]:
                row.update(co2e_kg=False, dq_weighted_kg=False)
            if not auditor:
                row["trace"] = entry.trace_pretty
                if entry.supplier_footprint_id:
                    row["factor_value"] = False
        return rows

    # ------------------------------------------------------------------------------------
    # XLSX (the writer is in scope3_inventory_xlsx.py)
    # ------------------------------------------------------------------------------------
    @api.model
    def _scope3_report_xlsx(self, data, entries):
        """The inventory as an XLSX workbook (bytes): the report's tables and the entries.

        :param data: :meth:`_scope3_report_data`
        :param entries: :meth:`_scope3_report_entries` of the same domain
        """
        return InventoryXlsx(self.env).render(data, entries)
