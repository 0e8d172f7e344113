# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import io
import json
from datetime import date

from lxml import html
from openpyxl import load_workbook

from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import Scope3Common

REPORT = "scope3_carbon.report_scope3_inventory"


@tagged("post_install", "-at_install")
class TestInventoryReport(Scope3Common):
    """The inventory's figures: PDF = pivot (``read_group``) = sum of the ledger entries.

    Company in USD, market-based accounting, base year 2021; EPA v1.3 with margins:
    331110 (steel) 0.787 and 327310 (cement) 3.924 kg CO2e per 2022 USD.

    Period 2022 (five entries):
    - steel, 100 x 100 USD on 2022-06-15: 10,000 x 0.787 = 7,870.000 kg, category 1,
      spend-based, location-based (no market factor: fallback), DQ 4;
    - cement, 10 x 100 USD on 2022-03-10, in a product category whose mapping rule says
      category 2 (capital goods): 1,000 x 3.924 = 3,924.000 kg, spend-based, DQ 4;
    - steel sheet, 1,000 kg from the vendor whose verified footprint (85 % primary data)
      says 1.8 kg CO2e/kg, on 2022-09-01: 1,800.000 kg, category 1, supplier-specific,
      market-based, DQ 1;
    - steel, 10 x 100 USD on 2022-11-05, cancelled: +787.000 and -787.000 kg (DQ 4).
    Total 13,594.000 kg; location-based 7,870 + 3,924 + 787 - 787 = 11,794.000 kg,
    market-based 1,800.000 kg.

    Outside the period: steel, 100 x 100 USD on 2021-06-15 (the base year), deflated to
    2022 USD with the CPI-U: 10,000 x 292.655 / 270.970 = 10,800.27 USD (to the cent)
    x 0.787 = 8,499.812 kg; and another company's cement order of 2022 (3,924.000 kg).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"scope3_accounting_basis": "market", "scope3_base_year": 2021})
        cls.capital_goods = cls.env.ref("scope3_carbon.scope3_category_02")
        cls.cement.categ_id = cls.env["product.category"].create({"name": "Plant materials"})
        cls.env["scope3.mapping.rule"].create(
            {
                "name": "Plant materials are capital goods",
                "product_categ_id": cls.cement.categ_id.id,
                "method": "spend",
                "naics_code": "327310",
                "category_id": cls.capital_goods.id,
            }
        )
        kg_uom = cls.env.ref("uom.product_uom_kgm")
        cls.sheet = cls.env["product.product"].create(
            {
                "name": "Steel sheet",
                "type": "consu",
                "uom_id": kg_uom.id,
                "uom_po_id": kg_uom.id,
                "scope3_naics_code": "331110",
            }
        )
        cls.footprint = cls.env["scope3.supplier.footprint"].create(
            {
                "partner_id": cls.vendor.id,
                "product_id": cls.sheet.id,
                "pcf_kg": 1.8,
                "declared_unit": "kilogram",
                "dqr": 1.2,
                "primary_data_share": 85.0,
                "verified": True,
                "valid_from": "2022-01-01",
            }
        )
        cls.footprint.action_accept()
        cls.steel_order = cls.create_order([(cls.steel, 100, 100.0)], date="2022-06-15 10:00:00")
        cls.cement_order = cls.create_order([(cls.cement, 10, 100.0)], date="2022-03-10 10:00:00")
        cls.sheet_order = cls.create_order([(cls.sheet, 1000, 2.0)], date="2022-09-01 10:00:00")
        cls.cancelled_order = cls.create_order([(cls.steel, 10, 100.0)], date="2022-11-05 10:00:00")
        cls.base_year_order = cls.create_order(
            [(cls.steel, 100, 100.0)], date="2021-06-15 10:00:00"
        )
        cls.company_b = cls._create_company(name="Carbon Co. B", currency_id=cls.usd.id)
        cls.company_b.scope3_spend_factor_set_id = cls.epa_v13
        cls.order_b = (
            cls.env["purchase.order"]
            .with_company(cls.company_b)
            .create(
                {
                    "partner_id": cls.vendor.id,
                    "company_id": cls.company_b.id,
                    "date_order": "2022-06-15 10:00:00",
                    "order_line": [
                        Command.create(
                            {
                                "product_id": cls.cement.id,
                                "product_qty": 1,
                                "price_unit": 1000.0,
                                "taxes_id": False,
                            }
                        )
                    ],
                }
            )
        )
        (
            cls.steel_order
            | cls.cement_order
            | cls.sheet_order
            | cls.cancelled_order
            | cls.base_year_order
        ).button_confirm()
        cls.order_b.button_confirm()
        cls.run_attribution()
        cls.cancelled_order.button_cancel()
        cls.run_attribution()
        cls.Report = cls.env["scope3.inventory.report"]
        cls.domain = [
            ("company_id", "in", cls.company.ids),
            ("date", ">=", "2022-01-01"),
            ("date", "<=", "2022-12-31"),
        ]
        cls.carbon_user = new_test_user(
            cls.env, login="s3_report_user", groups="scope3_carbon.group_scope3_user"
        )

    def wizard(self, user=None, **values):
        form = Form(self.env["scope3.inventory.report.wizard"].with_user(user or self.env.user))
        form.date_from = values.get("date_from", date(2022, 1, 1))
        form.date_to = values.get("date_to", date(2022, 12, 31))
        form.basis = values.get("basis", "all")
        wizard = form.save()
        self.assertEqual(wizard.company_id, self.company)  # the user's company, by default
        return wizard

    def data(self, basis="all"):
        return self.Report._scope3_report_data(self.company, "2022-01-01", "2022-12-31", basis)

    def test_entries_of_the_scenario(self):
        self.assertEqual(
            [(e.co2e_kg, e.method, e.basis, e.dq_score) for e in self.entries_of(self.sheet_order)],
            [(1800.0, "supplier_specific", "market", 1)],
        )
        self.assertEqual(self.entries_of(self.cement_order).category_id, self.capital_goods)
        self.assertEqual(self.entries_of(self.cancelled_order).mapped("co2e_kg"), [787.0, -787.0])
        self.assertEqual(self.entries_of(self.base_year_order).co2e_kg, 8499.812)

    def test_totals_equal_pivot_and_sum_of_entries(self):
        data = self.data()
        entries = self.Entry.search(self.domain)
        self.assertEqual(len(entries), 5)
        self.assertEqual(round(sum(entries.mapped("co2e_kg")), 3), 13594.0)
        # the pivot view's call: read_group by category over the same domain
        pivot = self.Entry.read_group(
            self.domain, ["co2e_kg:sum"], ["category_id"], orderby="category_id", lazy=False
        )
        self.assertEqual(
            [(line["category_id"][0], line["co2e_kg"], line["__count"]) for line in pivot],
            [(self.category_1.id, 9670.0, 4), (self.capital_goods.id, 3924.0, 1)],
        )
        [(pivot_total,)] = self.Entry._read_group(self.domain, [], ["co2e_kg:sum"])
        self.assertEqual(round(pivot_total, 3), 13594.0)
        self.assertEqual(data["domain"], self.domain)
        self.assertEqual(data["totals"]["kg"], 13594.0)
        self.assertEqual(data["totals"]["count"], 5)
        self.assertEqual(
            {line["number"]: line["kg"] for line in data["categories"] if line["count"]},
            {1: 9670.0, 2: 3924.0},
        )
        self.assertEqual(len(data["categories"]), 15)
        self.assertEqual(sum(line["kg"] for line in data["categories"]), data["totals"]["kg"])

    def test_categories_by_basis(self):
        cat1, cat2 = data_lines = self.data()["categories"][:2]
        self.assertEqual(
            [(line["location_kg"], line["market_kg"], line["kg"]) for line in data_lines],
            [(7870.0, 1800.0, 9670.0), (3924.0, 0.0, 3924.0)],
        )
        # shares of 13,594: 9,670 -> 71.1343... %, 3,924 -> 28.8657... %
        self.assertEqual((cat1["share"], cat2["share"]), (71.13, 28.87))
        # DQ of category 1: (4 x 7,870 + 4 x 787 - 4 x 787 + 1 x 1,800) / 9,670 = 3.4416
        self.assertEqual((cat1["dq_score"], cat2["dq_score"]), (3.44, 4.0))
        self.assertEqual(self.data("location")["totals"]["kg"], 11794.0)
        self.assertEqual(self.data("market")["totals"]["kg"], 1800.0)

    def test_method_mix_dq_and_primary_data(self):
        data = self.data()
        self.assertEqual(
            [(m["key"], m["kg"], m["share"], m["count"]) for m in data["methods"]],
            # 1,800 / 13,594 = 13.2411 %; 11,794 / 13,594 = 86.7589 %
            [("supplier_specific", 1800.0, 13.24, 1), ("spend_based", 11794.0, 86.76, 4)],
        )
        totals = data["totals"]
        # sum(DQ x kg) = 4 x 11,794 + 1 x 1,800 = 48,976; / 13,594 = 3.6028
        self.assertEqual(totals["dq_weighted_kg"], 48976.0)
        self.assertEqual(totals["dq_score"], 3.6)
        self.assertEqual((totals["primary_kg"], totals["primary_share"]), (1800.0, 13.24))
        self.assertEqual(
            [(line["score"], line["kg"], line["count"]) for line in data["dq_scores"]],
            [(1, 1800.0, 1), (4, 11794.0, 4)],
        )
        self.assertEqual(
            [(line["key"], line["kg"], line["count"]) for line in data["stages"]],
            [("commitment", 13594.0, 5)],
        )

    def test_base_year_comparison(self):
        base = self.data()["base_year"]
        self.assertEqual(
            (base["year"], base["date_from"], base["date_to"]),
            (2021, date(2021, 1, 1), date(2021, 12, 31)),
        )
        # 13,594 - 8,499.812 = 5,094.188 kg; / 8,499.812 = +59.93 %
        self.assertEqual(
            (base["kg"], base["change_kg"], base["change_pct"]), (8499.812, 5094.188, 59.93)
        )
        self.assertEqual(base["categories"], {self.category_1.id: 8499.812})
        self.company.scope3_base_year = 0
        self.assertIsNone(self.data()["base_year"])

    def test_factor_sets_appendix_and_restatements(self):
        data = self.data()
        sets = data["factor_sets"]
        self.assertEqual(
            [(s["id"], s["publisher"], s["edition"], s["kg"], s["count"]) for s in sets["sets"]],
            [(self.epa_v13.id, self.epa_v13.publisher, self.epa_v13.edition, 11794.0, 4)],
        )
        self.assertTrue(sets["sets"][0]["licence"])
        self.assertEqual(sets["sets"][0]["licence"], self.epa_v13.licence)
        # the entries without a factor set, by method: the supplier footprint's one
        self.assertEqual(
            [(line["key"], line["kg"], line["count"]) for line in sets["without_set"]],
            [("supplier_specific", 1800.0, 1)],
        )
        # the primary-data appendix: the footprint, consistent with the primary share
        [primary] = data["primary_data"]
        self.assertEqual(
            (primary["id"], primary["partner"], primary["kg"], primary["count"]),
            (self.footprint.id, self.vendor.display_name, 1800.0, 1),
        )
        self.assertEqual(primary["kg"], data["totals"]["gross_primary_kg"])
        # no restatement in this scenario (test_restatement checks the section's figures)
        self.assertEqual(data["restatements"], [])

    def test_pdf_shows_the_pivot_totals(self):
        wizard = self.wizard()
        content, report_type = self.env["ir.actions.report"]._render_qweb_html(REPORT, wizard.ids)
        self.assertEqual(report_type, "html")
        doc = html.fromstring(content)

        def text(element):
            return " ".join(element.text_content().split())

        def number(element):
            return float(text(element).replace(",", ""))

        # t CO2e to two decimals: 13,594.000 kg = 13.59 t
        self.assertEqual(text(doc.find_class("o_scope3_total_t")[0]), "13.59")
        self.assertEqual(text(doc.find_class("o_scope3_total_count")[0]), "5")
        self.assertEqual(text(doc.find_class("o_scope3_accounting_basis")[0]), "Market-based")
        rows = {int(row.get("data-category")): row for row in doc.xpath("//tr[@data-category]")}
        self.assertEqual(sorted(rows), list(range(1, 16)))
        # market-based accounting: the parts of the method's result side by side, one
        # figure per activity (7,870 location-based fallback + 1,800 supplier-specific)
        self.assertEqual(
            [
                number(rows[1].find_class(cls)[0])
                for cls in ("o_scope3_location", "o_scope3_market", "o_scope3_gross")
            ],
            [7.87, 1.8, 9.67],
        )
        self.assertEqual(number(rows[2].find_class("o_scope3_gross")[0]), 3.92)
        # a category without entries says so: "-", not 0.00
        self.assertEqual(
            [text(rows[3].find_class(cls)[0]) for cls in ("o_scope3_market", "o_scope3_gross")],
            ["-", "-"],
        )
        self.assertIn("Supplier-specific", text(rows[1].find_class("o_scope3_method_mix")[0]))
        # category 1: 1,800 / 9,670 = 18.61 % primary data
        self.assertEqual(text(rows[1].find_class("o_scope3_category_primary")[0]), "18.61")
        [total_row] = doc.find_class("o_scope3_total_row")
        self.assertEqual(
            [
                number(total_row.find_class(cls)[0])
                for cls in ("o_scope3_location", "o_scope3_market", "o_scope3_gross")
            ],
            [11.79, 1.8, 13.59],
        )
        pivot = {
            line["category_id"][0]: line["co2e_kg"]
            for line in self.Entry.read_group(self.domain, ["co2e_kg:sum"], ["category_id"])
        }
        for number_, row in rows.items():
            category = self.env["scope3.category"].search([("number", "=", number_)])
            if category.id in pivot:
                self.assertEqual(
                    number(row.find_class("o_scope3_gross")[0]), round(pivot[category.id] / 1000, 2)
                )
        methods = {
            row.get("data-method"): number(row.find_class("o_scope3_t")[0])
            for row in doc.xpath("//tr[@data-method]")
        }
        self.assertEqual(methods, {"supplier_specific": 1.8, "spend_based": 11.79})
        self.assertEqual(text(doc.find_class("o_scope3_dq_score")[0]), "3.60")
        self.assertEqual(text(doc.find_class("o_scope3_primary_share")[0]), "13.24")
        # ESRS E1-6 datapoints
        self.assertEqual(number(doc.find_class("o_scope3_esrs_gross")[0]), 13.59)
        self.assertEqual(
            {
                int(row.get("data-esrs-category")): number(row.xpath("td")[1])
                for row in doc.find_class("o_scope3_esrs_category")
            },
            {1: 9.67, 2: 3.92},
        )
        self.assertEqual(text(doc.find_class("o_scope3_esrs_primary")[0]), "13.24")
        self.assertEqual(text(doc.find_class("o_scope3_esrs_base_year")[0]), "2021")
        # base year 2021: 8,499.812 kg = 8.50 t; change +5.09 t (+59.93 %)
        self.assertEqual(number(doc.find_class("o_scope3_base_t")[0]), 8.5)
        self.assertIn("5.09", text(doc.find_class("o_scope3_base_change")[0]))
        self.assertIn("59.93", text(doc.find_class("o_scope3_base_change")[0]))
        self.assertIn("No restatement", text(doc.find_class("o_scope3_restatements")[0]))
        [set_row] = doc.xpath(f"//tr[@data-factor-set='{self.epa_v13.id}']")
        for value in (self.epa_v13.publisher, self.epa_v13.edition, self.epa_v13.licence):
            self.assertIn(value, text(set_row))
        self.assertEqual(number(set_row.find_class("o_scope3_t")[0]), 11.79)
        [primary_row] = doc.xpath(f"//tr[@data-footprint='{self.footprint.id}']")
        self.assertIn(self.vendor.name, text(primary_row))
        self.assertEqual(number(primary_row.find_class("o_scope3_t")[0]), 1.8)
        # the company's header, the parts, the period in words, the sign-off block
        self.assertIn(self.company.name, text(doc.find_class("o_scope3_company_header")[0]))
        self.assertEqual(
            [text(part) for part in doc.find_class("o_scope3_part")],
            [f"Part {n} of 4" for n in range(1, 5)],
        )
        self.assertEqual(
            text(doc.find_class("o_scope3_period")[0]), "January 1, 2022 to December 31, 2022"
        )
        self.assertTrue(doc.find_class("o_scope3_signoff"))
        # no period close in this database: no section (scope3.period.close does not exist)
        if "scope3.period.close" not in self.env:
            self.assertFalse(doc.find_class("o_scope3_period_close"))

    def test_print_action(self):
        wizard = self.wizard(user=self.carbon_user)
        action = wizard.action_print_pdf()
        self.assertEqual(
            (action["type"], action["report_name"], action["context"]["active_ids"]),
            ("ir.actions.report", REPORT, wizard.ids),
        )
        self.assertTrue(action["close_on_report_download"])

    def test_xlsx_export(self):
        wizard = self.wizard()
        action = wizard.action_export_xlsx()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertEqual(
            action["url"],
            f"/web/content/scope3.inventory.report.wizard/{wizard.id}/xlsx_file"
            "?filename_field=xlsx_name&download=true"
            "&mimetype=application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        self.assertEqual(
            wizard.xlsx_name,
            f"scope3_inventory_{self.company.name}_2022-01-01_2022-12-31.xlsx".replace(" ", "_"),
        )
        book = load_workbook(io.BytesIO(base64.b64decode(wizard.xlsx_file)), read_only=True)
        self.assertEqual(book.sheetnames, ["Inventory", "Primary data", "Factor sets", "Entries"])
        inventory = [row for row in book["Inventory"].iter_rows(values_only=True)]
        labels = {row[0]: row[1] for row in inventory if row and row[0]}
        # the same figures as the PDF, in t CO2e (kept to the kg)
        self.assertEqual(labels["Gross Scope 3 (t CO2e)"], 13.594)
        self.assertEqual(labels["Gross Scope 3 GHG emissions (t CO2e)"], 13.594)
        self.assertEqual(labels["Accounting basis"], "Market-based")
        self.assertEqual(labels["Entries"], 5)
        self.assertEqual(labels["Emission-weighted DQ score"], 3.6)
        self.assertEqual(labels["Share calculated from primary data (%)"], 13.24)
        self.assertEqual(labels["Base year"], 2021)
        self.assertEqual(labels["Base-year Scope 3 (t CO2e)"], 8.5)
        self.assertEqual(
            labels["Significant category 1. Purchased goods and services (t CO2e)"], 9.67
        )
        header = next(row for row in inventory if row and row[0] == "Category")
        self.assertEqual(
            header[:5],
            (
                "Category",
                "Relevance",
                "Location-based (t CO2e)",
                "Market-based (t CO2e)",
                "Gross, Market-based (t CO2e)",
            ),
        )
        categories = {
            row[0]: row[1:5]
            for row in inventory
            if row and str(row[0])[:3] in ("1. ", "2. ", "3. ")
        }
        self.assertEqual(
            [categories[key] for key in sorted(categories)],
            [
                ("Relevant", 7.87, 1.8, 9.67),
                ("Relevant", 3.924, 0.0, 3.924),
                ("Relevant", 0.0, 0.0, 0.0),
            ],
        )
        total_rows = [row for row in inventory if row and row[0] == "Gross Scope 3"]
        self.assertEqual(total_rows[0][2:5], (11.794, 1.8, 13.594))
        primary = list(book["Primary data"].iter_rows(values_only=True))
        self.assertEqual(primary[1][0], self.vendor.display_name)
        self.assertEqual(primary[1][6:8], (1.8, 1))
        sets = list(book["Factor sets"].iter_rows(values_only=True))
        self.assertEqual(
            sets[1][:3], (self.epa_v13.name, self.epa_v13.publisher, self.epa_v13.edition)
        )
        self.assertEqual(sets[1][4], self.epa_v13.licence)
        self.assertEqual(sets[1][7:9], (11794.0, 4))
        self.assertEqual(sets[2][0], "No factor set: Supplier-specific")
        self.assertEqual(sets[2][7:9], (1800.0, 1))

        rows = list(book["Entries"].iter_rows(values_only=True))
        header, lines, total = rows[0], rows[1:-1], rows[-1]
        entries = self.Entry.search(self.domain, order="date, id")
        column = {name: header.index(name) for name in header}
        self.assertEqual([line[column["ID"]] for line in lines], entries.ids)
        self.assertEqual(round(sum(line[column["kg CO2e"]] for line in lines), 3), 13594.0)
        self.assertEqual(total[column["kg CO2e"]], 13594.0)
        for line, entry in zip(lines, entries, strict=True):
            self.assertEqual(line[column["Trace SHA-256"]], entry.trace_hash)
            self.assertEqual(
                json.loads(line[column["Calculation trace (JSON)"]]), json.loads(entry.trace)
            )
            self.assertEqual(line[column["Purchase order"]], entry.purchase_order_id.name)
        reversal = lines[-1]
        self.assertEqual(
            (
                reversal[column["Reversal"]],
                reversal[column["Reverses entry ID"]],
                reversal[column["kg CO2e"]],
            ),
            ("Yes", entries[-2].id, -787.0),
        )

    def test_carbon_user_prints_and_exports(self):
        """A Carbon User (no Accounting, no supplier footprint rights) prints the report:
        by default without the supplier-specific entry's 1.800 t (a footprint received under
        confidentiality, test_confidentiality), which the report says; with the company's
        totals opened, the same report as the auditor's."""
        wizard = self.wizard(user=self.carbon_user)
        Report = self.env["ir.actions.report"].with_user(self.carbon_user)
        doc = html.fromstring(Report._render_qweb_html(REPORT, wizard.ids)[0])
        self.assertEqual(doc.find_class("o_scope3_total_t")[0].text_content().strip(), "11.79")
        self.assertIn("The figure of 1 entry using", " ".join(doc.text_content().split()))

        def xlsx_inventory():
            wizard.action_export_xlsx()
            book = load_workbook(io.BytesIO(base64.b64decode(wizard.xlsx_file)), read_only=True)
            return [row[0] for row in book["Inventory"].iter_rows(values_only=True) if row]

        # the XLSX says the same (PDF and XLSX give the same figures)
        self.assertTrue(
            any(str(cell).startswith("The figure of 1 entry") for cell in xlsx_inventory())
        )
        self.company.scope3_withhold_confidential = False
        doc = html.fromstring(Report._render_qweb_html(REPORT, wizard.ids)[0])
        self.assertEqual(doc.find_class("o_scope3_total_t")[0].text_content().strip(), "13.59")
        self.assertNotIn("left out of these totals", doc.text_content())
        self.assertFalse(any(str(cell).startswith("The figure") for cell in xlsx_inventory()))

    def test_csv_export_of_the_ledger(self):
        """Odoo's standard export (list view > Export) of the same entries, by a buyer who is
        a Carbon User allowed to export (Odoo 18's "Access to export feature" group).

        The standard export reads the names of linked documents with the user's own rights
        (here the purchase orders); the wizard's XLSX export does not need them.
        """
        self.buyer.groups_id += self.env.ref("base.group_allow_export")
        entries = self.Entry.with_user(self.buyer).search(self.domain, order="date, id")
        fields_ = ["date", "category_id", "method", "purchase_order_id", "co2e_kg", "trace_hash"]
        rows = entries.export_data(fields_)["datas"]
        self.assertEqual(len(rows), 5)
        # the supplier-specific entry's 1,800.000 kg gives the supplier's confidential
        # footprint (1,000 kg bought): not exported to a non-auditor (test_confidentiality)
        self.assertEqual(round(sum(row[4] or 0.0 for row in rows), 3), 13594.0 - 1800.0)
        self.assertEqual([row[4] for row in rows].count(False), 1)
        self.assertEqual([row[5] for row in rows], entries.mapped("trace_hash"))
        # the first entry of the year: the cement order of 2022-03-10
        self.assertEqual(rows[0][3], self.cement_order.name)

    def test_other_company_and_dates_excluded(self):
        data_b = self.Report._scope3_report_data(self.company_b, "2022-01-01", "2022-12-31")
        self.assertEqual(data_b["totals"]["kg"], 3924.0)
        june = self.Report._scope3_report_data(self.company, "2022-06-01", "2022-06-30")
        self.assertEqual((june["totals"]["kg"], june["totals"]["count"]), (7870.0, 1))
        # the base-year window of a month is the same month of the base year
        self.assertEqual(june["base_year"]["kg"], 8499.812)
        with self.assertRaises(ValidationError):
            self.wizard(date_from=date(2022, 12, 31), date_to=date(2022, 1, 1))

    def test_relevance_screen_excluded_and_not_relevant(self):
        """A manager screens the categories: category 2 excluded (with its reason) leaves the
        gross figure and is printed apart; category 8 not relevant, with its reason."""
        manager = new_test_user(
            self.env, login="s3_relevance_manager", groups="scope3_carbon.group_scope3_manager"
        )
        Relevance = self.env["scope3.category.relevance"].with_user(manager)
        action = Relevance.action_open_screen()
        lines = Relevance.search(action["domain"])
        self.assertEqual(len(lines.filtered(lambda line: line.company_id == self.company)), 15)
        by_number = {line.category_id.number: line for line in lines}
        with self.assertRaises(ValidationError):
            by_number[2].relevance = "excluded"  # no reason
        by_number[2].write(
            {"relevance": "excluded", "reason": "Capital goods are reported by the parent."}
        )
        by_number[8].write({"relevance": "not_relevant", "reason": "No leased assets."})
        by_number[1].methodology = "Spend-based with EPA USEEIO; supplier PCFs where verified."
        data = self.data()
        # gross = 13,594 - 3,924 (excluded category 2) = 9,670 kg
        self.assertEqual(
            (data["totals"]["gross_kg"], data["totals"]["excluded_kg"]), (9670.0, 3924.0)
        )
        # 1,800 / 9,670 = 18.61 % primary data
        self.assertEqual(data["esrs"]["primary_share"], 18.61)
        self.assertEqual([line["number"] for line in data["esrs"]["significant"]], [1])
        content, __ = self.env["ir.actions.report"]._render_qweb_html(REPORT, self.wizard().ids)
        doc = html.fromstring(content)
        rows = {int(row.get("data-category")): row for row in doc.xpath("//tr[@data-category]")}
        self.assertEqual(rows[2].get("data-relevance"), "excluded")
        self.assertEqual(rows[2].find_class("o_scope3_gross")[0].text_content().strip(), "excluded")
        notes = " ".join(doc.xpath("//tr[contains(@class, 'o_scope3_category_note')]//text()"))
        for text in (
            "Capital goods are reported by the parent.",
            "No leased assets.",
            "Spend-based with EPA USEEIO",
        ):
            self.assertIn(text, notes)
        self.assertEqual(doc.find_class("o_scope3_total_t")[0].text_content().strip(), "9.67")
        self.assertEqual(doc.find_class("o_scope3_excluded_t")[0].text_content().strip(), "3.92")

    def test_location_based_never_adds_the_market_entries(self):
        """With location-based accounting the gross figure is the location-based entries;
        the market-based one (recorded before the switch) is beside it, not added."""
        self.company.scope3_accounting_basis = "location"
        data = self.data()
        self.assertEqual(data["totals"]["gross_kg"], 11794.0)
        self.assertEqual(data["bases_present"], ["location", "market"])
        cat1 = data["categories"][0]
        self.assertEqual(
            (cat1["location_kg"], cat1["market_kg"], cat1["gross_kg"]), (7870.0, 1800.0, 7870.0)
        )
        # no market entry in category 2: no market figure ("-"), not 0.00
        content, __ = self.env["ir.actions.report"]._render_qweb_html(REPORT, self.wizard().ids)
        doc = html.fromstring(content)
        rows = {int(row.get("data-category")): row for row in doc.xpath("//tr[@data-category]")}
        self.assertEqual(rows[2].find_class("o_scope3_market")[0].text_content().strip(), "-")
        self.assertEqual(doc.find_class("o_scope3_total_t")[0].text_content().strip(), "11.79")
        # only location-based entries in the period: no market column at all
        only_location = self.Report._scope3_report_data(
            self.company, "2022-01-01", "2022-12-31", "location"
        )
        self.assertEqual(only_location["bases_present"], ["location"])

    def test_coverage_shows_what_is_not_calculated(self):
        """An unmapped line and an order never captured (confirmed before the install) are
        "not calculated" in the PDF's coverage section, with their spend, not 0.000."""
        unmapped_order = self.create_order([(self.unmapped, 1, 500.0)], date="2022-05-02 10:00:00")
        unmapped_order.button_confirm()
        self.run_attribution()
        # an order confirmed before the add-on was installed: no event, no activity
        old_order = self.create_order([(self.steel, 1, 300.0)], date="2022-04-04 10:00:00")
        old_order.with_context(scope3_capture_deferred=True).button_approve()
        self.Event.search([("aggregateid", "=", str(old_order.id))]).unlink()
        self.assertEqual(old_order.state, "purchase")
        self.assertFalse(old_order.order_line.scope3_activity_ids)
        self.assertEqual(old_order.order_line.scope3_status, "not_captured")
        self.assertEqual(unmapped_order.order_line.scope3_status, "unmapped")
        self.assertTrue(unmapped_order.order_line.scope3_status_reason)
        self.assertEqual(unmapped_order.scope3_status, "not_calculated")
        coverage = self.data()["coverage"]
        # the scenario's 3 confirmed lines of 2022 (the cancelled order is not a purchase)
        # + these 2
        self.assertEqual((coverage["line_count"], coverage["not_calculated_count"]), (5, 2))
        self.assertEqual(coverage["lines_share"], 60.0)
        # spend with a figure: 10,000 + 1,000 + 2,000 of 13,800 USD = 94.20 %
        self.assertEqual(coverage["spend_share"], 94.2)
        content, __ = self.env["ir.actions.report"]._render_qweb_html(REPORT, self.wizard().ids)
        doc = html.fromstring(content)
        statuses = {
            row.get("data-status"): row.text_content()
            for row in doc.xpath(
                "//table[contains(@class, 'o_scope3_coverage_lines')]//tr[@data-status]"
            )
        }
        self.assertEqual(set(statuses), {"unmapped", "not_captured"})
        self.assertIn("Not calculated", statuses["unmapped"])
        self.assertIn(old_order.name, statuses["not_captured"])
        self.assertNotIn("0.000", statuses["not_captured"])
        # the fix: calculating the order sends it to the ledger
        old_order.action_scope3_calculate()
        self.run_attribution()
        self.assertEqual(old_order.order_line.scope3_status, "calculated")
        # 300 USD x 0.787 = 236.100 kg, what the order's CO2e button opens
        self.assertEqual(old_order.scope3_ledger_kg, 236.1)
        action = old_order.action_view_scope3_entries()
        self.assertEqual(
            round(sum(self.Entry.search(action["domain"]).mapped("co2e_kg")), 3),
            old_order.scope3_ledger_kg,
        )
