/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { registry } from "@web/core/registry";
import { openMenu } from "@scope3_carbon/tours/scope3_carbon_screens_tour";
import { collectStep, collectTexts, reportTextsStep } from "@scope3_carbon/tours/scope3_tour_utils";

/** The steps that open a finding about ``subject`` (a product's name) from the list. */
function openFinding(subject) {
    return [
        ...openMenu("scope3_carbon_agents.scope3_menu_agents", "scope3_carbon_agents.scope3_agent_finding_menu"),
        {
            content: `Open the finding about ${subject}`,
            trigger: `.o_list_view .o_data_row:contains(${subject}) td.o_data_cell[name=name]`,
            async run(helpers) {
                collectTexts("the findings");
                await helpers.click();
            },
        },
        collectStep("The finding's form", ".o_form_view:has(.o_field_widget[name=state] .o_arrow_button_current[data-value=proposed])"),
    ];
}

/**
 * A Carbon Manager verifies the decision log's chain from the list (the header button, as
 * users click it), approves one classification finding and rejects another, by technical
 * names only so that the tour runs in every language (tests/test_ui.py: en_US and fr_FR,
 * no JS error, no untranslated string of the add-on).
 */
registry.category("web_tour.tours").add("scope3_agents_tour", {
    url: "/odoo/action-scope3_carbon_agents.scope3_agent_decision_action",
    steps: () => [
        {
            content: "The decision log lists the decisions: verify the chain",
            trigger: ".o_list_view .o_data_row",
            run() {
                collectTexts("the decision log");
            },
        },
        {
            trigger: "button[name=action_verify_chain]",
            run: "click",
        },
        collectStep(
            "The chain holds",
            ".o_notification:has(.o_notification_bar.bg-success)"
        ),
        ...openFinding("Portland cement 25 kg bag"),
        {
            content: "Approve and apply the proposal",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_approve]",
            run: "click",
        },
        collectStep(
            "The finding is applied",
            ".o_form_view:has(.o_field_widget[name=state] .o_arrow_button_current[data-value=applied])"
        ),
        ...openFinding("Custom software development"),
        {
            content: "Reject the proposal",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_reject]",
            run: "click",
        },
        collectStep(
            "The finding is rejected",
            ".o_form_view:has(.o_field_widget[name=state] .o_arrow_button_current[data-value=rejected])"
        ),
        {
            content: "Back to the Carbon overview",
            trigger: ".o_main_navbar [data-menu-xmlid='scope3_carbon.scope3_dashboard_menu']",
            run: "click",
        },
        {
            content: "The approval share card of the last 30 days",
            trigger: ".o_scope3_dashboard .o_scope3_card_approvals:contains(%)",
            async run(helpers) {
                collectTexts("the overview's approval share");
                await helpers.click();
            },
        },
        collectStep(
            "The approval share of the proposals, week by week",
            ".o_graph_view .o_graph_renderer canvas"
        ),
        reportTextsStep(),
    ],
});
