# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict

from odoo import api, fields, models
from odoo.tools import SQL

from ..core import robust_z_scores

CONFIRMED = ("purchase", "done")
#: activities of one product and company the outlier check compares with (a spread sample)
OUTLIER_SAMPLE = 200
#: the outlier check's scale is at least this share of the median: figures of one
#: product within a few percent of each other (spend-based figures of two price years,
#: cents of a currency conversion) are one cluster, not outliers of each other
OUTLIER_MIN_RELATIVE_SCALE = 0.05


class Scope3AgentDataQuality(models.AbstractModel):
    """Data-quality agent: completeness, plausibility, consistency and timeliness.

     Phases (subjects in id order, bounded batches):

     1. ``unmapped``: products of unmapped activities (completeness, one finding per product
        and company);
     2. ``factors``: purchased products whose physical (activity) factor cannot be applied:
    a per-mass factor and no product weight (completeness), or a factor in a unit that
    does not measure the product (plausibility);
     3. ``rates``: confirmed orders in a currency without a rate on or before the order
        date (completeness); ``distances``: partners whose receipts or deliveries have no
        transport distance (no route, partner distance or usable coordinates;
        completeness);
     4. ``outliers``: attributed activities whose kg CO2e per product unit, or per unit of
        currency, is an outlier among the activities of the same product (robust z-score,
        plausibility);
     5. ``lines``: confirmed order lines whose ordered, received and billed quantities
        differ beyond the tolerance (consistency);
     6. ``refs``: orders repeating another order's vendor reference (consistency);
     7. ``events``: outbox events failed or pending for too long (timeliness).

    Between two full passes (``full_pass_days``), a pass walks only the subjects changed
    since the last complete one: products and partners of activities written since,
    orders and lines written since (every confirmed order when a currency rate changed),
    activities written since. The outliers of a group are judged against a spread sample of
    ``OUTLIER_SAMPLE`` of its activities.
    """

    _name = "scope3.agent.data.quality"
    _inherit = "scope3.agent.kind"
    _description = "Scope 3 Data-Quality Agent"

    @api.model
    def _scope3_incremental(self):
        return True

    @api.model
    def _scope3_phases(self, agent):
        # subjects as SQL subqueries: a batch reads its own slice, never a whole table
        Activity = self.env["scope3.activity"].sudo()
        Picking = self.env["stock.picking"].sudo()
        unmapped = Activity._search(
            [("state", "=", "unmapped"), ("product_id", "!=", False)]
        ).subselect("product_id")
        purchased = Activity._search(
            [("state", "!=", "cancelled"), ("product_id", "!=", False)]
        ).subselect("product_id")
        transport_gaps = Activity._search(
            [("source_type", "=", "transport"), ("state", "=", "unmapped")]
        ).subselect("picking_id")
        gap_partners = (Picking._search([("id", "in", transport_gaps)])).subselect("partner_id")

        # incremental passes: the subjects whose findings may have changed since a moment
        def changed_products(since):
            return Activity._search(
                [("write_date", ">=", since), ("product_id", "!=", False)]
            ).subselect("product_id")

        def changed_partners(since):
            pickings = Activity._search(
                [("write_date", ">=", since), ("source_type", "=", "transport")]
            ).subselect("picking_id")
            return [
                "|",
                ("write_date", ">=", since),
                ("id", "in", Picking._search([("id", "in", pickings)]).subselect("partner_id")),
            ]

        def changed_orders(since):
            # a new or edited currency rate may settle any order in that currency
            rates = self.env["res.currency.rate"].sudo()
            if rates.search_count([("write_date", ">=", since)], limit=1):
                return []
            return [("write_date", ">=", since)]

        def written(since):
            return [("write_date", ">=", since)]

        return [
            {
                "name": "unmapped",
                "model": "product.product",
                "domain": [("id", "in", unmapped)],
                "method": "_dq_unmapped",
                "checks": ["unmapped_product"],
                "changed": lambda since: [("id", "in", changed_products(since))],
            },
            {
                "name": "factors",
                "model": "product.product",
                "domain": [
                    ("id", "in", purchased),
                    ("scope3_factor_id.uom_id", "!=", False),
                ],
                "method": "_dq_factors",
                "checks": ["missing_weight", "unit_mismatch"],
                "changed": lambda since: [
                    "|",
                    "|",
                    ("id", "in", changed_products(since)),
                    ("write_date", ">=", since),
                    ("product_tmpl_id.write_date", ">=", since),
                ],
            },
            {
                "name": "rates",
                "model": "purchase.order",
                "domain": [("state", "in", CONFIRMED)],
                "method": "_dq_rates",
                "checks": ["missing_currency_rate"],
                "changed": changed_orders,
            },
            {
                "name": "distances",
                "model": "res.partner",
                "domain": [("id", "in", gap_partners)],
                "method": "_dq_distances",
                "checks": ["missing_distance"],
                "changed": changed_partners,
            },
            {
                "name": "outliers",
                "model": "scope3.activity",
                "domain": self._dq_outlier_domain(),
                "method": "_dq_outliers",
                "checks": ["outlier_intensity"],
                "changed": written,
            },
            {
                "name": "lines",
                "model": "purchase.order.line",
                "domain": [
                    ("order_id.state", "in", CONFIRMED),
                    ("display_type", "=", False),
                    ("product_id", "!=", False),
                ],
                "method": "_dq_lines",
                "checks": ["quantity_mismatch"],
                "changed": written,
            },
            {
                "name": "refs",
                "model": "purchase.order",
                "domain": [("partner_ref", "!=", False), ("state", "!=", "cancel")],
                "method": "_dq_refs",
                "checks": ["duplicate_vendor_ref"],
                "changed": written,
            },
            {
                # bounded by nature (pending or failed events): walked whole every pass
                "name": "events",
                "model": "scope3.outbox.event",
                "domain": [("state", "in", ("pending", "failed"))],
                "method": "_dq_events",
                "checks": ["event_failed", "event_stuck"],
            },
        ]

    @api.model
    def _scope3_executable_actions(self):
        return {"retry_event"}

    @api.model
    def _scope3_apply(self, finding):
        if finding.proposed_action == "retry_event":
            event = finding._scope3_subject()
            event.action_retry()
            return {"event": event.id, "state": event.state}
        return {}

    @api.model
    def _scope3_after_run(self, run):
        if run.finding_ids.filtered(lambda f: f.kind == "unmapped_product"):
            self.env["scope3.agent"]._scope3_wake(["classification"])

    # ------------------------------------------------------------------------------------
    # Completeness
    # ------------------------------------------------------------------------------------
    def _dq_unmapped(self, agent, products, run):
        activities = (
            self.env["scope3.activity"]
            .sudo()
            .search([("state", "=", "unmapped"), ("product_id", "in", products.ids)], order="id")
        )
        ids = defaultdict(list)
        for activity in activities:
            ids[(activity.product_id, activity.company_id)].append(activity.id)
        results = []
        for (product, company), group_ids in ids.items():
            group = activities.browse(group_ids)
            amount = sum(
                a.currency_id._convert(a.amount, company.currency_id, company, a.date)
                if a.currency_id and a.currency_id != company.currency_id
                else a.amount
                for a in group
            )
            inputs = {
                "product": product.display_name,
                "activities": len(group),
                "amount": round(amount, 2),
                "currency": company.currency_id.name,
            }
            results.append(
                agent._scope3_check(
                    "unmapped_product", product, inputs, company=company, product=product
                )
            )
        return self._scope3_keep(results)

    def _dq_factors(self, agent, products, run):
        weight_category = self.env.ref("uom.product_uom_kgm").category_id
        results = []
        for product in products:
            factor = product.scope3_factor_id
            inputs = {
                "product": product.display_name,
                "product_uom": product.uom_id.name,
                "product_uom_category": product.uom_id.category_id.name,
                "factor": f"{factor.key} {factor.name}",
                "factor_uom": factor.uom_id.name,
                "factor_uom_category": factor.uom_id.category_id.name,
                "weight_category": weight_category.name,
                "weight": product.weight,
            }
            for check in ("missing_weight", "unit_mismatch"):
                results.append(agent._scope3_check(check, product, inputs, product=product))
        return self._scope3_keep(results)

    def _dq_rates(self, agent, orders, run):
        foreign = orders.filtered(lambda o: o.currency_id != o.company_id.currency_id)
        if not foreign:
            return []
        earliest = {}
        for currency, company, first in (
            self.env["res.currency.rate"]
            .sudo()
            ._read_group(
                [("currency_id", "in", foreign.currency_id.ids)],
                ["currency_id", "company_id"],
                ["name:min"],
            )
        ):
            earliest[(currency.id, company.id)] = first
        results = []
        for order in foreign:
            date = order.date_order.date()
            root = order.company_id.root_id
            firsts = [
                earliest.get((order.currency_id.id, company_id)) for company_id in (root.id, False)
            ]
            has_rate = any(first and first <= date for first in firsts)
            inputs = {
                "currency": order.currency_id.name,
                "date": str(date),
                "document": order.name,
                "has_rate": has_rate,
            }
            results.append(
                agent._scope3_check(
                    "missing_currency_rate", order, inputs, partner=order.partner_id
                )
            )
        return self._scope3_keep(results)

    def _dq_distances(self, agent, partners, run):
        """One finding per partner and company listing the transfers whose transport leg
        has no distance (the transport leg's own resolution says why)."""
        activities = (
            self.env["scope3.activity"]
            .sudo()
            .search(
                [
                    ("source_type", "=", "transport"),
                    ("state", "=", "unmapped"),
                    ("picking_id.partner_id", "in", partners.ids),
                ],
                order="id",
            )
        )
        legs = activities.picking_id._scope3_transport_legs()
        groups = defaultdict(list)
        for activity in activities:
            picking = activity.picking_id
            if legs[picking]["distance_problems"]:
                groups[(picking.partner_id, activity.company_id)].append(picking.name)
        results = []
        for partner in partners:
            companies = {company for (p, company) in groups if p == partner}
            for company in sorted(companies, key=lambda c: c.id):
                inputs = {
                    "partner": partner.display_name,
                    "transfers": sorted(groups[(partner, company)]),
                }
                results.append(
                    agent._scope3_check(
                        "missing_distance", partner, inputs, company=company, partner=partner
                    )
                )
        return self._scope3_keep(results)

    # ------------------------------------------------------------------------------------
    # Plausibility
    # ------------------------------------------------------------------------------------
    @api.model
    def _dq_outlier_domain(self):
        return [("state", "=", "attributed"), ("product_id", "!=", False), ("quantity", ">", 0)]

    @api.model
    def _dq_intensity(self, activity):
        """kg CO2e per unit of the product's own unit of measure (None when not
        convertible)."""
        product = activity.product_id
        quantity = activity.quantity
        if activity.uom_id and activity.uom_id != product.uom_id:
            if activity.uom_id.category_id != product.uom_id.category_id:
                return None
            quantity = activity.uom_id._compute_quantity(quantity, product.uom_id, round=False)
        return activity.co2e_kg / quantity if quantity else None

    @api.model
    def _dq_spend_intensity(self, activity):
        """kg CO2e per unit of the company's currency (None without an amount)."""
        company = activity.company_id
        amount = activity.amount
        if activity.currency_id and activity.currency_id != company.currency_id:
            amount = activity.currency_id._convert(
                amount, company.currency_id, company, activity.date or fields.Date.today()
            )
        return activity.co2e_kg / amount if amount else None

    def _dq_outliers(self, agent, activities, run):
        """Outliers among the activities of the same product and company, on two
        intensities: kg CO2e per product unit (a wrong quantity or unit), and kg CO2e per
        unit of currency (a vendor's figure out of line with the others' for the same
        product, e.g. a supplier footprint or a price typed wrong). Spend-based figures
        of one product share one intensity per currency unit, so only figures from
        physical factors or supplier data can stand out there."""
        population = self._dq_outlier_population(activities)
        results = []
        for key, intensity, unit in (
            ("", self._dq_intensity, lambda a: a.product_id.uom_id.name),
            ("per_currency", self._dq_spend_intensity, lambda a: a.company_id.currency_id.name),
        ):
            results += self._dq_outliers_of(agent, activities, population, key, intensity, unit)
        return self._scope3_keep(results)

    def _dq_outlier_population(self, activities):
        """The reference of each (product, company) group of ``activities``: a spread
        sample of ``OUTLIER_SAMPLE`` of its attributed activities (the ones whose hashed
        id is smallest: deterministic, and spread over the group's whole history, where
        the latest ones would all come from one period), plus the batch's own; one query.
        A batch reads a bounded number of activities whatever the size of the ledger."""
        groups = sorted({(a.product_id.id, a.company_id.id) for a in activities})
        if not groups:
            return activities
        self.env.cr.execute(
            SQL(
                """
                SELECT sample.id
                  FROM unnest(%s::int[], %s::int[]) AS g(product_id, company_id)
                  CROSS JOIN LATERAL (
                        SELECT a.id FROM scope3_activity a
                         WHERE a.product_id = g.product_id AND a.company_id = g.company_id
                           AND a.state = 'attributed' AND a.quantity > 0
                         ORDER BY mod(a.id::bigint * 2654435761, 4294967296), a.id
                         LIMIT %s) AS sample
                """,
                [product_id for product_id, _c in groups],
                [company_id for _p, company_id in groups],
                OUTLIER_SAMPLE,
            )
        )
        Activity = self.env["scope3.activity"].sudo()
        sample = Activity.browse(sorted({row[0] for row in self.env.cr.fetchall()}))
        return (sample | activities.filtered_domain(self._dq_outlier_domain())).sorted("id")

    def _dq_outliers_of(self, agent, activities, population, key, intensity, unit):
        groups = defaultdict(list)
        for activity in population:
            value = intensity(activity)
            if value is not None:
                groups[(activity.product_id, activity.company_id)].append((activity.id, value))
        stats = {}
        for group, rows in groups.items():
            if len(rows) >= agent.min_group_size:
                _scores, median, scale = robust_z_scores(
                    [value for _id, value in rows], OUTLIER_MIN_RELATIVE_SCALE
                )
                stats[group] = (median, scale, len(rows), dict(rows))
        results = []
        for activity in activities:
            group = (activity.product_id, activity.company_id)
            if group not in stats:
                continue
            median, scale, size, values = stats[group]
            if activity.id not in values:
                continue
            inputs = {
                "value": round(values[activity.id], 6),
                "median": round(median, 6),
                "scale": round(scale, 6),
                "n": size,
                "unit": f"kg CO2e/{unit(activity)}",
                "group": activity.product_id.display_name,
            }
            if key:
                inputs["vendor"] = activity.partner_id.display_name
            results.append(
                agent._scope3_check(
                    "outlier_intensity",
                    activity,
                    inputs,
                    partner=activity.partner_id,
                    product=activity.product_id,
                    key=key,
                )
            )
        return results

    # ------------------------------------------------------------------------------------
    # Plausibility and consistency of order lines
    # ------------------------------------------------------------------------------------
    def _dq_lines(self, agent, lines, run):
        results = []
        for line in lines:
            product = line.product_id
            if line.qty_received or line.qty_invoiced:
                results.append(
                    agent._scope3_check(
                        "quantity_mismatch",
                        line,
                        {
                            "ordered": line.product_qty,
                            "received": line.qty_received,
                            "billed": line.qty_invoiced,
                        },
                        partner=line.partner_id,
                        product=product,
                    )
                )
        return self._scope3_keep(results)

    def _dq_refs(self, agent, orders, run):
        def group_key(order):
            return (
                order.partner_id.commercial_partner_id.id,
                order.company_id.id,
                order.partner_ref.strip().lower(),
            )

        candidates = (
            self.env["purchase.order"]
            .sudo()
            .search(
                [
                    ("partner_ref", "in", list(set(orders.mapped("partner_ref")))),
                    ("state", "!=", "cancel"),
                ],
                order="id",
            )
        )
        groups = defaultdict(list)
        for order in candidates:
            groups[group_key(order)].append(order)
        results = []
        for order in orders:
            group = groups[group_key(order)]
            if len(group) < 2 or group[0] == order:
                continue  # the first order with a reference is the original
            inputs = {
                "partner": order.partner_id.commercial_partner_id.display_name,
                "ref": order.partner_ref,
                "others": sorted(o.name for o in group if o != order),
            }
            results.append(
                agent._scope3_check("duplicate_vendor_ref", order, inputs, partner=order.partner_id)
            )
        return self._scope3_keep(results)

    # ------------------------------------------------------------------------------------
    # Timeliness
    # ------------------------------------------------------------------------------------
    def _dq_events(self, agent, events, run):
        now = self.env.cr.now()
        results = []
        for event in events:
            if event.state == "failed":
                check = "event_failed"
                inputs = {
                    "state": event.state,
                    "key": event.idempotency_key,
                    "attempts": event.attempts,
                    "error": event.error or "",
                }
            else:
                check = "event_stuck"
                inputs = {
                    "state": event.state,
                    "key": event.idempotency_key,
                    "age_minutes": int((now - event.create_date).total_seconds() // 60),
                }
            results.append(
                agent._scope3_check(check, event, inputs, key=f"{check}:{event.attempts}")
            )
        return self._scope3_keep(results)
