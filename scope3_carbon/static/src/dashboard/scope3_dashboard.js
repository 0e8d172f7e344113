/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { Component, onWillStart, useState } from "@odoo/owl";
import { deserializeDateTime, formatDateTime } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { formatFloat } from "@web/core/utils/numbers";
import { useService } from "@web/core/utils/hooks";
import { Layout } from "@web/search/layout";

/**
 * Overview of the Scope 3 ledger (Carbon > Overview).
 *
 * The figures come from one call, `scope3.dashboard.get_dashboard_data`; every figure
 * carries the ledger domain it sums, and clicking it opens those entries.
 */
export class Scope3Dashboard extends Component {
    static template = "scope3_carbon.Scope3Dashboard";
    static components = { Layout };
    static props = ["*"];

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.state = useState({ data: null, period: "12m" });
        this.labels = {
            unmapped: _t("Unmapped Activities"),
            waiting: _t("Orders not calculated yet"),
        };
        onWillStart(() => this.load());
    }

    async load() {
        this.state.data = await this.orm.call("scope3.dashboard", "get_dashboard_data", [], {
            period: this.state.period,
        });
    }

    async setPeriod(period) {
        this.state.period = period;
        await this.load();
    }

    /** A UTC datetime of the server in the user's timezone. */
    formatMoment(value) {
        return formatDateTime(deserializeDateTime(value));
    }

    formatKg(value) {
        return formatFloat(value || 0, { digits: [16, 0] });
    }

    formatTonnes(value) {
        return formatFloat((value || 0) / 1000, { digits: [16, 1] });
    }

    formatNumber(value, digits = 2) {
        return value === null || value === undefined || value === false
            ? "-"
            : formatFloat(value, { digits: [16, digits] });
    }

    /** Width (%) of a bar, relative to the largest absolute value of its chart. */
    barSize(line, lines) {
        const max = Math.max(...lines.map((l) => Math.abs(l.kg)));
        return max ? Math.round((1000 * Math.abs(line.kg)) / max) / 10 : 0;
    }

    openEntries(domain, name) {
        return this.actionService.doAction({
            type: "ir.actions.act_window",
            name: name || _t("Emission Entries"),
            res_model: "scope3.emission.entry",
            views: [
                [false, "list"],
                [false, "pivot"],
                [false, "graph"],
                [false, "form"],
            ],
            domain,
            context: {},
        });
    }

    openRecords(resModel, domain, name) {
        return this.actionService.doAction({
            type: "ir.actions.act_window",
            name,
            res_model: resModel,
            views: [
                [false, "list"],
                [false, "form"],
            ],
            domain,
            context: {},
        });
    }

    openFreshness() {
        const freshness = this.state.data.freshness;
        if (freshness.can_open) {
            return this.openRecords("scope3.outbox.event", freshness.domain, _t("Events to process"));
        }
    }

    /** The orders with lines still without a figure (waiting or never captured). */
    openWaiting() {
        const coverage = this.state.data.coverage;
        const ids = [
            ...coverage.pending.order_domain[0][2],
            ...coverage.not_captured.order_domain[0][2],
        ];
        if (ids.length) {
            return this.openRecords("purchase.order", [["id", "in", ids]], this.labels.waiting);
        }
    }

    openCard(card) {
        if (card.action) {
            return this.actionService.doAction(card.action);
        }
        if (card.res_model) {
            return this.openRecords(card.res_model, card.domain, card.name);
        }
    }
}

registry.category("actions").add("scope3_carbon.dashboard", Scope3Dashboard);
