# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

RELEVANCE = [
    ("relevant", "Relevant"),
    ("not_relevant", "Not relevant"),
    ("excluded", "Excluded"),
]


class Scope3CategoryRelevance(models.Model):
    """A company's screening of one Scope 3 category (GHG Protocol Scope 3 Standard ch. 6,
    ESRS E1-6 §51 / AR 46): relevant or not, or excluded from the inventory, with the reason
    and the methodology note the inventory prints for the category."""

    _name = "scope3.category.relevance"
    _description = "Scope 3 Category Relevance"
    _inherit = ["mail.thread"]
    _order = "company_id, category_number"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    category_id = fields.Many2one("scope3.category", required=True, ondelete="restrict")
    category_number = fields.Integer(related="category_id.number", store=True)
    direction = fields.Selection(related="category_id.direction")
    relevance = fields.Selection(
        RELEVANCE,
        required=True,
        default="relevant",
        tracking=True,
        help="Relevant: in the inventory and counted as a significant category. Not "
        "relevant: screened out (no or negligible activity); its reason is printed. "
        "Excluded: relevant but left out of the inventory; the reason is printed and "
        "the category's entries are shown apart, not in the gross Scope 3 total.",
    )
    reason = fields.Text(
        tracking=True,
        help="Why the category is not relevant or excluded (required then): printed in the "
        "inventory report.",
    )
    methodology = fields.Text(
        string="Methodology Note",
        tracking=True,
        help="How the category is calculated (boundaries, methods, main assumptions): "
        "printed in the inventory report next to the category.",
    )

    _sql_constraints = [
        (
            "company_category_uniq",
            "unique(company_id, category_id)",
            "A category is screened once per company.",
        ),
    ]

    @api.constrains("relevance", "reason")
    def _check_reason(self):
        for line in self:
            if line.relevance != "relevant" and not (line.reason or "").strip():
                raise ValidationError(
                    self.env._(
                        "Give the reason why category %(category)s is not relevant or excluded: "
                        "the inventory report prints it.",
                        category=line.category_id.display_name,
                    )
                )

    @api.depends("company_id", "category_id")
    def _compute_display_name(self):
        for line in self:
            line.display_name = line.category_id.display_name

    @api.model
    def _scope3_ensure(self, companies):
        """The 15 lines of each company, created (relevant) where missing."""
        categories = self.env["scope3.category"].search([])
        existing = {
            (line.company_id.id, line.category_id.id)
            for line in self.sudo().search([("company_id", "in", companies.ids)])
        }
        self.sudo().create(
            [
                {"company_id": company.id, "category_id": category.id}
                for company in companies
                for category in categories
                if (company.id, category.id) not in existing
            ]
        )
        return self.search([("company_id", "in", companies.ids)])

    @api.model
    def _scope3_by_category(self, company):
        """``{category id: relevance line}`` of a company; a category without a line is
        relevant (read only: reports run in read-only transactions)."""
        lines = self.search([("company_id", "=", company.id)])
        return {line.category_id.id: line for line in lines}

    def action_open_screen(self, *args):
        """The relevance screen of the companies selected in the switcher."""
        self._scope3_ensure(self.env.companies)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Category Relevance"),
            "res_model": self._name,
            "view_mode": "list",
            "domain": [("company_id", "in", self.env.companies.ids)],
        }
