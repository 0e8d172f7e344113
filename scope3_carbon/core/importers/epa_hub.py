"""US EPA GHG Emission Factors Hub, derived CSVs of tables 6, 8, 9 and 10.

The Hub is published as a workbook; these parsers read one CSV per table holding its cell
values (``DERIVED_table<n>_*.csv``). Each table gives a separate :class:`ParsedSet`. GWPs are
IPCC AR5 100-yr (CH4 28, N2O 265), as in the Hub's table 11.

- Table 6, electricity (eGRID subregions): total-output rates in lb of CO2, CH4, N2O per MWh.
  ``value`` = (CO2 + 28 CH4 + 265 N2O) x 0.45359237 kg/lb / 1000 kWh/MWh, in kg CO2e per
  kWh; ``gas_values`` are kg of each gas per kWh (same conversion, no GWP). Non-baseload rates
  and the grid gross loss are not imported. ``key_type`` is ``grid``; ``key`` and ``region``
  are the subregion acronym (the "US Average" row: ``USA``).
- Tables 8 (Scope 3 categories 4 and 9, transport) and 10 (categories 6 and 7, travel):
  kg CO2, g CH4, g N2O per unit (vehicle-mile, short ton-mile, passenger-mile).
  ``value`` = CO2 + (28 CH4 + 265 N2O) / 1000 in kg CO2e per unit; ``gas_values`` in kg of
  each gas per unit.
- Table 9 (categories 5 and 12, waste): metric tonnes CO2e per short ton of material for each
  disposal method; ``value`` = x 1000, in kg CO2e per short ton. ``NA`` cells (method not
  applicable) are skipped and counted in ``skipped_rows``, which for this table counts cells.

Footnote letters glued to the labels ("Passenger Car A", "RecycledA") are removed from names
and keys (:func:`clean_label`). Keys of tables 8-10: ``table<n>|<slug of the row>|<unit code>``
(table 9: ``table9|<material>|<method>``).
"""

import dataclasses
import re
from decimal import Decimal

from . import ImportFileError, ParsedFactor, ParsedSet, current_limits
from ._common import (
    at,
    check_row_count,
    checksum,
    number,
    read_csv,
    require_columns,
    slug,
    unknown_unit,
)

GWP_AR5 = {"CO2": Decimal(1), "CH4": Decimal(28), "N2O": Decimal(265)}
KG_PER_LB = Decimal("0.45359237")
KWH_PER_MWH = Decimal(1000)
G_PER_KG = Decimal(1000)
KG_PER_T = Decimal(1000)
NOT_APPLICABLE = "NA"

#: published unit of tables 8 and 10 -> normalised unit code
UOM_CODES = {
    "vehicle-mile": "vehicle.mile",
    "short ton-mile": "short_ton.mile",
    "passenger-mile": "passenger.mile",
}
#: table 9 has no unit column: every factor is per short ton (2,000 lb), which has no unit code
WASTE_UNIT = "short ton"
WASTE_UOM_CODE = "other:short ton"

EGRID_ACRONYM = "eGRID Subregion Acronym"
EGRID_NAME = "eGRID Subregion Name"
#: table 6 columns of the total-output rates (lb of the gas per MWh)
EGRID_GASES = {
    "CO2": "Total output CO2 (lb CO2/MWh)",
    "CH4": "Total output CH4 (lb CH4/MWh)",
    "N2O": "Total output N2O (lb N2O/MWh)",
}
US_AVERAGE = {"US Average": "USA"}

VEHICLE = "Vehicle Type"
UNITS = "Units"
#: tables 8 and 10 columns -> (gas, divisor to kg)
VEHICLE_GASES = {
    "CO2 Factor (kg CO2 / unit)": ("CO2", Decimal(1)),
    "CH4 Factor (g CH4 / unit)": ("CH4", G_PER_KG),
    "N2O Factor (g N2O / unit)": ("N2O", G_PER_KG),
}

MATERIAL = "Material"
#: table 9 method columns (footnote letters removed) -> key part
WASTE_METHODS = {
    "Recycled": "recycled",
    "Landfilled": "landfilled",
    "Combusted": "combusted",
    "Composted": "composted",
    "Anaerobically Digested (Dry Digestate with Curing)": "anaerobic-dry",
    "Anaerobically Digested (Wet Digestate with Curing)": "anaerobic-wet",
}

