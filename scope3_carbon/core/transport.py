"""Freight transport: distances, tonne-kilometres, transport modes and allocation.

Plain Python (no Odoo import). Categories 4 and 9 of the GHG Protocol are computed
distance-based, as ISO 14083 and the GLEC Framework describe a transport chain element:

    t.km = mass in tonnes x distance in km
    kg CO2e = t.km x (tank-to-wheel factor [+ well-to-tank factor])

with the UK DESNZ "Freighting goods" factors per tonne.km (well-to-wheel adds their
"WTT- delivery vehs & freight" companions).

Distances. When neither a route nor a partner gives the distance of a leg, it is
estimated from the coordinates of both ends: the great-circle distance (haversine
formula on a sphere of the IUGG mean Earth radius, :data:`EARTH_RADIUS_KM`) multiplied
by the detour factor of the mode (:data:`MODES`):

- road (HGV, van): 1.2. Road networks are about 1.2 times longer than the straight line
  between two places ("circuity factor"): about 1.2 for the UK road network (Cooper,
  J.C., "The use of straight line distances in solutions to the vehicle scheduling
  problem", Journal of the Operational Research Society 34(5), 1983) and for the USA
  (Ballou, R.H., Rahardja, H., Sakai, N., "Selected country circuity factors for road
  travel distance estimation", Transportation Research Part A 36(9), 2002, 843-848).
- air: 1.0. The DESNZ freight-flight factors already include an 8 % distance uplift for
  indirect routing and stacking and are meant for great-circle distances ("All the
  factors include the distance uplift of 8%", DESNZ 2025 full set, "Freighting goods").
- rail and sea: no estimate. Rail lines and sea lanes (around coasts, through canals)
  are too far from the great circle for one factor: a route or partner distance is
  needed, otherwise the leg is reported as unmapped.

Allocation. A consolidated shipment (several transfers in one vehicle trip) has one
total, carrier-reported or computed for the trip; it is shared by the transfers in
proportion to their tonne-kilometres (GHG Protocol, Technical Guidance for Calculating
Scope 3 Emissions, category 4), to the gram, with the largest-remainder method so that
the parts add up exactly to the total (:func:`allocate`).
"""

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from .calculation import CO2E_QUANT, TRACE_SCHEMA, CalculationError, QuantityInput, _fmt
from .conversion import to_decimal, tonne_km

__all__ = [
    "EARTH_RADIUS_KM",
    "MODES",
    "TransportMode",
    "allocate",
    "compute_allocated",
    "detour_distance_km",
    "great_circle_km",
    "leg_quantity",
    "tonne_km",
]


#: Mean Earth radius R1 = (2a + b) / 3 of the GRS 80 / WGS 84 ellipsoid, in km (IUGG;
#: Moritz, "Geodetic Reference System 1980", Journal of Geodesy 74, 2000). The sphere
#: differs from the ellipsoid's geodesic by less than 0.5 %.
EARTH_RADIUS_KM = Decimal("6371.0088")
#: Distances are kept to the metre.
DISTANCE_QUANT = Decimal("0.001")
#: Road detour (circuity) factor, see the module docstring.
ROAD_DETOUR = Decimal("1.2")


@dataclass(frozen=True)
class TransportMode:
    """A transport mode and the DESNZ "Freighting goods" row (per tonne.km) it uses.

    ``labels`` are Level 1, Level 2, Level 3, Level 4 and Column Text of the row (2024 and
    2025 editions); ``aliases`` the labels of the same row where a later edition renamed it
    (2026: "HGV (non-refrigerated, all diesel)"); ``key_2025`` is its ID in the 2025 flat
    file. ``detour`` multiplies a
    great-circle distance; None means that the mode gets no great-circle estimate.
    """

    code: str
    labels: tuple
    key_2025: str
    detour: Decimal | None
    detour_rule: str
    aliases: tuple = ()


MODES = {
    mode.code: mode
    for mode in (
        TransportMode(
            "road",
            ("Freighting goods", "HGV (all diesel)", "All HGVs", "", "Average laden"),
            "27_304_3140_14_1",
            ROAD_DETOUR,
            "road circuity 1.2 (Cooper 1983; Ballou, Rahardja & Sakai 2002)",
            (
                (
                    "Freighting goods",
                    "HGV (non-refrigerated, all diesel)",
                    "Average non-refrigerated HGVs",
                    "",
                    "Average laden",
                ),
            ),
        ),
        TransportMode(
            "van",
            ("Freighting goods", "Vans", "Average (up to 3.5 tonnes)", "", "Diesel"),
            "27_303_3102_14_1",
            ROAD_DETOUR,
            "road circuity 1.2 (Cooper 1983; Ballou, Rahardja & Sakai 2002)",
        ),
        TransportMode(
            "rail",
            ("Freighting goods", "Rail", "Freight train", "", ""),
            "27_315_3151_14_1",
            None,
            "no great-circle estimate for rail: give the route distance",
        ),
        TransportMode(
            "sea",
            ("Freighting goods", "Cargo ship", "Container ship", "Average", ""),
            "27_320_3235_14_1",
            None,
            "no great-circle estimate for sea: give the route distance",
        ),
        TransportMode(
            "air",
            ("Freighting goods", "Freight flights", "Long-haul, to/from UK", "", "Without RF"),
            "27_317_3157_14_1",
            Decimal("1"),
            "great circle as is: the DESNZ flight factors include an 8 % distance uplift",
        ),
    )
}


