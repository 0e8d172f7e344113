"""Parsers of the official emission-factor files (plain Python, no Odoo).

The official files are read from ``../shared/factor-sources`` (a sibling folder of the
repository, never copied into it); the tests that need them are skipped when it is absent.
Malformed inputs are built by editing a few lines of the real files in memory. Oracle values
come from each folder's SOURCE.txt.
"""

import csv
import hashlib
import io
import pathlib
import sys
from collections import Counter
from decimal import Decimal

import pytest
from scope3_core import importers
from scope3_core.importers import ImportFileError, detect, parse
from scope3_core.importers.desnz_flat import parse_desnz_flat
from scope3_core.importers.ember import parse_ember
from scope3_core.importers.epa_hub import detect_table, parse_epa_hub_table
from scope3_core.importers.epa_supply_chain import parse_epa_supply_chain

SOURCES = pathlib.Path(__file__).resolve().parent.parent.parent / "shared" / "factor-sources"

EPA12 = "epa_supply_chain_ghg_factors_v1.2/SupplyChainGHGEmissionFactors_v1.2_NAICS_{}_USD2021.csv"
EPA13 = (
    "epa_supply_chain_ghg_factors_v1.3.0/SupplyChainGHGEmissionFactors_v1.3.0_NAICS_{}_USD2022.csv"
)
DESNZ = {
    2024: "desnz_ghg_conversion_factors_2024/DERIVED_flat_from_full_set_2024.csv",
    2025: "desnz_ghg_conversion_factors_2025/ghg-conversion-factors-2025-flat-format.csv",
    2026: "desnz_ghg_conversion_factors_2026/DERIVED_flat_from_full_set_2026.csv",
}
HUB = {
    "6": "epa_ghg_emission_factors_hub_2025/DERIVED_table6_electricity_egrid_subregions.csv",
    "8": "epa_ghg_emission_factors_hub_2025/DERIVED_table8_scope3_cat4_cat9_transport.csv",
    "9": "epa_ghg_emission_factors_hub_2025/DERIVED_table9_scope3_cat5_cat12_waste.csv",
    "10": "epa_ghg_emission_factors_hub_2025/DERIVED_table10_scope3_cat6_cat7_travel.csv",
}
EMBER_JSON = "ember_grid_intensity_via_co2js/average-intensities.json"
EMBER_CSV = "ember_grid_intensity_via_co2js/DERIVED_average-intensities.csv"

WITH_MARGINS = "Supply Chain Emission Factors with Margins"
D = Decimal


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def read():
    """Read a file of the shared folder; skip when the folder is absent."""
    if not SOURCES.is_dir():
        pytest.skip(f"official factor files not available ({SOURCES})")
    cache = {}

    def _read(relative):
        if relative not in cache:
            cache[relative] = (SOURCES / relative).read_bytes()
        return cache[relative]

    return _read


def _split(data):
    return data.split(b"\n")


def line_of(data, needle, start=1):
    """1-based line of the first line at or after ``start`` containing ``needle``."""
    for number, raw in enumerate(_split(data), start=1):
        if number >= start and needle.encode() in raw:
            return number
    raise AssertionError(f"{needle!r} not found")


def set_cell(data, line, column, value):
    """The file with the cell ``column`` (header name or index) of ``line`` replaced."""
    lines = _split(data)
    header = next(csv.reader([lines[0].rstrip(b"\r").decode("utf-8-sig")]))
    index = column if isinstance(column, int) else header.index(column)
    raw = lines[line - 1]
    cells = next(csv.reader([raw.rstrip(b"\r").decode("utf-8")]))
    cells[index] = value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow(cells)
    lines[line - 1] = buffer.getvalue().encode() + (b"\r" if raw.endswith(b"\r") else b"")
    return b"\n".join(lines)


def replace_in_line(data, line, old, new):
    lines = _split(data)
    assert old.encode() in lines[line - 1]
    lines[line - 1] = lines[line - 1].replace(old.encode(), new.encode(), 1)
    return b"\n".join(lines)


def header_only(data):
    return _split(data)[0] + b"\n"


def rejected(call, *args, **kwargs):
    with pytest.raises(ImportFileError) as info:
        call(*args, **kwargs)
    return info.value.problems


def by_key(parsed):
    return {factor.key: factor for factor in parsed.factors}


def sha256(*parts):
    return hashlib.sha256(b"".join(parts)).hexdigest()


# --------------------------------------------------------------------------- parsed sets


@pytest.fixture(scope="module")
def epa13(read):
    return parse_epa_supply_chain(read(EPA13.format("CO2e")), read(EPA13.format("byGHG")))


@pytest.fixture(scope="module")
def epa12(read):
    return parse_epa_supply_chain(read(EPA12.format("CO2e")), read(EPA12.format("byGHG")))


@pytest.fixture(scope="module")
def desnz(read):
    return {year: parse_desnz_flat(read(path)) for year, path in DESNZ.items()}


@pytest.fixture(scope="module")
def hub(read):
    return {table: parse_epa_hub_table(read(path), table) for table, path in HUB.items()}


@pytest.fixture(scope="module")
def ember(read):
    return parse_ember(read(EMBER_JSON))


# --------------------------------------------------------------------------- EPA supply chain