TITLES = {
    "6": "Table 6, Electricity (eGRID2023 subregions, total output)",
    "8": "Table 8, Scope 3 Category 4 and 9: Upstream and Downstream Transportation",
    "9": "Table 9, Scope 3 Category 5 and 12: Waste and End-of-Life Treatment",
    "10": "Table 10, Scope 3 Category 6 and 7: Business Travel and Employee Commuting",
}

#: the publisher's range of data rows of each table (2025: 28, 7, 61, 12)
ROWS = {"6": (20, 40), "8": (5, 12), "9": (40, 90), "10": (8, 20)}

_FOOTNOTE = re.compile(r"(?<=[a-z)])\s?[A-E]$")


def clean_label(text: str) -> str:
    """A label without the footnote letter the workbook appends ("Commuter Rail D")."""
    return _FOOTNOTE.sub("", " ".join(text.split()))


def _header_kind(head: bytes):
    """'6', '9', 'vehicle' (table 8 or 10) or None, from the header line of ``head``."""
    text = head.decode("utf-8-sig", errors="replace").lstrip()
    first = [clean_label(cell) for cell in text.split("\n", 1)[0].strip().split(",")]
    if EGRID_ACRONYM in first:
        return "6"
    if MATERIAL in first and "Landfilled" in first:
        return "9"
    if VEHICLE in first and UNITS in first:
        return "vehicle"
    return None


def is_hub_table(head: bytes) -> bool:
    """Whether ``head`` starts with the header of a derived Hub table this module reads."""
    return _header_kind(head) is not None


def detect_table(data: bytes) -> str | None:
    """The table ('6', '8', '9' or '10') a derived CSV holds, or None.

    Tables 8 and 10 share their header and are told apart by their units: only table 8 has
    "short ton-mile" rows, only table 10 "passenger-mile" rows, so pass the whole file.
    """
    kind = _header_kind(data)
    if kind != "vehicle":
        return kind
    text = data.decode("utf-8-sig", errors="replace")
    has_freight, has_passengers = "short ton-mile" in text, "passenger-mile" in text
    if has_freight == has_passengers:
        return None
    return "8" if has_freight else "10"


def parse_epa_hub_table(data: bytes, table: str | int, edition: str = "2025") -> ParsedSet:
    """Parse the derived CSV of table ``table`` (6, 8, 9 or 10) of the Hub ``edition``.

    :raises ImportFileError: listing every problem of the file
    :raises ValueError: for a table this module does not read
    """
    number_ = str(table).strip().lower().removeprefix("table").strip()
    if number_ not in TITLES:
        raise ValueError(f"EPA Hub table {table!r} is not supported (6, 8, 9 or 10)")
    header, rows = read_csv(data)
    readers = {"6": _table6, "8": _vehicle_table, "9": _table9, "10": _vehicle_table}
    factors, skipped = readers[number_](header, rows, number_)
    if current_limits().check_completeness:
        check_row_count(f"table {number_}", len(rows), ROWS[number_])
    scope = "Scope 2" if number_ == "6" else "Scope 3"
    factors = [dataclasses.replace(factor, scope=scope) for factor in factors]
    return hub_set(
        f"US EPA GHG Emission Factors Hub {edition}, {TITLES[number_]}",
        edition,
        data,
        factors,
        row_count=len(rows),
        skipped_rows=skipped,
    )


def hub_set(name, edition, data, factors, **values):
    """The set of factors read from the Hub (a table's CSV or the whole workbook): what the
    publication says of itself, with ``values`` (row counts, tables, ...) of the reading."""
    return ParsedSet(
        source="epa_hub",
        name=name,
        publisher="US EPA Center for Corporate Climate Leadership",
        edition=edition,
        source_url="https://www.epa.gov/climateleadership/ghg-emission-factors-hub",
        licence="US Government work (public domain in the US); no licence stated in the workbook",
        gwp_basis="ar5",
        factor_type="activity",
        currency=None,
        price_year=None,
        price_basis=None,
        checksum=checksum(data),
        factors=tuple(factors),
        **values,
    )


def _raise_if(problems):
    if problems:
        raise ImportFileError(problems)