def great_circle_km(lat1, lon1, lat2, lon2):
    """Great-circle distance in km between two points given in decimal degrees.

    Haversine formula on a sphere of radius :data:`EARTH_RADIUS_KM`, rounded half-up to
    the metre (so the figure, and the trace that records it, is stable across platforms):

        a = sin^2(dlat / 2) + cos(lat1) cos(lat2) sin^2(dlon / 2)
        d = 2 R asin(sqrt(a))
    """
    for lat, lon in ((lat1, lon1), (lat2, lon2)):
        if not (-90 <= float(lat) <= 90 and -180 <= float(lon) <= 180):
            raise ValueError(f"invalid coordinates ({lat}, {lon})")
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))
    dphi = phi2 - phi1
    dlambda = math.radians(float(lon2) - float(lon1))
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    central_angle = 2 * math.asin(min(1.0, math.sqrt(a)))
    return (EARTH_RADIUS_KM * to_decimal(central_angle)).quantize(
        DISTANCE_QUANT, rounding=ROUND_HALF_UP
    )


def detour_distance_km(great_circle, mode):
    """Estimated transport distance: great circle x the mode's detour factor, to the metre.

    :raises ValueError: for a mode without a great-circle estimate (rail, sea)
    """
    detour = MODES[mode].detour
    if detour is None:
        raise ValueError(MODES[mode].detour_rule)
    return (to_decimal(great_circle) * detour).quantize(DISTANCE_QUANT, rounding=ROUND_HALF_UP)


def leg_quantity(weight_kg, distance_km, date, rule, well_to_wheel=False):
    """The quantity of a transport leg for :func:`calculation.compute_activity_based`:
    the mass in kg, multiplied by ``distance / 1000`` to get tonne-kilometres."""
    distance = to_decimal(distance_km)
    return QuantityInput(
        quantity=to_decimal(weight_kg),
        unit="kg",
        date=date,
        to_factor_unit=distance / Decimal(1000),
        conversion_rule=f"kg x {_fmt(distance)} km / 1000 = t.km ({rule})",
        well_to_wheel=well_to_wheel,
    )


def allocate(total, keys, quantum=CO2E_QUANT):
    """Share ``total`` in proportion to ``keys``, to ``quantum``, summing exactly to it.

    Largest-remainder (Hamilton) method, in exact rational arithmetic: every part gets the
    floor of its exact share (in quanta); the quanta left go one each to the parts with
    the largest remainders, ties going to the larger key, then to the earlier part. E.g.
    31.5 kg by 240 / 150 / 100 t.km -> 15.429 / 9.643 / 6.428 kg.

    :param total: amount to share (Decimal, a multiple of ``quantum``; may be negative)
    :param list keys: non-negative allocation keys (e.g. tonne-kilometres), not all zero
    :return: list of Decimal parts aligned with ``keys``
    """
    total = to_decimal(total)
    quantum = to_decimal(quantum)
    keys = [to_decimal(key) for key in keys]
    if not keys or any(key < 0 for key in keys) or sum(keys) <= 0:
        raise CalculationError(f"allocation keys must be non-negative and not all zero: {keys}")
    units = Fraction(total) / Fraction(quantum)
    if units.denominator != 1:
        raise CalculationError(f"total {total} is not a multiple of {quantum}")
    sign = -1 if units < 0 else 1
    units = abs(int(units))
    key_sum = sum(Fraction(key) for key in keys)
    exact = [units * Fraction(key) / key_sum for key in keys]
    parts = [math.floor(share) for share in exact]
    order = sorted(range(len(keys)), key=lambda i: (-(exact[i] - parts[i]), -keys[i], i))
    for index in order[: units - sum(parts)]:
        parts[index] += 1
    return [sign * part * quantum for part in parts]


def compute_allocated(total_co2e, keys, index, subject, total_trace=None, key_unit="t.km"):
    """kg CO2e of one part of a shared total (a transfer of a consolidated shipment).

    :param total_co2e: the total to share (kg CO2e): carrier-reported, or the figure of
        ``total_trace`` (the trip computed activity-based), which the trace then embeds
        so that the part replays from the trip's own inputs
    :param list keys: allocation keys of every part (tonne-kilometres)
    :param int index: position of this part in ``keys``
    :return: ``(co2e_kg, trace)``
    """
    total = to_decimal(total_co2e)
    keys = [to_decimal(key) for key in keys]
    co2e = allocate(total, keys)[index]
    trace = {
        "schema": TRACE_SCHEMA,
        "method": "allocation",
        "subject": subject,
        "inputs": {
            "total_co2e_kg": _fmt(total),
            "total_source": "computed" if total_trace else "reported",
            "keys": [_fmt(key) for key in keys],
            "key_unit": key_unit,
            "index": index,
        },
        "total": total_trace,
        "formula": "co2e_kg = largest-remainder share of total_co2e_kg by keys[index] / "
        "sum(keys), to 0.001 kg (the shares add up to the total)",
        "result": {"share": f"{_fmt(keys[index])}/{_fmt(sum(keys))}", "co2e_kg": _fmt(co2e)},
    }
    return co2e, trace
