"""Freight transport core: great circle, tonne-kilometres, allocation (no Odoo)."""

import json
from decimal import Decimal

import pytest
import scope3_core as core
from scope3_core import dataquality, transport

SUBJECT = {"activity_id": 7, "document": "stock.picking", "document_id": 3}


def hgv_factor():
    """DESNZ 2025, Freighting goods > HGV (all diesel) > All HGVs > Average laden (ID
    27_304_3140_14_1): 0.10163 kg CO2e per tonne.km; WTT companion 0.02359."""
    return core.FactorInput(
        factor_id=9,
        value=Decimal("0.10163"),
        unit="tonne.km",
        key_type="desnz",
        key="27_304_3140_14_1",
        title="HGV (all diesel) > All HGVs > Average laden",
        set_id=2,
        set_name="DESNZ 2025",
        set_publisher="UK DESNZ",
        set_edition="2025",
        set_checksum="x",
        resolution="transport",
        uom="t.km",
        wtt_value=Decimal("0.02359"),
        wtt_factor_id=10,
    )


def test_great_circle_hand_checked():
    # one degree of a meridian: R x pi / 180 = 6,371.0088 x 0.0174532925... = 111.195 km
    assert transport.great_circle_km(45, 5, 46, 5) == Decimal("111.195")
    # one degree of the equator is the same arc
    assert transport.great_circle_km(0, 10, 0, 11) == Decimal("111.195")
    # antipodes: half the circumference, pi x 6,371.0088 = 20,015.114 km
    assert transport.great_circle_km(0, 0, 0, 180) == Decimal("20015.114")
    # symmetric, zero for the same point
    assert transport.great_circle_km(51.5, -0.12, 48.86, 2.35) == transport.great_circle_km(
        48.86, 2.35, 51.5, -0.12
    )
    assert transport.great_circle_km(48.86, 2.35, 48.86, 2.35) == Decimal("0.000")


def test_great_circle_refuses_invalid_coordinates():
    with pytest.raises(ValueError):
        transport.great_circle_km(91, 0, 0, 0)
    with pytest.raises(ValueError):
        transport.great_circle_km(0, 0, 0, 181)


def test_detour_by_mode():
    # road and van: x 1.2 -> 111.195 x 1.2 = 133.434 km; air: as is (8 % uplift in DESNZ)
    assert transport.detour_distance_km(Decimal("111.195"), "road") == Decimal("133.434")
    assert transport.detour_distance_km(Decimal("111.195"), "van") == Decimal("133.434")
    assert transport.detour_distance_km(Decimal("111.195"), "air") == Decimal("111.195")
    for mode in ("rail", "sea"):
        with pytest.raises(ValueError, match="route distance"):
            transport.detour_distance_km(Decimal("100"), mode)


def test_mode_table_points_at_desnz_2025_rows():
    # the keys are the IDs of the official flat file; the HGV row is the core's oracle
    assert transport.MODES["road"].key_2025 == "27_304_3140_14_1"
    assert set(transport.MODES) == {"road", "van", "rail", "sea", "air"}
    assert all(mode.labels[0] == "Freighting goods" for mode in transport.MODES.values())


def test_leg_of_20_t_over_100_km():
    # 20,000 kg x 100 km / 1000 = 2,000 t.km; x 0.10163 = 203.260 kg; WTW + 0.02359: 250.440
    qty = transport.leg_quantity(20000, 100, "2025-06-01", "route")
    co2e, trace = core.compute_activity_based(qty, hgv_factor(), SUBJECT)
    assert trace["result"]["quantity_in_factor_unit"] == "2000.0"
    assert co2e == Decimal("203.260")
    qty = transport.leg_quantity(20000, 100, "2025-06-01", "route", well_to_wheel=True)
    co2e, trace = core.compute_activity_based(qty, hgv_factor(), SUBJECT)
    assert co2e == Decimal("250.440")
    assert core.replay(json.loads(core.canonical_json(trace))) == co2e


