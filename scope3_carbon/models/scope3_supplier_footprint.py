# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

#: PACT (WBCSD Pathfinder) declared units and the Odoo unit each corresponds to
PACT_DECLARED_UNITS = [
    ("kilogram", "kilogram"),
    ("liter", "liter"),
    ("cubic meter", "cubic meter"),
    ("kilowatt hour", "kilowatt hour"),
    ("megajoule", "megajoule"),
    ("ton kilometer", "ton kilometer"),
    ("square meter", "square meter"),
]
PACT_UOM_XMLIDS = {
    "kilogram": "uom.product_uom_kgm",
    "liter": "uom.product_uom_litre",
    "cubic meter": "uom.product_uom_cubic_meter",
    "kilowatt hour": "scope3_carbon.uom_kwh",
    "megajoule": "scope3_carbon.uom_mj",
    "ton kilometer": "scope3_carbon.uom_tkm",
    "square meter": "uom.uom_square_meter",
}


class Scope3SupplierFootprint(models.Model):
    """A supplier-specific product carbon footprint, shaped like a PACT ProductFootprint.

    Only *active* footprints are used in calculations; a footprint submitted by a supplier
    or typed in waits as *pending review* until a Carbon Manager accepts it. Accepting it
    changes no existing entry by itself: it opens a ``scope3.restatement`` of the
    supplier's product, posted once approved; new documents use it at once.
    """

    _name = "scope3.supplier.footprint"
    _description = "Supplier Product Carbon Footprint"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "valid_from desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    pact_id = fields.Char(string="PACT ID", help="Footprint id (UUID) in the PACT data model.")
    partner_id = fields.Many2one(
        "res.partner", string="Supplier", required=True, index=True, tracking=True
    )
    product_id = fields.Many2one(
        "product.product", required=True, index=True, check_company=True, tracking=True
    )
    product_ids_text = fields.Char(
        string="Product IDs", help="Product identifiers as the supplier gives them (URNs)."
    )
    declared_unit = fields.Selection(PACT_DECLARED_UNITS, required=True, default="kilogram")
    unitary_product_amount = fields.Float(
        digits=0,
        default=1.0,
        help="Declared units in one unit of the product (e.g. 12.5 kilogram per piece).",
    )
    pcf_kg = fields.Float(
        string="PCF (kg CO2e per declared unit)",
        digits=0,
        required=True,
        tracking=True,
        help="Product carbon footprint excluding biogenic emissions, cradle to gate.",
    )
    dqr = fields.Float(
        string="Data Quality Rating",
        digits=(3, 1),
        help="PACT data quality rating, 1 (best) to 3; used for the entry's reliability.",
    )
    primary_data_share = fields.Float(digits=(5, 1), help="Share of primary data, percent.")
    verified = fields.Boolean(help="The footprint has third-party assurance.")
    is_confidential = fields.Boolean(
        string="Confidential",
        default=True,
        tracking=True,
        help="Received under confidentiality (the default): only Carbon Auditors and "
        "Managers see the figures from which it could be derived (the kg CO2e of the "
        "entries, activities, order and bill lines, estimates and restatement lines that "
        "use it); others see a Confidential badge. Aggregates over categories and periods "
        "include it.",
    )
    valid_from = fields.Date(required=True, default=fields.Date.context_today)
    valid_to = fields.Date()
    status = fields.Selection(
        [
            ("pending", "Pending Review"),
            ("active", "Active"),
            ("deprecated", "Deprecated"),
            ("rejected", "Rejected"),
        ],
        default="pending",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    preceding_ids = fields.Many2many(
        "scope3.supplier.footprint",
        "scope3_supplier_footprint_preceding_rel",
        "footprint_id",
        "preceding_id",
        string="Preceding Footprints",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )
    reviewed_by_id = fields.Many2one("res.users", readonly=True)

    _sql_constraints = [
        ("pcf_positive", "CHECK(pcf_kg >= 0)", "A footprint cannot be negative."),
        ("amount_positive", "CHECK(unitary_product_amount > 0)", "The amount must be positive."),
        (
            "dqr_range",
            "CHECK(dqr IS NULL OR dqr = 0 OR (dqr >= 1 AND dqr <= 3))",
            "The PACT data quality rating is between 1 and 3.",
        ),
        (
            "share_range",
            "CHECK(primary_data_share IS NULL OR "
            "(primary_data_share >= 0 AND primary_data_share <= 100))",
            "The primary data share is a percentage.",
        ),
    ]

    @api.depends("partner_id", "product_id", "valid_from")
    def _compute_name(self):
        for footprint in self:
            footprint.name = (
                f"{footprint.partner_id.name or ''} / {footprint.product_id.display_name or ''}"
                f" ({footprint.valid_from or ''})"
            )

    @api.constrains("valid_from", "valid_to")
    def _check_validity(self):
        for footprint in self:
            if footprint.valid_to and footprint.valid_to < footprint.valid_from:
                raise ValidationError(
                    self.env._(
                        "A footprint cannot end (%(end)s) before it starts (%(start)s).",
                        end=footprint.valid_to,
                        start=footprint.valid_from,
                    )
                )

    def _scope3_uom(self):
        self.ensure_one()
        return self.env.ref(PACT_UOM_XMLIDS[self.declared_unit])

    def action_accept(self):
        """Carbon Manager: make pending footprints active (older ones become deprecated)."""
        if not self.env.user.has_group("scope3_carbon.group_scope3_manager"):
            raise AccessError(self.env._("Only a Carbon Manager can accept supplier footprints."))
        for footprint in self:
            if footprint.status != "pending":
                raise UserError(
                    self.env._(
                        "Only pending footprints can be accepted (%(fp)s).",
                        fp=footprint.display_name,
                    )
                )
            older = self.search(
                [
                    ("id", "!=", footprint.id),
                    ("partner_id", "=", footprint.partner_id.id),
                    ("product_id", "=", footprint.product_id.id),
                    ("company_id", "=", footprint.company_id.id),
                    ("status", "=", "active"),
                ]
            )
            older.write({"status": "deprecated"})
            footprint.write(
                {
                    "status": "active",
                    "reviewed_by_id": self.env.uid,
                    "preceding_ids": [fields.Command.link(o.id) for o in older],
                }
            )
            footprint._scope3_propose_restatement()
        return True

    def _scope3_propose_restatement(self):
        """The existing entries of the supplier's product change only through an approved
        restatement (at any date: the footprints it deprecates may cover other dates)."""
        self.ensure_one()
        return self.env["scope3.restatement"]._scope3_propose(
            self.company_id,
            "supplier_footprint",
            links={"supplier_footprint_id": self.id},
            reason=self.env._("Supplier footprint %(fp)s accepted.", fp=self.display_name),
            scope_domain=[
                ("product_id", "=", self.product_id.id),
                ("partner_id", "child_of", self.partner_id.commercial_partner_id.id),
            ],
        )

    def action_reject(self):
        if not self.env.user.has_group("scope3_carbon.group_scope3_manager"):
            raise AccessError(self.env._("Only a Carbon Manager can reject supplier footprints."))
        self.filtered(lambda f: f.status == "pending").write(
            {"status": "rejected", "reviewed_by_id": self.env.uid}
        )
        return True

    @api.model
    def _scope3_active_for(self, company, date, pairs):
        """Active footprints valid on ``date`` for (supplier, product) pairs, as a dict
        (commercial partner, product) -> footprint (the latest valid_from wins)."""
        partners = {p for p, _prod in pairs if p}
        products = {prod for _p, prod in pairs if prod}
        if not partners or not products:
            return {}
        footprints = self.search(
            [
                ("company_id", "=", company.id),
                ("status", "=", "active"),
                ("partner_id", "in", [p.id for p in partners]),
                ("product_id", "in", [p.id for p in products]),
                ("valid_from", "<=", date),
                "|",
                ("valid_to", "=", False),
                ("valid_to", ">=", date),
            ],
            order="valid_from desc, id desc",
        )
        result = {}
        for footprint in footprints:
            result.setdefault((footprint.partner_id, footprint.product_id), footprint)
        return result
