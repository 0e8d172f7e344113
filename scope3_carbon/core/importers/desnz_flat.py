"""UK DESNZ GHG conversion factors for company reporting, flat CSV.

Two layouts are read: the official flat file (2025: ``ID, Scope, Level 1, Level 2, Level 3,
Level 4, Column Text, UOM, GHG/Unit, GHG Conversion Factor 2025``, UTF-8 with a BOM) and the
derived long format made from the full-set workbook (2024, 2026: the same columns without
``ID``). The edition year is read from the ``GHG Conversion Factor <year>`` header.

Source units: kg CO2e per UOM (AR5 GWP-100). A row whose GHG/Unit is ``kg CO2e`` is the total
of one activity and becomes a factor; the rows ``kg CO2e of CO2/CH4/N2O per unit`` of the same
activity (same Scope, levels, column text and UOM) become its ``gas_values`` (kg CO2e per
unit). Nothing is converted.

Rows that become no factor, and how :class:`ParsedSet` counts them:

- ``skipped_rows``: rows whose factor cell is empty (the publisher gives no value). So
  ``row_count - skipped_rows`` is the number of rows carrying a value (2025: 8,740 - 1,711 =
  7,029, the count DESNZ's flat file has).
- ``ignored_rows``: rows with a value that are neither a total nor a gas value attached to a
  total: the SECR energy-conversion rows (GHG/Unit ``kWh (Net CV)`` / ``kWh (net)``, kWh per
  unit, not emissions) and gas rows without a total of the same activity (the biogenic CO2
  of "Outside of scopes", and label mismatches of the derived files).

Hence ``row_count == len(factors) + attached gas rows + ignored_rows + skipped_rows``.

Labels are compared with surrounding spaces stripped. The ``key`` of a factor is the file's
``ID`` when the layout has one, else the slugs of Scope, Level 1-4, Column Text and UOM
joined by ``|``.

Links (see :func:`_companions`):

- ``companion_key``: a direct row's well-to-tank companion is the row of a ``WTT-`` sheet with
  the same Level 2 (without its ``WTT- `` prefix), Level 3, Level 4, Column Text and UOM,
  compared case-insensitively (the WTT sheets write "WTT- cargo ship" for "Cargo ship" and
  "LPG tanker" for "LPG Tanker"). A match that is not unique links nothing.
  UK electricity and its T&D, and district heat distribution, have differently named WTT
  rows, matched through :data:`WTT_LEVEL2_ALIASES`. Rows of "UK electricity T&D for EVs" get
  no WTT companion: the WTT factor of an electric vehicle covers the generation and the T&D
  of its electricity and is already the companion of the "UK electricity for EVs" row.
- ``td_companion_key``: an electricity-generation row's transmission & distribution row
  (:data:`TD_SHEETS`).
"""

import re

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

ID = "ID"
LABEL_COLUMNS = ("Scope", "Level 1", "Level 2", "Level 3", "Level 4", "Column Text", "UOM")
GHG_UNIT = "GHG/Unit"
FACTOR_COLUMN = re.compile(r"^GHG Conversion Factor (\d{4})$")
FACTOR_COLUMN_NAME = "GHG Conversion Factor <year>"

TOTAL = "kg CO2e"
#: GHG/Unit of the per-gas rows -> key of ``gas_values``
GAS_ROWS = {
    "kg CO2e of CO2 per unit": "CO2",
    "kg CO2e of CH4 per unit": "CH4",
    "kg CO2e of N2O per unit": "N2O",
}
#: GHG/Unit of the SECR energy-conversion rows (kWh per unit): read, not emission factors
ENERGY_ROWS = ("kWh (Net CV)", "kWh (net)")

#: published UOM -> normalised unit code. DESNZ's "km" / "miles" rows of vehicles are per
#: vehicle distance, kept as "km" / "mile" as published. Net and gross CV kWh are both kWh
#: (the unit text keeps the difference).
UOM_CODES = {
    "kWh": "kwh",
    "kWh (Net CV)": "kwh",
    "kWh (Gross CV)": "kwh",
    "GJ": "gj",
    "litres": "litre",
    "million litres": "other:million litres",
    "cubic metres": "m3",
    "kg": "kg",
    "tonnes": "t",
    "km": "km",
    "miles": "mile",
    "tonne.km": "t.km",
    "passenger.km": "passenger.km",
    "Room per night": "room.night",
    "per FTE Working Hour": "other:per FTE Working Hour",
}

