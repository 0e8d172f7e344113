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


# --------------------------------------------------------------------------- workbooks

DESNZ_XLSX = {
    2024: "desnz_ghg_conversion_factors_2024/"
    "ghg-conversion-factors-2024-full_set__for_advanced_users__v1_1.xlsx",
    2025: "desnz_ghg_conversion_factors_2025/ghg-conversion-factors-2025-full-set.xlsx",
    2026: "desnz_ghg_conversion_factors_2026/ghg-conversion-factors-2026-full-set.xlsx",
}
HUB_XLSX = "epa_ghg_emission_factors_hub_2025/ghg-emission-factors-hub-2025.xlsx"


@pytest.fixture(scope="module")
def workbook(read):
    """Parsed workbooks, cached per module (a DESNZ full set takes 1-2 s to read)."""
    cache = {}

    def _parsed(source, relative):
        if relative not in cache:
            cache[relative] = parse(source, data=read(relative))
        return cache[relative]

    return _parsed


def sig10(value):
    """A value with 10 significant digits, as the DERIVED_ extractions write long values."""
    return format(float(value), ".10g")


def by_labels(parsed):
    """{(Level 1, Level 2, Level 3, Level 4, Column Text, UOM): factor}."""
    return {tuple(factor.levels) + (factor.unit,): factor for factor in parsed.factors}


@pytest.mark.parametrize("year", [2024, 2026])
def test_desnz_workbook_equals_its_flat_extraction(read, workbook, year):
    """The workbook reader gives the DERIVED_ flat extraction of the same edition: same rows
    counted, same keys, same values; the only differences are the 4 totals that the
    extraction wrote with 10 significant digits (the workbook holds the full double)."""
    book = workbook("desnz_workbook", DESNZ_XLSX[year])
    flat = workbook("desnz_flat", DESNZ[year])
    assert (book.source, book.edition, book.file_format) == ("desnz_flat", str(year), "xlsx")
    assert (book.row_count, book.skipped_rows, book.ignored_rows) == (
        flat.row_count,
        flat.skipped_rows,
        flat.ignored_rows,
    )
    assert book.row_count == {2024: 7029, 2026: 7051}[year]  # SOURCE.txt row counts
    assert sum(count for _sheet, count in book.tables) == book.row_count
    mine, theirs = by_key(book), by_key(flat)
    assert set(mine) == set(theirs)
    differ = [key for key in mine if mine[key].value != theirs[key].value]
    assert len(differ) == 4
    for key in differ:
        assert sig10(mine[key].value) == sig10(theirs[key].value)
        assert len(mine[key].value.as_tuple().digits) > 10
    for key in mine:
        gases, their_gases = mine[key].gas_values or {}, theirs[key].gas_values or {}
        assert set(gases) == set(their_gases)
        assert all(sig10(gases[gas]) == sig10(their_gases[gas]) for gas in gases)
        assert (mine[key].scope, mine[key].companion_key, mine[key].td_companion_key) == (
            theirs[key].scope,
            theirs[key].companion_key,
            theirs[key].td_companion_key,
        )


