/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";
import { waitFor } from "./scope3_tour_utils";

/**
 * A Carbon Manager opens the overview, drills from a category into one of its entries
 * and the purchase order the entry comes from, then prints the Scope 3 inventory.
 * Run by tests/test_ui.py, which prepares the order of "Tour Steel Mill".
 */
registry.category("web_tour.tours").add("scope3_carbon_manager_tour", {
    url: "/odoo/action-scope3_carbon.scope3_dashboard_action",
    steps: () => [
        {
            content: "The overview shows the emissions of the last 12 months",
            trigger: ".o_scope3_dashboard .o_scope3_card_total:contains(t CO2e)",
        },
        {
            content: "Category 1 is in the chart by category",
            trigger: ".o_scope3_categories .o_scope3_category_line:contains(Purchased goods and services)",
            run: "click",
        },
        {
            content: "The ledger lists the entries of category 1: open the tour's one",
            trigger: ".o_list_view .o_data_row:contains(Tour Steel Mill) td.o_data_cell[name=category_id]",
            run: "click",
        },
        {
            content: "The entry shows its calculation; open its purchase order",
            trigger: ".o_form_view .o_field_widget[name=purchase_order_id] a.o_form_uri",
            run: "click",
        },
        {
            content: "The purchase order is the tour's one",
            trigger: ".o_form_view .o_field_widget[name=partner_id]:contains(Tour Steel Mill)",
        },
        {
            content: "It shows its kg CO2e",
            trigger: ".o_form_view .oe_stat_button:contains(CO2e) .o_stat_value:contains(kg)",
        },
        {
            content: "Open the Reporting menu of the Carbon app (still the current app)",
            trigger: ".o_main_navbar .o_menu_sections button:contains(Reporting)",
            run: "click",
        },
        {
            trigger: ".o-dropdown--menu .dropdown-item:contains(Scope 3 Inventory)",
            run: "click",
        },
        {
            content: "The inventory wizard opens on this year",
            trigger: ".modal .o_scope3_inventory_wizard .o_field_widget[name=date_from] input",
        },
        {
            content: "Print the PDF",
            trigger: ".modal:has(.o_scope3_inventory_wizard) .modal-footer button[name=action_print_pdf]",
            run: "click",
        },
        {
            content:
                "The report is printed: downloaded (the dialog closes) or, without " +
                "wkhtmltopdf, shown as HTML",
            trigger: "body:not(:has(.o_scope3_inventory_wizard))",
            async run() {
                // the web client downloads the PDF when wkhtmltopdf works, else shows the
                // report's HTML in an iframe: then the inventory must be in it
                const state = await rpc("/report/check_wkhtmltopdf");
                if (["ok", "upgrade"].includes(state)) {
                    return;
                }
                const total = await waitFor(
                    () =>
                        document
                            .querySelector(".o_action_manager iframe")
                            ?.contentDocument?.querySelector(".o_scope3_inventory .o_scope3_total_t"),
                    "the inventory report in the HTML report view"
                );
                if (!/\d/.test(total.textContent)) {
                    throw new Error(`No total in the report: ${total.textContent}`);
                }
            },
        },
    ],
});