EPA13_ORACLES = {  # NAICS: (without margins, margins, with margins), kg CO2e / 2022 USD
    "331110": ("0.769", "0.018", "0.787"),
    "327310": ("3.846", "0.078", "3.924"),
    "484121": ("0.595", "0", "0.595"),
    "483111": ("0.816", "0", "0.816"),
    "541511": ("0.084", "0", "0.084"),
}
EPA12_ORACLES = {  # kg CO2e / 2021 USD
    "331110": ("0.945", "0.033", "0.979"),
    "327310": ("3.768", "0.09", "3.858"),
    "484121": ("1.115", "0", "1.115"),
    "483111": ("0.618", "0", "0.618"),
    "541511": ("0.097", "0", "0.097"),
    "111130": ("2.874", "0.134", "3.007"),  # with margins as published, not 2.874 + 0.134
}


def _check_oracles(parsed, oracles):
    factors = by_key(parsed)
    for code, (without, margin, with_margins) in oracles.items():
        factor = factors[code]
        assert factor.value == D(with_margins), code
        assert factor.value_without_margins == D(without), code
        assert factor.margin_value == D(margin), code


def test_epa_v13_co2e(read):
    data = read(EPA13.format("CO2e"))
    parsed = parse_epa_supply_chain(data)
    assert (parsed.source, parsed.edition, parsed.gwp_basis) == (
        "epa_supply_chain",
        "v1.3.0",
        "ar5",
    )
    assert parsed.publisher == "US EPA Office of Research and Development"
    assert parsed.source_url == "https://doi.org/10.23719/1531143"
    assert (parsed.factor_type, parsed.currency, parsed.price_year) == ("spend", "USD", 2022)
    assert parsed.price_basis == "purchaser"
    assert (parsed.row_count, parsed.skipped_rows, len(parsed.factors)) == (1016, 0, 1016)
    assert parsed.checksum == sha256(data)
    _check_oracles(parsed, EPA13_ORACLES)
    steel = by_key(parsed)["331110"]
    assert steel.name == "Iron and Steel Mills and Ferroalloy Manufacturing"
    assert (steel.key_type, steel.unit, steel.uom_code) == ("naics", "2022 USD", "usd")
    assert steel.gas_values is None and steel.gas_unit is None


def test_epa_v12_co2e(read):
    data = read(EPA12.format("CO2e"))
    parsed = parse_epa_supply_chain(data)
    assert (parsed.edition, parsed.gwp_basis, parsed.price_year) == ("v1.2", "ar4", 2021)
    assert parsed.source_url == "https://doi.org/10.23719/1528686"
    assert (parsed.row_count, len(parsed.factors)) == (1016, 1016)
    _check_oracles(parsed, EPA12_ORACLES)
    assert by_key(parsed)["111130"].unit == "2021 USD"


def test_epa_v13_by_ghg(read, epa13):
    co2e, by_ghg = read(EPA13.format("CO2e")), read(EPA13.format("byGHG"))
    assert epa13.row_count == 1016 + 18288
    assert epa13.checksum == sha256(co2e, by_ghg)
    assert all(len(factor.gas_values) == 18 for factor in epa13.factors)
    steel = by_key(epa13)["331110"]
    assert steel.value == D("0.787")  # the CO2e file still gives the value
    assert steel.gas_values["CO2"] == D("7.38e-01")
    assert steel.gas_values["CH4"] == D("1.30e-03")
    assert steel.gas_values["N2O"] == D("2.08e-05")
    assert steel.gas_values["HFC/PFC unspecified"] == D("1.20e-03")
    assert "kg of the gas" in steel.gas_unit
    assert '"HFC/PFC unspecified" in kg CO2e' in steel.gas_unit


AR5 = {
    "CO2": 1,
    "CH4": 28,
    "N2O": 265,
    "SF6": 23500,
    "NF3": 16100,
    "HFC-23": 12400,
    "HFC-32": 677,
    "HFC-125": 3170,
    "HFC-134a": 1300,
    "HFC-143a": 4800,
    "HFC-236fa": 8060,
    "CF4": 6630,
    "C2F6": 11100,
    "C3F8": 8900,
    "c-C4F8": 9540,
    "C4F10": 9200,
    "C6F14": 7910,
    "HFC/PFC unspecified": 1,  # already kg CO2e
}
AR4 = dict(AR5, CH4=25, N2O=298, SF6=22800, NF3=17200, CF4=7390, C2F6=12200, C3F8=8830)
AR4.update({"HFC-23": 14800, "HFC-32": 675, "HFC-125": 3500, "HFC-134a": 1430})
AR4.update({"HFC-143a": 4470, "HFC-236fa": 9810, "c-C4F8": 10300})


@pytest.mark.parametrize("edition, gwp, gases", [("v1.3.0", AR5, 18), ("v1.2", AR4, 16)])
def test_epa_by_gas_values_reproduce_totals(epa13, epa12, edition, gwp, gases):
    """The gases weighted with the edition's GWPs give the CO2e totals (SOURCE.txt: mean
    absolute difference 0.0003 for v1.3.0 with AR5, 0.0005 for v1.2 with AR4)."""
    parsed = epa13 if edition == "v1.3.0" else epa12
    assert parsed.edition == edition
    total_difference = D(0)
    for factor in parsed.factors:
        assert len(factor.gas_values) == gases
        weighted = sum(value * gwp[gas] for gas, value in factor.gas_values.items())
        total_difference += abs(weighted - factor.value)
    assert total_difference / len(parsed.factors) < D("0.001")


