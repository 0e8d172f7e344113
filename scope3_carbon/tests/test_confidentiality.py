# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Supplier confidentiality: no route gives a non-auditor a confidential footprint.

A footprint of 1.8537 kg CO2e per kg, received under confidentiality, is used by a
confirmed order of 200 kg (370.740 kg CO2e) and its bill; an earlier order of 100 kg is
restated with it (185.370 kg). Whoever knows a quantity (200 kg: the order line) and the kg
CO2e at the same granularity has the footprint by division, so each route below must give
a non-auditor (a purchase user without a Carbon group, a Carbon User) no such kg CO2e
(nor 1.8537 itself):

1. ledger entries: ``read``, ``search_read``, ``web_read``, ``web_search_read`` of
   ``co2e_kg`` and ``dq_weighted_kg`` (DQ x kg), the display name, the calculation trace and
   its rendering;
2. searching and sorting entries on ``co2e_kg`` (bisection: ``co2e_kg > x``, its negation,
   ``order="co2e_kg"``);
3. ``read_group`` / ``web_read_group`` of entries by product, vendor, activity, document,
   and by category on a domain narrowed to the row (``id =``);
4. ``export_data`` of entries, and of orders through ``order_line/scope3_co2e_kg``;
5. activities: read, read_group by product, export, search;
6. order lines: the ledger figure, the live estimate (also while a new order is typed,
   through the form's onchange), the order's totals (a one-line order), and the order list;
7. the bill line and the bill (their figures);
8. the vendor's 12-month figure and the product's per-unit estimate;
9. restatement lines and their restatement (current, restated, delta kg);
10. the inventory report: entry detail (XLSX) and the primary-data appendix; its totals by
    category include the figure (an aggregate over a category and period);
11. the dashboard: vendors and products ranked (their groups), the totals included;
12. the same calls as JSON-RPC from a logged-in session (``call_kw``: read,
    web_search_read, web_read_group, export_data).

A Carbon Manager is always an Auditor (the group implies it), so the non-auditor roles are
the buyer and the Carbon User. An Auditor sees every figure; with a footprint that is not
confidential, everyone does.
"""

import json

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tests import Form, HttpCase, new_test_user, tagged

from .common import Scope3Common

FIGURE = "370.74"  # 200 kg x 1.8537 kg CO2e/kg
PCF = "1.8537"


@tagged("post_install", "-at_install")
class TestConfidentiality(Scope3Common, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the routes of a record are tested with the totals complete (the company's choice
        # when its suppliers accept it); ``test_withheld_from_totals`` tests the default
        cls.company.scope3_withhold_confidential = False
        cls.kg = cls.env.ref("uom.product_uom_kgm")
        today = fields.Date.context_today(cls.env.user)
        cls.widget = cls.env["product.product"].create(
            {
                "name": "Forged flange",
                "type": "consu",
                "uom_id": cls.kg.id,
                "uom_po_id": cls.kg.id,
                "scope3_naics_code": "331110",
                "purchase_method": "purchase",
                "standard_price": 3.0,
                "seller_ids": [fields.Command.create({"partner_id": cls.vendor.id})],
            }
        )
        cls.user_carbon = new_test_user(
            cls.env,
            login="s3cf_user",
            password="s3cf_user",
            groups="purchase.group_purchase_user,account.group_account_invoice,base.group_allow_export,"
            "scope3_carbon.group_scope3_user",
        )
        cls.purchaser = new_test_user(
            cls.env,
            login="s3cf_buyer",
            password="s3cf_buyer",
            groups="purchase.group_purchase_user,account.group_account_invoice,base.group_allow_export",
        )
        cls.auditor = new_test_user(
            cls.env,
            login="s3cf_auditor",
            password="s3cf_auditor",
            groups="purchase.group_purchase_user,account.group_account_invoice,base.group_allow_export,"
            "scope3_carbon.group_scope3_auditor",
        )
        date = today - relativedelta(months=2)
        # an order before the footprint: restated with it once it is accepted
        cls.earlier = cls.create_order(
            [(cls.widget, 100, 3.0)], date=f"{date - relativedelta(days=20)} 10:00:00"
        )
        cls.earlier.button_confirm()
        cls.run_attribution()
        cls.footprint = cls.env["scope3.supplier.footprint"].create(
            {
                "partner_id": cls.vendor.id,
                "product_id": cls.widget.id,
                "pcf_kg": 1.8537,
                "declared_unit": "kilogram",
                "dqr": 1.5,
                "verified": True,
                "valid_from": date - relativedelta(months=1),
            }
        )
        cls.footprint.action_accept()
        cls.run_attribution()  # the restatement's shadow run
        cls.restatement = cls.env["scope3.restatement"].search(
            [("supplier_footprint_id", "=", cls.footprint.id)]
        )
        cls.order = cls.create_order([(cls.widget, 200, 3.0)], date=f"{date} 10:00:00")
        cls.order.button_confirm()
        cls.run_attribution()
        cls.line = cls.order.order_line
        cls.entry = cls.entries_of(cls.order)
        cls.activity = cls.entry.activity_id
        cls.bill = cls.env["account.move"].browse(cls.order.action_create_invoice()["res_id"])
        cls.bill.invoice_date = date
        cls.bill.action_post()
        cls.run_attribution()
        cls.bill_entry = cls.Entry.search(
            [("account_move_id", "=", cls.bill.id), ("is_reversal", "=", False)]
        )
        cls.entries = cls.entries_of(cls.order)
        cls.roles = (cls.purchaser, cls.user_carbon)

    # ------------------------------------------------------------------------------------
    def assertHidden(self, payload, msg=None):
        """Neither the figure nor the footprint in what a call returned."""
        text = json.dumps(payload, default=str)
        self.assertNotIn(FIGURE, text, msg)
        self.assertNotIn(PCF, text, msg)

    def test_fixture(self):
        self.assertEqual(
            (self.entry[:1].resolution_level, self.entry[:1].co2e_kg), ("supplier", 370.74)
        )
        self.assertEqual(self.bill_entry.co2e_kg, 370.74)
        self.assertEqual(self.bill_entry.account_move_line_id.move_id, self.bill)
        self.assertTrue(self.restatement.line_ids)
        self.assertEqual(self.restatement.line_ids.mapped("restated_kg"), [185.37])

    # ------------------------------------------------------------------------------------
    # 1-4: the ledger
    # ------------------------------------------------------------------------------------
    def test_entry_read_routes(self):
        figures = ["co2e_kg", "dq_weighted_kg", "display_name", "trace_pretty"]
        figures += ["calculation_html", "activity_amount", "scope3_confidential"]
        user = self.user_carbon
        Entry = self.Entry.with_user(user)
        entries = self.entries.with_user(user)
        [vals] = entries[:1].read(figures)
        self.assertEqual((vals["co2e_kg"], vals["dq_weighted_kg"]), (False, False))
        self.assertEqual(vals["activity_amount"], 200.0)  # the buyer's own quantity
        self.assertTrue(vals["scope3_confidential"])
        self.assertIn("confidential", vals["display_name"])
        self.assertIn("confidential", vals["trace_pretty"])
        self.assertHidden(vals)
        domain = [("id", "in", self.entries.ids)]
        self.assertHidden(Entry.search_read(domain, figures))
        self.assertHidden(entries.web_read({name: {} for name in figures}))
        self.assertHidden(Entry.web_search_read(domain, {name: {} for name in figures}))
        # the activity's own list of entries
        self.assertHidden(
            self.activity.with_user(user).web_read({"entry_ids": {"fields": {"co2e_kg": {}}}})
        )

    def test_entry_search_is_no_oracle(self):
        Entry = self.Entry.with_user(self.user_carbon)
        domain = [("id", "=", self.entry[:1].id)]
        entry = self.entry[:1]
        for operator in (">", ">=", "<", "<=", "=", "!="):
            # the answer does not change when the threshold crosses the figure (370.74):
            # the row reads as empty (0) whatever its figure
            answers = {
                value: (
                    Entry.search_count(domain + [("co2e_kg", operator, value)]),
                    Entry.search_count(domain + ["!", ("co2e_kg", operator, value)]),
                )
                for value in (370.0, 370.74, 371.0)
            }
            self.assertEqual(len(set(answers.values())), 1, operator)
        self.assertEqual(Entry.search_count(domain + [("co2e_kg", ">", 0)]), 0)
        self.assertEqual(entry.co2e_kg, 370.74)
        # sorting puts it with the empty values, whatever its figure: the commitment
        # (370.740), its reversal (-370.740) and the bill (370.740) sort as three empty
        # values, by id; the auditor sorts the reversal first
        entries = [("id", "in", self.entries.ids)]
        self.assertEqual(len(self.entries), 3)
        self.assertEqual(Entry.search(entries, order="co2e_kg, id"), self.entries.sorted("id"))
        commitment, reversal, bill = self.entries.sorted("id")
        self.assertEqual(
            self.Entry.with_user(self.auditor).search(entries, order="co2e_kg, id").ids,
            [reversal.id, commitment.id, bill.id],
        )
        # the auditor's searches see the figure
        Entry = self.Entry.with_user(self.auditor)
        self.assertEqual(Entry.search_count(domain + [("co2e_kg", ">", 370.0)]), 1)

    def test_entry_groups(self):
        Entry = self.Entry.with_user(self.user_carbon)
        domain = [("id", "in", self.entries.ids)]
        for groupby in (
            "product_id",
            "partner_id",
            "activity_id",
            "purchase_line_id",
            "purchase_order_id",
            "account_move_id",
        ):
            groups = Entry.read_group(domain, ["co2e_kg:sum", "dq_weighted_kg:sum"], [groupby])
            self.assertHidden(groups, groupby)
            groups = Entry.web_read_group(domain, ["co2e_kg:sum"], [groupby])
            self.assertHidden(groups, groupby)
        # a coarse groupby on a domain narrowed to the row is the row
        self.assertHidden(
            Entry.read_group([("id", "=", self.entry[:1].id)], ["co2e_kg:sum"], ["category_id"])
        )
        # an aggregate over a category and period includes it (the inventory)
        [(kg,)] = Entry._read_group(
            [("company_id", "=", self.company.id), ("category_id", "=", self.category_1.id)],
            [],
            ["co2e_kg:sum"],
        )
        self.assertGreaterEqual(kg, 370.74)
        # the auditor's groups have the figure
        [group] = self.Entry.with_user(self.auditor).read_group(
            [("id", "=", self.entry[:1].id)], ["co2e_kg:sum"], ["product_id"]
        )
        self.assertEqual(group["co2e_kg"], 370.74)

    def test_export(self):
        rows = self.entries.with_user(self.user_carbon).export_data(
            ["co2e_kg", "dq_weighted_kg", "activity_amount", "display_name"]
        )["datas"]
        self.assertHidden(rows)
        self.assertIn(200.0, [row[2] for row in rows])
        rows = self.order.with_user(self.purchaser).export_data(
            ["name", "scope3_co2e_kg", "order_line/scope3_co2e_kg", "order_line/product_qty"]
        )["datas"]
        self.assertHidden(rows)
        rows = self.restatement.with_user(self.user_carbon).export_data(
            ["delta_kg", "line_ids/restated_kg", "line_ids/activity_id/co2e_kg"]
        )["datas"]
        self.assertNotIn("185.37", json.dumps(rows))
        rows = self.entries.with_user(self.auditor).export_data(["co2e_kg"])["datas"]
        self.assertIn(370.74, [row[0] for row in rows])

    # ------------------------------------------------------------------------------------
    # 5-9: activities, documents, vendors, products, restatements
    # ------------------------------------------------------------------------------------
    def test_activity(self):
        Activity = self.env["scope3.activity"].with_user(self.user_carbon)
        activity = self.activity.with_user(self.user_carbon)
        [vals] = activity.read(["co2e_kg", "quantity", "scope3_confidential"])
        self.assertEqual((vals["co2e_kg"], vals["quantity"]), (False, 200.0))
        self.assertHidden(
            Activity.read_group([("id", "=", activity.id)], ["co2e_kg:sum"], ["product_id"])
        )
        self.assertHidden(activity.export_data(["co2e_kg"])["datas"])
        self.assertFalse(Activity.search([("id", "=", activity.id), ("co2e_kg", ">", 1.0)]))

    def test_order_and_bill(self):
        for user in self.roles:
            order = self.order.with_user(user)
            self.assertHidden(
                order.web_read(
                    {
                        "scope3_co2e_kg": {},
                        "scope3_ledger_kg": {},
                        "scope3_lines_kg": {},
                        "scope3_estimate_kg": {},
                        "order_line": {
                            "fields": {
                                "scope3_co2e_kg": {},
                                "scope3_estimate_kg": {},
                                "product_qty": {},
                                "scope3_confidential": {},
                            }
                        },
                    }
                ),
                user.login,
            )
            [vals] = self.line.with_user(user).read(["scope3_confidential", "product_qty"])
            self.assertEqual((vals["scope3_confidential"], vals["product_qty"]), (True, 200.0))
            self.assertHidden(
                self.env["purchase.order"]
                .with_user(user)
                .search_read([("id", "=", self.order.id)], ["scope3_co2e_kg"])
            )
            self.assertHidden(
                self.env["purchase.order.line"]
                .with_user(user)
                .read_group([("id", "=", self.line.id)], ["scope3_co2e_kg:sum"], ["order_id"])
            )
            self.assertHidden(
                self.bill.with_user(user).web_read(
                    {"scope3_co2e_kg": {}, "invoice_line_ids": {"fields": {"scope3_co2e_kg": {}}}}
                ),
                user.login,
            )
        # the auditor sees them
        order = self.order.with_user(self.auditor)
        self.assertEqual(order.read(["scope3_co2e_kg"])[0]["scope3_co2e_kg"], 370.74)
        self.assertEqual(self.line.with_user(self.auditor).scope3_estimate_kg, 370.74)
        self.assertEqual(self.bill.with_user(self.auditor).scope3_co2e_kg, 370.74)

    def test_estimate_while_typing(self):
        """The live estimate of a new order (the form's onchange) hides a confidential
        footprint: 10 kg x 1.8537 = 18.537 kg would be shown next to 10 kg."""
        day = self.order.date_order
        for user, expected in ((self.purchaser, 0.0), (self.auditor, 18.537)):
            form = Form(self.env["purchase.order"].with_user(user))
            form.partner_id = self.vendor
            form.date_order = day
            with form.order_line.new() as line:
                line.product_id = self.widget
                line.product_qty = 10
                line.price_unit = 3.0
                self.assertEqual(line.scope3_estimate_kg, expected, user.login)
                self.assertEqual(line.scope3_estimate_confidential, not expected)
            self.assertEqual(form.scope3_estimate_kg, expected)

    def test_vendor_and_product(self):
        for user in self.roles:
            [vals] = self.vendor.with_user(user).read(
                ["scope3_co2e_12m_kg", "scope3_co2e_confidential"]
            )
            self.assertEqual(
                (vals["scope3_co2e_12m_kg"], vals["scope3_co2e_confidential"]), (0.0, True)
            )
            template = self.widget.product_tmpl_id.with_user(user)
            [vals] = template.read(["scope3_unit_estimate_kg", "scope3_unit_estimate_confidential"])
            self.assertEqual(
                (vals["scope3_unit_estimate_kg"], vals["scope3_unit_estimate_confidential"]),
                (0.0, True),
            )
        # 1 kg at 1.8537 kg CO2e/kg
        template = self.widget.product_tmpl_id.with_user(self.auditor)
        self.assertEqual(template.scope3_unit_estimate_kg, 1.854)

    def test_restatement(self):
        user = self.user_carbon
        lines = self.restatement.line_ids.with_user(user)
        self.assertHidden(lines.read(["current_kg", "restated_kg", "delta_kg"]), "lines")
        self.assertNotIn(
            "185.37", json.dumps(lines.read(["current_kg", "restated_kg", "delta_kg"]))
        )
        [vals] = self.restatement.with_user(user).read(["restated_kg", "delta_kg"])
        self.assertEqual((vals["restated_kg"], vals["delta_kg"]), (False, False))
        self.assertFalse(
            self.env["scope3.restatement.line"]
            .with_user(user)
            .search([("id", "in", lines.ids), ("restated_kg", ">", 0)])
        )
        [vals] = self.restatement.with_user(user).read(["reference_kg", "delta_pct"])
        self.assertEqual((vals["reference_kg"], vals["delta_pct"]), (False, False))
        # the summary in its chatter, read by whoever reads the restatement
        messages = self.restatement.with_user(user).message_ids.read(["body"])
        self.assertTrue(any("confidentiality" in m["body"] for m in messages))
        self.assertNotIn("185.37", json.dumps(messages))
        [vals] = self.restatement.line_ids.with_user(self.auditor).read(["restated_kg"])
        self.assertEqual(vals["restated_kg"], 185.37)

    def test_restatement_in_the_report(self):
        """Posted, the restatement is in the report's restatement section: its change is
        the earlier order's figure replaced by 100 kg x 1.8537 = 185.370 kg."""
        manager = new_test_user(
            self.env, login="s3cf_manager", groups="scope3_carbon.group_scope3_manager"
        )
        self.restatement.with_user(manager).action_approve()
        self.restatement.with_user(manager).action_post()
        day = self.earlier.date_order.date()
        for user, hidden in ((self.user_carbon, True), (self.auditor, False)):
            [line] = (
                self.env["scope3.inventory.report"]
                .with_user(user)
                ._scope3_report_restatements(self.company, day, day)
            )
            self.assertEqual(line["confidential"], hidden)
            self.assertEqual(line["delta_kg"] is None, hidden)
        # the earlier order's activity now holds a confidential figure
        [vals] = self.earlier.order_line.with_user(self.user_carbon).read(["scope3_co2e_kg"])
        self.assertFalse(vals["scope3_co2e_kg"])
        self.assertEqual(self.earlier.order_line.scope3_co2e_kg, 185.37)

    # ------------------------------------------------------------------------------------
    # 10-11: report and dashboard
    # ------------------------------------------------------------------------------------
    def test_inventory_report(self):
        Report = self.env["scope3.inventory.report"].with_user(self.user_carbon)
        # the month of the order and its bill
        day = self.order.date_order.date().replace(day=1)
        end = day + relativedelta(months=1, days=-1)
        domain = Report._scope3_report_domain(self.company, day, end)
        entries = Report._scope3_report_entries(domain)
        self.assertEqual(len(entries), 3)  # commitment, its reversal, bill
        self.assertHidden(entries)
        self.assertEqual({row["confidential"] for row in entries}, {True})
        data = Report._scope3_report_data(self.company, day, end)
        self.assertHidden(data["primary_data"])
        self.assertTrue(data["primary_data"][0]["confidential"])
        # the period's total includes it
        self.assertEqual(data["totals"]["kg"], 370.74)
        audited = (
            self.env["scope3.inventory.report"]
            .with_user(self.auditor)
            ._scope3_report_data(self.company, day, end)
        )
        self.assertEqual(audited["primary_data"][0]["pcf_kg"], 1.8537)
        # every other figure of the inventory is the same for both readers
        for key in ("primary_data", "restatements", "prepared_by"):
            data.pop(key)
            audited.pop(key)
        self.assertEqual(data, audited)

    def test_dashboard(self):
        data = self.env["scope3.dashboard"].with_user(self.user_carbon).get_dashboard_data()
        self.assertHidden(data["products"])
        self.assertHidden(data["vendors"])
        self.assertNotIn(self.widget.id, [line["id"] for line in data["products"]])
        data = self.env["scope3.dashboard"].with_user(self.auditor).get_dashboard_data()
        self.assertIn(self.widget.id, [line["id"] for line in data["products"]])

    def test_withheld_from_totals(self):
        """The company withholds confidential figures from non-auditors' totals: no total a
        Carbon User reads includes them (no subtraction gives them back); the auditor's
        inventory is complete."""
        new_company = self.env["res.company"].create({"name": "Withholding by default"})
        self.assertTrue(new_company.scope3_withhold_confidential, "the default withholds")
        self.company.scope3_withhold_confidential = True
        day = self.order.date_order.date().replace(day=1)
        end = day + relativedelta(months=1, days=-1)
        Report = self.env["scope3.inventory.report"]
        data = Report.with_user(self.user_carbon)._scope3_report_data(self.company, day, end)
        audited = Report.with_user(self.auditor)._scope3_report_data(self.company, day, end)
        # the month holds only the order's three entries: 370.74 - 370.74 + 370.74
        self.assertEqual((data["totals"]["kg"], audited["totals"]["kg"]), (0.0, 370.74))
        self.assertEqual((data["withheld_count"], audited["withheld_count"]), (3, 0))
        Entry = self.Entry.with_user(self.user_carbon)
        [(kg,)] = Entry._read_group([("company_id", "=", self.company.id)], [], ["co2e_kg:sum"])
        [(all_kg,)] = self.Entry.sudo()._read_group(
            [("company_id", "=", self.company.id)], [], ["co2e_kg:sum"]
        )
        confidential = self.Entry.sudo().search(
            [("supplier_footprint_id.is_confidential", "=", True)]
        )
        self.assertAlmostEqual(kg, all_kg - sum(confidential.mapped("co2e_kg")), places=3)
        data = self.env["scope3.dashboard"].with_user(self.user_carbon).get_dashboard_data()
        self.assertHidden(data["categories"])
        # a period close's total of that month (the figure by subtraction again)
        close = self.env["scope3.period.close"].create({"date_from": day, "date_to": end})
        close.action_request()
        if close.state != "done":
            close.action_approve()
        self.assertEqual((close.state, close.co2e_kg), ("done", 370.74))
        [vals] = close.with_user(self.user_carbon).read(["co2e_kg", "scope3_confidential"])
        self.assertEqual((vals["co2e_kg"], vals["scope3_confidential"]), (False, True))
        self.assertEqual(close.with_user(self.auditor).read(["co2e_kg"])[0]["co2e_kg"], 370.74)

    # ------------------------------------------------------------------------------------
    # 12: JSON-RPC
    # ------------------------------------------------------------------------------------
    def call(self, model, method, *args, **kwargs):
        return self.make_jsonrpc_request(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )

    def rpc_routes(self):
        entry, model = self.entry[:1], "scope3.emission.entry"
        return {
            "read": self.call(model, "read", entry.ids, ["co2e_kg", "display_name"]),
            "web_search_read": self.call(
                model,
                "web_search_read",
                [("id", "=", entry.id)],
                {"co2e_kg": {}, "dq_weighted_kg": {}, "trace_pretty": {}},
            ),
            "web_read_group": self.call(
                model,
                "web_read_group",
                [("id", "=", entry.id)],
                ["co2e_kg:sum"],
                ["product_id"],
            ),
            "export_data": self.call(model, "export_data", entry.ids, ["co2e_kg"]),
            "order line": self.call(
                "purchase.order.line",
                "read",
                self.line.ids,
                ["scope3_co2e_kg", "scope3_estimate_kg"],
            ),
        }

    def test_rpc(self):
        self.authenticate(self.user_carbon.login, self.user_carbon.login)
        for route, result in self.rpc_routes().items():
            self.assertHidden(result, route)
        self.authenticate(self.auditor.login, self.auditor.login)
        for route, result in self.rpc_routes().items():
            self.assertIn(FIGURE, json.dumps(result), route)

    def test_not_confidential(self):
        """A footprint received without confidentiality: everyone sees its figures."""
        self.footprint.is_confidential = False
        self.env.invalidate_all()
        for user in self.roles:
            [vals] = self.line.with_user(user).read(["scope3_co2e_kg", "scope3_confidential"])
            self.assertEqual((vals["scope3_co2e_kg"], vals["scope3_confidential"]), (370.74, False))
            self.assertEqual(self.line.with_user(user).scope3_estimate_kg, 370.74)
        [vals] = self.entry[:1].with_user(self.user_carbon).read(["co2e_kg", "trace_pretty"])
        self.assertEqual(vals["co2e_kg"], 370.74)
        self.assertIn(PCF, vals["trace_pretty"])
