# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from decimal import ROUND_HALF_UP

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..core import dataquality, transport
from ..core.calculation import CO2E_QUANT, _fmt
from ..core.conversion import to_decimal
from .scope3_transport_route import TRANSPORT_MODES

#: fields whose change re-attributes the shipment's transfers
ATTRIBUTION_FIELDS = {
    "picking_ids",
    "mode",
    "distance_km",
    "reported_co2e_kg",
    "factor_key",
    "date",
    "company_id",
}


class Scope3TransportConsolidation(models.Model):
    """A consolidated shipment: one vehicle trip carrying several transfers.

    The trip's emissions are the carrier-reported total when given, else the whole load
    over the trip distance x the mode's factor [+ WTT]. They are shared by the
    transfers in proportion to their tonne-kilometres (weight x the transfer's own
    distance, the trip distance when it has none), to the gram, the parts adding up
    exactly to the total (largest remainder, ``core.transport.allocate``). Each
    transfer's transport entry is its share; its trace records the allocation inputs.
    """

    _name = "scope3.transport.consolidation"
    _description = "Scope 3 Consolidated Shipment"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(string="Reference", required=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    date = fields.Date(
        required=True,
        default=fields.Date.context_today,
        help="Date of the trip: the freight factor valid on this date is used.",
    )
    carrier_id = fields.Many2one("res.partner", string="Carrier", check_company=True)
    mode = fields.Selection(TRANSPORT_MODES, required=True, default="road")
    distance_km = fields.Float(
        string="Trip Distance (km)",
        digits=(16, 3),
        help="Distance driven with the whole load; also the distance of a transfer that has "
        "no distance of its own.",
    )
    reported_co2e_kg = fields.Float(
        string="Carrier-Reported kg CO2e",
        digits=(16, 3),
        help="Total emissions of the trip reported by the carrier; used instead of the "
        "distance-based estimate.",
    )
    factor_key = fields.Char(
        string="DESNZ Factor Key",
        help="ID of a DESNZ 'Freighting goods' factor per tonne.km used instead of the "
        "mode's default factor.",
    )
    picking_ids = fields.Many2many(
        "stock.picking",
        "scope3_transport_consolidation_picking_rel",
        "consolidation_id",
        "picking_id",
        string="Transfers",
        check_company=True,
        domain="[('picking_type_code', 'in', ('incoming', 'outgoing')), "
        "('state', '!=', 'cancel'), ('company_id', '=', company_id)]",
    )
    total_co2e_kg = fields.Float(
        string="Trip kg CO2e", digits=(16, 3), compute="_compute_allocation"
    )
    allocation_html = fields.Html(
        string="Allocation", compute="_compute_allocation", sanitize=False
    )
    note = fields.Text()

    _sql_constraints = [
        (
            "distance_or_reported",
            "CHECK(distance_km > 0 OR reported_co2e_kg > 0)",
            "A consolidated shipment needs its trip distance or the carrier-reported emissions.",
        ),
    ]

    @api.constrains("picking_ids")
    def _check_one_shipment_per_picking(self):
        others = self.search(
            [("id", "not in", self.ids), ("picking_ids", "in", self.picking_ids.ids)]
        )
        shared = (self.picking_ids & others.picking_ids)[:1]
        if shared:
            raise ValidationError(
                self.env._(
                    "%(transfer)s is already in the consolidated shipment %(shipment)s.",
                    transfer=shared.name,
                    shipment=others.filtered(lambda c: shared in c.picking_ids)[:1].name,
                )
            )

    @api.constrains("picking_ids")
    def _check_transport_pickings(self):
        wrong = self.picking_ids.filtered(
            lambda p: p.picking_type_code not in ("incoming", "outgoing")
        )
        if wrong:
            raise ValidationError(
                self.env._(
                    "Only receipts and deliveries travel in a consolidated shipment, not "
                    "%(transfers)s.",
                    transfers=", ".join(wrong.mapped("name")),
                )
            )

    @api.constrains("factor_key")
    def _check_factor_key(self):
        self.env["scope3.transport.route"]._scope3_check_factor_keys(
            {consolidation.factor_key for consolidation in self if consolidation.factor_key}
        )

    # ------------------------------------------------------------------------------------
    # Capture: a change re-attributes the transfers that are or were in the shipment
    # ------------------------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        records.picking_ids._scope3_transport_pickings()._scope3_capture(
            "scope3.transport.consolidation.changed"
        )
        return records

    def write(self, vals):
        before = self.picking_ids
        res = super().write(vals)
        if ATTRIBUTION_FIELDS & set(vals):
            (before | self.picking_ids)._scope3_transport_pickings()._scope3_capture(
                "scope3.transport.consolidation.changed"
            )
        return res

    def unlink(self):
        pickings = self.picking_ids
        res = super().unlink()
        pickings._scope3_transport_pickings()._scope3_capture(
            "scope3.transport.consolidation.changed"
        )
        return res

    # ------------------------------------------------------------------------------------
    # Allocation (nothing written)
    # ------------------------------------------------------------------------------------
    def _scope3_wanted_factor(self):
        self.ensure_one()
        return ("key", self.factor_key) if self.factor_key else ("mode", self.mode)

    def _scope3_members(self):
        """The transfers the trip is shared by (cancelled ones moved nothing)."""
        self.ensure_one()
        return self.picking_ids.filtered(lambda p: p.state != "cancel").sorted("id")

    def _scope3_allocation(self, legs, factors):
        """How the trip's total is shared by its transfers, per done transfer.

        :param dict legs: picking -> leg (``stock.picking._scope3_transport_legs``), for
            at least the done transfers of the shipment
        :param dict factors: (company, date, wanted) -> factor
        :return: dict picking -> either ``{"problems": [...], "state": ...}`` or the
            allocation (``total``, ``total_trace``, ``entry_vals``, ``dq``, ``keys``,
            ``index``, ``members``) of that transfer
        """
        self.ensure_one()
        share = self._scope3_share(legs, factors)
        if "problems" in share:
            done = self._scope3_members()._scope3_transport_pickings()
            return {picking: share for picking in done}
        return {
            picking: dict(share, index=index)
            for index, picking in enumerate(self._scope3_members())
        }

    def _scope3_share(self, legs, factors):
        """The trip's total and the allocation keys of its transfers (in id order), or
        why it cannot be shared (``problems`` and the activities' ``state``)."""
        self.ensure_one()
        members = self._scope3_members()
        waiting = members - members._scope3_transport_pickings()
        if waiting:
            problem = self.env._(
                "Waiting for %(transfers)s to be done: the consolidated shipment %(shipment)s "
                "is shared once all its transfers are done.",
                transfers=", ".join(waiting.mapped("name")),
                shipment=self.name,
            )
            return {"problems": [problem], "state": "pending"}
        problems, keys, rows = [], [], []
        trip_distance = to_decimal(self.distance_km).normalize() if self.distance_km else None
        for picking in members:
            leg = legs[picking]
            problems += leg["weight_problems"]
            distance, source = leg["distance_km"], leg["trace"].get("distance_source")
            if distance is None and trip_distance is not None:
                distance, source = trip_distance, "trip"
            elif distance is None:
                problems += leg["distance_problems"]
            if leg["weight_kg"] is None or distance is None:
                continue
            tkm = transport.tonne_km(leg["weight_kg"], distance).normalize()
            keys.append(tkm)
            rows.append(
                {
                    "picking_id": picking.id,
                    "name": picking.name,
                    "weight_kg": _fmt(leg["weight_kg"]),
                    "distance_km": _fmt(distance),
                    "distance_source": source,
                    "tkm": _fmt(tkm),
                }
            )
        if not problems and not sum(keys):
            problems.append(
                self.env._("The transfers of %(shipment)s weigh nothing.", shipment=self.name)
            )
        if not problems:
            total = self._scope3_trip_total(legs, factors)
            if "problem" not in total:
                return dict(total, keys=keys, members=rows)
            problems.append(total["problem"])
        heading = self.env._(
            "Consolidated shipment %(shipment)s cannot be shared:", shipment=self.name
        )
        return {"problems": [heading] + problems, "state": "unmapped"}

    def _scope3_trip_total(self, legs, factors):
        """The trip's kg CO2e: carrier-reported, else computed distance-based."""
        self.ensure_one()
        company = self.company_id
        subject = {
            "document": self._name,
            "document_id": self.id,
            "document_name": self.name,
        }
        if self.reported_co2e_kg:
            dq = dataquality.assess(
                "supplier",
                "activity",
                activity_year=self.date.year,
                data_year=self.date.year,
                primary_share=100,
            )
            return {
                "total": to_decimal(self.reported_co2e_kg).quantize(
                    CO2E_QUANT, rounding=ROUND_HALF_UP
                ),
                "total_trace": None,
                "dq": dq,
                "entry_vals": {
                    "method": "supplier_specific",
                    "basis": "location",
                    "resolution_level": "supplier",
                },
            }
        wanted = self._scope3_wanted_factor()
        factor = factors.get((company, self.date, wanted))
        if not factor:
            return {"problem": self.env["stock.picking"]._scope3_no_factor_message(wanted)}
        members = self._scope3_members()
        weight = sum(legs[picking]["weight_kg"] for picking in members)
        figure = self.env["stock.picking"]._scope3_transport_figure(
            company,
            self.date,
            factor,
            weight,
            to_decimal(self.distance_km).normalize(),
            {
                "mode": self.mode,
                "distance_source": "trip",
                "distance_km": _fmt(to_decimal(self.distance_km).normalize()),
                "weight_kg": _fmt(weight),
            },
            subject,
        )
        return {
            "total": figure["co2e"],
            "total_trace": figure["trace"],
            "dq": figure["trace"]["data_quality"],
            "entry_vals": {
                key: value
                for key, value in figure["entry_vals"].items()
                if not key.startswith(("dq_", "uncertainty", "activity_"))
            },
        }

    def _scope3_part_figure(self, allocation, leg, activity):
        """One transfer's share of the trip, as a plan figure."""
        self.ensure_one()
        picking = leg["picking"]
        co2e, trace = transport.compute_allocated(
            allocation["total"],
            allocation["keys"],
            allocation["index"],
            picking._scope3_transport_subject(activity),
            allocation["total_trace"],
        )
        trace["transport"] = dict(
            leg["trace"],
            consolidation={
                "id": self.id,
                "name": self.name,
                "mode": self.mode,
                "trip_distance_km": _fmt(to_decimal(self.distance_km).normalize())
                if self.distance_km
                else None,
                "reported_co2e_kg": _fmt(allocation["total"])
                if allocation["total_trace"] is None
                else None,
                "members": allocation["members"],
            },
        )
        trace["data_quality"] = allocation["dq"]
        return {
            "figure": {
                "co2e": co2e,
                "trace": trace,
                "entry_vals": dict(
                    allocation["entry_vals"],
                    **self.env["scope3.activity"]._scope3_dq_entry_vals(allocation["dq"]),
                    activity_amount=float(allocation["keys"][allocation["index"]]),
                    activity_unit="t.km",
                ),
            }
        }

    # ------------------------------------------------------------------------------------
    # Display: the allocation the ledger gets, computed the same way
    # ------------------------------------------------------------------------------------
    @api.depends("picking_ids", "mode", "distance_km", "reported_co2e_kg", "factor_key", "date")
    def _compute_allocation(self):
        for consolidation in self:
            consolidation.total_co2e_kg = 0.0
            consolidation.allocation_html = False
            # saved shipments only: the figures are those of the stored transfers
            if isinstance(consolidation.id, int) and consolidation._scope3_members():
                consolidation._scope3_fill_allocation_display()

    def _scope3_fill_allocation_display(self):
        self.ensure_one()
        legs = self._scope3_members()._scope3_transport_legs()
        wanted = self._scope3_wanted_factor()
        factors = {
            (self.company_id, self.date, key): factor
            for key, factor in self.env["scope3.transport.route"]
            ._scope3_mode_factors(self.company_id, self.date, {wanted})
            .items()
        }
        first = self._scope3_share(legs, factors)
        if "problems" in first:
            self.allocation_html = Markup("<p>%s</p>") % Markup("<br/>").join(
                escape(problem) for problem in first["problems"]
            )
            return
        parts = transport.allocate(first["total"], first["keys"])
        key_sum = sum(first["keys"])
        rows = Markup("").join(
            Markup(
                "<tr><td>%s</td><td class='text-end'>%s</td><td class='text-end'>%s</td>"
                "<td>%s</td><td class='text-end'>%s</td><td class='text-end'>%s</td>"
                "<td class='text-end'>%s</td></tr>"
            )
            % (
                row["name"],
                row["weight_kg"],
                row["distance_km"],
                row["distance_source"],
                row["tkm"],
                f"{float(to_decimal(row['tkm']) / key_sum * 100):.2f} %",
                _fmt(part),
            )
            for row, part in zip(first["members"], parts, strict=True)
        )
        header = Markup(
            "<thead><tr><th>%s</th><th class='text-end'>%s</th><th class='text-end'>%s</th>"
            "<th>%s</th><th class='text-end'>%s</th><th class='text-end'>%s</th>"
            "<th class='text-end'>%s</th></tr></thead>"
        ) % (
            self.env._("Transfer"),
            self.env._("Weight (kg)"),
            self.env._("Distance (km)"),
            self.env._("Distance from"),
            self.env._("t.km"),
            self.env._("Share"),
            self.env._("kg CO2e"),
        )
        self.total_co2e_kg = float(first["total"])
        self.allocation_html = Markup(
            "<table class='table table-sm o_scope3_allocation'>%s<tbody>%s</tbody></table>"
        ) % (header, rows)