@pytest.mark.parametrize("path", [EPA12, EPA13])
def test_epa_utf8_bom_tolerated(read, path):
    """SOURCE.txt says the v1.3.0 CO2e file starts with a BOM; this copy has none. Both
    forms give the same factors."""
    data = read(path.format("CO2e"))
    assert not data.startswith(b"\xef\xbb\xbf")
    with_bom = parse_epa_supply_chain(b"\xef\xbb\xbf" + data)
    assert with_bom.factors == parse_epa_supply_chain(data).factors
    assert with_bom.checksum == sha256(b"\xef\xbb\xbf" + data)


def test_epa_by_ghg_naics_not_in_co2e_file(read):
    co2e, by_ghg = read(EPA13.format("CO2e")), read(EPA13.format("byGHG"))
    line = line_of(co2e, "331110")
    co2e = set_cell(co2e, line, 0, "331119")  # the CO2e file no longer has 331110
    problems = rejected(parse_epa_supply_chain, co2e, by_ghg)
    first = line_of(by_ghg, "331110")
    assert len(problems) == 18
    assert problems[0] == f"line {first}: NAICS code 331110 is not in the CO2e file"


def test_epa_by_ghg_of_another_edition(read):
    problems = rejected(
        parse_epa_supply_chain, read(EPA13.format("CO2e")), read(EPA12.format("byGHG"))
    )
    assert problems == ['line 1: missing required column(s): "2017 NAICS Code"']


def test_epa_by_ghg_unknown_gas_and_unit(read):
    co2e, by_ghg = read(EPA13.format("CO2e")), read(EPA13.format("byGHG"))
    by_ghg = set_cell(by_ghg, 3, "GHG", "Ozone")
    by_ghg = set_cell(by_ghg, 4, "Unit", "g/2022 USD, purchaser price")
    problems = rejected(parse_epa_supply_chain, co2e, by_ghg)
    assert problems == [
        'line 3: unknown GHG "Ozone"',
        'line 4: unknown unit "g/2022 USD, purchaser price" in column Unit',
    ]


def test_epa_missing_column(read):
    data = read(EPA13.format("CO2e")).replace(WITH_MARGINS.encode(), b"Factor", 1)
    data = data.replace(b"2017 NAICS Title", b"Title", 1)
    problems = rejected(parse_epa_supply_chain, data)
    assert problems == [
        'line 1: missing required column(s): "2017 NAICS Title", '
        '"Supply Chain Emission Factors with Margins"'
    ]


def test_epa_non_numeric_and_negative_values(read):
    data = read(EPA13.format("CO2e"))
    data = set_cell(data, 17, WITH_MARGINS, "abc")
    data = set_cell(data, 40, WITH_MARGINS, "1,5")
    data = set_cell(data, 41, "Supply Chain Emission Factors without Margins", "-0.2")
    problems = rejected(parse_epa_supply_chain, data)
    assert problems == [
        'line 17: non-numeric value "abc" in column Supply Chain Emission Factors with Margins',
        'line 40: non-numeric value "1,5" in column Supply Chain Emission Factors with Margins',
        "line 41: negative value -0.2 in column Supply Chain Emission Factors without Margins",
    ]


def test_epa_unknown_unit(read):
    data = set_cell(read(EPA13.format("CO2e")), 9, "Unit", "kg CO2e/2022 EUR, purchaser price")
    problems = rejected(parse_epa_supply_chain, data)
    assert problems == ['line 9: unknown unit "kg CO2e/2022 EUR, purchaser price" in column Unit']


def test_epa_unit_of_another_edition(read):
    """A v1.3.0 header with 2021 USD units is no known edition (v1.2 has another header)."""
    data = read(EPA13.format("CO2e")).replace(b"2022 USD", b"2021 USD")
    problems = rejected(parse_epa_supply_chain, data)
    assert problems == ['unknown edition: column "2017 NAICS Code" with unit "kg CO2e/2021 USD"']


def test_epa_by_ghg_file_given_as_co2e_file(read):
    problems = rejected(parse_epa_supply_chain, read(EPA13.format("byGHG")))
    assert 'line 2: GHG "HFC-23" where the CO2e file has "All GHGs"' in problems


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\r\n \n"])
def test_epa_empty_file(content):
    assert rejected(parse_epa_supply_chain, content) == ["the file is empty"]


def test_epa_header_only(read):
    problems = rejected(parse_epa_supply_chain, header_only(read(EPA13.format("CO2e"))))
    assert problems == ["the file has no data row"]


# --------------------------------------------------------------------------- DESNZ


def find(parsed, *levels, unit, scope=None):
    """The factor whose levels start with ``levels`` and whose unit is ``unit`` (unique)."""
    found = [
        factor
        for factor in parsed.factors
        if factor.levels[: len(levels)] == levels
        and factor.unit == unit
        and scope in (None, factor.scope)
    ]
    assert len(found) == 1, (levels, unit, found)
    return found[0]


def companion(parsed, factor, attribute="companion_key"):
    return by_key(parsed)[getattr(factor, attribute)]


def _rows_with_value(data):
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    return sum(1 for row in rows[1:] if row[-1].strip())


