# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from collections import defaultdict
from decimal import Decimal

from odoo import api, fields, models

from ..core import calculation, dataquality, transport
from ..core.calculation import _fmt
from ..core.conversion import to_decimal, uom_ratio
from ..tools import insert_rows

#: picking type of the leg (of the original transfer for a return) -> Scope 3 category
TRANSPORT_CATEGORIES = {
    "incoming": "scope3_carbon.scope3_category_04",
    "outgoing": "scope3_carbon.scope3_category_09",
}
TRANSPORT_STAGE = "transport"
#: fields of a done transfer whose change moves its transport leg (distance from the
#: partner's address, date of the factors)
PICKING_COUNTED_FIELDS = ("partner_id", "date_done", "picking_type_id")


class StockPicking(models.Model):
    _inherit = "stock.picking"

    scope3_entry_count = fields.Integer(compute="_compute_scope3_entry_count")
    scope3_transport_activity_id = fields.Many2one(
        "scope3.activity",
        string="Transport Activity",
        compute="_compute_scope3_transport",
        groups="scope3_carbon.group_scope3_user",
    )
    scope3_transport_category_id = fields.Many2one(
        "scope3.category",
        string="Transport Category",
        compute="_compute_scope3_transport",
        groups="scope3_carbon.group_scope3_user",
    )
    scope3_transport_co2e_kg = fields.Float(
        string="Transport kg CO2e",
        digits=(16, 3),
        compute="_compute_scope3_transport",
        groups="scope3_carbon.group_scope3_user",
        help="Net Scope 3 emissions of this transfer's transport leg in the ledger "
        "(category 4 for receipts, 9 for deliveries).",
    )
    scope3_transport_category_number = fields.Integer(
        string="Transport Category Number",
        compute="_compute_scope3_transport",
        groups="scope3_carbon.group_scope3_user",
    )
    scope3_consolidation_id = fields.Many2one(
        "scope3.transport.consolidation",
        string="Consolidated Shipment",
        compute="_compute_scope3_consolidation_id",
        groups="scope3_carbon.group_scope3_user",
    )
    scope3_transport_weight_kg = fields.Float(
        string="Weight (kg)",
        digits=(16, 3),
        compute="_compute_scope3_transport_leg",
        groups="scope3_carbon.group_scope3_user",
    )
    scope3_transport_distance_km = fields.Float(
        string="Distance (km)",
        digits=(16, 3),
        compute="_compute_scope3_transport_leg",
        groups="scope3_carbon.group_scope3_user",
    )
    scope3_transport_tkm = fields.Float(
        string="t.km",
        digits=(16, 3),
        compute="_compute_scope3_transport_leg",
        groups="scope3_carbon.group_scope3_user",
    )

    def _compute_scope3_entry_count(self):
        # sudo: a count shown with the picking; grouped queries for all pickings
        Entry = self.env["scope3.emission.entry"].sudo()
        groups = Entry._read_group(
            [("purchase_line_id", "in", self.move_ids.purchase_line_id.ids)],
            ["purchase_line_id"],
            ["__count"],
        )
        by_line = {line.id: count for line, count in groups}
        by_picking = dict(
            Entry._read_group([("picking_id", "in", self.ids)], ["picking_id"], ["__count"])
        )
        for picking in self:
            picking.scope3_entry_count = by_picking.get(picking, 0) + sum(
                by_line.get(line_id, 0) for line_id in picking.move_ids.purchase_line_id.ids
            )

    def _compute_scope3_transport(self):
        activities = self.env["scope3.activity"].search(
            [("source_type", "=", "transport"), ("picking_id", "in", self.ids)]
        )
        by_picking = {activity.picking_id: activity for activity in activities}
        for picking in self:
            activity = by_picking.get(picking, activities.browse())
            picking.scope3_transport_activity_id = activity
            picking.scope3_transport_category_id = activity.category_id
            picking.scope3_transport_category_number = activity.category_id.number
            picking.scope3_transport_co2e_kg = activity.co2e_kg

    def _compute_scope3_consolidation_id(self):
        consolidations = self.env["scope3.transport.consolidation"].search(
            [("picking_ids", "in", self.ids)]
        )
        by_picking = {
            picking: consolidation
            for consolidation in consolidations
            for picking in consolidation.picking_ids
        }
        for picking in self:
            picking.scope3_consolidation_id = by_picking.get(picking, consolidations.browse())

    def _compute_scope3_transport_leg(self):
        legs = self._scope3_transport_legs()
        for picking in self:
            leg = legs[picking]
            picking.scope3_transport_weight_kg = float(leg["weight_kg"] or 0)
            picking.scope3_transport_distance_km = float(leg["distance_km"] or 0)
            picking.scope3_transport_tkm = float(leg["tkm"] or 0)

    def action_view_scope3_entries(self):
        """Entries of the purchase lines this receipt (or return) moves goods for, and
        of its own transport leg."""
        lines = self.move_ids.purchase_line_id
        return self.env["scope3.emission.entry"]._scope3_action(
            ["|", ("purchase_line_id", "in", lines.ids), ("picking_id", "in", self.ids)]
        )

    def action_view_scope3_transport(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "scope3.activity",
            "res_id": self.scope3_transport_activity_id.id,
            "view_mode": "form",
        }

    # ------------------------------------------------------------------------------------
    # Capture (one outbox row per done receipt or delivery; the cron does the work)
    # ------------------------------------------------------------------------------------
    def _scope3_transport_pickings(self):
        """The transfers that are a transport leg: done receipts and deliveries (and their
        returns); internal transfers and not-done ones are not."""
        return self.filtered(
            lambda p: p.state == "done" and p.picking_type_code in TRANSPORT_CATEGORIES
        )

    def write(self, vals):
        if self.env.context.get("scope3_no_capture") or not set(PICKING_COUNTED_FIELDS) & set(vals):
            return super().write(vals)
        done = self._scope3_transport_pickings()
        before = {picking: picking._scope3_counted_snapshot() for picking in done}
        res = super().write(vals)
        done.filtered(lambda p: before[p] != p._scope3_counted_snapshot())._scope3_capture(
            "stock.picking.changed"
        )
        return res

    def _scope3_counted_snapshot(self):
        self.ensure_one()
        return (self.partner_id.id, self.date_done, self.picking_type_id.id)

    def _scope3_capture(self, event_type):
        """Write one outbox event per transfer (same transaction) and wake the cron."""
        return self.env["scope3.outbox.event"]._scope3_enqueue(
            [picking._scope3_event_vals(event_type) for picking in self]
        )

    def _scope3_event_vals(self, event_type):
        self.ensure_one()
        return {
            "aggregatetype": self._name,
            "aggregateid": self.id,
            "type": event_type,
            "company_id": self.company_id.id,
            "correlation_id": self._scope3_correlation_id(),
            "payload": {
                "name": self.name,
                "state": self.state,
                "picking_type_code": self.picking_type_code,
                "partner_id": self.partner_id.id,
                "return_of": self.return_id.id,
                "date_done": fields.Datetime.to_string(self.date_done),
                "moves": [
                    {
                        "id": move.id,
                        "product_id": move.product_id.id,
                        "quantity": move.quantity,
                        "uom": move.product_uom.name,
                    }
                    for move in self.move_ids
                    if move.state == "done"
                ],
            },
        }

    def _scope3_correlation_id(self):
        self.ensure_one()
        order = self.purchase_id
        return f"purchase.order:{order.id}" if order else f"stock.picking:{self.id}"

    # ------------------------------------------------------------------------------------
    # Attribution (called by the cron on the transfers of claimed events)
    # ------------------------------------------------------------------------------------
    def _scope3_attribute_events(self, events):
        """Reconcile the transport entries of these transfers (and of the other transfers
        of their consolidated shipments, which share one allocation)."""
        last_event = {}
        for event in events.sorted("id"):
            last_event[int(event.aggregateid)] = event
        pickings = self._scope3_transport_pickings()
        consolidations = self.env["scope3.transport.consolidation"].search(
            [("picking_ids", "in", pickings.ids)]
        )
        pickings |= consolidations.picking_ids._scope3_transport_pickings()
        latest = events.sorted("id")[-1:]
        for picking in pickings:
            last_event.setdefault(picking.id, latest)
        activities = pickings._scope3_ensure_transport_activities()
        counted_before = {p for p, a in activities.items() if a.state == "attributed"}
        plans = pickings._scope3_transport_plans(activities, last_event)
        entries = self.env["scope3.activity"]._scope3_apply(plans)
        # freight double-counting guard: a receipt's distance-based transport coming or
        # going changes which freight source counts (see _scope3_freight_losers)
        changed = pickings.filtered(
            lambda p: (activities[p].state == "attributed") != (p in counted_before)
        )
        changed._scope3_recapture_freight()
        return entries

    def _scope3_transport_source_key(self):
        self.ensure_one()
        return f"stock.picking:{self.id}"

    def _scope3_ensure_transport_activities(self):
        """The transport activity of each transfer, created when missing (dict)."""
        Activity = self.env["scope3.activity"].sudo()  # activities are maintained by code
        keys = {picking: picking._scope3_transport_source_key() for picking in self}
        existing = Activity.search([("source_key", "in", list(keys.values()))])
        by_key = {activity.source_key: activity for activity in existing}
        missing = self.filtered(lambda p: keys[p] not in by_key)
        created = insert_rows(
            Activity,
            [dict(p._scope3_transport_activity_vals(), source_key=keys[p]) for p in missing],
            defaults={"state": "pending", "source_type": "transport"},
        )
        by_key.update(zip([keys[p] for p in missing], created, strict=True))
        return {picking: by_key[keys[picking]] for picking in self}

    def _scope3_transport_activity_vals(self):
        """Values of the transfer's transport activity that follow the transfer."""
        self.ensure_one()
        return {
            "name": self.env._("%(transfer)s transport", transfer=self.name),
            "company_id": self.company_id.id,
            "picking_id": self.id,
            "purchase_order_id": self.purchase_id.id,
            "partner_id": self.partner_id.id,
            "category_id": self._scope3_transport_category().id,
            "uom_id": self.env.ref("scope3_carbon.uom_tkm").id,
            "date": self._scope3_transport_date(),
            "correlation_id": self._scope3_correlation_id(),
        }

    def _scope3_transport_category(self):
        """Category 4 for a receipt, 9 for a delivery; a return is categorised as the
        transfer it returns (the flow it belongs to)."""
        self.ensure_one()
        original = self
        while original.return_id:
            original = original.return_id
        code = original.picking_type_code
        return self.env.ref(TRANSPORT_CATEGORIES.get(code, TRANSPORT_CATEGORIES["incoming"]))

    def _scope3_transport_date(self):
        self.ensure_one()
        return (self.date_done or self.scheduled_date or fields.Datetime.now()).date()

    def _scope3_site_partner(self):
        """Our end of the leg: the warehouse address, else the company's."""
        self.ensure_one()
        return self.picking_type_id.warehouse_id.partner_id or self.company_id.partner_id

    # ------------------------------------------------------------------------------------
    # Legs: weight, distance and mode of each transfer (nothing written)
    # ------------------------------------------------------------------------------------
    def _scope3_transport_weights(self):
        """Mass of the goods each transfer moved (done quantities x product weight).

        A quantity in a unit of mass is converted as such; otherwise the product's weight
        (per product unit, in the database's weight unit) is used. No weight is guessed.

        :return: dict picking -> ``(kg Decimal or None, trace lines, products without a
            weight)``
        """
        kg = self.env.ref("uom.product_uom_kgm")
        weight_uom = self.env["product.template"]._get_weight_uom_id_from_ir_config_parameter()
        kg_per_weight_unit = uom_ratio(to_decimal(weight_uom.factor), to_decimal(kg.factor))
        result = {}
        for picking in self:
            total, lines = Decimal(0), []
            missing = self.env["product.product"]
            for move in picking.move_ids.filtered(lambda m: m.state == "done" and m.quantity):
                product, uom = move.product_id, move.product_uom
                quantity = to_decimal(move.quantity)
                if uom.category_id == kg.category_id:
                    move_kg = quantity * uom_ratio(to_decimal(uom.factor), to_decimal(kg.factor))
                    rule = f"{uom.name} -> kg"
                elif product.weight:
                    per_unit = to_decimal(product.weight) * kg_per_weight_unit
                    move_kg = (
                        quantity
                        * uom_ratio(to_decimal(uom.factor), to_decimal(product.uom_id.factor))
                        * per_unit
                    )
                    rule = f"{_fmt(per_unit)} kg per {product.uom_id.name}"
                else:
                    missing |= product
                    continue
                move_kg = move_kg.normalize()
                total += move_kg
                lines.append(
                    {
                        "move_id": move.id,
                        "product_id": product.id,
                        "quantity": _fmt(quantity),
                        "unit": uom.name,
                        "rule": rule,
                        "kg": _fmt(move_kg),
                    }
                )
            weight = None if missing or not lines else total.normalize()
            result[picking] = (weight, lines, missing)
        return result

    def _scope3_transport_legs(self):
        """Weight, distance and mode of each transfer's transport leg, with their sources.

        Distance: the matching transport route, else the partner's default distance
        (the address, then its commercial entity), else the great circle between the
        partner's and the site's coordinates x the mode's detour factor (road and air
        only, see ``core.transport``). Mode: the route's, else the partner's, else road.

        :return: dict picking -> leg dict (``weight_kg``, ``distance_km``, ``tkm``
            (Decimals or None), ``mode``, ``wanted`` (factor lookup key), ``problems``
            (translated texts) and ``trace`` (what the calculation trace records))
        """
        Route = self.env["scope3.transport.route"]
        weights = self._scope3_transport_weights()
        routes = {}
        by_company = defaultdict(lambda: self.browse())
        for picking in self:
            by_company[picking.company_id] |= picking
        for company, pickings in by_company.items():
            legs = [
                (p.partner_id, p._scope3_site_partner(), p.picking_type_code == "outgoing")
                for p in pickings
            ]
            routes.update(zip(pickings, Route._scope3_match(company, legs), strict=True))
        return {
            picking: picking._scope3_transport_leg(weights[picking], routes[picking])
            for picking in self
        }

    def _scope3_transport_leg(self, weight, route):
        self.ensure_one()
        Route = self.env["scope3.transport.route"]
        weight_kg, weight_lines, no_weight = weight
        # the partner's transport settings are per company
        partners = Route._scope3_partner_chain(self.partner_id.with_company(self.company_id))
        site = self._scope3_site_partner()
        weight_problems, distance_problems = [], []
        if no_weight:
            weight_problems.append(
                self.env._(
                    "No weight for %(products)s: set the weight of these products (Inventory "
                    "tab) to count the transport of %(transfer)s.",
                    products=", ".join(no_weight.mapped("display_name")),
                    transfer=self.name,
                )
            )
        elif weight_kg is None:
            weight_problems.append(
                self.env._("%(transfer)s moved no goods to weigh.", transfer=self.name)
            )
        # mode
        partner_mode = next(
            (p.scope3_transport_mode for p in partners if p.scope3_transport_mode), False
        )
        if route:
            mode, mode_source = route.mode, "route"
        elif partner_mode:
            mode, mode_source = partner_mode, "partner"
        else:
            mode, mode_source = "road", "default"
        trace = {
            "direction": self.picking_type_code,
            "return_of": self.return_id.id or None,
            "weight_kg": _fmt(weight_kg) if weight_kg is not None else None,
            "weight_lines": weight_lines,
            "mode": mode,
            "mode_source": mode_source,
        }
        distance, estimated = None, False
        partner_distance = next((p for p in partners if p.scope3_transport_distance_km > 0), None)
        if route:
            distance = to_decimal(route.distance_km).normalize()
            trace["distance_source"] = "route"
            trace["route"] = {
                "id": route.id,
                "from_partner_id": route.from_partner_id.id,
                "to_partner_id": route.to_partner_id.id,
            }
        elif partner_distance:
            distance = to_decimal(partner_distance.scope3_transport_distance_km).normalize()
            trace["distance_source"] = "partner"
            trace["partner_id"] = partner_distance.id
        else:
            distance, problem = self._scope3_great_circle_distance(partners, site, mode, trace)
            estimated = distance is not None
            if problem:
                distance_problems.append(problem)
        if distance is not None:
            trace["distance_km"] = _fmt(distance)
        wanted = ("key", route.factor_key) if route and route.factor_key else ("mode", mode)
        tkm = (
            transport.tonne_km(weight_kg, distance).normalize()
            if weight_kg is not None and distance is not None
            else None
        )
        return {
            "picking": self,
            "weight_kg": weight_kg,
            "distance_km": distance,
            "estimated_distance": estimated,
            "tkm": tkm,
            "mode": mode,
            "wanted": wanted,
            "weight_problems": weight_problems,
            "distance_problems": distance_problems,
            "problems": weight_problems + distance_problems,
            "trace": trace,
        }

    def _scope3_great_circle_distance(self, partners, site, mode, trace):
        """Great circle between the partner and the site, x the mode's detour factor.

        Coordinates are the partners' Geo Latitude / Longitude (fill them by hand or with
        the base_geolocalize add-on); 0, 0 counts as not set.

        :return: ``(distance Decimal or None, problem text or None)``
        """
        self.ensure_one()
        company_partner = self.company_id.partner_id

        def located(chain):
            return next(
                (p for p in chain if p and (p.partner_latitude or p.partner_longitude)), None
            )

        external = located(partners)
        ours = located([site, site.commercial_partner_id, company_partner])
        if not (external and ours) or transport.MODES[mode].detour is None:
            if not partners:
                reason = self.env._("%(transfer)s has no partner.", transfer=self.name)
            elif transport.MODES[mode].detour is None:
                modes = self.env["scope3.transport.route"]._fields["mode"]
                reason = self.env._(
                    "The %(mode)s distance of %(partner)s cannot be estimated from coordinates.",
                    mode=dict(modes._description_selection(self.env))[mode],
                    partner=partners[0].display_name,
                )
            else:
                unlocated = ([] if external else partners[:1]) + ([] if ours else [site])
                reason = self.env._(
                    "No coordinates for %(partners)s.",
                    partners=", ".join(p.display_name for p in unlocated),
                )
            return None, self.env._(
                "No distance for %(transfer)s: %(reason)s Add a transport route (Carbon > "
                "Configuration > Transport Routes) or a default transport distance on the "
                "partner, or give both addresses coordinates (road and air).",
                transfer=self.name,
                reason=reason,
            )
        great_circle = transport.great_circle_km(
            external.partner_latitude,
            external.partner_longitude,
            ours.partner_latitude,
            ours.partner_longitude,
        )
        distance = transport.detour_distance_km(great_circle, mode)
        trace["distance_source"] = "great_circle"
        trace["great_circle"] = {
            "from": {
                "partner_id": external.id,
                "latitude": _fmt(to_decimal(external.partner_latitude)),
                "longitude": _fmt(to_decimal(external.partner_longitude)),
            },
            "to": {
                "partner_id": ours.id,
                "latitude": _fmt(to_decimal(ours.partner_latitude)),
                "longitude": _fmt(to_decimal(ours.partner_longitude)),
            },
            "earth_radius_km": _fmt(transport.EARTH_RADIUS_KM),
            "km": _fmt(great_circle),
            "detour_factor": _fmt(transport.MODES[mode].detour),
            "detour_rule": transport.MODES[mode].detour_rule,
        }
        return distance, None

    # ------------------------------------------------------------------------------------
    # Plans (see scope3.activity._scope3_apply): computed from the current state, no write
    # ------------------------------------------------------------------------------------
    def _scope3_transport_plans(self, activities, last_event):
        """The plans that bring each transfer's transport entries in line with its leg.

        A transfer of a consolidated shipment gets its share of the shipment's total (by
        tonne-kilometres); any other transfer its own leg, weight x distance x the
        mode's factor (+ its well-to-tank companion when well-to-wheel is on).

        :param dict activities: picking -> its transport activity (plans are returned for
            these pickings only)
        :param dict last_event: picking id -> the outbox event being processed (empty
            recordsets for a restatement's shadow run)
        """
        Event = self.env["scope3.outbox.event"]
        pickings = self.browse([picking.id for picking in activities])
        consolidations = self.env["scope3.transport.consolidation"].search(
            [("picking_ids", "in", pickings.ids)]
        )
        members = consolidations.picking_ids._scope3_transport_pickings()
        legs = (pickings | members)._scope3_transport_legs()
        consolidation_of = {
            picking: consolidation
            for consolidation in consolidations
            for picking in consolidation.picking_ids
        }
        plans, figures = {}, []
        for picking in pickings:
            activity = activities[picking]
            leg = legs[picking]
            plans[picking] = {
                "activity": activity,
                "event": last_event.get(picking.id) or Event,
                "activity_vals": dict(
                    picking._scope3_transport_activity_vals(),
                    quantity=float(leg["tkm"] or 0),
                ),
                "stages": {TRANSPORT_STAGE: []},
                "reason": self.env._("transport of %(transfer)s recomputed", transfer=picking.name),
            }
            if picking in consolidation_of:
                figures.append(("consolidated", picking, consolidation_of[picking]))
            else:
                figures.append(("leg", picking, None))
        # factors, by company and date
        wanted = defaultdict(set)
        for kind, picking, consolidation in figures:
            if kind == "leg":
                wanted[(picking.company_id, picking._scope3_transport_date())].add(
                    legs[picking]["wanted"]
                )
            elif not consolidation.reported_co2e_kg:
                wanted[(consolidation.company_id, consolidation.date)].add(
                    consolidation._scope3_wanted_factor()
                )
        factors = {}
        Route = self.env["scope3.transport.route"]
        for (company, date), keys in wanted.items():
            for key, factor in Route._scope3_mode_factors(company, date, keys).items():
                factors[(company, date, key)] = factor
        allocations = {
            consolidation: consolidation._scope3_allocation(legs, factors)
            for consolidation in consolidations
        }
        for kind, picking, consolidation in figures:
            plan = plans[picking]
            if kind == "leg":
                result = picking._scope3_leg_figure(legs[picking], factors, activities[picking])
            else:
                result = allocations[consolidation].get(picking) or {
                    "problems": [
                        self.env._(
                            "%(transfer)s is not a transport leg of %(shipment)s.",
                            transfer=picking.name,
                            shipment=consolidation.display_name,
                        )
                    ]
                }
                if "problems" not in result:
                    result = consolidation._scope3_part_figure(
                        result, legs[picking], activities[picking]
                    )
            if result.get("problems"):
                # nothing to count it with: keep whatever was counted, flag the gap
                self.env["scope3.activity"]._scope3_plan_not_counted(
                    plan,
                    result.get("state", "unmapped"),
                    "\n".join(result["problems"]),
                    keep=True,
                )
                continue
            figure = result["figure"]
            figure["entry_vals"].update(
                category_id=plan["activity_vals"]["category_id"],
                date=plan["activity_vals"]["date"],
            )
            plan["stages"][TRANSPORT_STAGE].append(figure)
            plan["activity_vals"].update(
                quantity=figure["entry_vals"]["activity_amount"],
                state="attributed",
                message=False,
                factor_id=figure["entry_vals"].get("factor_id") or False,
                resolution_level=figure["entry_vals"]["resolution_level"],
                dq_score=figure["entry_vals"]["dq_score"],
            )
        return list(plans.values())

    def _scope3_transport_subject(self, activity):
        self.ensure_one()
        return {
            "activity_id": activity.id,
            "document": "stock.picking",
            "document_id": self.id,
            "document_name": self.name,
            "category": self._scope3_transport_category().number,
            "stage": TRANSPORT_STAGE,
        }

    def _scope3_leg_figure(self, leg, factors, activity):
        """Figure of a transfer's own leg: weight x distance x factor [+ WTT]."""
        self.ensure_one()
        if leg["problems"]:
            return {"problems": leg["problems"]}
        company = self.company_id
        date = self._scope3_transport_date()
        factor = factors.get((company, date, leg["wanted"]))
        if not factor:
            return {"problems": [self._scope3_no_factor_message(leg["wanted"])]}
        return {
            "figure": self._scope3_transport_figure(
                company,
                date,
                factor,
                leg["weight_kg"],
                leg["distance_km"],
                leg["trace"],
                self._scope3_transport_subject(activity),
                estimated_distance=leg["estimated_distance"],
            )
        }

    @api.model
    def _scope3_no_factor_message(self, wanted):
        kind, value = wanted
        return self.env._(
            "No published DESNZ factor set holds the freight factor %(what)s.",
            what=f"{value} (key)" if kind == "key" else f"of mode {value}",
        )

    @api.model
    def _scope3_transport_figure(
        self, company, date, factor, weight_kg, distance_km, leg_trace, subject, **options
    ):
        """Distance-based figure: weight x distance = t.km, x factor [+ WTT].

        :param dict leg_trace: weight, distance and mode details recorded in the trace
        :param options: ``estimated_distance`` (great circle x detour: worse completeness)
        :return: dict (``co2e``, ``trace``, ``entry_vals``) as ``scope3.activity`` plans
            take it
        """
        factor_input = factor._scope3_factor_input("transport", wtt=company.scope3_well_to_wheel)
        basis = calculation.select_basis(
            company.scope3_accounting_basis, factor_input.basis == "market"
        )
        quantity = transport.leg_quantity(
            weight_kg,
            distance_km,
            str(date),
            leg_trace.get("distance_source", "trip"),
            well_to_wheel=bool(company.scope3_well_to_wheel and factor_input.wtt_value is not None),
        )
        co2e, trace = calculation.compute_activity_based(
            quantity, factor_input, dict(subject, basis=basis)
        )
        trace["transport"] = leg_trace
        dq = dataquality.assess(
            "transport",
            "activity",
            activity_year=date.year,
            data_year=factor_input.data_year,
            factor_region=factor_input.region,
            activity_region=company._scope3_country_code(),
            estimated_quantity=options.get("estimated_distance", False),
        )
        trace["data_quality"] = dq
        tkm = to_decimal(trace["result"]["quantity_in_factor_unit"])
        return {
            "co2e": co2e,
            "trace": trace,
            "factor": factor,
            "entry_vals": dict(
                self.env["scope3.activity"]._scope3_dq_entry_vals(dq),
                method="distance_based",
                basis=basis["used"],
                resolution_level="transport",
                factor_id=factor.id,
                factor_set_id=factor.set_id.id,
                factor_value=float(factor_input.value),
                factor_unit=factor_input.unit,
                activity_amount=float(tkm),
                activity_unit="t.km",
            ),
        }

    # ------------------------------------------------------------------------------------
    # Freight double-counting guard
    # ------------------------------------------------------------------------------------
    def _scope3_freight_winners(self):
        """Highest-ranked freight source of each of these receipts, as receipt ->
        ``(rank, labels)``; receipts without a rank 1 or 2 source are absent.

        1. a distance-based transport activity of the receipt (``scope3.activity`` of
           source type ``transport`` for the receipt, attributed);
        2. a posted carrier bill: a vendor bill or refund linked to the receipt
           (``scope3_receipt_ids``) with at least one freight line.
        """
        winners = {}
        transports = (
            self.env["scope3.activity"]
            .sudo()  # the guard reads the activities whoever triggers it
            .search(
                [
                    ("source_type", "=", "transport"),
                    ("picking_id", "in", self.ids),
                    ("state", "=", "attributed"),
                ],
                order="id",
            )
        )
        for leg_activity in transports:
            winners.setdefault(leg_activity.picking_id, (1, []))[1].append(
                self.env._("transport activity %(name)s", name=leg_activity.name)
            )
        carrier_bills = (
            self.env["account.move"]
            .sudo()
            .search(
                [
                    ("scope3_receipt_ids", "in", self.ids),
                    ("state", "=", "posted"),
                    ("move_type", "in", ("in_invoice", "in_refund")),
                ],
                order="id",
            )
        )
        freight = carrier_bills.invoice_line_ids.product_id._scope3_freight_products()
        for bill in carrier_bills:
            if not bill.invoice_line_ids.product_id & freight:
                continue
            for receipt in bill.scope3_receipt_ids & self:
                if winners.get(receipt, (2,))[0] == 2:
                    winners.setdefault(receipt, (2, []))[1].append(
                        self.env._("carrier bill %(name)s", name=bill.name)
                    )
        return winners

    @api.model
    def _scope3_freight_losers(self, claims):
        """Freight sources that count nothing because a higher-ranked source covers every
        receipt they claim (the documented rule of the freight double-counting guard):

        1. distance-based transport activity of the receipt, then
        2. the carrier bill linked to the receipt, then
        3. freight charged on the goods purchase order or on the goods vendor bill.

        A source is excluded only when every receipt it claims has a source of a better
        rank; sources of the same rank all count (e.g. two carriers for two legs), and a
        source claiming no receipt is never excluded.

        :param dict claims: key -> ``(rank, receipts)``
        :return: dict key -> message naming the winner(s), for the excluded keys only
        """
        receipts = self.browse().union(*[receipts for _rank, receipts in claims.values()])
        winners = receipts._scope3_freight_winners() if receipts else {}
        losers = {}
        for key, (rank, covered) in claims.items():
            best = [winners.get(receipt) for receipt in covered]
            if not covered or not all(b and b[0] < rank for b in best):
                continue
            labels = list(dict.fromkeys(label for b in best for label in b[1]))
            losers[key] = self.env._(
                "Freight counted elsewhere: %(winners)s covers %(receipts)s, which comes "
                "first (rule: the distance-based transport activity of a receipt, then the "
                "carrier bill linked to it, then freight on the goods order or bill). This "
                "line counts nothing.",
                winners=", ".join(labels),
                receipts=", ".join(covered.mapped("name")),
            )
        return losers

    def _scope3_recapture_freight(self, exclude_moves=None):
        """Enqueue the re-attribution of every freight source competing for these
        receipts: their goods purchase orders with freight lines, the vendor bills of
        those orders and the carrier bills linked to the receipts.

        Call it when a source of a better rank appears or goes: a transport activity of a
        receipt attributed or cancelled, a carrier bill posted, reset or cancelled,
        receipts linked to or unlinked from a bill.

        :param exclude_moves: moves already captured by the caller
        :return: number of events recorded
        """
        # sudo: whoever changed a source (accountant, stock user) re-attributes the others
        receipts = self.sudo().filtered(lambda p: p.picking_type_code == "incoming")
        if not receipts:
            return 0
        orders = receipts.move_ids.purchase_line_id.order_id
        freight = orders.order_line.product_id._scope3_freight_products()
        count = orders.filtered(lambda o: o.order_line.product_id & freight)._scope3_capture(
            "scope3.freight.recapture"
        )
        moves = (
            receipts.env["account.move"].search([("scope3_receipt_ids", "in", receipts.ids)])
            | orders.invoice_ids
        )
        if exclude_moves:
            moves -= exclude_moves
        count += moves._scope3_capture_moves("scope3.freight.recapture", freight=False)
        return count
