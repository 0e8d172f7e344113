# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import hashlib
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models

from ..core import CALIBRATION, MODEL_VERSION, NgramModel, load_lexicon
from ..core.ngram_model import NO_FACTOR

TOP_CANDIDATES = 5
#: weight of an approved mapping against an official title of the same code
APPROVED_WEIGHT = 2
#: key of the finding that asks a person to choose the code
NEEDS_REVIEW_KEY = "needs_review"
#: length of the recent and of the baseline window of the drift check
DRIFT_DAYS = 30
#: built models by the digest of their documents (a process builds one model per set of
#: documents, not one per batch)
_MODELS = {}
_MODELS_MAX = 8


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
        # subjects as SQL subqueries: the framework reads them batch by batch (id order,
        # batch_size at a time), never a whole table at once
        Activity = self.env["scope3.activity"].sudo()
        unmapped_products = Activity._search(
            [("state", "=", "unmapped"), ("product_id", "!=", False)]
        ).subselect("product_id")
        unmapped_lines = Activity._search(
            [
                ("source_type", "=", "bill_line"),
                ("state", "=", "unmapped"),
                ("product_id", "=", False),
                ("account_move_line_id", "!=", False),
            ]
        ).subselect("account_move_line_id")
        return [
            {
                "name": "products",
                "model": "product.product",
                "domain": [
                    ("id", "in", unmapped_products),
                    ("scope3_naics_code", "=", False),
                ],
                "method": "_cls_products",
            },
            {
                # products of posted vendor bill lines that the resolution chain of
                # scope3_carbon cannot map (decided per batch of lines)
                "name": "bill_products",
                "model": "account.move.line",
                "domain": [
                    ("move_id.move_type", "=", "in_invoice"),
                    ("parent_state", "=", "posted"),
                    ("display_type", "=", "product"),
                    ("product_id", "!=", False),
                    ("product_id.scope3_naics_code", "=", False),
                    ("product_id.scope3_factor_id", "=", False),
                ],
                "method": "_cls_bill_products",
            },
            {
                "name": "bill_lines",
                "model": "account.move.line",
                "domain": [("id", "in", unmapped_lines)],
                "method": "_cls_bill_lines",
            },
        ]

    @api.model
    def _scope3_sticky_checks(self):
        # a drift finding stays open until a person closes it
        return ["model_drift"]

    @api.model
    def _scope3_after_run(self, run):
        """Drift: at the end of a pass, compare the last ``DRIFT_DAYS`` with the
        ``DRIFT_DAYS`` before them (approval share of the decided proposals, share of new
        subjects the agent asked a person about); a marked drop is a finding."""
        agent = run.agent_id
        now = fields.Datetime.now()
        recent_from = now - timedelta(days=DRIFT_DAYS)
        base_from = recent_from - timedelta(days=DRIFT_DAYS)
        Finding = self.env["scope3.agent.finding"].sudo()
        counts = {}
        for window, start, end in (("recent", recent_from, now), ("base", base_from, recent_from)):
            decided = dict(
                Finding._read_group(
                    [
                        ("agent_id", "=", agent.id),
                        ("kind", "=", "classification"),
                        ("review_date", ">=", start),
                        ("review_date", "<", end),
                        ("state", "in", ("applied", "approved", "rejected")),
                    ],
                    ["state"],
                    ["__count"],
                )
            )
            created = dict(
                Finding._read_group(
                    [
                        ("agent_id", "=", agent.id),
                        ("kind", "=", "classification"),
                        ("create_date", ">=", start),
                        ("create_date", "<", end),
                    ],
                    ["proposed_action"],
                    ["__count"],
                )
            )
            counts[f"{window}_approved"] = decided.get("applied", 0) + decided.get("approved", 0)
            counts[f"{window}_rejected"] = decided.get("rejected", 0)
            counts[f"{window}_new"] = sum(created.values())
            counts[f"{window}_abstained"] = created.get("needs_review", 0)
        inputs = dict(counts, agent=agent.name, days=DRIFT_DAYS, date=str(now.date()))
        item = agent._scope3_check("model_drift", agent, inputs, company=self.env["res.company"])
        if item:
            # one drift finding per day at most
            item["key"] = inputs["date"]
            agent._scope3_record(run, [item])

    @api.model
    def _scope3_changed_since(self, agent, moment):
        """Activities, bill lines, products, categories, mapping rules or factors written
        since ``moment``: a new pass may find something (one bounded query each)."""
        for model in (
            "scope3.activity",
            "account.move.line",
            "product.template",
            "product.category",
            "scope3.mapping.rule",
            "scope3.factor",
        ):
            if (
                self.env[model]
                .sudo()
                .with_context(active_test=False)
                .search([("write_date", ">=", moment)], limit=1, order="id")
            ):
                return True
        return False

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
    def _cls_bill_products(self, agent, lines, run):
        """Products of a batch of posted vendor bill lines that no factor can be found for
        (the resolution chain of scope3_carbon, per company and date)."""
        groups = defaultdict(list)
        for line in lines:
            groups[(line.company_id, line.date)].append(line)
        Factor = self.env["scope3.factor"].sudo()
        product_ids = []
        for (company, date), group in groups.items():
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
                    for line in group
                ],
            )
            for line, (candidates, _path, _rule) in zip(group, resolved, strict=True):
                if not candidates and line.product_id.id not in product_ids:
                    product_ids.append(line.product_id.id)
        products = self.env["product.product"].browse(product_ids)
        return self._cls_products(agent, products, run) if products else []

    @api.model
    def _scope3_explain(self, finding):
        """Lines a manager reads: why this code (the nearest documents and their scores),
        the confidence against the threshold, what approving does; built from the codes
        and values stored in the evidence, in the reader's language."""
        _ = self.env._
        inputs = (finding.evidence or {}).get("inputs") or {}
        params = (finding.evidence or {}).get("params") or {}
        if "model" not in inputs:
            return []
        sources = {
            "title": _("official NAICS title"),
            "lexicon": _("buyer vocabulary"),
            "approved": _("approved mapping"),
            "vendor": _("vendor of an approved mapping"),
        }
        lines = [_("Text read: %(text)s", text=inputs.get("text", ""))]
        for rank, candidate in enumerate(inputs.get("candidates", [])[:3], start=1):
            lines.append(
                _(
                    "%(rank)s. NAICS %(code)s %(title)s: score %(score)s, nearest "
                    '%(origin)s "%(neighbour)s" (shared words: %(shared)s)',
                    rank=rank,
                    code=candidate["code"],
                    title=inputs.get("titles", {}).get(candidate["code"], ""),
                    score=f"{candidate['score']:.2f}",
                    origin=sources.get(candidate["source"], candidate["source"]),
                    neighbour=candidate["neighbour"],
                    shared=", ".join(candidate["shared"]) or "-",
                )
            )
        if inputs.get("rejected"):
            lines.append(
                _(
                    "Rejected before, never proposed again: %(codes)s",
                    codes=", ".join(inputs["rejected"]),
                )
            )
        lines.append(
            _(
                "Confidence %(confidence)s (calibrated on the labelled benchmark; minimum "
                "%(minimum)s, applied without a person in Act mode above %(threshold)s). "
                "Model %(model)s, documents %(digest)s.",
                confidence=f"{finding.confidence:.0%}",
                minimum=f"{float(params.get('min_confidence', 0.0)):.0%}",
                threshold=f"{finding.agent_id.threshold:.0%}",
                model=inputs["model"],
                digest=inputs.get("model_digest", "")[:12],
            )
        )
        proposal = finding.proposal or {}
        if proposal.get("action") == "set_naics":
            lines.append(
                _(
                    "Approving writes NAICS %(code)s on the product and re-attributes its "
                    "unmapped purchase lines; the product then teaches the model.",
                    code=proposal["naics_code"],
                )
            )
        elif proposal.get("action") == "create_rule":
            lines.append(
                _(
                    "Approving creates a mapping rule (this vendor and account -> NAICS "
                    "%(code)s); the entries change through the restatement it opens.",
                    code=proposal["naics_code"],
                )
            )
        elif proposal.get("action") == "needs_review":
            lines.append(
                _(
                    "The agent proposes nothing: set the NAICS code on the product (or a "
                    "mapping rule) by hand, then dismiss this finding; the model learns "
                    "from it."
                )
            )
        return lines

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
            model, titles, groups = models_by_company[company]
            partner = line.partner_id.commercial_partner_id
            text = " ".join(
                part for part in (line.name or "", partner.name or "", line.account_id.name) if part
            )
            inputs = self._cls_inputs(
                model,
                titles,
                groups,
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
        """The text model of ``company``: titles of its spend set, the shipped lexicon and
        its approved mappings; returns ``(model, titles, groups)`` (groups: the factor's
        reference code of each NAICS code, two codes of one factor are not rivals)."""
        factor_set = self.env["scope3.factor.set"]._scope3_spend_set_for(
            company, fields.Date.context_today(self)
        )
        documents = []
        titles, groups = {}, {}
        for row in (
            self.env["scope3.factor"]
            .sudo()
            .search_read(
                [("set_id", "=", factor_set.id), ("key_type", "=", "naics")],
                ["key", "name", "reference_code"],
            )
        ):
            documents.append((row["key"], row["name"], 1, "title"))
            titles[row["key"]] = row["name"]
            groups[row["key"]] = row["reference_code"] or row["key"]
        documents += [
            (code, term, 1, "lexicon")
            for code, term in load_lexicon()
            if code in titles or code == NO_FACTOR
        ]
        titles.setdefault(NO_FACTOR, "")
        groups.setdefault(NO_FACTOR, NO_FACTOR)
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
            code = product.scope3_naics_code
            if code in titles:
                documents.append((code, self._cls_text(product), APPROVED_WEIGHT, "approved"))
                # the vendors of a mapped product: a weaker clue for their other products
                documents += [
                    (code, name, 1, "vendor")
                    for name in sorted(set(product.seller_ids.partner_id.mapped("name")))
                ]
        categories = (
            self.env["product.category"].sudo().search([("scope3_naics_code", "!=", False)])
        )
        for category in categories:
            if category.scope3_naics_code in titles:
                documents.append(
                    (
                        category.scope3_naics_code,
                        category.complete_name,
                        APPROVED_WEIGHT,
                        "approved",
                    )
                )
        rules = (
            self.env["scope3.mapping.rule"]
            .sudo()
            .search(
                [("naics_code", "!=", False), ("company_id", "in", [company.id, False])],
                order="id",
            )
        )
        for rule in rules:
            if rule.naics_code in titles:
                text = " ".join(
                    part for part in (rule.partner_id.name, rule.account_id.name) if part
                )
                documents.append((rule.naics_code, text, APPROVED_WEIGHT, "approved"))
                if rule.partner_id:
                    documents.append((rule.naics_code, rule.partner_id.name, 1, "vendor"))
        key = hashlib.sha256(repr(sorted(documents)).encode("utf-8")).hexdigest()
        model = _MODELS.get(key)
        if model is None:
            if len(_MODELS) >= _MODELS_MAX:
                _MODELS.pop(next(iter(_MODELS)))
            model = _MODELS[key] = NgramModel(documents)
        return model, titles, groups

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
        activity_ids = defaultdict(list)
        for activity in activities:
            activity_ids[activity.product_id.id].append(activity.id)
        by_product = {
            product_id: self.env["scope3.activity"].browse(ids)
            for product_id, ids in activity_ids.items()
        }
        rejected = self._cls_rejected_codes(agent, products)
        models_by_company = {}
        results = []
        for product in products:
            product_activities = by_product.get(product.id, self.env["scope3.activity"])
            companies = product_activities.company_id or product.company_id or self.env.company
            for company in companies.sorted("id"):
                if company not in models_by_company:
                    models_by_company[company] = self._cls_model(company)
                model, titles, groups = models_by_company[company]
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
                    groups,
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
            code = (finding.proposal or {}).get("naics_code")
            if code:
                rejected[(finding.res_id, finding.company_id.id)].add(code)
        return rejected

    @api.model
    def _cls_inputs(self, model, titles, groups, subject, text, rejected, **extra):
        """Inputs of the classification rule: the nearest codes for ``text`` with their
        evidence (rejected ones ranked too, so that the rule can skip them), the factor of
        each, the model's version, digest and calibration."""
        excluded = sorted(rejected)
        candidates = model.explain(text, top=TOP_CANDIDATES + len(excluded))
        return dict(
            extra,
            subject=subject,
            text=text,
            model=MODEL_VERSION,
            model_digest=model.digest,
            calibration=list(CALIBRATION[MODEL_VERSION]),
            candidates=[
                {
                    "code": c["label"],
                    "score": c["score"],
                    "source": c["source"],
                    "neighbour": c["neighbour"],
                    "shared": c["shared"],
                }
                for c in candidates
            ],
            rejected=excluded,
            titles={c["label"]: titles[c["label"]] for c in candidates},
            groups={c["label"]: groups[c["label"]] for c in candidates},
        )

    @api.model
    def _cls_check(self, agent, subject, inputs, **links):
        item = agent._scope3_check("classification", subject, inputs, **links)
        if item:
            # one finding per proposed code: a rejected code is never proposed again; one
            # "needs a person" finding per subject
            item["key"] = item["result"]["proposal"].get("naics_code") or NEEDS_REVIEW_KEY
        return item