def test_desnz_2025_counts(read, desnz):
    data = read(DESNZ[2025])
    parsed = desnz[2025]
    assert (parsed.source, parsed.edition, parsed.gwp_basis) == ("desnz_flat", "2025", "ar5")
    assert (parsed.publisher, parsed.licence) == ("UK DESNZ", "Open Government Licence v3.0")
    assert (parsed.factor_type, parsed.currency, parsed.price_year) == ("activity", None, None)
    assert parsed.checksum == sha256(data)
    assert parsed.row_count == 8740
    # skipped_rows are the rows with an empty factor: the others carry a value
    assert parsed.row_count - parsed.skipped_rows == 7029 == _rows_with_value(data)
    assert parsed.skipped_rows == 1711
    gas_rows = sum(len(factor.gas_values or {}) for factor in parsed.factors)
    assert (len(parsed.factors), gas_rows, parsed.ignored_rows) == (2616, 3906, 507)
    assert parsed.row_count == len(parsed.factors) + gas_rows + parsed.ignored_rows + 1711
    # 2025 has an ID column: it gives the keys
    assert by_key(parsed).keys() >= {"27_304_3140_14_1", "7_400_4000_5_1"}
    assert len(by_key(parsed)) == len(parsed.factors)


def test_desnz_2025_oracles(desnz):
    parsed = desnz[2025]
    hgv = find(
        parsed,
        "Freighting goods",
        "HGV (all diesel)",
        "All HGVs",
        "",
        "Average laden",
        unit="tonne.km",
    )
    assert (hgv.key, hgv.value, hgv.uom_code) == ("27_304_3140_14_1", D("0.10163"), "t.km")
    assert hgv.name == "HGV (all diesel) > All HGVs > Average laden"
    assert (hgv.scope, hgv.category_hint, hgv.is_wtt) == ("Scope 3", "freight", False)
    wtt = companion(parsed, hgv)
    assert (wtt.value, wtt.is_wtt, wtt.category_hint) == (D("0.02359"), True, "wtt")
    assert wtt.levels[:3] == ("WTT- delivery vehs & freight", "WTT- HGV (all diesel)", "All HGVs")
    rail = find(parsed, "Freighting goods", "Rail", "Freight train", unit="tonne.km")
    assert rail.value == D("0.02779")
    ship = find(
        parsed, "Freighting goods", "Cargo ship", "Container ship", "Average", unit="tonne.km"
    )
    assert (ship.value, companion(parsed, ship).value) == (D("0.01612"), D("0.00365"))
    diesel = find(parsed, "Fuels", "Liquid fuels", "Diesel (average biofuel blend)", unit="litres")
    assert (diesel.value, diesel.uom_code, diesel.category_hint) == (D("2.57082"), "litre", "fuel")
    assert companion(parsed, diesel).value == D("0.61101")
    gas = find(parsed, "Fuels", "Gaseous fuels", "Natural gas", unit="kWh (Gross CV)")
    assert (gas.value, gas.uom_code) == (D("0.18296"), "kwh")


def test_desnz_2025_electricity(desnz):
    parsed = desnz[2025]
    power = find(parsed, "UK electricity", unit="kWh")
    assert (power.value, power.scope, power.category_hint) == (D("0.177"), "Scope 2", "electricity")
    assert power.gas_values == {"CO2": D("0.17489"), "CH4": D("0.0009"), "N2O": D("0.00122")}
    assert power.gas_unit == "kg CO2e per unit"
    assert companion(parsed, power).value == D("0.0459")  # WTT generation
    td = companion(parsed, power, "td_companion_key")
    assert (td.value, td.category_hint, td.scope) == (D("0.01853"), "electricity_td", "Scope 3")
    assert companion(parsed, td).value == D("0.00397")  # WTT T&D


def test_desnz_2024_oracles(desnz):
    parsed = desnz[2024]
    assert (parsed.edition, parsed.row_count, parsed.skipped_rows) == ("2024", 7029, 0)
    assert len(parsed.factors) == 2616
    hgv = find(
        parsed,
        "Freighting goods",
        "HGV (all diesel)",
        "All HGVs",
        "",
        "Average laden",
        unit="tonne.km",
    )
    assert hgv.value == D("0.09752")
    assert hgv.key == "scope-3|freighting-goods|hgv-all-diesel|all-hgvs||average-laden|tonne-km"
    assert companion(parsed, hgv).value == D("0.02359")
    power = find(parsed, "UK electricity", unit="kWh")
    assert power.value == D("0.20705")
    assert companion(parsed, power, "td_companion_key").value == D("0.0183")
    assert find(parsed, "Freighting goods", "Rail", unit="tonne.km").value == D("0.02779")
    ship = find(
        parsed, "Freighting goods", "Cargo ship", "Container ship", "Average", unit="tonne.km"
    )
    assert ship.value == D("0.01612")
    diesel = find(parsed, "Fuels", "Liquid fuels", "Diesel (average biofuel blend)", unit="litres")
    assert diesel.value == D("2.51279")
    gas = find(parsed, "Fuels", "Gaseous fuels", "Natural gas", unit="kWh (Gross CV)")
    assert gas.value == D("0.1829")