def test_allocation_ghg_protocol_example():
    # GHG Protocol technical guidance, category 4: 240 / 150 / 100 t.km share 31.5 kg.
    # Exact shares 15.4285714 / 9.6428571 / 6.4285714; floors 15.428 / 9.642 / 6.428 leave
    # 2 g, to the largest remainders: 9.642 (0.857 g), then the tie 0.571 g / 0.571 g goes
    # to the larger key (240 t.km) -> 15.429 / 9.643 / 6.428, i.e. 15.43 / 9.64 / 6.43.
    parts = core.allocate(Decimal("31.5"), [240, 150, 100])
    assert parts == [Decimal("15.429"), Decimal("9.643"), Decimal("6.428")]
    assert sum(parts) == Decimal("31.500")
    assert [p.quantize(Decimal("0.01")) for p in parts] == [
        Decimal("15.43"),
        Decimal("9.64"),
        Decimal("6.43"),
    ]


def test_allocation_sums_exactly_and_handles_signs_and_zero_keys():
    parts = core.allocate(Decimal("1.000"), [1, 1, 1])
    assert parts == [Decimal("0.334"), Decimal("0.333"), Decimal("0.333")]
    assert core.allocate(Decimal("-1.000"), [1, 1, 1]) == [-p for p in parts]
    assert core.allocate(Decimal("5"), [0, 2]) == [Decimal("0"), Decimal("5.000")]
    with pytest.raises(core.CalculationError):
        core.allocate(Decimal("5"), [0, 0])
    with pytest.raises(core.CalculationError):
        core.allocate(Decimal("5"), [1, -1])
    with pytest.raises(core.CalculationError):
        core.allocate(Decimal("0.0005"), [1, 1])


def test_allocated_part_replays_from_reported_or_computed_total():
    co2e, trace = core.compute_allocated(Decimal("31.500"), [240, 150, 100], 1, SUBJECT)
    assert co2e == Decimal("9.643")
    assert trace["inputs"]["total_source"] == "reported"
    assert trace["result"]["share"] == "150/490"
    text = core.canonical_json(trace)
    assert core.verify(text, core.trace_hash(trace), "9.643") == []
    # computed trip: 4.9 t over 100 km = 490 t.km x 0.10163 = 49.799 kg (49.7987)
    qty = transport.leg_quantity(4900, 100, "2025-06-01", "trip")
    total, total_trace = core.compute_activity_based(qty, hgv_factor(), SUBJECT)
    assert total == Decimal("49.799")
    co2e, trace = core.compute_allocated(total, [240, 150, 100], 0, SUBJECT, total_trace)
    # 49.799 x 240 / 150 / 100 / 490 = 24.39135 / 15.24459 / 10.16306 -> floors 24.391 /
    # 15.244 / 10.163 = 49.798; the last gram to the largest remainder (0.59 g: 15.244)
    assert core.allocate(total, [240, 150, 100]) == [
        Decimal("24.391"),
        Decimal("15.245"),
        Decimal("10.163"),
    ]
    assert co2e == Decimal("24.391")
    assert core.replay(json.loads(core.canonical_json(trace))) == co2e
    # a tampered trip trace no longer replays to the recorded part
    trace["total"]["inputs"]["quantity"] = "5900"
    assert core.verify(core.canonical_json(trace), core.trace_hash(trace), "24.391")


def test_transport_data_quality():
    # mode-average factor: tech 3; DESNZ 2025 (GB) for a 2025 GB leg: temporal 1, geo 1;
    # completeness 3 (4 for a great-circle distance); reliability 2 -> 10/5 = 2, 11/5 -> 2
    args = dict(activity_year=2025, data_year=2025, factor_region="GB", activity_region="GB")
    measured = dataquality.assess("transport", "activity", **args)
    estimated = dataquality.assess("transport", "activity", estimated_quantity=True, **args)
    assert [measured[i] for i in dataquality.INDICATORS] == [3, 1, 1, 3, 2]
    assert [estimated[i] for i in dataquality.INDICATORS] == [3, 1, 1, 4, 2]
    assert (measured["score"], estimated["score"]) == (2, 2)
