# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

NAICS_RE = re.compile(r"^\d{6}$")


def check_naics_codes(records, field_name):
    """Raise a ValidationError unless every set code is a 6-digit NAICS code."""
    for record in records:
        code = record[field_name]
        if code and not NAICS_RE.match(code):
            raise ValidationError(
                records.env._(
                    "%(code)s is not a NAICS-6 code (six digits, e.g. 331110) on %(record)s.",
                    code=code,
                    record=record.display_name,
                )
            )


#: fields of a product whose change moves the figures of its counted activities: proposed
#: as a restatement, never applied silently
RESTATING_PRODUCT_FIELDS = {"scope3_naics_code", "scope3_factor_id"}


class ProductTemplate(models.Model):
    _inherit = "product.template"

    scope3_naics_code = fields.Char(
        string="NAICS Code",
        help="NAICS-6 industry code of what this product is, used to pick its spend-based "
        "emission factor (e.g. 331110 Iron and steel mills). When empty, the product "
        "category's code applies, then the company default.",
    )

    scope3_factor_id = fields.Many2one(
        "scope3.factor",
        string="Activity Emission Factor",
        domain="[('set_id.factor_type', '=', 'activity'), ('is_wtt', '=', False), "
        "('scope3_boundary', '!=', 'proxy'), "
        "('set_id.state', 'in', ('published', 'superseded'))]",
        help="Activity-based factor of this product (e.g. kg CO2e per tonne of steel). It is "
        "applied to the purchased quantity, converted to the factor's unit (through the "
        "product weight when the factor is per mass and the product is counted in units). "
        "It takes precedence over the NAICS code.",
    )

    scope3_energy_factor_id = fields.Many2one(
        "scope3.factor",
        string="Energy Factor",
        domain="[('category_hint', 'in', ('fuel', 'electricity')), ('is_wtt', '=', False), "
        "('set_id.state', 'in', ('published', 'superseded'))]",
        help="For fuels and electricity the company burns or consumes: the Scope 1 "
        "combustion or Scope 2 generation factor of this energy (e.g. DESNZ UK electricity "
        "per kWh, diesel per litre). Those emissions are not Scope 3; purchases of the "
        "product count in category 3 (fuel- and energy-related activities) with the "
        "factor's well-to-tank companion and, for electricity, the transmission and "
        "distribution losses and their well-to-tank. It takes precedence over every other "
        "factor of the product.",
    )
    scope3_td_factor_id = fields.Many2one(
        "scope3.factor",
        string="T&D Losses Factor",
        compute="_compute_scope3_td_factor_id",
        store=True,
        readonly=False,
        domain="[('category_hint', '=', 'electricity_td'), ('is_wtt', '=', False), "
        "('set_id.state', 'in', ('published', 'superseded'))]",
        help="Transmission and distribution losses of the electricity this product is, "
        "per unit. Found in the energy factor's set for the same grid and unit (e.g. "
        "DESNZ T&D- UK electricity); can be chosen by hand.",
    )
    scope3_is_freight = fields.Boolean(
        string="Freight Service",
        help="This product is a freight or carriage charge. Freight for a receipt counts "
        "once: a distance-based transport activity of the receipt first, else the carrier "
        "bill linked to the receipt, else the freight line of the goods order or bill.",
    )
    scope3_processing_kg = fields.Float(
        string="Processing (kg CO2e/unit)",
        digits=0,
        help="Category 10: kg CO2e emitted downstream to process one unit (of the "
        "product's unit of measure) of this product when it is sold as an intermediate "
        "product. Counted on posted customer invoices; empty: not counted.",
    )
    scope3_use_phase_kg = fields.Float(
        string="Use Phase (kg CO2e/unit)",
        digits=0,
        help="Category 11: kg CO2e over the lifetime use of one unit sold (direct use-phase "
        "emissions, e.g. fuel or electricity it consumes). Counted on posted customer "
        "invoices; empty: not counted.",
    )
    scope3_end_of_life_kg = fields.Float(
        string="End of Life (kg CO2e/unit)",
        digits=0,
        help="Category 12: kg CO2e of the waste disposal and treatment of one unit sold at "
        "the end of its life. Counted on posted customer invoices; empty: not counted.",
    )

    scope3_entry_count = fields.Integer(compute="_compute_scope3_entry_count")
    scope3_unit_estimate_kg = fields.Float(
        string="Est. kg CO2e per Unit",
        digits=(16, 3),
        compute="_compute_scope3_unit_estimate",
        compute_sudo=True,  # shown to buyers, who do not read the factor library
        help="Estimate for one purchase unit at the product's cost, bought today from its "
        "first vendor, with the same resolution and calculation as a confirmed purchase "
        "(0 when no factor applies).",
    )
    scope3_unit_estimate_dq = fields.Integer(
        string="Est. DQ",
        compute="_compute_scope3_unit_estimate",
        compute_sudo=True,
        help="Data quality score of the per-unit estimate, 1 (verified supplier data) to 5.",
    )

    @api.depends("scope3_energy_factor_id")
    def _compute_scope3_td_factor_id(self):
        """The T&D losses factor of electricity: same set, same grid (level 3, e.g.
        "Electricity: UK") and same unit as the energy factor."""
        Factor = self.env["scope3.factor"]
        found = {}
        for energy in self.scope3_energy_factor_id.filtered(
            lambda f: f.category_hint == "electricity"
        ):
            found[energy] = Factor.search(
                [
                    ("set_id", "=", energy.set_id.id),
                    ("category_hint", "=", "electricity_td"),
                    ("is_wtt", "=", False),
                    ("level_3", "=", energy.level_3),
                    ("uom_id", "=", energy.uom_id.id),
                ],
                limit=1,
            )
        for template in self:
            template.scope3_td_factor_id = found.get(template.scope3_energy_factor_id, Factor)

    @api.constrains("scope3_naics_code")
    def _check_scope3_naics_code(self):
        check_naics_codes(self, "scope3_naics_code")

    def write(self, vals):
        changed = self.browse()
        if RESTATING_PRODUCT_FIELDS.intersection(vals):
            changed = self.filtered(
                lambda t: any(
                    t._fields[name].convert_to_write(t[name], t) != vals[name]
                    for name in RESTATING_PRODUCT_FIELDS.intersection(vals)
                )
            )
        res = super().write(vals)
        if changed:
            variants = changed.with_context(active_test=False).product_variant_ids
            self.env["scope3.restatement"]._scope3_propose_for_products(
                [("product_id", "in", variants.ids)],
                self.env._(
                    "Emission factor or NAICS code of %(products)s changed.",
                    products=", ".join(changed.mapped("display_name")),
                ),
            )
        return res

    @api.constrains("scope3_factor_id")
    def _check_scope3_factor_boundary(self):
        for template in self:
            template.scope3_factor_id._scope3_check_boundary(template)

    def _compute_scope3_entry_count(self):
        groups = (
            self.env["scope3.emission.entry"]
            .sudo()
            ._read_group(
                [("product_id.product_tmpl_id", "in", self.ids)],
                ["product_id"],
                ["__count"],
            )
        )
        counts = {}
        for product, count in groups:
            counts[product.product_tmpl_id.id] = counts.get(product.product_tmpl_id.id, 0) + count
        for template in self:
            template.scope3_entry_count = counts.get(template.id, 0)

    @api.depends(
        "standard_price",
        "uom_id",
        "uom_po_id",
        "scope3_naics_code",
        "scope3_factor_id",
        "categ_id",
        "seller_ids",
    )
    @api.depends_context("company")
    def _compute_scope3_unit_estimate(self):
        Activity = self.env["scope3.activity"]
        company = self.env.company
        today = fields.Date.context_today(self)
        templates = self.filtered("product_variant_id")
        (self - templates).update({"scope3_unit_estimate_kg": 0.0, "scope3_unit_estimate_dq": 0})
        sources = []
        for template in templates:
            product = template.product_variant_id
            vendor = template.seller_ids[:1].partner_id
            uom = template.uom_po_id or template.uom_id
            sources.append(
                {
                    "company": company,
                    "date": today,
                    # cost is per product unit: per purchase unit here
                    "amount": template.uom_id._compute_price(template.standard_price, uom),
                    "currency": company.currency_id,
                    "quantity": 1.0,
                    "uom": uom,
                    "product": product,
                    "partner": vendor,
                    "entry_vals": {},
                    "resolution_item": {
                        "product": product,
                        "partner": vendor,
                        "account": self.env["account.account"],
                        "operation": "purchase",
                    },
                    "subject": {"product_id": product.id, "stage": "estimate"},
                }
            )
        estimates = Activity._scope3_quick_estimates(sources)
        for template, (kg, dq) in zip(templates, estimates, strict=True):
            template.scope3_unit_estimate_kg, template.scope3_unit_estimate_dq = kg, dq

    def action_view_scope3_entries(self):
        return self.env["scope3.emission.entry"]._scope3_action(
            [("product_id.product_tmpl_id", "in", self.ids)]
        )

    @api.onchange("scope3_naics_code")
    def _onchange_scope3_naics_code(self):
        for template in self:
            if template.scope3_naics_code:
                template.scope3_naics_code = template.scope3_naics_code.strip()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_in_scope3_ledger(self):
        # the variants are deleted with their template (database cascade)
        self.with_context(active_test=False).product_variant_ids._scope3_check_not_in_ledger()