def test_desnz_2026_oracles(desnz):
    parsed = desnz[2026]
    assert (parsed.edition, parsed.row_count, parsed.skipped_rows) == ("2026", 7051, 0)
    assert len(parsed.factors) == 2638
    hgv = find(
        parsed,
        "Freighting goods",
        "HGV (non-refrigerated, all diesel)",
        "Average non-refrigerated HGVs",
        "",
        "Average laden",
        unit="tonne.km",
    )
    assert (hgv.value, companion(parsed, hgv).value) == (D("0.10356"), D("0.02359"))
    power = find(parsed, "UK electricity", unit="kWh")
    assert power.value == D("0.13096")
    assert power.gas_values == {"CO2": D("0.12943"), "CH4": D("0.00067"), "N2O": D("0.00086")}
    assert companion(parsed, power).value == D("0.03682")
    td = companion(parsed, power, "td_companion_key")
    assert (td.value, companion(parsed, td).value) == (D("0.01299"), D("0.00359"))
    rail = find(parsed, "Freighting goods", "Rail", "Freight train", unit="tonne.km")
    assert (rail.value, companion(parsed, rail).value) == (D("0.02583"), D("0.00691"))
    ship = find(
        parsed, "Freighting goods", "Cargo ship", "Container ship", "Average", unit="tonne.km"
    )
    assert (ship.value, companion(parsed, ship).value) == (D("0.01612"), D("0.00365"))
    flight = find(
        parsed,
        "Freighting goods",
        "Freight flights",
        "Long-haul, to/from UK",
        "",
        "With RF",
        unit="tonne.km",
    )
    assert flight.value == D("0.89939")
    diesel = find(parsed, "Fuels", "Liquid fuels", "Diesel (average biofuel blend)", unit="litres")
    assert (diesel.value, companion(parsed, diesel).value) == (D("2.58354"), D("0.61101"))
    gas = find(parsed, "Fuels", "Gaseous fuels", "Natural gas", unit="kWh (Gross CV)")
    assert gas.value == D("0.18231")


def test_desnz_2026_waste_and_material(desnz):
    parsed = desnz[2026]
    landfill = find(
        parsed,
        "Waste disposal",
        "Refuse",
        "Commercial and industrial waste",
        "",
        "Landfill",
        unit="tonnes",
    )
    assert (landfill.value, landfill.category_hint) == (D("520.58023"), "waste")
    cans = find(
        parsed,
        "Material use",
        "Metal",
        "Metal: steel cans",
        "",
        "Primary material production",
        unit="tonnes",
    )
    assert (cans.value, cans.category_hint, cans.uom_code) == (D("2861.58251"), "material", "t")


def test_desnz_wtt_links_agree_with_2025_ids(desnz):
    """The label match is checked against DESNZ's own IDs: a direct row and its WTT
    companion share the activity and UOM parts of their IDs (``sheet_level_item_uom_ghg``)."""
    parsed = desnz[2025]
    links = [f for f in parsed.factors if f.companion_key]
    assert len(links) == 978
    assert sum(f.is_wtt for f in parsed.factors) == 656
    for factor in links:
        assert not factor.is_wtt
        assert factor.key.split("_")[2:4] == factor.companion_key.split("_")[2:4], factor
    # every WTT row of 2025 is somebody's companion
    assert {f.key for f in parsed.factors if f.is_wtt} == {f.companion_key for f in links}
    # electric-vehicle T&D rows get no WTT companion (the vehicle's WTT covers generation+T&D)
    ev_td = [f for f in parsed.factors if f.levels[0] == "UK electricity T&D for EVs"]
    assert ev_td and not any(f.companion_key for f in ev_td)
    ev = [f for f in parsed.factors if f.levels[0] == "UK electricity for EVs"]
    assert ev and all(companion(parsed, f, "td_companion_key") in ev_td for f in ev)
    assert sum(1 for f in parsed.factors if f.td_companion_key) == 1 + len(ev) == 69


@pytest.mark.parametrize("year, links, wtt", [(2024, 978, 656), (2026, 978, 672)])
def test_desnz_derived_layout_links(desnz, year, links, wtt):
    parsed = desnz[year]
    assert sum(1 for f in parsed.factors if f.companion_key) == links
    assert sum(f.is_wtt for f in parsed.factors) == wtt
    assert len(by_key(parsed)) == len(parsed.factors)
    assert all("|" in key for key in by_key(parsed))


def test_desnz_categories(desnz):
    hints = Counter(f.category_hint for f in desnz[2025].factors)
    assert hints == {
        "wtt": 656,
        "other": 605,
        "freight": 451,
        "travel": 394,
        "fuel": 166,
        "waste": 134,
        "electricity": 70,
        "electricity_td": 70,
        "material": 70,
    }
    hotel = [f for f in desnz[2025].factors if f.levels[0] == "Hotel stay"]
    assert hotel and {(f.category_hint, f.uom_code) for f in hotel} == {("travel", "room.night")}


def test_desnz_year_argument(read):
    data = read(DESNZ[2024])
    assert parse_desnz_flat(data, year=2024).edition == "2024"
    problems = rejected(parse_desnz_flat, data, year=2025)
    assert problems == ['line 1: column "GHG Conversion Factor 2024" is not of the year 2025']