#: Level 1 (sheet) -> category hint; a sheet not listed is "other", a WTT sheet is "wtt"
CATEGORIES = {
    "Fuels": "fuel",
    "Bioenergy": "fuel",
    "Freighting goods": "freight",
    "Delivery vehicles": "freight",
    "UK electricity": "electricity",
    "UK electricity for EVs": "electricity",
    "Managed assets- electricity": "electricity",
    "Transmission and distribution": "electricity_td",
    "UK electricity T&D for EVs": "electricity_td",
    "Material use": "material",
    "Waste disposal": "waste",
    "Business travel- air": "travel",
    "Business travel- land": "travel",
    "Business travel- sea": "travel",
    "Hotel stay": "travel",
    "Passenger vehicles": "travel",
}

WTT_PREFIX = "wtt- "
#: (Level 1, Level 2) of a direct row -> Level 2 of its WTT row, where the labels differ
WTT_LEVEL2_ALIASES = {
    ("UK electricity", "Electricity generated"): "WTT- UK electricity (generation)",
    ("Transmission and distribution", "T&D- UK electricity"): "WTT- UK electricity (T&D)",
    (
        "Transmission and distribution",
        "Distribution - district heat & steam",
    ): "WTT- district heat & steam distribution",
}
#: sheets whose rows get no WTT companion (see the module docstring)
NO_WTT_COMPANION = ("UK electricity T&D for EVs",)
#: (Level 1, Level 2) of a generation row -> (Level 1, Level 2) of its T&D row; None: any
#: Level 2, the same in both
TD_SHEETS = {
    ("UK electricity", "Electricity generated"): (
        "Transmission and distribution",
        "T&D- UK electricity",
    ),
    ("UK electricity for EVs", None): ("UK electricity T&D for EVs", None),
}


#: the publisher's known range of value rows in a complete edition (2024: 7,029; 2025:
#: 7,029 with a value of 8,740; 2026: 7,051); fewer means a truncated or partial file
VALUE_ROWS = (6_500, 9_000)


def parse_desnz_flat(data: bytes, year: int | None = None) -> ParsedSet:
    """Parse a DESNZ flat CSV (official 2025 layout or derived 2024/2026 layout).

    :param year: expected edition year; the file is rejected when its header says another
    :raises ImportFileError: listing every problem of the file
    """
    header, rows = read_csv(data)
    factor_col, file_year = _factor_column(header)
    if year is not None and int(year) != file_year:
        raise ImportFileError([f'line 1: column "{factor_col}" is not of the year {year}'])
    return build_set(rows, factor_col, file_year, ID in header, checksum(data))


def build_set(rows, factor_col, file_year, has_id, digest, version=None, name=None):
    """The :class:`ParsedSet` of DESNZ rows ``[(location, {column: text})]`` in the flat
    layout (the flat CSV's rows, or the rows a workbook reader extracted)."""
    totals, gases, counts = _read_rows(rows, factor_col, has_id)
    if current_limits().check_completeness:
        check_row_count("the DESNZ conversion factors", len(rows) - counts["empty"], VALUE_ROWS)
    keys = _keys(totals)
    attached = _attach_gases(totals, gases)
    links = _companions(totals, keys)
    factors = tuple(
        _build(labels, keys[labels], value, attached.get(labels), links.get(labels, (None, None)))
        for labels, (_line, _row_id, value) in totals.items()
    )
    gas_rows = sum(len(values) for values in gases.values())
    attached_rows = sum(len(values) for values in attached.values())
    return ParsedSet(
        source="desnz_flat",
        name=name or f"UK Government GHG Conversion Factors for Company Reporting {file_year}",
        publisher="UK DESNZ",
        edition=str(file_year),
        source_url="https://www.gov.uk/government/collections/"
        "government-conversion-factors-for-company-reporting",
        licence="Open Government Licence v3.0",
        gwp_basis="ar5",
        factor_type="activity",
        currency=None,
        price_year=None,
        price_basis=None,
        checksum=digest,
        row_count=len(rows),
        skipped_rows=counts["empty"],
        factors=factors,
        ignored_rows=counts["energy"] + gas_rows - attached_rows,
        version=version,
    )


def _factor_column(header):
    """The ``GHG Conversion Factor <year>`` column and its year; the other columns checked."""
    matches = [name for name in header if FACTOR_COLUMN.match(name)]
    require_columns(
        header, LABEL_COLUMNS + (GHG_UNIT,) + (() if matches else (FACTOR_COLUMN_NAME,))
    )
    if len(matches) > 1:
        raise ImportFileError([f"line 1: several factor columns: {', '.join(matches)}"])
    return matches[0], int(FACTOR_COLUMN.match(matches[0]).group(1))