def test_desnz_2026_workbook_published_values(workbook):
    """SOURCE.txt oracles of 2026, read from the workbook (sheet, row and column in the
    comments)."""
    book = by_labels(workbook("desnz_workbook", DESNZ_XLSX[2026]))
    cases = {
        # sheet "UK electricity" row 25 column E
        ("UK electricity", "Electricity generated", "Electricity: UK", "", "", "kWh"): "0.13096",
        # sheet "Transmission and distribution" row 22 column E
        (
            "Transmission and distribution",
            "T&D- UK electricity",
            "Electricity: UK",
            "",
            "",
            "kWh",
        ): "0.01299",
        # sheet "WTT- UK electricity" row 19 column E
        (
            "WTT- UK electricity",
            "WTT- UK electricity (generation)",
            "Electricity: UK",
            "",
            "",
            "kWh",
        ): "0.03682",
        # sheet "Freighting goods" row 63 column D
        (
            "Freighting goods",
            "HGV (non-refrigerated, all diesel)",
            "Average non-refrigerated HGVs",
            "",
            "Average laden",
            "tonne.km",
        ): "0.10356",
        # sheet "Freighting goods" row 106 column D
        ("Freighting goods", "Rail", "Freight train", "", "", "tonne.km"): "0.02583",
        # sheet "Freighting goods" row 159 column E
        ("Freighting goods", "Cargo ship", "Container ship", "Average", "", "tonne.km"): "0.01612",
        # sheet "Freighting goods" row 100 column D
        (
            "Freighting goods",
            "Freight flights",
            "Long-haul, to/from UK",
            "",
            "With RF",
            "tonne.km",
        ): "0.89939",
        # sheet "Fuels" row 72 column D
        ("Fuels", "Liquid fuels", "Diesel (average biofuel blend)", "", "", "litres"): "2.58354",
        # sheet "Fuels" row 42 column D
        ("Fuels", "Gaseous fuels", "Natural gas", "", "", "kWh (Gross CV)"): "0.18231",
        # sheet "Waste disposal" row 52 column I
        (
            "Waste disposal",
            "Refuse",
            "Commercial and industrial waste",
            "",
            "Landfill",
            "tonnes",
        ): "520.58023",
        # sheet "Material use" row 67 column D
        (
            "Material use",
            "Metal",
            "Metal: steel cans",
            "",
            "Primary material production",
            "tonnes",
        ): "2861.58251",
    }
    for labels, value in cases.items():
        assert book[labels].value == D(value), labels
    hgv = book[
        (
            "Freighting goods",
            "HGV (non-refrigerated, all diesel)",
            "Average non-refrigerated HGVs",
            "",
            "Average laden",
            "tonne.km",
        )
    ]
    wtt = {f.key: f for f in workbook("desnz_workbook", DESNZ_XLSX[2026]).factors}[
        hgv.companion_key
    ]
    assert wtt.value == D("0.02359")  # WTT +0.02359 (SOURCE.txt)
    assert hgv.scope == "Scope 3" and wtt.scope == "Scope 3"
    electricity = book[
        ("UK electricity", "Electricity generated", "Electricity: UK", "", "", "kWh")
    ]
    # sheet "UK electricity" row 25 columns F-H: CO2 0.12943, CH4 0.00067, N2O 0.00086
    assert electricity.gas_values == {"CO2": D("0.12943"), "CH4": D("0.00067"), "N2O": D("0.00086")}
    assert electricity.scope == "Scope 2"


def test_desnz_2024_workbook_version_and_values(workbook):
    """2024 v1.1: the revision is read from the sheets (one sheet still says 1)."""
    parsed = workbook("desnz_workbook", DESNZ_XLSX[2024])
    assert (parsed.version, parsed.edition) == ("1.1", "2024")
    book = by_labels(parsed)
    # sheet "UK electricity" row 25 column E
    assert book[
        ("UK electricity", "Electricity generated", "Electricity: UK", "", "", "kWh")
    ].value == D("0.20705")
    # sheet "Freighting goods" row 63 column P
    assert book[
        ("Freighting goods", "HGV (all diesel)", "All HGVs", "", "Average laden", "tonne.km")
    ].value == D("0.09752")
    # sheet "Fuels" row 72 column D
    assert book[
        ("Fuels", "Liquid fuels", "Diesel (average biofuel blend)", "", "", "litres")
    ].value == D("2.51279")