def test_desnz_missing_columns(read):
    data = read(DESNZ[2025])
    first = _split(data)[0]
    broken = first.replace(b",UOM,", b",Unit,").replace(b"GHG Conversion Factor 2025", b"Value")
    problems = rejected(parse_desnz_flat, data.replace(first, broken, 1))
    assert problems == ['line 1: missing required column(s): "UOM", "GHG Conversion Factor <year>"']


def test_desnz_non_numeric_negative_unknown_unit(read):
    data = read(DESNZ[2025])
    hgv = line_of(data, "27_304_3140_14_1,")
    rail = line_of(data, "27_315_3151_14_1,")
    power = line_of(data, "7_400_4000_5_1,")
    data = set_cell(data, hgv, "GHG Conversion Factor 2025", "0.1O163")
    data = set_cell(data, rail, "GHG Conversion Factor 2025", "-0.02779")
    data = set_cell(data, power, "UOM", "kWh (AC)")
    data = set_cell(data, power + 1, "GHG/Unit", "kg CO2e of SF6 per unit")
    problems = rejected(parse_desnz_flat, data)
    column = "GHG Conversion Factor 2025"
    assert sorted(problems) == sorted(
        [
            f'line {hgv}: non-numeric value "0.1O163" in column {column}',
            f"line {rail}: negative value -0.02779 in column {column}",
            f'line {power}: unknown unit "kWh (AC)" in column UOM',
            f'line {power + 1}: unknown GHG/Unit "kg CO2e of SF6 per unit"',
        ]
    )


def test_desnz_duplicate_activity(read):
    data = read(DESNZ[2026])
    lines = _split(data)
    data = b"\n".join(lines[:3] + [lines[1]] + lines[3:])
    assert rejected(parse_desnz_flat, data) == ["line 4: duplicate activity (line 2)"]


def test_desnz_not_utf8_and_ragged_rows(read):
    data = read(DESNZ[2025])
    latin1 = data.decode("utf-8-sig").encode("cp1252", errors="replace")
    problems = rejected(parse_desnz_flat, latin1)
    assert len(problems) == 1 and problems[0].startswith("the file is not UTF-8 text")
    hgv = line_of(data, "27_304_3140_14_1,")
    data = replace_in_line(data, hgv, ",0.10163", "")
    data = replace_in_line(data, hgv + 1, "kg CO2e of CO2", "kg CO2e,of CO2")
    assert rejected(parse_desnz_flat, data) == [
        f"line {hgv}: 9 cells, the header has 10",
        f"line {hgv + 1}: 11 cells, the header has 10",
    ]


def test_desnz_empty_and_header_only(read):
    assert rejected(parse_desnz_flat, b"") == ["the file is empty"]
    assert rejected(parse_desnz_flat, header_only(read(DESNZ[2025]))) == [
        "the file has no data row"
    ]


# --------------------------------------------------------------------------- EPA Hub


def test_hub_table6_electricity(read, hub):
    parsed = hub["6"]
    assert (parsed.source, parsed.edition, parsed.gwp_basis) == ("epa_hub", "2025", "ar5")
    assert (parsed.row_count, parsed.skipped_rows, len(parsed.factors)) == (28, 0, 28)
    assert parsed.checksum == sha256(read(HUB["6"]))
    factors = by_key(parsed)
    us = factors["USA"]
    assert us.value.quantize(D("0.0001")) == D("0.3516")
    assert us.value == (D("771.523") + D("0.057") * 28 + D("0.008") * 265) * D("0.45359237") / 1000
    assert (us.key_type, us.region, us.unit, us.uom_code) == ("grid", "USA", "kWh", "kwh")
    assert us.category_hint == "electricity"
    assert us.gas_unit == "kg of the gas per kWh"
    for region, lb_co2 in (("CAMX", "436.655"), ("NYUP", "240.99"), ("RFCW", "911.321")):
        factor = factors[region]
        assert factor.region == region
        assert factor.gas_values["CO2"] == D(lb_co2) * D("0.45359237") / 1000
    assert factors["CAMX"].name == "eGRID CAMX (WECC California), total output"


def test_hub_table8_transport(hub):
    parsed = hub["8"]
    assert (parsed.row_count, len(parsed.factors)) == (7, 7)
    factors = by_key(parsed)
    truck = factors["table8|medium-and-heavy-duty-truck|short_ton.mile"]
    assert truck.value == D("0.186") + D("0.0016") * 28 / 1000 + D("0.0054") * 265 / 1000
    assert truck.value == D("0.1874758")
    assert truck.gas_values == {"CO2": D("0.186"), "CH4": D("0.0000016"), "N2O": D("0.0000054")}
    assert (truck.unit, truck.uom_code, truck.category_hint) == (
        "short ton-mile",
        "short_ton.mile",
        "freight",
    )
    assert truck.name == "Medium- and Heavy-Duty Truck"  # footnote letter removed
    assert factors["table8|rail|short_ton.mile"].value == D("0.0211773")
    assert factors["table8|waterborne-craft|short_ton.mile"].value == D("0.078398")
    assert factors["table8|aircraft|short_ton.mile"].value == D("1.094851")
    car = factors["table8|passenger-car|vehicle.mile"]
    assert (car.name, car.unit, car.uom_code) == ("Passenger Car", "vehicle-mile", "vehicle.mile")