def _read_rows(rows, factor_col, has_id):
    """Totals ``{labels: (line, id, value)}``, gases ``{labels: {gas: value}}`` and counts."""
    totals, gases, problems = {}, {}, []
    counts = {"empty": 0, "energy": 0}
    for line, row in rows:
        labels = tuple(row[col] for col in LABEL_COLUMNS)
        kind = _row_kind(line, row, problems)
        value = number(row[factor_col], line, factor_col, problems, allow_empty=True)
        if not row[factor_col]:
            counts["empty"] += 1
        elif value is None or kind is None:
            continue
        elif kind == TOTAL:
            if labels in totals:
                problems.append(f"{at(line)}: duplicate activity ({at(totals[labels][0])})")
            totals[labels] = (line, row[ID] if has_id else None, value)
        elif kind in ENERGY_ROWS:
            counts["energy"] += 1
        elif kind in gases.setdefault(labels, {}):
            problems.append(f"{at(line)}: duplicate {row[GHG_UNIT]} row of the same activity")
        else:
            gases[labels][kind] = value
    if problems:
        raise ImportFileError(problems)
    return totals, gases, counts


def _row_kind(line, row, problems):
    """'kg CO2e', a gas key ('CO2', ...) or an energy GHG/Unit; None (problem noted) if unknown."""
    if row["UOM"] not in UOM_CODES:
        problems.append(unknown_unit(line, row["UOM"], "UOM"))
    ghg = row[GHG_UNIT]
    if ghg == TOTAL or ghg in ENERGY_ROWS:
        return ghg
    if ghg in GAS_ROWS:
        return GAS_ROWS[ghg]
    problems.append(f'{at(line)}: unknown GHG/Unit "{ghg}"')
    return None


def _keys(totals):
    """{labels: key}: the row ID when the file has IDs, else the slug of the labels."""
    keys, seen, problems = {}, {}, []
    for labels, (line, row_id, _value) in totals.items():
        key = row_id if row_id is not None else "|".join(slug(part) for part in labels)
        if not key:
            problems.append(f"{at(line)}: empty ID")
        elif key in seen:
            problems.append(f'{at(line)}: key "{key}" already used on {at(seen[key])}')
        seen[key] = line
        keys[labels] = key
    if problems:
        raise ImportFileError(problems)
    return keys


def _attach_gases(totals, gases):
    """{labels: {gas: value}} for the gas rows whose activity has a total."""
    return {labels: values for labels, values in gases.items() if labels in totals}


def _is_wtt(labels):
    return labels[1].lower().startswith("wtt")


def _wtt_match_key(labels):
    """Level 2 without its 'WTT- ' prefix, Level 3, Level 4, Column Text, UOM; case-folded."""
    level2 = WTT_LEVEL2_ALIASES.get((labels[1], labels[2]), labels[2]).casefold()
    return (level2.removeprefix(WTT_PREFIX),) + tuple(part.casefold() for part in labels[3:])


def _td_labels(labels):
    """Labels (without Scope) of the T&D row of an electricity-generation row, or None."""
    for (level1, level2), (td_level1, td_level2) in TD_SHEETS.items():
        if labels[1] == level1 and level2 in (None, labels[2]):
            return (td_level1, td_level2 or labels[2]) + labels[3:]
    return None


def _companions(totals, keys):
    """{labels: (WTT companion key, T&D companion key)} of the direct rows."""
    wtt_index, ambiguous = {}, set()
    for labels in totals:
        if _is_wtt(labels):
            match = _wtt_match_key(labels)
            if match in wtt_index:
                ambiguous.add(match)
            wtt_index[match] = keys[labels]
    by_td_labels = {labels[1:]: keys[labels] for labels in totals}
    links = {}
    for labels in totals:
        if _is_wtt(labels):
            continue
        match = _wtt_match_key(labels)
        wtt = None
        if labels[1] not in NO_WTT_COMPANION and match not in ambiguous:
            wtt = wtt_index.get(match)
        td_labels = _td_labels(labels)
        td = by_td_labels.get(td_labels) if td_labels else None
        if wtt or td:
            links[labels] = (wtt, td)
    return links


def _build(labels, key, value, gas_values, links):
    scope, level1, level2, level3, level4, column, uom = labels
    wtt = _is_wtt(labels)
    return ParsedFactor(
        key_type="desnz",
        key=key,
        name=" > ".join(part for part in (level2, level3, level4, column) if part),
        value=value,
        unit=uom,
        uom_code=UOM_CODES[uom],
        gas_values=gas_values or None,
        gas_unit="kg CO2e per unit" if gas_values else None,
        scope=scope,
        levels=(level1, level2, level3, level4, column),
        category_hint="wtt" if wtt else CATEGORIES.get(level1, "other"),
        is_wtt=wtt,
        companion_key=links[0],
        td_companion_key=links[1],
    )
