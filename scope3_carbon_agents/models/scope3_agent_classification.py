# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import api, fields, models

from ..core import TextModel

TOP_CANDIDATES = 5
#: weight of an approved mapping against an official title of the same code
APPROVED_WEIGHT = 2


class Scope3AgentClassification(models.AbstractModel):
    """Classification agent: proposes a NAICS-6 code for unmapped products, and a mapping
    rule (vendor + account -> NAICS code) for unmapped vendor bill lines without a product.

    Subjects: the products of unmapped activities (purchase lines) and of posted vendor
    bill lines whose product resolves to no NAICS code. The text of a subject (product
    name, internal reference, category path, vendors, expense account) is scored with a
    TF-IDF model (:class:`..core.TextModel`) whose labels are the codes of the company's
    spend-based factor set, described by their official titles and by the company's own
    approved mappings (products and categories that carry a code). Approving a proposal
    writes the code on the product, which makes it an approved mapping for the next runs
    (the model learns from it); a rejected code is never proposed again for that product.
    """

    _name = "scope3.agent.classification"
    _inherit = "scope3.agent.kind"
    _description = "Scope 3 Classification Agent"

    @api.model
    def _scope3_phases(self, agent):
        return [
            {
                "name": "products",
                "model": "product.product",
                "domain": [("id", "in", self._cls_unmapped_products().ids)],
                "method": "_cls_products",
            },
            {
                "name": "bill_lines",
                "model": "account.move.line",
                "domain": [("id", "in", self._cls_unmapped_bill_lines().ids)],
                "method": "_cls_bill_lines",
            },
        ]

    @api.model
    def _scope3_executable_actions(self):
        return {"set_naics", "create_rule"}

    @api.model
    def _scope3_apply(self, finding):
        if finding.proposal["action"] == "create_rule":
            return self._cls_create_rule(finding)
        product = finding._scope3_subject()
        code = finding.proposal["naics_code"]
        product.product_tmpl_id.scope3_naics_code = code
        activities = (
            self.env["scope3.activity"]
            .sudo()
            .search([("product_id", "=", product.id), ("state", "=", "unmapped")])
        )
        if activities:
            activities.action_retry_attribution()
        return {"product": product.id, "naics_code": code, "reattributed": len(activities)}

    # ------------------------------------------------------------------------------------
    # Subjects
    # ------------------------------------------------------------------------------------
    @api.model
    def _cls_unmapped_products(self):
        """Products of unmapped purchase activities, and products of posted vendor bill
        lines that scope3_carbon's resolution chain cannot map."""
        products = (
            self.env["scope3.activity"]
            .sudo()
            .search([("state", "=", "unmapped"), ("product_id", "!=", False)])
            .product_id
        )
        bill_lines = (
            self.env["account.move.line"]
            .sudo()
            .search(
                [
                    ("move_id.move_type", "=", "in_invoice"),
                    ("parent_state", "=", "posted"),
                    ("display_type", "=", "product"),
                    ("product_id", "!=", False),
                    ("product_id.scope3_naics_code", "=", False),
                    ("product_id.scope3_factor_id", "=", False),
                ]
            )
        )
        groups = defaultdict(lambda: self.env["account.move.line"])
        for line in bill_lines:
            groups[(line.company_id, line.date)] |= line
        Factor = self.env["scope3.factor"].sudo()
        for (company, date), lines in groups.items():
            _set, resolved = Factor._scope3_candidates(
                company,
                date,
                [
                    {
                        "product": line.product_id,
                        "partner": line.partner_id,
                        "account": line.account_id,
                        "operation": "purchase",
                    }
                    for line in lines
                ],
            )
            for line, (candidates, _path, _rule) in zip(lines, resolved, strict=True):
                if not candidates:
                    products |= line.product_id
        return products.filtered(lambda p: not p.scope3_naics_code)

    @api.model
    def _cls_unmapped_bill_lines(self):
        """Vendor bill lines without a product and without an order that no factor could
        be found for (their activity is unmapped): a mapping rule on their vendor and
        account is what maps them."""
        return (
            self.env["scope3.activity"]
            .sudo()
            .search(
                [
                    ("source_type", "=", "bill_line"),
                    ("state", "=", "unmapped"),
                    ("product_id", "=", False),
                    ("account_move_line_id", "!=", False),
                ]
            )
            .account_move_line_id
        )

    @api.model
    def _cls_create_rule(self, finding):
        """Approved proposal for a bill line: a mapping rule on the line's vendor and
        account. Existing entries change through the restatement the new rule opens
        (scope3_carbon), as for any rule a person creates."""
        line = finding._scope3_subject()
        proposal = finding.proposal
        partner = line.partner_id.commercial_partner_id
        rule = (
            self.env["scope3.mapping.rule"]
            .sudo()
            .create(
                {
                    "name": self.env._(
                        "%(vendor)s / %(account)s (classification agent)",
                        vendor=partner.display_name,
                        account=line.account_id.display_name,
                    ),
                    "company_id": line.company_id.id,
                    "partner_id": partner.id,
                    "account_id": line.account_id.id,
                    "method": "spend",
                    "naics_code": proposal["naics_code"],
                    "note": finding.name,
                }
            )
        )
        return {"rule": rule.id, "naics_code": rule.naics_code, "line": line.id}

    def _cls_bill_lines(self, agent, lines, run):
        rejected = self._cls_rejected_codes(agent, lines)
        models_by_company = {}
        results = []
        for line in lines:
            company = line.company_id
            if company not in models_by_company:
                models_by_company[company] = self._cls_model(company)
            model, titles = models_by_company[company]
            partner = line.partner_id.commercial_partner_id
            text = " ".join(
                part for part in (line.name or "", partner.name or "", line.account_id.name) if part
            )
            inputs = self._cls_inputs(
                model,
                titles,
                f"{line.move_id.name}: {line.name or ''}",
                text,
                rejected[(line.id, company.id)],
                unmapped_lines=1,
                action="create_rule",
            )
            results.append(self._cls_check(agent, line, inputs, company=company, partner=partner))
        return self._scope3_keep(results)

    # ------------------------------------------------------------------------------------
    # Model
    # ------------------------------------------------------------------------------------
    @api.model
    def _cls_model(self, company):
        """The text model of ``company``: titles of its spend set + approved mappings."""
        factor_set = self.env["scope3.factor.set"]._scope3_spend_set_for(
            company, fields.Date.context_today(self)
        )
        documents = []
        titles = {}
        for row in (
            self.env["scope3.factor"]
            .sudo()
            .search_read(
                [("set_id", "=", factor_set.id), ("key_type", "=", "naics")], ["key", "name"]
            )
        ):
            documents.append((row["key"], row["name"], 1))
            titles[row["key"]] = row["name"]
        mapped = (
            self.env["product.product"]
            .sudo()
            .with_context(active_test=False)
            .search(
                [
                    ("scope3_naics_code", "!=", False),
                    ("company_id", "in", [company.id, False]),
                ],
                order="id",
            )
        )
        for product in mapped:
            if product.scope3_naics_code in titles:
                documents.append(
                    (product.scope3_naics_code, self._cls_text(product), APPROVED_WEIGHT)
                )
        categories = (
            self.env["product.category"].sudo().search([("scope3_naics_code", "!=", False)])
        )
        for category in categories:
            if category.scope3_naics_code in titles:
                documents.append(
                    (category.scope3_naics_code, category.complete_name, APPROVED_WEIGHT)
                )
        return TextModel(documents), titles

    @api.model
    def _cls_text(self, product, vendors=(), accounts=()):
        parts = [
            product.name or "",
            product.default_code or "",
            product.categ_id.complete_name or "",
        ]
        parts += list(vendors) + list(accounts)
        return " ".join(part for part in parts if part)

    def _cls_products(self, agent, products, run):
        activities = (
            self.env["scope3.activity"]
            .sudo()
            .search([("product_id", "in", products.ids), ("state", "=", "unmapped")], order="id")
        )
        by_product = defaultdict(lambda: self.env["scope3.activity"])
        for activity in activities:
            by_product[activity.product_id] |= activity
        rejected = self._cls_rejected_codes(agent, products)
        models_by_company = {}
        results = []
        for product in products:
            product_activities = by_product[product]
            companies = product_activities.company_id or product.company_id or self.env.company
            for company in companies.sorted("id"):
                if company not in models_by_company:
                    models_by_company[company] = self._cls_model(company)
                model, titles = models_by_company[company]
                company_activities = product_activities.filtered(
                    lambda a, c=company: a.company_id == c
                )
                vendors = sorted(set(company_activities.partner_id.mapped("name")))
                account = (
                    product.product_tmpl_id.with_company(company)
                    ._get_product_accounts()
                    .get("expense")
                )
                text = self._cls_text(product, vendors, [account.name] if account else [])
                inputs = self._cls_inputs(
                    model,
                    titles,
                    product.display_name,
                    text,
                    rejected[(product.id, company.id)],
                    unmapped_lines=len(company_activities),
                )
                results.append(
                    self._cls_check(agent, product, inputs, company=company, product=product)
                )
        return self._scope3_keep(results)

    @api.model
    def _cls_rejected_codes(self, agent, subjects):
        """Codes already rejected for each subject, as (subject id, company id) -> set."""
        rejected = defaultdict(set)
        for finding in (
            self.env["scope3.agent.finding"]
            .sudo()
            .search(
                [
                    ("agent_id", "=", agent.id),
                    ("res_model", "=", subjects._name),
                    ("res_id", "in", subjects.ids),
                    ("state", "=", "rejected"),
                ]
            )
        ):
            rejected[(finding.res_id, finding.company_id.id)].add(finding.proposal["naics_code"])
        return rejected

    @api.model
    def _cls_inputs(self, model, titles, subject, text, rejected, **extra):
        """Inputs of the classification rule: the best codes for ``text`` (rejected ones
        ranked too, so that the rule can skip them)."""
        excluded = sorted(rejected)
        candidates = model.rank(text, top=TOP_CANDIDATES + len(excluded))
        return dict(
            extra,
            subject=subject,
            text=text,
            model_digest=model.digest,
            candidates=[[code, score] for code, score in candidates],
            rejected=excluded,
            titles={code: titles[code] for code, _score in candidates},
        )

    @api.model
    def _cls_check(self, agent, subject, inputs, **links):
        item = agent._scope3_check("classification", subject, inputs, **links)
        if item:
            # one finding per proposed code: a rejected code is never proposed again
            item["key"] = item["result"]["proposal"]["naics_code"]
        return item