def test_hub_table9_waste(hub):
    parsed = hub["9"]
    assert (parsed.row_count, parsed.skipped_rows, len(parsed.factors)) == (61, 183, 183)
    assert parsed.row_count * 6 == parsed.skipped_rows + len(parsed.factors)
    factors = by_key(parsed)
    cans = factors["table9|aluminum-cans|recycled"]
    assert (cans.value, cans.unit, cans.uom_code) == (D("60"), "short ton", "other:short ton")
    assert cans.category_hint == "waste"
    assert factors["table9|asphalt-concrete|recycled"].value == D("3.5205384954666674")
    assert factors["table9|mixed-msw|landfilled"].value == D("580")
    assert factors["table9|food-waste-non-meat|anaerobic-wet"].value == D("110")
    assert "table9|lldpe|recycled" not in factors  # NA


def test_hub_table10_travel(hub):
    parsed = hub["10"]
    assert (parsed.row_count, len(parsed.factors)) == (12, 12)
    assert Counter(f.uom_code for f in parsed.factors) == {"passenger.mile": 9, "vehicle.mile": 3}
    assert {f.category_hint for f in parsed.factors} == {"travel"}
    bus = by_key(parsed)["table10|bus|passenger.mile"]
    assert bus.value == D("0.066") + D("0.0046") * D("0.028") + D("0.0019") * D("0.265")
    assert by_key(parsed)["table10|commuter-rail|passenger.mile"].name == "Commuter Rail"


def test_hub_missing_columns(read):
    for table, old, new, missing in (
        (
            "6",
            "Total output CO2 (lb CO2/MWh)",
            "Total output CO2 (kg CO2/MWh)",
            "Total output CO2 (lb CO2/MWh)",
        ),
        ("8", "Units", "Unit", "Units"),
        ("9", "LandfilledB", "Landfill", "Landfilled"),
        ("10", "CH4 Factor  (g CH4 / unit)", "CH4", "CH4 Factor (g CH4 / unit)"),
    ):
        data = replace_in_line(read(HUB[table]), 1, old, new)
        problems = rejected(parse_epa_hub_table, data, table)
        assert problems == [f'line 1: missing required column(s): "{missing}"'], table


def test_hub_non_numeric_negative_unknown_unit(read):
    data = read(HUB["8"])
    data = set_cell(data, 2, 1, "n/a")
    data = set_cell(data, 3, 2, "-0.0059")
    data = set_cell(data, 5, 4, "tonne-km")
    problems = rejected(parse_epa_hub_table, data, "8")
    assert problems == [
        'line 2: non-numeric value "n/a" in column CO2 Factor (kg CO2 / unit)',
        "line 3: negative value -0.0059 in column CH4 Factor (g CH4 / unit)",
        'line 5: unknown unit "tonne-km" in column Units',
    ]
    data = set_cell(set_cell(read(HUB["6"]), 4, 2, "abc"), 29, 4, "-0.008")
    assert rejected(parse_epa_hub_table, data, 6) == [
        'line 4: non-numeric value "abc" in column Total output CO2 (lb CO2/MWh)',
        "line 29: negative value -0.008 in column Total output N2O (lb N2O/MWh)",
    ]
    data = set_cell(set_cell(read(HUB["9"]), 2, 1, "-0.06"), 3, 2, "")
    assert rejected(parse_epa_hub_table, data, "table9") == [
        "line 2: negative value -0.06 in column RecycledA",
        "line 3: empty value in column LandfilledB",
    ]
    data = set_cell(read(HUB["10"]), 13, 4, "passenger-km")
    assert rejected(parse_epa_hub_table, data, "10") == [
        'line 13: unknown unit "passenger-km" in column Units'
    ]


def test_hub_empty_and_unknown_table(read):
    assert rejected(parse_epa_hub_table, b"", "6") == ["the file is empty"]
    assert rejected(parse_epa_hub_table, header_only(read(HUB["9"])), "9") == [
        "the file has no data row"
    ]
    with pytest.raises(ValueError, match="not supported"):
        parse_epa_hub_table(read(HUB["6"]), "7")


# --------------------------------------------------------------------------- Ember

EMBER_ORACLES = {  # key: (g CO2e/kWh, year)
    "GBR": ("215.79", 2024),
    "USA": ("383.55", 2024),
    "DEU": ("342.06", 2024),
    "FRA": ("44.18", 2024),
    "CHN": ("557.5", 2024),
    "IND": ("708.96", 2024),
    "World": ("472.94", 2024),
}


def test_ember_json(read, ember):
    assert (ember.source, ember.publisher, ember.edition) == ("ember", "Ember", "2024")
    assert (ember.row_count, ember.skipped_rows, len(ember.factors)) == (222, 0, 222)
    assert ember.checksum == sha256(read(EMBER_JSON))
    assert Counter(f.year for f in ember.factors) == {2024: 102, 2023: 81, 2022: 39}
    factors = by_key(ember)
    for key, (grams, year) in EMBER_ORACLES.items():
        assert (factors[key].value, factors[key].year) == (D(grams) / 1000, year), key
    assert factors["GBR"].value == D("0.21579")
    assert factors["FRA"].value == D("0.04418")
    assert factors["World"].value == D("0.47294")
    gbr = factors["GBR"]
    assert (gbr.key_type, gbr.region, gbr.name, gbr.unit) == (
        "grid",
        "GBR",
        "United Kingdom",
        "kWh",
    )
    assert (factors["World"].region, factors["ABW"].value) == (None, D("0.55"))


