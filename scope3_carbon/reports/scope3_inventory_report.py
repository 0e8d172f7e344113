# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import io
from datetime import date

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.tools import float_round

from ..models.scope3_emission_entry import METHODS, STAGES

BASES = [("location", "Location-based"), ("market", "Market-based")]
#: methods whose figures come from supplier (primary) data, as ESRS E1-6 counts them
PRIMARY_METHODS = ("supplier_specific",)
#: XLSX cells hold at most 32,767 characters
XLSX_CELL_LIMIT = 32767


def kg(value):
    """A ledger sum as reported: kg CO2e to the gram (the ledger's precision)."""
    return float_round(value or 0.0, precision_digits=3) + 0.0  # no "-0.0"


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
        if basis in dict(BASES):
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
    def _scope3_report_data(self, company, date_from, date_to, basis="all"):
        """Everything the inventory report shows, for one company and period.

        :param company: a ``res.company`` record
        :param date_from: first accounting date (a date or ``YYYY-MM-DD``), inclusive
        :param date_to: last accounting date, inclusive
        :param basis: ``"location"``, ``"market"`` or ``"all"`` (both)
        :return: a dict of plain values (numbers, strings, lists of dicts); every sum is
            kg CO2e rounded to the gram, every share a percentage of the period total
        """
        company.ensure_one()
        date_from = fields.Date.to_date(date_from)
        date_to = fields.Date.to_date(date_to)
        domain = self._scope3_report_domain(company, date_from, date_to, basis)
        totals = self._scope3_totals(domain)
        return {
            "company_id": company.id,
            "company_name": company.name,
            "date_from": date_from,
            "date_to": date_to,
            "basis": basis,
            "basis_label": dict(BASES).get(basis, self.env._("Location- and market-based")),
            "accounting_basis": dict(
                company._fields["scope3_accounting_basis"]._description_selection(self.env)
            ).get(company.scope3_accounting_basis),
            "domain": domain,
            "totals": totals,
            "categories": self._scope3_report_categories(domain, totals["kg"]),
            "methods": self._scope3_report_selection(domain, "method", METHODS, totals["kg"]),
            "stages": self._scope3_report_selection(domain, "stage", STAGES, totals["kg"]),
            "dq_scores": self._scope3_report_dq(domain, totals["kg"]),
            "base_year": self._scope3_report_base_year(
                company, date_from, date_to, basis, totals["kg"]
            ),
            "restatements": self._scope3_report_restatements(company, date_from, date_to),
            "factor_sets": self._scope3_report_factor_sets(domain),
        }

    @api.model
    def _scope3_report_categories(self, domain, total):
        """The 15 categories (all of them, empty ones too) with kg by basis."""
        by_category = {}
        for category, basis, amount, dq_kg, count in self._scope3_sums(
            domain, ["category_id", "basis"]
        ):
            line = by_category.setdefault(
                category.id, {"location": 0.0, "market": 0.0, "dq_kg": 0.0, "count": 0}
            )
            line[basis] += amount
            line["dq_kg"] += dq_kg
            line["count"] += count
        lines = []
        for category in self.env["scope3.category"].search([], order="number"):
            sums = by_category.get(category.id, {})
            location = kg(sums.get("location"))
            market = kg(sums.get("market"))
            amount = kg((sums.get("location") or 0.0) + (sums.get("market") or 0.0))
            lines.append(
                {
                    "id": category.id,
                    "number": category.number,
                    "name": category.name,
                    "direction": category.direction,
                    "location_kg": location,
                    "market_kg": market,
                    "kg": amount,
                    "share": share(amount, total),
                    "count": sums.get("count", 0),
                    "dq_score": float_round(sums["dq_kg"] / amount, precision_digits=2)
                    if amount
                    else None,
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
        base_by_category = {
            category.id: amount
            for category, amount, __, __ in self._scope3_sums(domain, ["category_id"])
        }
        base_total = kg(sum(base_by_category.values()))
        return {
            "year": company.scope3_base_year,
            "date_from": base_from,
            "date_to": base_to,
            "kg": base_total,
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
                    "delta_kg": kg(delta),
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
        without_set = None
        for factor_set, amount, __, count in sums:
            if not factor_set:
                without_set = {"kg": kg(amount), "count": count}
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
        for row, entry in zip(rows, entries, strict=True):
            row["name"] = entry.display_name
            if not auditor:
                row["trace"] = entry.trace_pretty
                if entry.supplier_footprint_id:
                    row["factor_value"] = False
        return rows

    @api.model
    def _scope3_report_xlsx(self, data, entries):
        """The inventory as an XLSX workbook (bytes): the report's tables and the entries.

        :param data: :meth:`_scope3_report_data`
        :param entries: :meth:`_scope3_report_entries` of the same domain
        """
        import xlsxwriter  # in Odoo's requirements; imported where used, as Odoo does

        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_urls": False})
        formats = {
            "bold": book.add_format({"bold": True}),
            "title": book.add_format({"bold": True, "font_size": 14}),
            "kg": book.add_format({"num_format": "#,##0.000"}),
            "kg_bold": book.add_format({"num_format": "#,##0.000", "bold": True}),
            "pct": book.add_format({"num_format": "0.00"}),
            "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        }
        self._scope3_xlsx_inventory(book.add_worksheet(self.env._("Inventory")), formats, data)
        self._scope3_xlsx_factor_sets(
            book.add_worksheet(self.env._("Factor sets")), formats, data["factor_sets"]
        )
        self._scope3_xlsx_entries(
            book.add_worksheet(self.env._("Entries")), formats, entries, data["totals"]["kg"]
        )
        book.close()
        return buffer.getvalue()

    @api.model
    def _scope3_xlsx_cell(self, sheet, row, col, value, fmt=None, date_fmt=None):
        if value is None or value is False:
            sheet.write_blank(row, col, None)
        elif isinstance(value, date):
            sheet.write_datetime(row, col, value, date_fmt)
        elif isinstance(value, str):
            sheet.write_string(row, col, value, fmt)
        else:
            sheet.write(row, col, value, fmt)

    @api.model
    def _scope3_xlsx_table(self, sheet, formats, row, headers, lines, cell_formats):
        """A header row and its lines from ``row``; returns the row after a blank one."""
        sheet.write_row(row, 0, headers, formats["bold"])
        for line in lines:
            row += 1
            for col, (value, fmt) in enumerate(zip(line, cell_formats, strict=True)):
                self._scope3_xlsx_cell(
                    sheet, row, col, value, fmt and formats[fmt], formats["date"]
                )
        return row + 2

    @api.model
    def _scope3_xlsx_inventory(self, sheet, formats, data):
        _ = self.env._
        totals = data["totals"]
        sheet.set_column(0, 0, 44)
        sheet.set_column(1, 6, 18)
        sheet.write(0, 0, _("Scope 3 inventory"), formats["title"])
        header = [
            (_("Company"), data["company_name"], None),
            (_("From"), data["date_from"], None),
            (_("To"), data["date_to"], None),
            (_("Basis"), data["basis_label"], None),
            (_("Accounting basis setting"), data["accounting_basis"], None),
            (_("Total kg CO2e"), totals["kg"], "kg_bold"),
            (_("Entries"), totals["count"], None),
            (_("Emission-weighted DQ score"), totals["dq_score"], None),
            (_("Primary data share (%)"), totals["primary_share"], "pct"),
        ]
        for row, (label, value, fmt) in enumerate(header, start=2):
            sheet.write(row, 0, label, formats["bold"])
            self._scope3_xlsx_cell(sheet, row, 1, value, fmt and formats[fmt], formats["date"])
        row = len(header) + 3
        categories = data["categories"]
        sheet.write(row, 0, _("By category"), formats["bold"])
        row = self._scope3_xlsx_table(
            sheet,
            formats,
            row + 1,
            [
                _("Category"),
                _("Location-based kg CO2e"),
                _("Market-based kg CO2e"),
                _("Total kg CO2e"),
                _("Share (%)"),
                _("Entries"),
                _("DQ score"),
            ],
            [
                (
                    f"{line['number']}. {line['name']}",
                    line["location_kg"],
                    line["market_kg"],
                    line["kg"],
                    line["share"],
                    line["count"],
                    line["dq_score"],
                )
                for line in categories
            ]
            + [
                (
                    _("Total"),
                    kg(sum(line["location_kg"] for line in categories)),
                    kg(sum(line["market_kg"] for line in categories)),
                    totals["kg"],
                    None,
                    totals["count"],
                    totals["dq_score"],
                )
            ],
            [None, "kg", "kg", "kg", "pct", None, None],
        )
        for key, heading in (
            ("methods", _("By method")),
            ("stages", _("By stage")),
            ("dq_scores", _("By DQ score")),
        ):
            sheet.write(row, 0, heading, formats["bold"])
            row = self._scope3_xlsx_table(
                sheet,
                formats,
                row + 1,
                [heading, _("kg CO2e"), _("Share (%)"), _("Entries")],
                [
                    (line.get("name", line.get("score")), line["kg"], line["share"], line["count"])
                    for line in data[key]
                ],
                [None, "kg", "pct", None],
            )
        base = data["base_year"]
        sheet.write(row, 0, _("Base year"), formats["bold"])
        if base:
            row = self._scope3_xlsx_table(
                sheet,
                formats,
                row + 1,
                [_("Base year"), _("From"), _("To"), _("kg CO2e"), _("Change kg"), _("Change (%)")],
                [
                    (
                        base["year"],
                        base["date_from"],
                        base["date_to"],
                        base["kg"],
                        base["change_kg"],
                        base["change_pct"],
                    )
                ],
                [None, None, None, "kg", "kg", "pct"],
            )
        else:
            sheet.write(row + 1, 0, _("No base year is set for the company."))
            row += 3
        sheet.write(row, 0, _("Restatements in the period"), formats["bold"])
        if data["restatements"]:
            self._scope3_xlsx_table(
                sheet,
                formats,
                row + 1,
                [_("Restatement"), _("Date"), _("Reason"), _("State"), _("kg CO2e")],
                [
                    (line["name"], line["date"], line["reason"], line["state"], line["delta_kg"])
                    for line in data["restatements"]
                ],
                [None, None, None, None, "kg"],
            )
        else:
            sheet.write(row + 1, 0, _("None."))

    @api.model
    def _scope3_xlsx_factor_sets(self, sheet, formats, sets):
        _ = self.env._
        sheet.set_column(0, 0, 40)
        sheet.set_column(1, 8, 18)
        lines = [
            (
                line["name"],
                line["publisher"],
                line["edition"],
                line["edition_date"],
                line["licence"],
                line["gwp_basis"],
                line["source_url"],
                line["kg"],
                line["count"],
            )
            for line in sets["sets"]
        ]
        if sets["without_set"]:
            lines.append(
                (_("No factor set (supplier-specific footprints)"),)
                + (None,) * 6
                + (sets["without_set"]["kg"], sets["without_set"]["count"])
            )
        self._scope3_xlsx_table(
            sheet,
            formats,
            0,
            [
                _("Factor set"),
                _("Publisher"),
                _("Edition"),
                _("Edition date"),
                _("Licence"),
                _("GWP"),
                _("Source"),
                _("kg CO2e"),
                _("Entries"),
            ],
            lines,
            [None, None, None, None, None, None, None, "kg", None],
        )

    @api.model
    def _scope3_xlsx_entries(self, sheet, formats, entries, total):
        _ = self.env._
        columns = [
            (_("Entry"), "name", 26),
            (_("ID"), "id", 8),
            (_("Date"), "date", 11),
            (_("Category"), "category_id", 30),
            (_("Stage"), "stage", 11),
            (_("Method"), "method", 16),
            (_("Basis"), "basis", 10),
            (_("Resolution level"), "resolution_level", 16),
            (_("Reversal"), "is_reversal", 8),
            (_("Reverses entry ID"), "reversed_entry_id", 10),
            (_("Vendor"), "partner_id", 24),
            (_("Product"), "product_id", 28),
            (_("Purchase order"), "purchase_order_id", 12),
            (_("Bill"), "account_move_id", 16),
            (_("Transfer"), "picking_id", 16),
            (_("Factor set"), "factor_set_id", 30),
            (_("Factor value"), "factor_value", 12),
            (_("Factor unit"), "factor_unit", 20),
            (_("Activity amount"), "activity_amount", 14),
            (_("Activity unit"), "activity_unit", 14),
            (_("Source amount"), "source_amount", 14),
            (_("Source currency"), "source_currency_id", 8),
            (_("kg CO2e"), "co2e_kg", 14),
            (_("DQ score"), "dq_score", 8),
            (_("DQ x kg CO2e"), "dq_weighted_kg", 14),
            (_("Uncertainty (%)"), "uncertainty_pct", 10),
            (_("Correlation ID"), "correlation_id", 20),
            (_("Trace SHA-256"), "trace_hash", 66),
            (_("Calculation trace (JSON)"), "trace", 80),
        ]
        Entry = self.env["scope3.emission.entry"]
        selections = {
            name: dict(Entry._fields[name]._description_selection(self.env))
            for name in ("stage", "method", "basis", "resolution_level")
        }
        kg_columns = {"co2e_kg", "dq_weighted_kg"}

        def cell(name, value):
            if name == "reversed_entry_id":
                return value and value[0]
            if isinstance(value, tuple):  # many2one: (id, name)
                return value[1]
            if name in selections:
                return selections[name].get(value, value)
            if name == "is_reversal":
                return _("Yes") if value else ""
            if name == "trace" and value and len(value) > XLSX_CELL_LIMIT:
                return _(
                    "Trace longer than an XLSX cell (%(length)s characters): read it in "
                    "Odoo; its SHA-256 is in the previous column.",
                    length=len(value),
                )
            return value

        for col, (label, __, width) in enumerate(columns):
            sheet.set_column(col, col, width)
            sheet.write(0, col, label, formats["bold"])
        sheet.freeze_panes(1, 0)
        for row, entry in enumerate(entries, start=1):
            for col, (__, name, __) in enumerate(columns):
                self._scope3_xlsx_cell(
                    sheet,
                    row,
                    col,
                    cell(name, entry[name]),
                    formats["kg"] if name in kg_columns else None,
                    formats["date"],
                )
        if entries:
            kg_col = [name for __, name, __ in columns].index("co2e_kg")
            sheet.write(len(entries) + 1, kg_col - 1, _("Total"), formats["bold"])
            sheet.write(len(entries) + 1, kg_col, total, formats["kg_bold"])
