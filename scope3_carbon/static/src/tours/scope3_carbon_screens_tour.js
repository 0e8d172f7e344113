/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { browser } from "@web/core/browser/browser";
import { rpc } from "@web/core/network/rpc";
import { registry } from "@web/core/registry";
import {
    collectStep,
    collectTexts,
    collectTextsOf,
    reportTextsStep,
    waitFor,
} from "./scope3_tour_utils";

/** The steps that open a menu item of the Carbon app by their XML ids (any language). */
export function openMenu(section, item) {
    return [
        {
            content: `Open the ${section} menu`,
            trigger: `.o_main_navbar .o_menu_sections [data-menu-xmlid='${section}']`,
            run: "click",
        },
        {
            content: `Open ${item}`,
            trigger: `.o-dropdown--menu [data-menu-xmlid='${item}']`,
            async run(helpers) {
                collectTexts(`the menu of ${item}`);
                await helpers.click();
            },
        },
    ];
}

/**
 * Every screen of the Carbon app a manager works with, found by technical names only, so
 * that the same tour runs in every language (tests/test_ui.py runs it in en_US and fr_FR,
 * fails on any JS error and compares the texts seen with the add-on's .pot): the overview,
 * an emission entry and its readable calculation, its purchase order and the order's CO2e
 * button, the Emission Analysis pivot, a restatement, the category relevance screen, and
 * the inventory wizard's XLSX export and PDF.
 */
registry.category("web_tour.tours").add("scope3_carbon_screens_tour", {
    url: "/odoo/action-scope3_carbon.scope3_dashboard_action",
    steps: () => [
        {
            content: "The overview shows its total",
            trigger: ".o_scope3_dashboard .o_scope3_card_total .o_scope3_total_kg",
        },
        collectStep("and its coverage", ".o_scope3_dashboard .o_scope3_coverage"),
        ...openMenu("scope3_carbon.scope3_menu_ledger", "scope3_carbon.scope3_emission_entry_menu"),
        {
            content: "Open the tour's entry",
            trigger: ".o_list_view .o_data_row:contains(Tour Steel Mill) td.o_data_cell[name=category_id]",
            async run(helpers) {
                collectTexts("the emission entries");
                await helpers.click();
            },
        },
        collectStep(
            "The entry shows its calculation step by step",
            ".o_form_view .o_scope3_calculation .o_scope3_calculation_step"
        ),
        {
            content: "Open its purchase order",
            trigger: ".o_form_view .o_field_widget[name=purchase_order_id] a.o_form_uri",
            run: "click",
        },
        collectStep(
            "The order's unmapped line says it is not calculated",
            ".o_form_view .o_field_widget[name=order_line] .o_scope3_not_calculated"
        ),
        {
            content: "The CO2e button opens the entries the total is made of",
            trigger: ".o_form_view .oe_stat_button[name=action_view_scope3_entries]",
            run: "click",
        },
        {
            trigger: ".o_list_view .o_data_row:contains(Tour Steel Mill)",
        },
        ...openMenu("scope3_carbon.scope3_menu_reporting", "scope3_carbon.scope3_emission_analysis_menu"),
        collectStep(
            "The pivot opens on this year, in t CO2e with the weighted DQ",
            ".o_pivot table .o_pivot_measure_row",
        ),
        ...openMenu("scope3_carbon.scope3_menu_ledger", "scope3_carbon.scope3_restatement_menu"),
        {
            content: "Open the latest restatement (the tour's one)",
            trigger: ".o_list_view .o_data_row:first td.o_data_cell[name=name]",
            async run(helpers) {
                collectTexts("the restatements");
                await helpers.click();
            },
        },
        collectStep("The restatement's form", ".o_form_view .o_field_widget[name=state]"),
        ...openMenu(
            "scope3_carbon.scope3_menu_configuration",
            "scope3_carbon.scope3_category_relevance_menu"
        ),
        collectStep("The category relevance screen lists the categories", ".o_list_view .o_data_row"),
        ...openMenu("scope3_carbon.scope3_menu_configuration", "scope3_carbon.scope3_factor_set_menu"),
        {
            content: "Price years read 2022, never 2,022, and nothing when not set",
            trigger: ".o_list_view .o_data_row td.o_data_cell[name=price_year]",
            run() {
                collectTexts("the factor sets");
                const years = [
                    ...document.querySelectorAll(".o_list_view .o_data_row td[name=price_year]"),
                ].map((cell) => cell.innerText.trim());
                if (!years.some(Boolean) || years.some((year) => year && !/^\d{4}$/.test(year))) {
                    throw new Error(`Price years shown as ${years.join(" | ")}`);
                }
            },
        },
        ...openMenu("scope3_carbon.scope3_menu_reporting", "scope3_carbon.scope3_inventory_report_menu"),
        {
            content: "The inventory wizard opens on this year",
            trigger: ".modal .o_scope3_inventory_wizard .o_field_widget[name=date_from] input",
            run() {
                collectTexts("the inventory wizard");
                // the XLSX is downloaded in a new tab: keep its address to fetch it instead
                browser.open = (url) => {
                    window.scope3XlsxUrl = url;
                };
            },
        },
        {
            content: "Export the XLSX",
            trigger: ".modal:has(.o_scope3_inventory_wizard) .modal-footer button[name=action_export_xlsx]",
            run: "click",
        },
        {
            content: "The XLSX file is a workbook",
            trigger: ".modal:has(.o_scope3_inventory_wizard)",
            async run() {
                const url = await waitFor(() => window.scope3XlsxUrl, "the XLSX download");
                const response = await fetch(url);
                const bytes = new Uint8Array(await response.arrayBuffer());
                // an XLSX file is a ZIP archive: "PK"
                if (!response.ok || bytes[0] !== 0x50 || bytes[1] !== 0x4b) {
                    throw new Error(`The XLSX download failed: ${response.status}`);
                }
            },
        },
        {
            content: "Print the PDF",
            trigger: ".modal:has(.o_scope3_inventory_wizard) .modal-footer button[name=action_print_pdf]",
            run: "click",
        },
        {
            content: "The report is printed (downloaded, or shown as HTML without wkhtmltopdf)",
            trigger: "body:not(:has(.o_scope3_inventory_wizard))",
            async run() {
                // the report's HTML, as the PDF is made of, whether wkhtmltopdf is there or not
                const wizardId = window.scope3XlsxUrl.match(/wizard\/(\d+)\//)[1];
                await collectTextsOf(
                    `/report/html/scope3_carbon.report_scope3_inventory/${wizardId}`,
                    "the inventory report"
                );
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
        reportTextsStep(),
    ],
});
