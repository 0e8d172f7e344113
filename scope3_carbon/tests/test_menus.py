# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from freezegun import freeze_time
from lxml import etree

from odoo.tests import new_test_user, tagged
from odoo.tools.safe_eval import safe_eval

from .common import Scope3Common


@tagged("post_install", "-at_install")
class TestMenus(Scope3Common):
    """Every menu of the Carbon app opens, for each Carbon group (and an administrator),
    as the web client opens it.

    For each menu a user sees: the action is loaded, its views are fetched
    (``get_views``) and their data read: ``web_search_read`` for lists and kanbans,
    ``web_read_group`` for pivots and graphs, ``onchange`` (a new record) for forms
    opened alone (wizards, settings), the dashboard's call for the overview.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # 10,000 USD of steel on 2022-06-15 x 0.787 = 7,870.000 kg
        order = cls.create_order([(cls.steel, 100, 100.0)])
        order.button_confirm()
        cls.run_attribution()
        cls.root = cls.env.ref("scope3_carbon.scope3_menu_root")
        cls.users = {
            group: new_test_user(
                cls.env,
                login=f"s3_menu_{group}",
                groups=f"scope3_carbon.group_scope3_{group}",
            )
            for group in ("user", "auditor", "manager")
        }
        cls.users["admin"] = new_test_user(
            cls.env,
            login="s3_menu_admin",
            groups="base.group_system,scope3_carbon.group_scope3_manager",
        )

    def spec(self, arch, fields):
        """The fields specification the web client sends for a view's own fields."""
        spec = {}
        for node in etree.fromstring(arch).iterfind(".//field"):
            if any(parent.tag in ("list", "kanban", "form") for parent in node.iterancestors()):
                name = node.get("name")
                if name not in fields:
                    continue
                if fields[name]["type"] in ("many2one", "one2many", "many2many"):
                    spec[name] = {"fields": {"display_name": {}}}
                else:
                    spec[name] = {}
        return spec

    def open_window_action(self, user, action):
        eval_context = {
            "uid": user.id,
            "allowed_company_ids": user.company_ids.ids,
            "active_id": False,
            "active_ids": [],
        }
        context = dict(safe_eval(action.get("context") or "{}", eval_context))
        Model = self.env[action["res_model"]].with_user(user).with_context(**context)
        domain = safe_eval(action.get("domain") or "[]", eval_context)
        result = Model.get_views(action["views"], {"toolbar": True, "load_filters": True})
        loaded = set()
        for view_type, view in result["views"].items():
            if view_type == "search":
                continue
            fields = result["models"][action["res_model"]]["fields"]
            arch = etree.fromstring(view["arch"])
            if view_type in ("list", "kanban"):
                Model.web_search_read(domain, self.spec(view["arch"], fields), limit=80)
            elif view_type in ("pivot", "graph"):
                groupby = [
                    node.get("name") + (f":{node.get('interval')}" if node.get("interval") else "")
                    for node in arch.iterfind("field")
                    if node.get("type") in ("row", "col", None)
                ]
                # as the web client asks for them: with each field's own aggregator
                measures = [
                    f"{node.get('name')}:{fields[node.get('name')].get('aggregator') or 'sum'}"
                    for node in arch.iterfind("field")
                    if node.get("type") == "measure"
                ]
                Model.web_read_group(domain, measures or ["__count"], groupby[:1])
            elif view_type == "form" and action.get("target") in ("new", "inline"):
                Model.onchange({}, [], self.spec(view["arch"], fields))
            loaded.add(view_type)
        return loaded

    def test_every_menu_opens_for_each_group(self):
        opened = {}
        for group, user in self.users.items():
            menus = (
                self.env["ir.ui.menu"].with_user(user).search([("id", "child_of", self.root.id)])
            )
            self.assertIn(self.root, menus)
            opened[group] = set()
            for menu in menus.filtered("action"):
                action = menu.action.with_user(user)._get_action_dict()
                with self.subTest(group=group, menu=menu.complete_name):
                    if action["type"] == "ir.actions.client":
                        self.assertEqual(action["tag"], "scope3_carbon.dashboard")
                        with freeze_time("2022-12-20"):
                            data = self.env["scope3.dashboard"].with_user(user).get_dashboard_data()
                        self.assertEqual(data["totals"]["count"], 1)
                        self.assertEqual(data["totals"]["kg"], 7870.0)
                    else:
                        if action["type"] == "ir.actions.server":
                            # a server action that opens a window (e.g. Category Relevance)
                            action = dict(menu.action.with_user(user).run())
                            action.setdefault(
                                "views", [(False, mode) for mode in action["view_mode"].split(",")]
                            )
                            action["domain"] = repr(action.get("domain") or [])
                        self.assertEqual(action["type"], "ir.actions.act_window")
                        self.assertTrue(self.open_window_action(user, action))
                    opened[group].add(menu.get_external_id()[menu.id])

        # the report of the Reporting menu renders for each of them
        for group, user in self.users.items():
            with self.subTest(group=group, report="inventory"):
                wizard = self.env["scope3.inventory.report.wizard"].with_user(user).create({})
                content, __ = (
                    self.env["ir.actions.report"]
                    .with_user(user)
                    ._render_qweb_html("scope3_carbon.report_scope3_inventory", wizard.ids)
                )
                self.assertIn(b"o_scope3_inventory", content)

        def xmlid(name):
            return f"scope3_carbon.{name}"

        for group in self.users:
            self.assertTrue(
                {
                    xmlid("scope3_dashboard_menu"),
                    xmlid("scope3_emission_entry_menu"),
                    xmlid("scope3_emission_analysis_menu"),
                    xmlid("scope3_inventory_report_menu"),
                }
                <= opened[group],
                group,
            )
        # the outbox is for auditors and managers; the settings for managers who may
        # change settings (Administration: Settings)
        self.assertNotIn(xmlid("scope3_outbox_event_menu"), opened["user"])
        self.assertIn(xmlid("scope3_outbox_event_menu"), opened["auditor"])
        self.assertNotIn(xmlid("scope3_config_settings_menu"), opened["manager"])
        self.assertIn(xmlid("scope3_config_settings_menu"), opened["admin"])
        # the overview is the app's first menu, so the app opens on it
        first = self.env["ir.ui.menu"].search([("parent_id", "=", self.root.id)], limit=1)
        self.assertEqual(first, self.env.ref("scope3_carbon.scope3_dashboard_menu"))
