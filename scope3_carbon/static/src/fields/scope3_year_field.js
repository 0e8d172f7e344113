/** @odoo-module **/
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import { _t } from "@web/core/l10n/translation";
import { registry } from "@web/core/registry";
import { IntegerField, integerField } from "@web/views/fields/integer/integer_field";

/**
 * A year kept in an Integer field: shown as 2022, never "2,022" or "2 022", and empty when
 * it is not set (Odoo stores an unset Integer as 0: "Base year 0" would read as a year).
 */
export class Scope3YearField extends IntegerField {
    get formattedValue() {
        return this.value ? String(this.value) : "";
    }
}

registry.category("fields").add("scope3_year", {
    ...integerField,
    component: Scope3YearField,
    displayName: _t("Year"),
});
