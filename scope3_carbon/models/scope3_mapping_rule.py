# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from .product_template import check_naics_codes


class Scope3MappingRule(models.Model):
    """Ordered rules mapping ERP context to a Scope 3 category and an emission factor key.

    The first active rule (lowest sequence) whose every filled criterion matches wins:
    product, product category (and its subcategories), vendor, account and operation.
    Empty criteria match anything. Changes are tracked in the chatter.
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
