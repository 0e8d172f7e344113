# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..core import transport

TRANSPORT_MODES = [
    ("road", "Road (HGV)"),
    ("van", "Road (van up to 3.5 t)"),
    ("rail", "Rail"),
    ("sea", "Sea (container ship)"),
    ("air", "Air (long-haul)"),
]


class Scope3TransportRoute(models.Model):
    """A transport lane between two addresses: its distance, mode and factor.

    Receipts and deliveries between the two partners (in either direction, so that
    returns travel the same lane) take the route's distance and mode; the DESNZ factor
    key, when set, replaces the mode's default factor (see ``core.transport.MODES``).
    """

    _name = "scope3.transport.route"
    _description = "Scope 3 Transport Route"
    _order = "sequence, id"
    _check_company_auto = True

    active = fields.Boolean(default=True)
    sequence = fields.Integer(default=10, help="The first matching route is used.")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    from_partner_id = fields.Many2one(
        "res.partner",
        string="From",
        required=True,
        index=True,
        check_company=True,
        help="Vendor, customer or warehouse address the goods leave from.",
    )
    to_partner_id = fields.Many2one(
        "res.partner",
        string="To",
        required=True,
        index=True,
        check_company=True,
        help="Address the goods arrive at.",
    )
    mode = fields.Selection(TRANSPORT_MODES, required=True, default="road")
    distance_km = fields.Float(string="Distance (km)", required=True, digits=(16, 3))
    factor_key = fields.Char(
        string="DESNZ Factor Key",
        help="ID of a DESNZ 'Freighting goods' factor per tonne.km (e.g. 27_304_3138_14_1 for "
        "an HGV 50% laden) used instead of the mode's default factor.",
    )
    note = fields.Text()

    _sql_constraints = [
        ("distance_positive", "CHECK(distance_km > 0)", "A route's distance must be positive."),
    ]

    @api.depends("from_partner_id", "to_partner_id", "mode", "distance_km")
    def _compute_display_name(self):
        modes = dict(self._fields["mode"]._description_selection(self.env))
        for route in self:
            route.display_name = (
                f"{route.from_partner_id.name or ''} → {route.to_partner_id.name or ''} "
                f"({modes.get(route.mode, '')}, {route.distance_km:g} km)"
            )

    @api.constrains("factor_key")
    def _check_factor_key(self):
        self._scope3_check_factor_keys({route.factor_key for route in self if route.factor_key})

    @api.model
    def _scope3_check_factor_keys(self, keys):
        """Refuse factor keys that no DESNZ freight factor per tonne.km has."""
        if not keys:
            return
        found = set(
            self.env["scope3.factor"]
            .sudo()
            .search(
                [
                    ("key_type", "=", "desnz"),
                    ("key", "in", list(keys)),
                    ("uom_code", "=", "t.km"),
                    ("is_wtt", "=", False),
                ]
            )
            .mapped("key")
        )
        missing = sorted(keys - found)
        if missing:
            raise ValidationError(
                self.env._(
                    "No DESNZ factor per tonne.km has the key %(keys)s.", keys=", ".join(missing)
                )
            )

    # ------------------------------------------------------------------------------------
    # Lookups of the transport attribution (no writes)
    # ------------------------------------------------------------------------------------
    @api.model
    def _scope3_match(self, company, legs):
        """The route of each leg, or an empty recordset.

        A route matches a leg when it joins the external partner (the address itself,
        else its commercial entity) and the site (the warehouse address, else the
        company's), in either direction. Preferred: the address over its commercial
        entity, the leg's own direction over the reverse, then the route sequence.

        :param list legs: ``(external partner, site partner, outgoing)`` triples
        :return: list of routes aligned with ``legs``
        """
        externals = [self._scope3_partner_chain(external) for external, _site, _out in legs]
        sites = [self._scope3_partner_chain(site) for _external, site, _out in legs]
        partner_ids = {p.id for chain in externals + sites for p in chain}
        routes = self.search(
            [
                ("company_id", "=", company.id),
                ("from_partner_id", "in", list(partner_ids)),
                ("to_partner_id", "in", list(partner_ids)),
            ]
        )
        result = []
        for (_external, _site, outgoing), external_chain, site_chain in zip(
            legs, externals, sites, strict=True
        ):
            best, best_rank = self.browse(), None
            for route in routes:
                for forward in (True, False):
                    # forward: the leg's own direction (site -> external when outgoing)
                    source, target = (
                        (route.from_partner_id, route.to_partner_id)
                        if forward
                        else (route.to_partner_id, route.from_partner_id)
                    )
                    external, site = (target, source) if outgoing else (source, target)
                    if external in external_chain and site in site_chain:
                        rank = (
                            external_chain.index(external),
                            site_chain.index(site),
                            not forward,
                            route.sequence,
                            route.id,
                        )
                        if best_rank is None or rank < best_rank:
                            best, best_rank = route, rank
            result.append(best)
        return result

    @api.model
    def _scope3_partner_chain(self, partner):
        """The partner, then its commercial entity (where settings are looked up)."""
        chain = [partner] if partner else []
        if partner and partner.commercial_partner_id != partner:
            chain.append(partner.commercial_partner_id)
        return chain

    @api.model
    def _scope3_mode_factors(self, company, date, wanted):
        """DESNZ freight factors per tonne.km, from the latest published activity set
        valid on ``date`` that holds each one.

        :param set wanted: ``("key", factor key)`` and ``("mode", mode code)`` pairs
        :return: dict pair -> ``scope3.factor`` (missing when no valid set holds it)
        """
        sets = self.env["scope3.factor.set"]._scope3_sets_valid_at(company, date, "activity")
        keys = [value for kind, value in wanted if kind == "key"]
        factors = self.env["scope3.factor"].search(
            [
                ("set_id", "in", sets.ids),
                ("key_type", "=", "desnz"),
                ("uom_code", "=", "t.km"),
                ("is_wtt", "=", False),
                "|",
                ("key", "in", keys),
                ("level_1", "=", "Freighting goods"),
            ]
        )
        by_key, by_labels = {}, {}
        for factor in factors:
            labels = (
                factor.level_1,
                factor.level_2,
                factor.level_3,
                factor.level_4 or "",
                factor.column_text or "",
            )
            by_key.setdefault((factor.set_id, factor.key), factor)
            by_labels.setdefault((factor.set_id, labels), factor)
        result = {}
        for kind, value in wanted:
            for factor_set in sets:
                if kind == "key":
                    factor = by_key.get((factor_set, value))
                else:
                    mode = transport.MODES[value]
                    factor = next(
                        (
                            by_labels[(factor_set, labels)]
                            for labels in (mode.labels, *mode.aliases)
                            if (factor_set, labels) in by_labels
                        ),
                        None,
                    )
                if factor:
                    result[(kind, value)] = factor
                    break
        return result
