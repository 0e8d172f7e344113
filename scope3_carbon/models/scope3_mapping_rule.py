# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.osv import expression

from .product_template import check_naics_codes

#: fields whose change can change what a rule gives to the activities it matches
RESTATING_FIELDS = frozenset(
    {
        "sequence",
        "active",
        "company_id",
        "product_id",
        "product_categ_id",
        "partner_id",
        "account_id",
        "operation",
        "category_id",
        "method",
        "naics_code",
        "factor_id",
    }
)


class Scope3MappingRule(models.Model):
    """Ordered rules mapping ERP context to a Scope 3 category and an emission factor key.

    The first active rule (lowest sequence) whose every filled criterion matches wins:
    product, product category (and its subcategories), vendor, account and operation.
    Empty criteria match anything. Changes are tracked in the chatter.

    Creating, changing (criteria, order, result) or deleting a rule changes no existing
    entry by itself: it opens a ``scope3.restatement`` of the activities the rule matches
    before or after the change (the only ones whose first matching rule can change),
    posted once approved. New documents use the rules as they are.
    """

    _name = "scope3.mapping.rule"
    _description = "Scope 3 Mapping Rule"
    _inherit = ["mail.thread"]
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, index=True, tracking=True
    )
    # criteria
    product_id = fields.Many2one("product.product", tracking=True, check_company=True)
    product_categ_id = fields.Many2one(
        "product.category",
        string="Product Category",
        tracking=True,
        help="Matches this category and its subcategories.",
    )
    partner_id = fields.Many2one("res.partner", string="Vendor", tracking=True)
    account_id = fields.Many2one("account.account", tracking=True, check_company=True)
    operation = fields.Selection(
        [
            ("purchase", "Purchase order"),
            ("receipt", "Receipt"),
            ("bill", "Vendor bill"),
            ("delivery", "Delivery"),
            ("invoice", "Customer invoice"),
        ],
        help="Empty: any operation.",
        tracking=True,
    )
    # result
    category_id = fields.Many2one("scope3.category", string="Scope 3 Category", tracking=True)
    method = fields.Selection(
        [("spend", "Spend-based"), ("activity", "Activity-based")],
        required=True,
        default="spend",
        tracking=True,
        help="Spend-based: the key is a NAICS code of the spend-based set. Activity-based: "
        "the factor below is applied to the quantity.",
    )
    naics_code = fields.Char(string="NAICS Code", tracking=True)
    factor_id = fields.Many2one(
        "scope3.factor",
        string="Activity Factor",
        tracking=True,
        domain="[('set_id.factor_type', '=', 'activity'), ('is_wtt', '=', False)]",
    )
    note = fields.Text()

    @api.constrains("naics_code")
    def _check_naics_code(self):
        check_naics_codes(self, "naics_code")

    @api.constrains("factor_id", "category_id")
    def _check_factor_boundary(self):
        for rule in self:
            rule.factor_id._scope3_check_boundary(rule, rule.category_id)

    @api.model_create_multi
    def create(self, vals_list):
        rules = super().create(vals_list)
        for rule in rules.filtered("active"):
            rule._scope3_propose_restatement(rule.company_id, rule._scope3_activity_domain())
        return rules

    def write(self, vals):
        if not RESTATING_FIELDS.intersection(vals):
            return super().write(vals)
        before = {
            rule: (rule.active, rule.company_id, rule._scope3_activity_domain()) for rule in self
        }
        res = super().write(vals)
        for rule, (was_active, old_company, old_domain) in before.items():
            domains = [old_domain] if was_active else []
            if rule.active:
                domains.append(rule._scope3_activity_domain())
            if domains:
                # a rule shared by every company (before or after) concerns them all
                companies = old_company | rule.company_id
                if not (old_company and rule.company_id):
                    companies = self.env["res.company"]
                rule._scope3_propose_restatement(companies, expression.OR(domains))
        return res

    def unlink(self):
        removed = [
            (rule.company_id, rule._scope3_activity_domain(), rule.display_name)
            for rule in self
            if rule.active
        ]
        res = super().unlink()
        for company, domain, name in removed:
            self.browse()._scope3_propose_restatement(company, domain, name)
        return res

    def _scope3_activity_domain(self):
        """Activities this rule can match (product, category tree, vendor); the account
        and operation criteria are left out, so the domain may be wider."""
        self.ensure_one()
        domain = []
        if self.product_id:
            domain.append(("product_id", "=", self.product_id.id))
        if self.product_categ_id:
            domain.append(("product_id.categ_id", "child_of", self.product_categ_id.id))
        if self.partner_id:
            domain.append(("partner_id", "child_of", self.partner_id.commercial_partner_id.id))
        return domain

    def _scope3_propose_restatement(self, companies, domain, name=None):
        """Open (or widen) the restatement of this rule's change for ``companies`` (all
        companies with activities when empty: a rule shared by every company)."""
        Restatement = self.env["scope3.restatement"]
        if not companies:
            companies = Restatement._scope3_companies_with_activities()
        return Restatement._scope3_propose(
            companies,
            "mapping_rule",
            links={"mapping_rule_id": self.id} if self else None,
            reason=self.env._("Mapping rule %(rule)s changed.", rule=name or self.display_name),
            scope_domain=domain,
        )

    @api.model
    def _scope3_match(self, company, context_items):
        """First matching rule for each context, as a list aligned with ``context_items``.

        :param list[dict] context_items: dicts with ``product``, ``partner``, ``account``
            (records, possibly empty) and ``operation`` (str)
        """
        rules = self.with_context(active_test=True).search(
            [("company_id", "in", [company.id, False])]
        )
        if not rules:
            return [self.browse()] * len(context_items)
        categ_paths = {}
        result = []
        for item in context_items:
            product = item.get("product")
            categ = product.categ_id if product else self.env["product.category"]
            if categ and categ not in categ_paths:
                categ_paths[categ] = {int(pid) for pid in categ.parent_path.split("/") if pid}
            match = self.browse()
            for rule in rules:
                if rule._scope3_matches(item, categ_paths.get(categ, set())):
                    match = rule
                    break
            result.append(match)
        return result

    def _scope3_matches(self, item, categ_ids):
        self.ensure_one()
        if self.product_id and self.product_id != item.get("product"):
            return False
        if self.product_categ_id and self.product_categ_id.id not in categ_ids:
            return False
        partner = item.get("partner")
        if self.partner_id and (
            not partner or self.partner_id.commercial_partner_id != partner.commercial_partner_id
        ):
            return False
        if self.account_id and self.account_id != item.get("account"):
            return False
        return not self.operation or self.operation == item.get("operation")