def test_desnz_2025_workbook_equals_the_official_flat_file(workbook):
    """The 2025 workbook and DESNZ's own flat file give the same values: identical where
    the flat file's 5 decimals hold the value, else within its rounding (84 values,
    SOURCE.txt); 7,029 values in both."""
    book = workbook("desnz_workbook", DESNZ_XLSX[2025])
    flat = workbook("desnz_flat", DESNZ[2025])
    assert book.row_count == flat.row_count - flat.skipped_rows == 7029
    assert len(book.factors) == len(flat.factors) == 2616
    mine, theirs = by_labels(book), by_labels(flat)
    common = set(mine) & set(theirs)
    assert len(common) > 2550  # the rest differ only in labels (SOURCE.txt)
    identical = 0
    for labels in common:
        a, b = mine[labels].value, theirs[labels].value
        assert abs(a - b) <= D("0.000005"), labels
        identical += a == b
    assert identical >= len(common) - 84
    # sheet "Freighting goods" row 63 column P (flat ID 27_..., HGV all diesel, average laden)
    hgv = ("Freighting goods", "HGV (all diesel)", "All HGVs", "", "Average laden", "tonne.km")
    assert mine[hgv].value == theirs[hgv].value == D("0.10163")
    # sheet "Transmission and distribution" row 22 column E
    td = ("Transmission and distribution", "T&D- UK electricity", "Electricity: UK", "", "", "kWh")
    # (the flat file writes the unit "kWh" as Level 4 of the electricity rows)
    td_flat = td[:3] + ("kWh",) + td[4:]
    assert mine[td].value == theirs[td_flat].value == D("0.01853")
    # sheet "Fuels" row 72 column D
    diesel = ("Fuels", "Liquid fuels", "Diesel (average biofuel blend)", "", "", "litres")
    assert mine[diesel].value == theirs[diesel].value == D("2.57082")


def test_hub_workbook_equals_its_table_extractions(read, workbook):
    """Tables 6, 8, 9 and 10 of the Hub workbook give exactly the factors (keys, values,
    gas values) of their DERIVED_ CSV extractions, with the same row counts."""
    book = workbook("epa_hub_workbook", HUB_XLSX)
    assert (book.source, book.edition, book.edition_date) == ("epa_hub", "2025", "2025-01-15")
    mine = {(factor.key_type, factor.key): factor for factor in book.factors}
    counts = dict(book.tables)
    for table, relative in HUB.items():
        derived = parse("epa_hub", data=read(relative))
        title = next(name for name in counts if name.startswith(f"Table {table},"))
        assert counts[title] == derived.row_count
        for factor in derived.factors:
            ours = mine[(factor.key_type, factor.key)]
            assert (ours.value, ours.gas_values, ours.unit) == (
                factor.value,
                factor.gas_values,
                factor.unit,
            )
    assert {name.split(",")[0]: count for name, count in book.tables} == {
        "Table 1": 75,
        "Table 2": 10,
        "Table 6": 28,
        "Table 7": 1,
        "Table 8": 7,
        "Table 9": 61,
        "Table 10": 12,
    }


