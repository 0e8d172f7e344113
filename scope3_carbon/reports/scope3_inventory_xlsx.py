# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The XLSX workbook of a Scope 3 inventory, from the report's data (same figures as the PDF).

Sheets: "Inventory" (the report's tables: ESRS E1-6 datapoints, categories with relevance,
method mix, data quality, base year, restatements, coverage), "Primary data" (the supplier
footprints used), "Factor sets" and "Entries" (every entry with its calculation trace).
"""

import io
from datetime import date

#: XLSX cells hold at most 32,767 characters
XLSX_CELL_LIMIT = 32767
T_FORMAT = "#,##0.00"
KG_FORMAT = "#,##0.000"


class InventoryXlsx:
    """Writes one workbook; labels in the language of ``env``."""

    def __init__(self, env):
        self.env = env
        self._ = env._

    def render(self, data, entries):
        import xlsxwriter  # in Odoo's requirements; imported where used, as Odoo does

        _ = self._
        buffer = io.BytesIO()
        book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_urls": False})
        self.formats = {
            "bold": book.add_format({"bold": True}),
            "title": book.add_format({"bold": True, "font_size": 14}),
            "kg": book.add_format({"num_format": KG_FORMAT}),
            "kg_bold": book.add_format({"num_format": KG_FORMAT, "bold": True}),
            "t": book.add_format({"num_format": T_FORMAT}),
            "t_bold": book.add_format({"num_format": T_FORMAT, "bold": True}),
            "pct": book.add_format({"num_format": "0.00"}),
            "date": book.add_format({"num_format": "yyyy-mm-dd"}),
            "wrap": book.add_format({"text_wrap": True, "valign": "top"}),
        }
        self.inventory(book.add_worksheet(_("Inventory")), data)
        self.primary_data(book.add_worksheet(_("Primary data")), data["primary_data"])
        self.factor_sets(book.add_worksheet(_("Factor sets")), data["factor_sets"])
        self.entries(book.add_worksheet(_("Entries")), entries, data["totals"]["kg"])
        book.close()
        return buffer.getvalue()

    # ------------------------------------------------------------------------------------
    def cell(self, sheet, row, col, value, fmt=None):
        if value is None or value is False:
            sheet.write_blank(row, col, None)
        elif isinstance(value, date):
            sheet.write_datetime(row, col, value, self.formats["date"])
        elif isinstance(value, str):
            sheet.write_string(row, col, value, fmt)
        else:
            sheet.write(row, col, value, fmt)

    def table(self, sheet, row, headers, lines, cell_formats):
        """A header row and its lines from ``row``; returns the row after a blank one."""
        sheet.write_row(row, 0, headers, self.formats["bold"])
        for line in lines:
            row += 1
            for col, (value, fmt) in enumerate(zip(line, cell_formats, strict=True)):
                self.cell(sheet, row, col, value, fmt and self.formats[fmt])
        return row + 2

    def pairs(self, sheet, row, pairs):
        for label, value, fmt in pairs:
            sheet.write(row, 0, label, self.formats["bold"])
            self.cell(sheet, row, 1, value, fmt and self.formats[fmt])
            row += 1
        return row + 1

    # ------------------------------------------------------------------------------------
    def inventory(self, sheet, data):
        _ = self._
        totals, esrs = data["totals"], data["esrs"]
        sheet.set_column(0, 0, 44)
        sheet.set_column(1, 8, 16)
        sheet.set_column(9, 10, 50)
        sheet.write(0, 0, _("Scope 3 inventory"), self.formats["title"])
        row = self.pairs(
            sheet,
            2,
            [
                (_("Company"), data["company_name"], None),
                (_("Period"), data["period"], None),
                (_("From"), data["date_from"], None),
                (_("To"), data["date_to"], None),
                (_("Accounting basis"), data["accounting_basis"], None),
                (_("Entries selected"), data["basis_label"], None),
                (_("Gross Scope 3 (t CO2e)"), totals["gross_t"], "t_bold"),
                (
                    _("Excluded categories (t CO2e, not in the gross figure)"),
                    totals["excluded_t"],
                    "t",
                ),
                (_("Entries"), totals["count"], None),
                (_("Emission-weighted DQ score"), totals["dq_score"], None),
                (_("Share calculated from primary data (%)"), totals["gross_primary_share"], "pct"),
            ],
        )
        withheld = data.get("withheld_count") or 0
        if withheld:
            sheet.write(
                row,
                0,
                _(
                    "The figures of %(count)s entries using supplier footprints received "
                    "under confidentiality are left out of these totals (the company "
                    "withholds them from readers without the Auditor right).",
                    count=withheld,
                )
                if withheld > 1
                else _(
                    "The figure of 1 entry using a supplier footprint received under "
                    "confidentiality is left out of these totals (the company withholds it "
                    "from readers without the Auditor right)."
                ),
            )
            row += 2
        sheet.write(row, 0, _("ESRS E1-6 datapoints (Scope 3)"), self.formats["bold"])
        row = self.pairs(
            sheet,
            row + 1,
            [(_("Gross Scope 3 GHG emissions (t CO2e)"), esrs["gross_t"], "t")]
            + [
                (
                    _("Significant category %(number)s. %(name)s (t CO2e)", **line),
                    line["t"],
                    "t",
                )
                for line in esrs["significant"]
            ]
            + [
                (
                    _("Share of Scope 3 calculated from primary data (%)"),
                    esrs["primary_share"],
                    "pct",
                ),
                (_("Base year"), esrs["base_year"] or None, None),
                (_("Base-year Scope 3 (t CO2e)"), esrs["base_year_t"], "t"),
                (
                    _("Base year recalculated (restatements)"),
                    _("Yes") if esrs["base_year_recalculated"] else _("No"),
                    None,
                ),
            ],
        )
        bases = data["bases_present"]
        basis_headers = {
            "location": _("Location-based (t CO2e)"),
            "market": _("Market-based (t CO2e)"),
        }
        sheet.write(row, 0, _("By category"), self.formats["bold"])
        headers = (
            [_("Category"), _("Relevance")]
            + [basis_headers[key] for key in bases]
            + [
                _("Gross, %(basis)s (t CO2e)", basis=data["accounting_basis"]),
                _("Share (%)"),
                _("Primary data (%)"),
                _("DQ score"),
                _("Method mix"),
                _("Reason / methodology"),
            ]
        )
        lines = []
        for line in data["categories"]:
            note = " / ".join(text for text in (line["reason"], line["methodology"]) if text)
            lines.append(
                (f"{line['number']}. {line['name']}", line["relevance_label"])
                + tuple(line[f"{key}_t"] for key in bases)
                + (
                    line["gross_t"] if line["in_gross"] else None,
                    line["share"],
                    line["primary_share"],
                    line["dq_score"],
                    ", ".join(f"{m['name']} {m['share']:.0f} %" for m in line["methods"]),
                    note,
                )
            )
        lines.append(
            (_("Gross Scope 3"), None)
            + tuple(totals[f"{key}_t"] for key in bases)
            + (
                totals["gross_t"],
                None,
                totals["gross_primary_share"],
                totals["dq_score"],
                None,
                None,
            )
        )
        row = self.table(
            sheet,
            row + 1,
            headers,
            lines,
            [None, None] + ["t"] * len(bases) + ["t", "pct", "pct", None, None, "wrap"],
        )
        for key, heading in (
            ("methods", _("By method")),
            ("stages", _("By stage")),
            ("dq_scores", _("By DQ score")),
        ):
            sheet.write(row, 0, heading, self.formats["bold"])
            row = self.table(
                sheet,
                row + 1,
                [heading, _("t CO2e"), _("Share (%)"), _("Entries")],
                [
                    (
                        line.get("name", line.get("score")),
                        line["kg"] / 1000.0,
                        line["share"],
                        line["count"],
                    )
                    for line in data[key]
                ],
                [None, "t", "pct", None],
            )
        row = self.base_year(sheet, row, data["base_year"])
        row = self.restatements(sheet, row, _("Restatements in the period"), data["restatements"])
        self.coverage(sheet, row, data["coverage"])

    def base_year(self, sheet, row, base):
        _ = self._
        sheet.write(row, 0, _("Base-year comparison"), self.formats["bold"])
        if not base:
            sheet.write(row + 1, 0, _("No base year is set for the company."))
            return row + 3
        row = self.table(
            sheet,
            row + 1,
            [_("Year"), _("From"), _("To"), _("t CO2e"), _("Change (t CO2e)"), _("Change (%)")],
            [
                (
                    str(base["year"]),
                    base["date_from"],
                    base["date_to"],
                    base["t"],
                    base["change_kg"] / 1000.0,
                    base["change_pct"],
                )
            ],
            [None, None, None, "t", "t", "pct"],
        )
        return self.restatements(sheet, row, _("Base-year recalculation"), base["restatements"])

    def restatements(self, sheet, row, heading, restatements):
        _ = self._
        sheet.write(row, 0, heading, self.formats["bold"])
        if not restatements:
            sheet.write(row + 1, 0, _("None."))
            return row + 3
        return self.table(
            sheet,
            row + 1,
            [_("Restatement"), _("Date"), _("Reason"), _("State"), _("kg CO2e")],
            [
                (
                    line["name"],
                    line["date"],
                    line["reason"],
                    line["state"],
                    _("Confidential") if line.get("confidential") else line["delta_kg"],
                )
                for line in restatements
            ],
            [None, None, None, None, "kg"],
        )

    def coverage(self, sheet, row, coverage):
        _ = self._
        sheet.write(row, 0, _("Coverage of the purchases"), self.formats["bold"])
        row = self.pairs(
            sheet,
            row + 1,
            [
                (_("Confirmed purchase lines"), coverage["line_count"], None),
                (_("Lines not calculated"), coverage["not_calculated_count"], None),
                (_("Share of lines with a figure (%)"), coverage["lines_share"], "pct"),
                (
                    _("Share of spend with a figure (%)"),
                    coverage["spend_share"],
                    "pct",
                ),
            ],
        )
        lines = [
            (group["name"], line["order"], line["product"], line["spend"], line["reason"])
            for group in coverage["groups"]
            for line in group["lines"]
        ]
        if lines:
            self.table(
                sheet,
                row,
                [
                    _("Not calculated"),
                    _("Purchase order"),
                    _("Product"),
                    _("Spend (%(currency)s)", currency=coverage["currency"]),
                    _("Reason"),
                ],
                lines,
                [None, None, None, "t", None],
            )

    def primary_data(self, sheet, lines):
        _ = self._
        sheet.set_column(0, 1, 30)
        sheet.set_column(2, 7, 14)
        self.table(
            sheet,
            0,
            [
                _("Supplier"),
                _("Product"),
                _("Footprint (kg CO2e per unit)"),
                _("Declared unit"),
                _("Verified"),
                _("Primary data in the footprint (%)"),
                _("t CO2e"),
                _("Entries"),
            ],
            [
                (
                    line["partner"],
                    line["product"],
                    _("Confidential") if line.get("confidential") else line["pcf_kg"],
                    line["declared_unit"],
                    _("Yes") if line["verified"] else _("No"),
                    line["primary_data_share"],
                    _("Confidential") if line.get("confidential") else line["t"],
                    line["count"],
                )
                for line in lines
            ],
            [None, None, None, None, None, "pct", "t", None],
        )

    def factor_sets(self, sheet, sets):
        _ = self._
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
        for line in sets["without_set"]:
            lines.append(
                (_("No factor set: %(method)s", method=line["name"]),)
                + (None,) * 6
                + (line["kg"], line["count"])
            )
        self.table(
            sheet,
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

    def entries(self, sheet, entries, total):
        _ = self._
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

        def value_of(name, value, entry):
            if name in kg_columns and entry.get("confidential"):
                return _("Confidential")
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
            sheet.write(0, col, label, self.formats["bold"])
        sheet.freeze_panes(1, 0)
        for row, entry in enumerate(entries, start=1):
            for col, (__, name, __) in enumerate(columns):
                self.cell(
                    sheet,
                    row,
                    col,
                    value_of(name, entry[name], entry),
                    self.formats["kg"] if name in kg_columns else None,
                )
        if entries:
            kg_col = [name for __, name, __ in columns].index("co2e_kg")
            sheet.write(len(entries) + 1, kg_col - 1, _("Total"), self.formats["bold"])
            sheet.write(len(entries) + 1, kg_col, total, self.formats["kg_bold"])
