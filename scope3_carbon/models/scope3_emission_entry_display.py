# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The calculation of an entry in words, rendered from its trace at display time.

The trace stores codes, numbers and ids; the steps, their labels and the warnings are
written here, in the reader's language, with numbers and dates in the reader's format.
"""

import json

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.misc import format_date, formatLang


class Scope3EmissionEntry(models.Model):
    # a separate file by design: display only, the ledger model is scope3_emission_entry.py
    _inherit = "scope3.emission.entry"  # pylint: disable=consider-merging-classes-inherited

    calculation_html = fields.Html(
        string="Calculation",
        compute="_compute_calculation_html",
        sanitize=False,  # built here from escaped values
        help="The calculation of the figure step by step, from its trace: each step with its "
        "value and its source, and the warnings the calculation recorded.",
    )
    calculation_warning_count = fields.Integer(
        string="Calculation Warnings", compute="_compute_calculation_html"
    )

    # measures of the analysis views: not stored (the ledger's columns are frozen), their
    # aggregates computed in SQL from the stored kg and DQ x kg (see _read_group_select)
    co2e_t = fields.Float(
        string="t CO2e",
        compute="_compute_co2e_t",
        digits=(16, 3),
        aggregator="sum",
        help="Tonnes of CO2e (the kg CO2e / 1,000).",
    )
    dq_weighted = fields.Float(
        string="Weighted DQ",
        compute="_compute_co2e_t",
        digits=(16, 2),
        aggregator="avg",
        help="Data quality score weighted by the kg CO2e, 1 (best) to 5: of a selection of "
        "entries, the sum of DQ x kg CO2e divided by the sum of kg CO2e (reversals count "
        "negatively, so the figure is that of the net inventory).",
    )

    @api.depends("stage", "co2e_kg", "is_reversal")
    @api.depends_context("lang")
    def _compute_display_name(self):
        """``S3E0000042 Commitment 1,998.373 kg``, in the reader's language (the stage's label
        and the number's format: ``S3E0000042 Engagement 1 998,373 kg`` in French)."""
        stages = dict(self._fields["stage"]._description_selection(self.env))
        for entry in self:
            prefix = self.env._("Reversal") if entry.is_reversal else stages.get(entry.stage)
            number = entry.id if isinstance(entry.id, int) else 0
            kg = formatLang(self.env, entry.co2e_kg, digits=3)
            entry.display_name = f"S3E{number:07d} {prefix} {kg} kg"

    @api.depends("co2e_kg", "dq_score")
    def _compute_co2e_t(self):
        for entry in self:
            entry.co2e_t = (entry.co2e_kg or 0.0) / 1000.0
            entry.dq_weighted = entry.dq_score

    def _read_group_select(self, aggregate_spec, query):
        if aggregate_spec == "co2e_t:sum":
            kg = self._field_to_sql(self._table, "co2e_kg", query)
            return SQL("SUM(%s) / 1000.0", kg)
        if aggregate_spec == "dq_weighted:avg":
            kg = self._field_to_sql(self._table, "co2e_kg", query)
            dq_kg = self._field_to_sql(self._table, "dq_weighted_kg", query)
            return SQL("SUM(%s) / NULLIF(SUM(%s), 0)", dq_kg, kg)
        return super()._read_group_select(aggregate_spec, query)

    @api.depends("trace")
    @api.depends_context("uid", "lang")
    def _compute_calculation_html(self):
        for entry in self:
            if not entry.trace_pretty:
                entry.calculation_html = False
                entry.calculation_warning_count = 0
                continue
            # the trace as the reader may see it (suppliers' inputs redacted for non-auditors)
            steps, warnings = entry._scope3_calculation_steps(json.loads(entry.trace_pretty))
            entry.calculation_warning_count = len(warnings)
            entry.calculation_html = entry._scope3_calculation_render(steps, warnings)

    # ------------------------------------------------------------------------------------
    def _scope3_num(self, value, digits=3):
        if value in (None, "", False):
            return "-"
        if isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                return value  # e.g. CONFIDENTIAL
        return formatLang(self.env, value, digits=digits)

    def _scope3_date(self, value):
        return format_date(self.env, value) if value else "-"

    def _scope3_calculation_steps(self, trace):
        """``([(label, value, source)], [warning])`` of a trace."""
        _ = self.env._
        steps, warnings = [], []
        method = trace.get("method")
        subject = trace.get("subject") or {}
        inputs = trace.get("inputs") or {}
        conversion = trace.get("conversion") or {}
        factor = trace.get("factor") or {}
        result = trace.get("result") or {}
        document = subject.get("document_name") or ""
        if method == "reversal":
            steps.append(
                (
                    _("Reversal"),
                    self._scope3_num(result.get("co2e_kg")) + " kg CO2e",
                    _("cancels the figure of the entry it reverses"),
                )
            )
        elif method == "allocation":
            steps.append(
                (
                    _("Share of a shared trip"),
                    self._scope3_num(inputs.get("total_co2e_kg")) + " kg CO2e",
                    _("allocated by %(keys)s", keys=", ".join(map(str, inputs.get("keys") or []))),
                )
            )
        elif method == "stated":
            steps.append(
                (
                    _("Stated figure"),
                    self._scope3_num(result.get("co2e_kg")) + " kg CO2e",
                    _("stated by the approver of the manual activity"),
                )
            )
        elif method == "spend_based":
            steps += self._scope3_spend_steps(inputs, conversion, result, document, warnings)
        elif method == "activity_based":
            steps.append(
                (
                    _("Quantity"),
                    f"{self._scope3_num(inputs.get('quantity'))} {inputs.get('unit') or ''}",
                    _(
                        "%(document)s, %(date)s",
                        document=document,
                        date=self._scope3_date(inputs.get("date")),
                    ),
                )
            )
            if conversion:
                steps.append(
                    (
                        _("In the factor's unit"),
                        self._scope3_num(result.get("quantity_in_factor_unit")),
                        _(
                            "x %(ratio)s (%(rule)s)",
                            ratio=self._scope3_num(conversion.get("to_factor_unit"), 6),
                            rule=conversion.get("rule") or "",
                        ),
                    )
                )
        if factor:
            factor_set = factor.get("set") or {}
            source = ", ".join(
                part
                for part in (
                    factor.get("title"),
                    factor.get("key") and _("key %(key)s", key=factor["key"]),
                    factor.get("region") and _("region %(region)s", region=factor["region"]),
                    " ".join(p for p in (factor_set.get("name"), factor_set.get("edition")) if p),
                    factor_set.get("publisher"),
                )
                if part
            )
            steps.append(
                (
                    _("Emission factor"),
                    f"{self._scope3_num(factor.get('value'), 6)} {factor.get('unit') or ''}",
                    source,
                )
            )
            if conversion.get("well_to_wheel"):
                steps.append((_("Well-to-wheel"), _("included"), _("well-to-tank factor added")))
        if trace.get("formula"):
            steps.append(
                (
                    _("Result"),
                    self._scope3_num(result.get("co2e_kg")) + " kg CO2e",
                    trace["formula"],
                )
            )
        basis = subject.get("basis") or {}
        if basis.get("fallback"):
            warnings.append(
                _(
                    "Market-based accounting: no supplier-specific or contractual factor, the "
                    "location-based factor is used."
                )
            )
        tried = [
            step.get("level")
            for step in subject.get("resolution_path") or []
            if not step.get("found")
        ]
        if tried:
            levels = dict(self._fields["resolution_level"]._description_selection(self.env))
            warnings.append(
                _(
                    "Not found first at: %(levels)s.",
                    levels=", ".join(levels.get(level, level or "") for level in tried),
                )
            )
        if trace.get("redacted"):
            warnings.append(_("The supplier's confidential inputs are hidden (auditors see them)."))
        quality = trace.get("data_quality") or {}
        if quality.get("score"):
            steps.append(
                (
                    _("Data quality"),
                    _("%(score)s (1 best - 5 worst)", score=quality["score"]),
                    _(
                        "technological %(technological)s, temporal %(temporal)s, geographical "
                        "%(geographical)s, completeness %(completeness)s, reliability "
                        "%(reliability)s; uncertainty %(uncertainty)s %%",
                        technological=quality.get("technological", "-"),
                        temporal=quality.get("temporal", "-"),
                        geographical=quality.get("geographical", "-"),
                        completeness=quality.get("completeness", "-"),
                        reliability=quality.get("reliability", "-"),
                        uncertainty=quality.get("uncertainty_pct", "-"),
                    ),
                )
            )
        return steps, warnings

    def _scope3_spend_steps(self, inputs, conversion, result, document, warnings):
        _ = self.env._
        steps = [
            (
                _("Amount spent"),
                f"{self._scope3_num(inputs.get('amount'), 2)} {inputs.get('currency') or ''}",
                _(
                    "%(document)s, %(date)s",
                    document=document,
                    date=self._scope3_date(inputs.get("date")),
                ),
            )
        ]
        if conversion.get("from") and conversion.get("from") != conversion.get("to"):
            steps.append(
                (
                    _("In the factor's currency"),
                    f"{self._scope3_num(result.get('spend_in_factor_currency'), 2)} "
                    f"{conversion.get('to') or ''}",
                    conversion.get("rule") or "",
                )
            )
        index = inputs.get("price_index")
        if index:
            steps.append(
                (
                    _("In the factor's price year"),
                    f"{self._scope3_num(result.get('spend_in_factor_price_year'), 2)} "
                    f"{conversion.get('to') or inputs.get('currency') or ''}",
                    _(
                        "%(index)s: x %(factor_index)s (%(factor_year)s) / %(spend_index)s "
                        "(%(spend_year)s)",
                        index=index.get("index") or "",
                        factor_index=self._scope3_num(index.get("factor_index")),
                        factor_year=index.get("factor_index_year") or "",
                        spend_index=self._scope3_num(index.get("spend_index")),
                        spend_year=index.get("spend_index_year") or "",
                    ),
                )
            )
            if index.get("spend_index_year") and index.get("spend_index_year") != index.get(
                "spend_year"
            ):
                warnings.append(
                    _(
                        "%(index)s of %(year)s missing: the value of %(used)s is used.",
                        index=index.get("index") or "",
                        year=index.get("spend_year"),
                        used=index.get("spend_index_year"),
                    )
                )
        return steps

    def _scope3_calculation_render(self, steps, warnings):
        rows = Markup("").join(
            Markup(
                '<tr class="o_scope3_calculation_step"><th class="text-nowrap">%s</th>'
                '<td class="text-end text-nowrap o_scope3_step_value">%s</td>'
                '<td class="text-muted small">%s</td></tr>'
            )
            % (escape(label), escape(value), escape(source))
            for label, value, source in steps
        )
        alerts = Markup("").join(
            Markup(
                '<div class="alert alert-warning py-1 mb-1 o_scope3_calculation_warning">%s</div>'
            )
            % escape(warning)
            for warning in warnings
        )
        return Markup(
            '<div class="o_scope3_calculation">%s<table class="table table-sm mb-0">'
            "<tbody>%s</tbody></table></div>"
        ) % (alerts, rows)
