# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Supplier confidentiality: the figures from which a confidential footprint could be
derived are not readable by non-auditors (design: ``readme/CONFIGURE.md``, "Supplier
confidentiality").

A supplier's product carbon footprint received under confidentiality
(``scope3.supplier.footprint.is_confidential``) is a figure per declared unit. The buyer
knows its own quantities, so any kg CO2e at a granularity where the quantity is known (an
entry, an activity, an order, bill or stock line, an order or bill total, an estimate, a
restatement line, a group by product, vendor, document or activity) gives the footprint by
division. For users without the Carbon Auditor group those figures are masked *at the
read boundary* of the ORM, where every client path passes:

- ``_read_format`` (``read``, ``search_read``, ``web_read``, ``web_search_read``, the
  forms and lists) and ``_export_rows`` (export) give ``False`` for the masked fields of a
  confidential row;
- ``_field_to_sql`` (search domains and ``order``) reads a confidential row's masked
  column as ``NULL``: a ``co2e_kg > x`` search never matches it (nor its negation depends
  on ``x``), sorting places it with the empty values: no bisection;
- ``_read_group`` (``read_group``, ``web_read_group``, pivot, graph, grouped lists): a
  group that contains a confidential row has no figure, unless both the groupby and the
  domain are coarse (category, period, company, basis, stage, method, ...): the inventory
  totals;
- non-stored figures (estimates, document totals, display names, calculation traces) are
  masked where they are computed, for the reading user.

Superuser environments (``sudo()``: the ledger's own computations, the cron, the
inventory's sums) are not affected.

This module overrides methods of the display modules (e.g. the order's ledger figures): it
is imported last by ``models/__init__.py`` and must not be imported at module level by a
module loaded before it (its classes would then come below the ones they override).
"""

import json
from datetime import timedelta

from odoo import api, fields, models
from odoo.models import parse_read_group_spec
from odoo.tools import SQL

from ..core import trace as trace_core

AUDITOR_GROUP = "scope3_carbon.group_scope3_auditor"

#: trace keys holding a figure from which a confidential footprint can be derived
_TRACE_FIGURE_KEYS = {
    "result": ("co2e_kg", "quantity_in_factor_unit"),
    "conversion": ("quantity", "to_factor_unit", "rule"),
    "inputs": ("total_co2e_kg", "co2e_kg"),
}


def redact_confidential_figures(trace):
    """Copy of a trace without what gives a confidential footprint: the supplier's inputs
    (``core.trace.redact_supplier_inputs``) and the figures (result, quantity in the
    declared unit), for entries whose footprint is confidential (reversals included)."""
    redacted = trace_core.redact_supplier_inputs(trace)
    for section, keys in _TRACE_FIGURE_KEYS.items():
        values = redacted.get(section)
        if isinstance(values, dict):
            for key in keys:
                if key in values:
                    values[key] = trace_core.CONFIDENTIAL
    redacted.pop("total", None)
    redacted["redacted"] = True
    return redacted


def is_auditor(env):
    """Whether the user of ``env`` reads confidential figures (Auditor or Manager)."""
    return env.user.has_group(AUDITOR_GROUP)


def hidden(env):
    """Whether confidential figures are masked in ``env`` (not superuser, not auditor)."""
    return not env.su and not is_auditor(env)


def withheld(env):
    """Whether the totals a non-auditor reads leave confidential figures out (a setting of
    the companies of ``env``: "Withhold confidential figures from totals")."""
    return hidden(env) and any(env.companies.mapped("scope3_withhold_confidential"))


def confidential_footprints_sql(env):
    """SQL subquery of the ids of the confidential footprints."""
    Footprint = env["scope3.supplier.footprint"]
    return SQL(
        "SELECT f.id FROM scope3_supplier_footprint f WHERE %s IS TRUE",
        SQL.identifier("f", "is_confidential", to_flush=Footprint._fields["is_confidential"]),
    )


def _column(env, model, alias, fname):
    return SQL.identifier(alias, fname, to_flush=env[model]._fields[fname])


def entry_confidential_sql(env, alias):
    """Condition: the entry of ``alias`` uses a confidential footprint."""
    return SQL(
        "%s IN (%s)",
        _column(env, "scope3.emission.entry", alias, "supplier_footprint_id"),
        confidential_footprints_sql(env),
    )


def entries_exist_sql(env, link, target):
    """Condition: a confidential entry whose ``link`` column equals ``target`` exists."""
    return SQL(
        "EXISTS (SELECT 1 FROM scope3_emission_entry ce WHERE %s = %s AND %s)",
        _column(env, "scope3.emission.entry", "ce", link),
        target,
        entry_confidential_sql(env, "ce"),
    )


class Scope3ConfidentialMixin(models.AbstractModel):
    """Masks ``_scope3_confidential_fields`` of confidential rows for non-auditors."""

    _name = "scope3.confidential.mixin"
    _description = "Scope 3 Supplier Confidentiality"

    #: stored figures masked on confidential rows
    _scope3_confidential_fields = ()
    #: groupbys (and domain fields) over which a sum may include confidential rows
    _scope3_coarse_fields = ("company_id",)

    scope3_confidential = fields.Boolean(
        string="Confidential Figure",
        compute="_compute_scope3_confidential",
        help="The figure derives from a supplier's footprint received under confidentiality: "
        "only Carbon Auditors and Managers see it.",
    )

    scope3_confidential_label = fields.Selection(
        [("confidential", "Confidential")],
        string="Confidentiality",
        compute="_compute_scope3_confidential_label",
        help="Shown instead of the kg CO2e derived from a supplier's footprint received under "
        "confidentiality (Carbon Auditors and Managers see the figure).",
    )

    @api.depends_context("uid")
    def _compute_scope3_confidential(self):
        confidential = set() if is_auditor(self.env) else self._scope3_confidential_ids()
        for record in self:
            record.scope3_confidential = record._origin.id in confidential

    @api.depends("scope3_confidential")
    @api.depends_context("uid")
    def _compute_scope3_confidential_label(self):
        for record in self:
            record.scope3_confidential_label = record.scope3_confidential and "confidential"

    # ------------------------------------------------------------------------------------
    def _scope3_confidential_sql(self, alias):
        """SQL condition: the row of ``alias`` is confidential (to override)."""
        return SQL("FALSE")

    def _scope3_confidential_ids(self):
        """Ids of the records of ``self`` whose figures are confidential (facts, whoever
        reads)."""
        ids = tuple({record._origin.id for record in self if record._origin.id})
        if not ids:
            return set()
        rows = self.env.execute_query(
            SQL(
                "SELECT r.id FROM %s AS r WHERE r.id IN %s AND (%s)",
                SQL.identifier(self._table),
                ids,
                self._scope3_confidential_sql("r"),
            )
        )
        return {row[0] for row in rows}

    def _scope3_hidden(self):
        return hidden(self.env)

    def _scope3_mask_computed(self, values):
        """Give the confidential records of ``self`` these ``values`` for a non-auditor:
        the computed figures from which a confidential footprint could be derived."""
        if is_auditor(self.env):
            return
        confidential = self._scope3_confidential_ids()
        for record in self:
            if record._origin.id in confidential:
                record.update(values)

    # ------------------------------------------------------------------------------------
    # read, search_read, web_read, web_search_read
    # ------------------------------------------------------------------------------------
    def _read_format(self, fnames, load="_classic_read"):
        result = super()._read_format(fnames, load=load)
        masked = [name for name in self._scope3_confidential_fields if name in fnames]
        if masked and result and self._scope3_hidden():
            confidential = self.browse([vals["id"] for vals in result])._scope3_confidential_ids()
            for vals in result:
                if vals["id"] in confidential:
                    vals.update(dict.fromkeys(masked, False))
        return result

    # ------------------------------------------------------------------------------------
    # export
    # ------------------------------------------------------------------------------------
    def _export_rows(self, fields, *, _is_toplevel_call=True):
        columns = [
            index
            for index, path in enumerate(fields)
            if len(path) == 1 and path[0] in self._scope3_confidential_fields
        ]
        if not columns or not self._scope3_hidden():
            return super()._export_rows(fields, _is_toplevel_call=_is_toplevel_call)
        confidential = self._scope3_confidential_ids()
        if not confidential:
            return super()._export_rows(fields, _is_toplevel_call=_is_toplevel_call)
        # record by record: a record's own (scalar) values are in its first row, the
        # following rows carry its one2many lines
        rows = []
        for record in self:
            record_rows = super(Scope3ConfidentialMixin, record)._export_rows(
                fields, _is_toplevel_call=_is_toplevel_call
            )
            if record.id in confidential and record_rows:
                for index in columns:
                    record_rows[0][index] = False
            rows += record_rows
        return rows

    # ------------------------------------------------------------------------------------
    # search domains and order
    # ------------------------------------------------------------------------------------
    def _fetch_query(self, query, fields):
        # the values fetched into the cache are the stored ones (the cache is shared by
        # every user of the transaction): masking is done when they are read out
        if not self._scope3_confidential_fields or not self._scope3_hidden():
            return super()._fetch_query(query, fields)
        raw = self.with_context(scope3_raw_figures=True)
        return super(Scope3ConfidentialMixin, raw)._fetch_query(query, fields).with_env(self.env)

    def _field_to_sql(self, alias, fname, query=None, flush=True):
        sql = super()._field_to_sql(alias, fname, query, flush)
        if (
            fname in self._scope3_confidential_fields
            and not self.env.context.get("scope3_raw_figures")
            and self._scope3_hidden()
        ):
            return SQL(
                "(CASE WHEN %s THEN NULL ELSE %s END)", self._scope3_confidential_sql(alias), sql
            )
        return sql

    # ------------------------------------------------------------------------------------
    # read_group, web_read_group
    # ------------------------------------------------------------------------------------
    def _scope3_coarse(self, domain, groupby):
        """Whether every groupby and every field of the domain is coarse."""
        coarse = set(self._scope3_coarse_fields)
        for spec in groupby:
            if parse_read_group_spec(spec)[0] not in coarse:
                return False
        for leaf in domain or ():
            if isinstance(leaf, list | tuple) and len(leaf) == 3:
                if str(leaf[0]).split(".", 1)[0] not in coarse:
                    return False
        return True

    @api.model
    def _read_group(
        self, domain, groupby=(), aggregates=(), having=(), offset=0, limit=None, order=None
    ):
        records = self
        if self._scope3_confidential_fields and self._scope3_hidden():
            records = self.with_context(scope3_mask_groups=not self._scope3_coarse(domain, groupby))
        return super(Scope3ConfidentialMixin, records)._read_group(
            domain,
            groupby,
            aggregates,
            having=having,
            offset=offset,
            limit=limit,
            order=order,
        )

    def _read_group_select(self, aggregate_spec, query):
        if aggregate_spec == "__count":
            return super()._read_group_select(aggregate_spec, query)
        fname = parse_read_group_spec(aggregate_spec)[0]
        if fname not in self._scope3_confidential_fields or not self._scope3_hidden():
            return super()._read_group_select(aggregate_spec, query)
        # the aggregate over the raw column: confidential rows included in coarse sums
        raw = super(Scope3ConfidentialMixin, self.with_context(scope3_raw_figures=True))
        sql = raw._read_group_select(aggregate_spec, query)
        if not self.env.context.get("scope3_mask_groups", True):
            if withheld(self.env):
                # the company withholds them from every total a non-auditor reads
                return super()._read_group_select(aggregate_spec, query)
            return sql
        return SQL(
            "(CASE WHEN bool_or(%s) THEN NULL ELSE %s END)",
            self._scope3_confidential_sql(self._table),
            sql,
        )


class ResCompany(models.Model):
    _inherit = "res.company"  # pylint: disable=consider-merging-classes-inherited

    scope3_withhold_confidential = fields.Boolean(
        string="Withhold Confidential Figures from Totals",
        default=True,
        help="On (the default): the totals a non-auditor reads (inventory report, dashboard, "
        "pivot by category or month) leave out the figures of footprints received under "
        "confidentiality (the report says how many entries are withheld), so that no total "
        "minus the other entries gives them; auditors' totals are complete. Off: those "
        "totals include them, and a non-auditor who reads every other entry of a total can "
        "subtract them.",
    )


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"  # pylint: disable=consider-merging-classes-inherited

    scope3_withhold_confidential = fields.Boolean(
        related="company_id.scope3_withhold_confidential", readonly=False
    )


# ----------------------------------------------------------------------------------------
# The ledger and its activities
# ----------------------------------------------------------------------------------------
class Scope3EmissionEntry(models.Model):
    # no stored column: the ledger is append-only (trigger, hash chain)
    _name = "scope3.emission.entry"
    _inherit = ["scope3.emission.entry", "scope3.confidential.mixin"]

    _scope3_confidential_fields = ("co2e_kg", "dq_weighted_kg")
    _scope3_coarse_fields = (
        "company_id",
        "category_id",
        "date",
        "basis",
        "stage",
        "method",
        "resolution_level",
        "dq_score",
        "factor_set_id",
        "is_reversal",
        "state",
    )

    def _scope3_confidential_sql(self, alias):
        return entry_confidential_sql(self.env, alias)

    @api.depends("supplier_footprint_id.is_confidential")
    def _compute_scope3_confidential(self):
        return super()._compute_scope3_confidential()

    @api.depends("supplier_footprint_id.is_confidential")
    @api.depends_context("uid")
    def _compute_display_name(self):
        super()._compute_display_name()
        if is_auditor(self.env):
            return
        confidential = self._scope3_confidential_ids()
        for entry in self.filtered(lambda e: e.id in confidential):
            # the name without the figure: "S3E0000042 Commitment confidential"
            name = entry.display_name.rsplit(" ", 2)[0]
            entry.display_name = f"{name} {self.env._('confidential')}"

    @api.depends("supplier_footprint_id.is_confidential")
    def _compute_trace_pretty(self):
        """Without the Auditor right, a confidential footprint's entries show no figure
        (reversals included); a footprint that is not confidential shows the whole
        calculation, as its figures are readable anyway."""
        super()._compute_trace_pretty()
        if is_auditor(self.env):
            return
        entries = self.filtered("trace")
        confidential = entries._scope3_confidential_ids()
        for entry in entries:
            if entry.id in confidential:
                trace = redact_confidential_figures(json.loads(entry.trace))
            elif entry.supplier_footprint_id:
                trace = json.loads(entry.trace)
            else:
                continue
            entry.trace_pretty = json.dumps(trace, indent=2, sort_keys=True, ensure_ascii=False)


class Scope3Activity(models.Model):
    _name = "scope3.activity"
    _inherit = ["scope3.activity", "scope3.confidential.mixin"]

    _scope3_confidential_fields = ("co2e_kg",)
    _scope3_coarse_fields = (
        "company_id",
        "category_id",
        "date",
        "state",
        "source_type",
        "resolution_level",
        "dq_score",
    )

    def _scope3_confidential_sql(self, alias):
        return entries_exist_sql(self.env, "activity_id", SQL.identifier(alias, "id"))


# ----------------------------------------------------------------------------------------
# Purchase orders, bills, vendors, products
# ----------------------------------------------------------------------------------------
def _active_confidential_pairs(env, keys):
    """``{(company id, date, commercial partner id, product id)}`` among ``keys`` for
    which an active confidential footprint is valid (what an estimate would use)."""
    Footprint = env["scope3.supplier.footprint"].sudo()
    found = set()
    by_day = {}
    for company_id, day, partner_id, product_id in keys:
        by_day.setdefault((company_id, day), set()).add((partner_id, product_id))
    for (company_id, day), pairs in by_day.items():
        footprints = Footprint.search(
            [
                ("company_id", "=", company_id),
                ("status", "=", "active"),
                ("is_confidential", "=", True),
                ("product_id", "in", [product for __, product in pairs]),
                ("partner_id.commercial_partner_id", "in", [partner for partner, __ in pairs]),
                ("valid_from", "<=", day),
                "|",
                ("valid_to", "=", False),
                ("valid_to", ">=", day),
            ]
        )
        for footprint in footprints:
            pair = (footprint.partner_id.commercial_partner_id.id, footprint.product_id.id)
            if pair in pairs:
                found.add((company_id, day, *pair))
    return found


class PurchaseOrderLine(models.Model):
    _name = "purchase.order.line"
    _inherit = ["purchase.order.line", "scope3.confidential.mixin"]

    _scope3_confidential_fields = ("scope3_co2e_kg",)
    _scope3_coarse_fields = ("company_id", "state")

    scope3_estimate_confidential = fields.Boolean(
        string="Confidential Estimate",
        compute="_compute_scope3_estimate",
        compute_sudo=True,
        help="The estimate uses a supplier's footprint received under confidentiality: only "
        "Carbon Auditors and Managers see it.",
    )

    @api.depends("scope3_confidential", "scope3_estimate_confidential")
    @api.depends_context("uid")
    def _compute_scope3_confidential_label(self):
        for line in self:
            hidden = line.scope3_confidential or line.scope3_estimate_confidential
            line.scope3_confidential_label = hidden and "confidential"

    def _scope3_confidential_sql(self, alias):
        return SQL(
            "EXISTS (SELECT 1 FROM scope3_activity ca WHERE %s = %s AND %s)",
            _column(self.env, "scope3.activity", "ca", "purchase_line_id"),
            SQL.identifier(alias, "id"),
            entries_exist_sql(self.env, "activity_id", SQL.identifier("ca", "id")),
        )

    @api.depends_context("uid")
    def _compute_scope3_estimate(self):
        super()._compute_scope3_estimate()
        self.scope3_estimate_confidential = False
        if is_auditor(self.env):
            return
        keys = {}
        for line in self:
            if line.scope3_estimate_kg and line.product_id and line.order_id.date_order:
                company = line.company_id or line.order_id.company_id or self.env.company
                keys[line] = (
                    company.id,
                    line.order_id.date_order.date(),
                    line.order_id.partner_id.commercial_partner_id.id,
                    line.product_id.id,
                )
        confidential = _active_confidential_pairs(self.env, set(keys.values()))
        for line, key in keys.items():
            if key in confidential:
                line.scope3_estimate_kg = 0.0
                line.scope3_estimate_confidential = True


class PurchaseOrder(models.Model):
    _name = "purchase.order"
    _inherit = ["purchase.order", "scope3.confidential.mixin"]

    _scope3_confidential_fields = ("scope3_co2e_kg",)
    _scope3_coarse_fields = ("company_id", "state")

    scope3_estimate_confidential = fields.Boolean(
        string="Confidential Estimate", compute="_compute_scope3_estimate_kg", compute_sudo=True
    )

    def _scope3_confidential_sql(self, alias):
        return entries_exist_sql(self.env, "purchase_order_id", SQL.identifier(alias, "id"))

    @api.depends("scope3_confidential", "scope3_estimate_confidential")
    @api.depends_context("uid")
    def _compute_scope3_confidential_label(self):
        for order in self:
            hidden = order.scope3_confidential or order.scope3_estimate_confidential
            order.scope3_confidential_label = hidden and "confidential"

    @api.depends("order_line.scope3_estimate_confidential")
    @api.depends_context("uid")
    def _compute_scope3_estimate_kg(self):
        res = super()._compute_scope3_estimate_kg()
        for order in self:
            # a total with a confidential line gives it by difference (a one-line order)
            order.scope3_estimate_confidential = any(
                order.order_line.mapped("scope3_estimate_confidential")
            )
            if order.scope3_estimate_confidential:
                order.scope3_estimate_kg = 0.0
        return res

    @api.depends_context("uid")
    def _compute_scope3_ledger(self):
        res = super()._compute_scope3_ledger()
        self._scope3_mask_computed({"scope3_lines_kg": 0.0, "scope3_ledger_kg": 0.0})
        return res


class AccountMoveLine(models.Model):
    _name = "account.move.line"
    _inherit = ["account.move.line", "scope3.confidential.mixin"]

    def _scope3_confidential_sql(self, alias):
        return entries_exist_sql(self.env, "account_move_line_id", SQL.identifier(alias, "id"))

    @api.depends_context("uid")
    def _compute_scope3_co2e_kg(self):
        res = super()._compute_scope3_co2e_kg()
        self._scope3_mask_computed({"scope3_co2e_kg": 0.0})
        return res


class AccountMove(models.Model):
    _name = "account.move"
    _inherit = ["account.move", "scope3.confidential.mixin"]

    def _scope3_confidential_sql(self, alias):
        return entries_exist_sql(self.env, "account_move_id", SQL.identifier(alias, "id"))

    @api.depends_context("uid")
    def _compute_scope3_co2e_kg(self):
        res = super()._compute_scope3_co2e_kg()
        self._scope3_mask_computed({"scope3_co2e_kg": 0.0})
        return res


class ResPartner(models.Model):
    _inherit = "res.partner"  # pylint: disable=consider-merging-classes-inherited

    scope3_co2e_confidential = fields.Boolean(
        string="Confidential kg CO2e",
        compute="_compute_scope3_co2e_12m_kg",
        help="The vendor's figure includes a footprint received under confidentiality: only "
        "Carbon Auditors and Managers see it.",
    )

    @api.depends_context("uid")
    def _compute_scope3_co2e_12m_kg(self):
        super()._compute_scope3_co2e_12m_kg()
        self.scope3_co2e_confidential = False
        if is_auditor(self.env):
            return
        since = fields.Date.context_today(self) - timedelta(days=365)
        commercial = self.commercial_partner_id
        entries = (
            self.env["scope3.emission.entry"]
            .sudo()
            .search(
                [
                    ("partner_id.commercial_partner_id", "in", commercial.ids),
                    ("date", ">", since),
                    ("company_id", "in", self.env.companies.ids),
                    ("supplier_footprint_id.is_confidential", "=", True),
                ]
            )
        )
        confidential = set(entries.partner_id.commercial_partner_id.ids)
        for partner in self:
            if partner.commercial_partner_id.id in confidential:
                partner.scope3_co2e_12m_kg = 0.0
                partner.scope3_co2e_confidential = True


class ProductTemplate(models.Model):
    _inherit = "product.template"  # pylint: disable=consider-merging-classes-inherited

    scope3_unit_estimate_confidential = fields.Boolean(
        string="Confidential Estimate",
        compute="_compute_scope3_unit_estimate",
        compute_sudo=True,
        help="The per-unit estimate is a supplier's footprint received under "
        "confidentiality: only Carbon Auditors and Managers see it.",
    )

    @api.depends_context("uid")
    def _compute_scope3_unit_estimate(self):
        super()._compute_scope3_unit_estimate()
        self.scope3_unit_estimate_confidential = False
        if is_auditor(self.env):
            return
        today = fields.Date.context_today(self)
        company = self.env.company
        keys = {
            template: (
                company.id,
                today,
                template.seller_ids[:1].partner_id.commercial_partner_id.id,
                template.product_variant_id.id,
            )
            for template in self
            if template.scope3_unit_estimate_kg and template.product_variant_id
        }
        confidential = _active_confidential_pairs(self.env, set(keys.values()))
        for template, key in keys.items():
            if key in confidential:
                template.scope3_unit_estimate_kg = 0.0
                template.scope3_unit_estimate_confidential = True


# ----------------------------------------------------------------------------------------
# Restatements
# ----------------------------------------------------------------------------------------
class Scope3Restatement(models.Model):
    _name = "scope3.restatement"
    _inherit = ["scope3.restatement", "scope3.confidential.mixin"]

    _scope3_confidential_fields = (
        "current_kg",
        "restated_kg",
        "delta_kg",
        "reference_kg",
        "delta_pct",
    )
    _scope3_coarse_fields = ("company_id", "state", "trigger")

    def _scope3_confidential_sql(self, alias):
        """A restatement that accepts a confidential footprint, or changes an activity with
        a confidential figure: its totals give them by difference with its other lines."""
        return SQL(
            "(%s IN (%s) OR EXISTS (SELECT 1 FROM scope3_restatement_line rl WHERE %s = %s "
            "AND %s))",
            SQL.identifier(alias, "supplier_footprint_id"),
            confidential_footprints_sql(self.env),
            _column(self.env, "scope3.restatement.line", "rl", "restatement_id"),
            SQL.identifier(alias, "id"),
            entries_exist_sql(self.env, "activity_id", SQL.identifier("rl", "activity_id")),
        )

    def _scope3_summary(self):
        """The chatter's summary is read by whoever reads the restatement: without its
        figures when they derive from a confidential footprint (auditors read them on the
        restatement itself)."""
        self.ensure_one()
        if not self.line_count or not self._scope3_confidential_ids():
            return super()._scope3_summary()
        return self.env._(
            "Computed: %(activities)s activities change. The figures derive from a supplier's "
            "footprint received under confidentiality: Carbon Auditors and Managers read "
            "them on the restatement.",
            activities=self.activity_count,
        )


class Scope3RestatementLine(models.Model):
    _name = "scope3.restatement.line"
    _inherit = ["scope3.restatement.line", "scope3.confidential.mixin"]

    _scope3_confidential_fields = ("current_kg", "restated_kg", "delta_kg")
    _scope3_coarse_fields = ("company_id", "category_id", "stage", "date", "period", "state")

    def _scope3_confidential_sql(self, alias):
        """A line of an activity with a confidential figure, or of a restatement that
        accepts a confidential footprint (its restated figure is that footprint's)."""
        return SQL(
            "(%s OR EXISTS (SELECT 1 FROM scope3_restatement cr WHERE cr.id = %s AND "
            "cr.supplier_footprint_id IN (%s)))",
            entries_exist_sql(self.env, "activity_id", SQL.identifier(alias, "activity_id")),
            SQL.identifier(alias, "restatement_id"),
            confidential_footprints_sql(self.env),
        )


class Scope3PeriodClose(models.Model):
    _name = "scope3.period.close"
    _inherit = ["scope3.period.close", "scope3.confidential.mixin"]

    _scope3_confidential_fields = ("co2e_kg",)
    _scope3_coarse_fields = ("company_id", "state", "date_from", "date_to")

    def _scope3_confidential_sql(self, alias):
        """A period total is an aggregate over a period: readable, unless the company
        withholds confidential figures from non-auditors' totals and the period has some."""
        if not withheld(self.env):
            return SQL("FALSE")
        return SQL(
            "EXISTS (SELECT 1 FROM scope3_emission_entry ce WHERE %s = %s AND %s <= %s "
            "AND (%s IS NULL OR %s >= %s) AND %s)",
            _column(self.env, "scope3.emission.entry", "ce", "company_id"),
            SQL.identifier(alias, "company_id"),
            _column(self.env, "scope3.emission.entry", "ce", "date"),
            SQL.identifier(alias, "date_to"),
            SQL.identifier(alias, "date_from"),
            _column(self.env, "scope3.emission.entry", "ce", "date"),
            SQL.identifier(alias, "date_from"),
            entry_confidential_sql(self.env, "ce"),
        )