def _unique_key(key, line, seen, problems):
    if key in seen:
        problems.append(f'{at(line)}: key "{key}" already used on {at(seen[key])}')
    seen[key] = line


def _table6(header, rows, table):
    """eGRID subregions: lb/MWh per gas -> kg CO2e/kWh (AR5) and kg gas/kWh."""
    require_columns(header, (EGRID_ACRONYM, EGRID_NAME) + tuple(EGRID_GASES.values()))
    factors, problems, seen = [], [], {}
    for line, row in rows:
        rates = {gas: number(row[col], line, col, problems) for gas, col in EGRID_GASES.items()}
        acronym, label = row[EGRID_ACRONYM], row[EGRID_NAME]
        region = US_AVERAGE.get(acronym, acronym)
        if not region:
            problems.append(f"{at(line)}: empty value in column {EGRID_ACRONYM}")
        _unique_key(region, line, seen, problems)
        if None in rates.values() or not region:
            continue
        if not rates["CO2"] > max(rates["CH4"], rates["N2O"]):
            problems.append(
                f"{at(line)}: CH4 or N2O rate above the CO2 rate (columns swapped or damaged)"
            )
            continue
        per_kwh = {gas: rate * KG_PER_LB / KWH_PER_MWH for gas, rate in rates.items()}
        factors.append(
            ParsedFactor(
                key_type="grid",
                key=region,
                name=f"eGRID {acronym}{f' ({label})' if label != acronym else ''}, total output",
                value=sum(per_kwh[gas] * GWP_AR5[gas] for gas in per_kwh),
                unit="kWh",
                uom_code="kwh",
                gas_values=per_kwh,
                gas_unit="kg of the gas per kWh",
                category_hint="electricity",
                region=region,
            )
        )
    _raise_if(problems)
    return factors, 0


def _vehicle_table(header, rows, table):
    """Tables 8 and 10: kg CO2, g CH4, g N2O per unit -> kg CO2e per unit (AR5)."""
    require_columns(header, (VEHICLE,) + tuple(VEHICLE_GASES) + (UNITS,))
    factors, problems, seen = [], [], {}
    for line, row in rows:
        gases = {}
        for column, (gas, divisor) in VEHICLE_GASES.items():
            value = number(row[column], line, column, problems)
            if value is not None:
                gases[gas] = value / divisor
        uom = UOM_CODES.get(row[UNITS])
        if uom is None:
            problems.append(unknown_unit(line, row[UNITS], UNITS))
        name = clean_label(row[VEHICLE])
        key = f"table{table}|{slug(name)}|{uom}"
        _unique_key(key, line, seen, problems)
        if uom is None or len(gases) != len(VEHICLE_GASES) or not name:
            continue
        factors.append(
            ParsedFactor(
                key_type="epa_hub",
                key=key,
                name=name,
                value=sum(gases[gas] * GWP_AR5[gas] for gas in gases),
                unit=row[UNITS],
                uom_code=uom,
                gas_values=gases,
                gas_unit="kg of the gas per unit",
                category_hint="freight" if table == "8" else "travel",
            )
        )
    _raise_if(problems)
    return factors, 0


def _table9(header, rows, table):
    """Waste: metric t CO2e per short ton -> kg CO2e per short ton; 'NA' cells skipped."""
    columns = {clean_label(name): name for name in header}
    require_columns(list(columns), (MATERIAL,) + tuple(WASTE_METHODS))
    factors, problems, seen, skipped = [], [], {}, 0
    for line, row in rows:
        material = row[columns[MATERIAL]]
        if not material:
            problems.append(f"{at(line)}: empty value in column {MATERIAL}")
        for method, method_key in WASTE_METHODS.items():
            column = columns[method]
            if row[column] == NOT_APPLICABLE:
                skipped += 1
                continue
            value = number(row[column], line, column, problems)
            key = f"table{table}|{slug(material)}|{method_key}"
            _unique_key(key, line, seen, problems)
            if value is None or not material:
                continue
            factors.append(
                ParsedFactor(
                    key_type="epa_hub",
                    key=key,
                    name=f"{material}, {method.lower()}",
                    value=value * KG_PER_T,
                    unit=WASTE_UNIT,
                    uom_code=WASTE_UOM_CODE,
                    category_hint="waste",
                )
            )
    _raise_if(problems)
    return factors, skipped