def test_hub_workbook_published_values(workbook):
    """Values of tables 1, 2, 6, 7, 8 and 10 (sheet "Emission Factors Hub", rows in the
    comments), AR5: CH4 28, N2O 265 (table 11)."""
    factors = {f.key: f for f in workbook("epa_hub_workbook", HUB_XLSX).factors}
    # row 17: Anthracite, 2602 kg CO2, 276 g CH4, 40 g N2O per short ton
    assert (
        factors["table1|anthracite|short-ton"].value
        == D("2602") + (D(276) * 28 + D(40) * 265) / 1000
    )
    # row 38: Natural Gas 53.06 kg CO2, 1 g CH4, 0.1 g N2O per mmBtu
    assert factors["table1|natural-gas|mmbtu"].value == D("53.06") + D("0.028") + D("0.0265")
    # row 107: Diesel Fuel, 10.21 kg CO2 per gallon
    assert factors["table2|diesel-fuel|gallon"].value == D("10.21")
    # row 410: Steam and Heat 66.33 kg CO2, 1.25 g CH4, 0.125 g N2O per mmBtu
    assert (
        factors["table7|steam-and-heat|mmbtu"].value
        == D("66.33") + (D("1.25") * 28 + D("0.125") * 265) / 1000
    )
    # row 366: US Average 771.523 / 0.057 / 0.008 lb per MWh -> 0.3516 kg CO2e/kWh (SOURCE)
    assert round(factors["USA"].value, 4) == D("0.3516")
    # row 425: Medium- and Heavy-Duty Truck per short ton-mile 0.186 kg, 0.0016 g, 0.0054 g
    truck = factors["table8|medium-and-heavy-duty-truck|short_ton.mile"]
    assert truck.value == D("0.186") + (D("0.0016") * 28 + D("0.0054") * 265) / 1000
    assert truck.scope == "Scope 3"
    # row 512: Bus 0.066 kg, 0.0046 g, 0.0019 g per passenger-mile
    bus = factors["table10|bus|passenger.mile"]
    assert bus.value == D("0.066") + (D("0.0046") * 28 + D("0.0019") * 265) / 1000
    assert factors["table1|anthracite|short-ton"].scope == "Scope 1"
    assert factors["USA"].scope == "Scope 2"


def test_workbooks_are_detected_from_their_structure(read):
    for relative in DESNZ_XLSX.values():
        assert importers.detect_data("upload.bin", read(relative)) == "desnz_workbook"
    assert importers.detect_data("upload.bin", read(HUB_XLSX)) == "epa_hub_workbook"
    # the name does not matter, the content does; a CSV is detected from its header
    assert importers.detect_data("x.xlsx", read(DESNZ[2025])) is None
    assert importers.detect_data("x.csv", read(DESNZ[2025])) == "desnz_flat"


def test_workbook_of_another_year_or_damaged(read):
    assert rejected(parse, "desnz_workbook", data=read(DESNZ_XLSX[2026]), year=2025) == [
        "the workbook is the 2026 edition, not 2025"
    ]
    data = read(HUB_XLSX)
    problems = rejected(parse, "epa_hub_workbook", data=data[: len(data) // 2])
    assert problems[0].startswith("the file is not a readable XLSX workbook")
    # a DESNZ workbook given as the Hub
    assert rejected(parse, "epa_hub_workbook", data=read(DESNZ_XLSX[2025])) == [
        'not the EPA Emission Factors Hub workbook: no sheet "Emission Factors Hub"'
    ]
    assert rejected(parse, "desnz_workbook", data=data)[0].startswith(
        "not a complete DESNZ full-set workbook: missing sheet(s) Fuels"
    )


def test_size_and_row_limits(read):
    data = read(DESNZ[2025])
    small = importers.Limits(max_bytes=1000)
    assert rejected(parse, "desnz_flat", data=data, limits=small) == [
        f"the file is {len(data):,} bytes, more than the limit of 1,000 bytes"
    ]
    few_rows = importers.Limits(max_rows=100)
    assert rejected(parse, "desnz_flat", data=data, limits=few_rows) == [
        "the file has more than 100 rows (the row limit)"
    ]
    assert rejected(parse, "desnz_workbook", data=read(DESNZ_XLSX[2025]), limits=few_rows) == [
        "the workbook has more than 100 rows (the row limit)"
    ]


def test_truncated_files_fail_the_completeness_check(read):
    """A file cut at a line boundary is well-formed CSV: the publisher's row range catches it."""
    data = read(DESNZ[2026])
    cut = b"\n".join(_split(data)[:3000]) + b"\n"
    problems = rejected(parse, "desnz_flat", data=cut)
    assert problems == [
        "the DESNZ conversion factors: 2,999 rows where the publication has 6,500 to 9,000 "
        "(truncated or not the official file)"
    ]
    relaxed = importers.Limits(check_completeness=False)
    assert parse("desnz_flat", data=cut, limits=relaxed).row_count == 2999