def test_ember_csv_matches_json(read, ember):
    parsed = parse_ember(read(EMBER_CSV))
    assert parsed.row_count == 222
    assert parsed.factors == ember.factors
    assert parsed.checksum == sha256(read(EMBER_CSV))


def test_ember_json_problems_name_lines(read):
    data = read(EMBER_JSON)
    gbr = line_of(data, '"GBR": {')
    fra = line_of(data, '"FRA": {')
    data = replace_in_line(data, gbr + 4, "215.79", '"abc"')
    data = replace_in_line(data, fra + 4, "44.18", "-44.18")
    data = replace_in_line(data, fra + 3, '"year": 2024,', "")
    problems = rejected(parse_ember, data)
    assert problems == [
        f'line {fra} (key "FRA"): missing required column(s): "year"',
        f'line {gbr}: non-numeric value "abc" in column emissions_intensity_gco2_per_kwh',
    ]
    data = replace_in_line(read(EMBER_JSON), fra + 4, "44.18", "-44.18")
    assert rejected(parse_ember, data) == [
        f"line {fra}: negative value -44.18 in column emissions_intensity_gco2_per_kwh"
    ]


def test_ember_invalid_json_and_empty(read):
    data = replace_in_line(read(EMBER_JSON), 5, "2023,", "2023")
    assert rejected(parse_ember, data) == ["line 6: invalid JSON (Expecting ',' delimiter)"]
    assert rejected(parse_ember, b"  ") == ["the file is empty"]
    assert rejected(parse_ember, b"{}") == ["the file has no data row"]


def test_ember_csv_problems(read):
    data = read(EMBER_CSV)
    problems = rejected(parse_ember, replace_in_line(data, 1, ",year,", ",data_year,"))
    assert problems == ['line 1: missing required column(s): "year"']
    gbr = line_of(data, "GBR,GBR,")
    data = set_cell(set_cell(data, gbr, 4, "n/a"), 2, 3, "20x3")
    assert rejected(parse_ember, data) == [
        'line 2 (key "AFG"): invalid year "20x3"',
        f'line {gbr}: non-numeric value "n/a" in column emissions_intensity_gco2_per_kwh',
    ]


# --------------------------------------------------------------------------- dispatcher


def test_detect(read):
    expected = {
        EPA12.format("CO2e"): "epa_supply_chain",
        EPA12.format("byGHG"): "epa_supply_chain",
        EPA13.format("CO2e"): "epa_supply_chain",
        EPA13.format("byGHG"): "epa_supply_chain",
        EMBER_JSON: "ember",
        EMBER_CSV: "ember",
        **{path: "desnz_flat" for path in DESNZ.values()},
        **{path: "epa_hub" for path in HUB.values()},
        "epa_ghg_emission_factors_hub_2025/SOURCE.txt": None,
        "epa_supply_chain_ghg_factors_v1.2/datagov_metadata_v1.2.json": None,
        "epa_ghg_emission_factors_hub_2025/ghg-emission-factors-hub-2025.xlsx": None,
        "desnz_ghg_conversion_factors_2025/ghg-conversion-factors-2025-full-set.xlsx": None,
    }
    for path, source in expected.items():
        assert detect(pathlib.Path(path).name, read(path)[:1024]) == source, path
    for table, path in HUB.items():
        assert detect_table(read(path)) == table


def test_parse_dispatches(read, epa13, desnz, hub, ember):
    co2e, by_ghg = read(EPA13.format("CO2e")), read(EPA13.format("byGHG"))
    assert parse("epa_supply_chain", co2e=co2e, by_ghg=by_ghg) == epa13
    assert parse("desnz_flat", data=read(DESNZ[2025])) == desnz[2025]
    assert parse("epa_hub", data=read(HUB["10"])) == hub["10"]  # table detected
    assert parse("epa_hub", data=read(HUB["6"]), table="6") == hub["6"]
    assert parse("ember", data=read(EMBER_JSON)) == ember
    with pytest.raises(ValueError, match="unknown factor source"):
        parse("ecoinvent", data=b"x")


def test_values_are_decimal_and_units_normalised(epa13, epa12, desnz, hub, ember):
    sets = [epa13, epa12, ember, *desnz.values(), *hub.values()]
    for parsed in sets:
        for factor in parsed.factors:
            numbers = [factor.value, factor.value_without_margins, factor.margin_value]
            numbers += list((factor.gas_values or {}).values())
            assert all(isinstance(n, Decimal) for n in numbers if n is not None), factor
            assert factor.value >= 0
            code = factor.uom_code
            assert code in importers.UOM_CODES or code.startswith("other:"), factor
        keys = [factor.key for factor in parsed.factors]
        assert len(keys) == len(set(keys)), parsed.name


def test_import_file_error_message():
    error = ImportFileError([f"line {n}: bad" for n in range(2, 15)])
    assert len(error.problems) == 13
    assert str(error).startswith("file rejected (13 problem(s)): line 2: bad; line 3: bad")
    assert str(error).endswith("; ... and 3 more")
    assert isinstance(error, ValueError)


def test_no_odoo_import():
    assert not any(name == "odoo" or name.startswith("odoo.") for name in sys.modules)
