# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from ..core import calculation
from ..core.conversion import to_decimal
from .scope3_factor_set import changed_field_names

#: the fields ``_scope3_factor_input`` reads: fetched with the factors a batch resolves to
FACTOR_INPUT_FIELDS = [
    "set_id",
    "key_type",
    "key",
    "name",
    "value",
    "value_without_margins",
    "unit",
    "uom_id",
    "uom_code",
    "wtt_factor_id",
    "basis",
    "data_year",
    "region",
]


class Scope3Factor(models.Model):
    """One row of a factor set: kg CO2e per unit of activity or spend for one key."""

    _name = "scope3.factor"
    _description = "Scope 3 Emission Factor"
    _order = "set_id, key_type, key"
    _rec_names_search = ["key", "name"]

    set_id = fields.Many2one(
        "scope3.factor.set",
        string="Factor Set",
        required=True,
        ondelete="cascade",
        index=True,
    )
    set_state = fields.Selection(related="set_id.state", string="Set State")
    company_id = fields.Many2one(related="set_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="set_id.currency_id")
    key_type = fields.Selection(
        [
            ("naics", "NAICS-6 code"),
            ("desnz", "DESNZ conversion factor"),
            ("epa_hub", "EPA Hub table row"),
            ("grid", "Electricity grid"),
            ("manual", "Manual"),
        ],
        required=True,
        default="naics",
        help="What the key identifies.",
    )
    key = fields.Char(required=True, index=True)
    name = fields.Char(string="Title", required=True)
    value = fields.Float(
        required=True,
        digits=0,  # exact numeric: the value as published, never rounded
        help="kg CO2e per unit (for spend-based sets: per currency unit of the set's price "
        "year, purchaser price when margins are included).",
    )
    value_without_margins = fields.Float(
        digits=0, help="Cradle to the producer's gate, without transport and trade margins."
    )
    margin_value = fields.Float(digits=0, help="Emissions of transport and trade margins.")
    unit = fields.Char(required=True, help="Unit as published, e.g. kg CO2e/2022 USD.")
    uom_code = fields.Char(
        string="Unit Code",
        help="Normalised denominator: usd, kg, t, km, t.km, kwh, litre, passenger.km, ...",
    )
    uom_id = fields.Many2one(
        "uom.uom", string="Unit of Measure", help="Odoo unit the factor is expressed per."
    )
    reference_code = fields.Char(help="Publisher's own reference (e.g. USEEIO code).")
    gas_values = fields.Json(help="Per-gas values as published (see Gas Unit).")
    gas_unit = fields.Char()
    scope = fields.Char(help="Scope the publisher files the factor under (DESNZ, EPA Hub).")
    scope3_boundary = fields.Selection(
        [
            ("scope3", "Scope 3 factor"),
            ("proxy", "Scope 1/2 factor"),
            ("outside", "Outside of scopes"),
        ],
        string="Scope 3 Boundary",
        compute="_compute_scope3_boundary",
        store=True,
        index=True,
        help="Scope 3 factor: the publisher files it under Scope 3 (well-to-tank, T&D losses, "
        "freight, travel, waste, materials; spend-based EEIO factors). Scope 1/2 factor: "
        "direct combustion or generation; in a Scope 3 category only as a supplier's own "
        "fuel or electricity use (fuel-based freight, purchased energy of leased assets). "
        "Outside of scopes: biogenic CO2, reported separately, never in a total.",
    )
    level_1 = fields.Char()
    level_2 = fields.Char()
    level_3 = fields.Char()
    level_4 = fields.Char()
    column_text = fields.Char()
    category_hint = fields.Selection(
        [
            ("freight", "Freight"),
            ("fuel", "Fuel"),
            ("electricity", "Electricity"),
            ("electricity_td", "Electricity T&D"),
            ("material", "Material"),
            ("waste", "Waste"),
            ("travel", "Travel"),
            ("wtt", "Well-to-tank"),
            ("spend", "Spend (EEIO)"),
            ("other", "Other"),
        ],
        index=True,
    )
    is_wtt = fields.Boolean(string="Well-to-Tank")
    wtt_factor_id = fields.Many2one(
        "scope3.factor",
        string="Well-to-Tank Companion",
        help="Upstream (well-to-tank) factor added when well-to-wheel is asked for.",
    )
    basis = fields.Selection(
        [("location", "Location-based"), ("market", "Market-based")], default="location"
    )
    region = fields.Char(help="Country (ISO 3166 alpha-3) or grid region the factor describes.")
    data_year = fields.Integer(help="Year of the underlying data, when it differs per row.")

    _sql_constraints = [
        (
            "key_uniq",
            "unique(set_id, key_type, key)",
            "A factor set holds one factor per key.",
        ),
        ("value_positive", "CHECK(value >= 0)", "Emission factors cannot be negative."),
    ]

    @api.depends("scope", "category_hint", "is_wtt", "set_id.factor_type")
    def _compute_scope3_boundary(self):
        scope3_kinds = ("freight", "travel", "waste", "material", "wtt", "electricity_td")
        for factor in self:
            scope = (factor.scope or "").strip().lower()
            if scope.startswith("outside"):
                factor.scope3_boundary = "outside"
            elif (
                scope == "scope 3"
                or factor.is_wtt
                or factor.set_id.factor_type == "spend"
                or (not scope and factor.category_hint in scope3_kinds)
                # a factor of no published scope (typed or imported by the company)
                or (not scope and not factor.category_hint)
            ):
                factor.scope3_boundary = "scope3"
            else:
                factor.scope3_boundary = "proxy"

    @api.depends("key", "name", "set_id.edition")
    def _compute_display_name(self):
        for factor in self:
            factor.display_name = f"{factor.key} {factor.name} ({factor.set_id.edition})"

    def _scope3_check_draft_sets(self, sets):
        frozen = sets.filtered(lambda s: s.state != "draft")
        if frozen:
            raise UserError(
                self.env._(
                    "Factor set %(set)s is %(state)s: its factors can no longer be added, "
                    "changed or removed.",
                    set=frozen[0].display_name,
                    state=frozen[0].state,
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        set_ids = {vals.get("set_id") for vals in vals_list}
        self._scope3_check_draft_sets(self.env["scope3.factor.set"].browse(set_ids))
        return super().create(vals_list)

    def write(self, vals):
        frozen = self.filtered(lambda f: f.set_id.state != "draft")
        changed = changed_field_names(frozen, vals) if frozen else set()
        if changed == {"uom_id"} and not frozen.filtered("uom_id"):
            # attaching the Odoo unit of a published unit text that had none (a unit added
            # after the set was frozen, e.g. room.night on a module update) changes no
            # number: it only makes the factor usable for quantity conversions
            changed = set()
        if changed:
            self._scope3_check_draft_sets(frozen.set_id)
        if "set_id" in vals and any(f.set_id.id != vals["set_id"] for f in self):
            # moving rows into another set: only into a draft
            self._scope3_check_draft_sets(self.env["scope3.factor.set"].browse(vals["set_id"]))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_only_draft(self):
        self._scope3_check_draft_sets(self.set_id)

    def _scope3_lookup(self, factor_set, key_type, keys):
        """Factors of ``factor_set`` for ``keys``, as a dict key -> factor."""
        if not keys:
            return {}
        factors = self.search_fetch(
            [
                ("set_id", "=", factor_set.id),
                ("key_type", "=", key_type),
                ("key", "in", list(keys)),
            ],
            FACTOR_INPUT_FIELDS,
            order="id",  # one row per key in a set: no join for the set's order
        )
        return {factor.key: factor for factor in factors}

    @api.model
    def _scope3_candidates(self, company, date, items):
        """Ordered factor candidates of each item; the first usable one wins.

        Resolution chain: supplier-specific footprint (active, valid on ``date``, for the
        vendor and product) -> product factor (activity factor of the product, then its
        NAICS code) -> nearest product-category NAICS code -> first matching mapping rule
        -> company default NAICS code. NAICS codes are looked up in the spend-based set
        that applies on ``date``; a code the set does not hold is recorded as not found.

        :param list[dict] items: ``product``, ``partner``, ``account`` (records, possibly
            empty) and ``operation`` of each activity
        :return: ``(spend_set, [(candidates, path, rule), ...])`` aligned with ``items``; a
            candidate is a dict with ``level``, ``kind`` (``activity``/``spend``) and
            ``factor`` or ``footprint`` (and ``rule`` for the rule level); ``path``
            lists the levels tried that found nothing, for the trace; ``rule`` is the
            matching mapping rule (its category applies whatever level gives the factor)
        """
        factor_set = self.env["scope3.factor.set"]._scope3_spend_set_for(company, date)
        products = self.env["product.product"].union(*[i["product"] for i in items])
        categ_codes = products.categ_id._scope3_first_in_chain("scope3_naics_code")
        rules = self.env["scope3.mapping.rule"]._scope3_match(company, items)
        footprints = self.env["scope3.supplier.footprint"]._scope3_active_for(
            company,
            date,
            {(i["partner"].commercial_partner_id, i["product"]) for i in items if i["product"]},
        )
        wanted = []  # (level, naics code, rule) per item, in chain order
        for item, rule in zip(items, rules, strict=True):
            product = item["product"]
            levels = []
            if product.scope3_naics_code:
                levels.append(("product", product.scope3_naics_code, None))
            if categ_codes.get(product.categ_id):
                levels.append(("product_category", categ_codes[product.categ_id], None))
            if rule and (rule.naics_code or rule.method == "activity"):
                levels.append(("rule", rule.naics_code, rule))
            if company.scope3_default_naics_code:
                levels.append(("company_default", company.scope3_default_naics_code, None))
            wanted.append(levels)
        spend_factors = {}
        if factor_set:
            keys = {code for levels in wanted for _lvl, code, _rule in levels if code}
            spend_factors = self._scope3_lookup(factor_set, "naics", keys)
        result = []
        for item, levels, matched_rule in zip(items, wanted, rules, strict=True):
            product = item["product"]
            candidates, path = [], []
            footprint = footprints.get((item["partner"].commercial_partner_id, product))
            if footprint:
                candidates.append({"level": "supplier", "kind": "activity", "footprint": footprint})
            if product.scope3_factor_id:
                candidates.append(
                    {"level": "product", "kind": "activity", "factor": product.scope3_factor_id}
                )
            for level, code, rule in levels:
                if rule and rule.method == "activity":
                    if rule.factor_id:
                        candidates.append(
                            {
                                "level": "rule",
                                "kind": "activity",
                                "factor": rule.factor_id,
                                "rule": rule,
                            }
                        )
                    continue
                factor = spend_factors.get(code)
                if factor:
                    candidates.append(
                        {
                            "level": level,
                            "kind": "spend",
                            "factor": factor,
                            "key": code,
                            "rule": rule,
                        }
                    )
                else:
                    path.append({"level": level, "key": code, "found": False})
            result.append((candidates, path, matched_rule))
        return factor_set, result

    def _scope3_factor_input(self, level, currency_name=None, margins=True, wtt=False):
        """Snapshot of this factor for the calculation core."""
        self.ensure_one()
        factor_set = self.set_id
        value = self.value
        if not margins and self.value_without_margins:
            value = self.value_without_margins
        return calculation.FactorInput(
            factor_id=self.id,
            value=to_decimal(value),
            unit=self.unit,
            key_type=self.key_type,
            key=self.key,
            title=self.name,
            set_id=factor_set.id,
            set_name=factor_set.name,
            set_publisher=factor_set.publisher,
            set_edition=factor_set.edition,
            set_checksum=factor_set.content_checksum or "",
            resolution=level,
            currency=currency_name,
            margins=margins,
            price_year=factor_set.price_year or None,
            uom=self.uom_id.name or self.uom_code or None,
            wtt_value=to_decimal(self.wtt_factor_id.value) if wtt and self.wtt_factor_id else None,
            wtt_factor_id=self.wtt_factor_id.id if wtt and self.wtt_factor_id else None,
            basis=self.basis or "location",
            data_year=self.data_year or factor_set.data_year or None,
            region=self.region or factor_set.region or None,
        )
