"""US EPA GHG Emission Factors Hub, the XLSX workbook as published (one sheet, tables 1-12).

The workbook is read from its own structure: each table starts at a cell ``Table <n>``
(column B) followed by its title, and its rows run to the next ``Table`` cell; a table's
header row is found by its column names, and its data rows end at the ``Source:`` note.
One :class:`ParsedSet` holds every table the Scope 3 categories use; ``ParsedSet.tables``
lists them with their row counts:

- Table 1, stationary combustion (Scope 1; the fuel factors of category 3 and of a
  supplier's fuel use): kg CO2, g CH4, g N2O per mmBtu and per physical unit (short ton, scf,
  gallon) -> two factors per fuel, ``table1|<fuel>|mmbtu`` and ``table1|<fuel>|<unit>``;
  ``value`` = CO2 + (28 CH4 + 265 N2O) / 1000 kg CO2e (AR5, table 11);
- Table 2, mobile combustion CO2 (Scope 1): kg CO2 per gallon or scf, ``table2|<fuel>|<unit>``
  (CO2 only: the table gives no CH4/N2O; tables 3-5 give those per vehicle-mile and model
  year, which are not complete factors and are not imported);
- Table 6, electricity (eGRID subregions, Scope 2; category 3 T&D uses the grid gross
  loss, not imported): as :mod:`.epa_hub` reads its CSV extraction;
- Table 7, steam and heat (Scope 2): kg CO2, g CH4, g N2O per mmBtu,
  ``table7|steam-and-heat|mmbtu``;
- Tables 8, 9 and 10 (Scope 3 categories 4/9, 5/12, 6/7): as :mod:`.epa_hub` reads their
  CSV extractions, with the same keys and values.

The GWPs of table 11 must be those the values are computed with (AR5: CH4 28, N2O 265),
and every table listed must be present with a row count in the publisher's range
(:data:`ROWS`): a truncated workbook is refused. Problems name the sheet row.
"""

import dataclasses
import datetime
import re

from . import ImportFileError, ParsedFactor, ParsedSet, current_limits
from ._common import at, check_row_count, column_name, number, slug
from ._xlsx import read_workbook
from .epa_hub import (
    EGRID_ACRONYM,
    EGRID_GASES,
    EGRID_NAME,
    G_PER_KG,
    GWP_AR5,
    TITLES,
    _table6,
    _table9,
    _vehicle_table,
    clean_label,
    hub_set,
)

SHEET = "Emission Factors Hub"
TITLE = "Emission Factors for Greenhouse Gas Inventories"
_TABLE = re.compile(r"^Table (\d{1,2})$")
_MODIFIED = re.compile(r"Last Modified:\s*([A-Z][a-z]+ \d{1,2}, \d{4})")
#: tables read -> (first header cell, publisher's known range of data rows)
ROWS = {
    "1": (40, 90),
    "2": (6, 20),
    "6": (20, 40),
    "7": (1, 3),
    "8": (5, 12),
    "9": (40, 90),
    "10": (8, 20),
}
HEADERS = {
    "1": "Fuel Type",
    "2": "Fuel Type",
    "6": EGRID_ACRONYM,
    "7": None,  # table 7 has no first header cell: its header row starts in column D
    "8": "Vehicle Type",
    "9": "Material",
    "10": "Vehicle Type",
}
TABLE_TITLES = {
    **TITLES,
    "1": "Table 1, Stationary Combustion",
    "2": "Table 2, Mobile Combustion CO2",
    "7": "Table 7, Steam and Heat",
}
SCOPES = {
    "1": "Scope 1",
    "2": "Scope 1",
    "6": "Scope 2",
    "7": "Scope 2",
    "8": "Scope 3",
    "9": "Scope 3",
    "10": "Scope 3",
}
#: published physical units of tables 1 and 2 -> unit code
UNIT_CODES = {
    "short ton": "other:short ton",
    "scf": "other:scf",
    "gallon": "other:gallon",
    "mmBtu": "other:mmBtu",
}
SOURCE_NOTE = ("Source:", "Notes:")


def is_hub_workbook(names, data=None) -> bool:
    """Whether sheet ``names`` are those of the Hub workbook."""
    return SHEET in names


def parse_epa_hub_workbook(data: bytes) -> ParsedSet:
    """Parse the Hub workbook (``ghg-emission-factors-hub-<year>.xlsx``).

    :raises ImportFileError: listing every problem of the workbook
    """
    rows = read_workbook(data, _hub_sheet)[1][SHEET]
    edition, edition_date = _edition(rows)
    tables = _tables(rows)
    _check_gwp(rows, tables)
    factors, problems, counts, skipped = [], [], [], 0
    for number_, (low, high) in ROWS.items():
        if number_ not in tables:
            problems.append(f"table {number_} not found (truncated or not the Hub workbook)")
            continue
        header_at, header, data_rows = _table_rows(rows, tables, number_)
        if header is None:
            problems.append(f"table {number_}: header row not found")
            continue
        if number_ == "6":  # the row under the header gives the units of the columns
            data_rows = [(index, row) for index, row in data_rows if index != header_at + 1]
        if current_limits().check_completeness:
            try:
                check_row_count(f"table {number_}", len(data_rows), (low, high))
            except ImportFileError as exc:
                problems.extend(exc.problems)
                continue
        try:
            read, skip = _read_table(number_, rows, header_at, header, data_rows)
        except ImportFileError as exc:
            problems.extend(exc.problems)
            continue
        scope = SCOPES[number_]
        factors.extend(dataclasses.replace(factor, scope=scope) for factor in read)
        skipped += skip
        counts.append((TABLE_TITLES[number_], len(data_rows)))
    if problems:
        raise ImportFileError(problems)
    return hub_set(
        f"US EPA GHG Emission Factors Hub {edition} (tables 1, 2, 6-10)",
        edition,
        data,
        factors,
        row_count=sum(count for _name, count in counts),
        skipped_rows=skipped,
        edition_date=edition_date,
        tables=tuple(counts),
        file_format="xlsx",
    )


def _hub_sheet(names):
    if SHEET not in names:
        raise ImportFileError([f'not the EPA Emission Factors Hub workbook: no sheet "{SHEET}"'])
    return [SHEET]


def _where(index):
    return f'sheet "{SHEET}" row {index + 1}'


def _edition(rows):
    """('2025', '2025-01-15') from the "Last Modified" cell under the title."""
    found_title = False
    for row in rows[:12]:
        for cell in row:
            text = column_name(cell or "")
            found_title = found_title or text == TITLE
            match = _MODIFIED.search(text)
            if match and found_title:
                try:
                    day = datetime.datetime.strptime(match.group(1), "%B %d, %Y").date()
                except ValueError:
                    break
                return str(day.year), day.isoformat()
    raise ImportFileError(
        [f'{_where(0)}: the title "{TITLE}" and its "Last Modified" date are not found']
    )


def _tables(rows):
    """{table number: row index of its "Table <n>" cell}."""
    tables = {}
    for index, row in enumerate(rows):
        for cell in row[:3]:
            match = _TABLE.match(column_name(cell or ""))
            if match:
                tables.setdefault(match.group(1), index)
    return tables


def _table_rows(rows, tables, number_):
    """(header row index, header texts, [(index, row)]) of a table; header None if absent."""
    start = tables[number_]
    ends = [index for index in tables.values() if index > start]
    end = min(ends) if ends else len(rows)
    first = HEADERS[number_]
    header_at = None
    for index in range(start + 1, end):
        texts = [column_name(cell or "") for cell in rows[index]]
        if first is None:
            if any(text.startswith("CO2 Factor") for text in texts):
                header_at = index
        elif first in texts:
            header_at = index
        if header_at is not None:
            break
    if header_at is None:
        return None, None, []
    header = [column_name(cell or "") for cell in rows[header_at]]
    data_rows = []
    for index in range(header_at + 1, end):
        row = rows[index]
        texts = [column_name(cell or "") for cell in row]
        if any(text.startswith(SOURCE_NOTE) for text in texts[:3]):
            break
        if any(texts):
            data_rows.append((index, row))
    return header_at, header, data_rows


def _check_gwp(rows, tables):
    """Table 11 must give the AR5 GWPs the values are computed with."""
    if "11" not in tables:
        raise ImportFileError(["table 11 (GWPs) not found (truncated or not the Hub workbook)"])
    found = {}
    for index in range(tables["11"] + 1, min(tables["11"] + 40, len(rows))):
        texts = [column_name(cell or "") for cell in rows[index]]
        for gas in ("CH4", "N2O"):
            if gas in texts[2:4] and len(texts) > 4:
                found.setdefault(gas, texts[4])
    expected = {gas: str(GWP_AR5[gas]) for gas in ("CH4", "N2O")}
    if found != expected:
        raise ImportFileError(
            [f"table 11: GWPs {found or 'missing'} where the values use AR5 {expected}"]
        )


def _as_dicts(header, data_rows, columns=None):
    """[(location, {column name: text})] with the named columns of ``header``."""
    names = columns or {text: col for col, text in enumerate(header) if text}
    out = []
    for index, row in data_rows:
        cells = {}
        for name, col in names.items():
            value = row[col] if col < len(row) else None
            cells[name] = column_name(str(value)) if value is not None else ""
        out.append((_where(index), cells))
    return out


def _read_table(number_, rows, header_at, header, data_rows):
    if number_ == "6":
        return _table6_from_sheet(rows, header_at, header, data_rows)
    if number_ in ("8", "10"):
        dicts = _as_dicts(header, data_rows)
        return _vehicle_table(list(dicts[0][1]) if dicts else header, dicts, number_)
    if number_ == "9":
        dicts = _as_dicts(header, data_rows)
        return _table9(list(dicts[0][1]) if dicts else header, dicts, number_)
    if number_ == "1":
        return _table1(rows, header, data_rows)
    if number_ == "2":
        return _table2(header, data_rows)
    return _table7(header, data_rows)


def _table6_from_sheet(rows, header_at, header, data_rows):
    """The total-output columns, checked by their group and unit rows, named as in the
    CSV extraction."""
    groups = [column_name(cell or "") for cell in rows[header_at - 1]]
    units = [column_name(cell or "") for cell in rows[header_at + 1]]
    try:
        start = groups.index("Total Output Emission Factors")
        columns = {EGRID_ACRONYM: header.index(EGRID_ACRONYM), EGRID_NAME: header.index(EGRID_NAME)}
    except ValueError:
        raise ImportFileError(
            [f"{_where(header_at)}: table 6 columns (total output, subregion) not found"]
        ) from None
    for offset, (gas, name) in enumerate(EGRID_GASES.items()):
        col = start + offset
        expected = f"(lb {gas} / MWh)"
        if col >= len(header) or header[col] != f"{gas} Factor" or units[col] != expected:
            raise ImportFileError(
                [f"{_where(header_at)}: table 6 column {col + 1} is not {gas} in lb/MWh"]
            )
        columns[name] = col
    dicts = _as_dicts(header, data_rows, columns)
    return _table6(list(columns), dicts, "6")


def _ghg_total(co2_kg, ch4_g, n2o_g):
    return co2_kg + (ch4_g * GWP_AR5["CH4"] + n2o_g * GWP_AR5["N2O"]) / G_PER_KG


def _factor(table, name, unit, values, category, group=None):
    co2, ch4, n2o = values
    unit_code = UNIT_CODES.get(unit, f"other:{unit}")
    gases = {"CO2": co2}
    if ch4 is not None:
        gases.update({"CH4": ch4 / G_PER_KG, "N2O": n2o / G_PER_KG})
    return ParsedFactor(
        key_type="epa_hub",
        key=f"table{table}|{slug(name)}|{slug(unit)}",
        name=f"{name} ({group})" if group else name,
        value=_ghg_total(co2, ch4, n2o) if ch4 is not None else co2,
        unit=unit,
        uom_code=unit_code,
        gas_values=gases,
        gas_unit="kg of the gas per unit",
        levels=(TABLE_TITLES[table], group or "", name, "", ""),
        category_hint=category,
    )


_PER = re.compile(r"^(mmBtu|kg CO2|g CH4|g N2O) per (.+)$")
#: table 1 columns: heat content, then per mmBtu (CO2, CH4, N2O), then per unit (same)
_T1_PER_MMBTU = (4, 5, 6)
_T1_PER_UNIT = (7, 8, 9)


def _table1(rows, header, data_rows):
    """Stationary combustion: the unit rows (``mmBtu per short ton`` ...) set the physical
    unit of the fuels below them; a row with a name only is a fuel group."""
    factors, problems, seen, skipped = [], [], {}, 0
    if header[2:3] != ["Fuel Type"] or len(header) < 10:
        raise ImportFileError(["table 1: header row not as published (Fuel Type, ...)"])
    unit, group = None, None
    for index, row in data_rows:
        texts = [column_name(cell or "") for cell in row] + [""] * 10
        where = _where(index)
        match = _PER.match(texts[3])
        if match and not texts[2]:
            unit = match.group(2)
            per_unit = [_PER.match(texts[col]) for col in _T1_PER_UNIT]
            if match.group(1) != "mmBtu" or any(m is None or m.group(2) != unit for m in per_unit):
                problems.append(f'{where}: unit row "{texts[3]}" not as published')
            continue
        name = clean_label(texts[2])
        if not any(texts[3:10]):
            group = name
            continue
        if unit is None or not name:
            problems.append(f"{where}: a fuel row without its unit row or name")
            continue
        for cols, per in ((_T1_PER_MMBTU, "mmBtu"), (_T1_PER_UNIT, unit)):
            if not any(texts[col] for col in cols):
                skipped += 1
                continue
            values = [number(texts[col], where, header[col], problems) for col in cols]
            key = f"table1|{slug(name)}|{slug(per)}"
            if key in seen:
                problems.append(f'{where}: key "{key}" already used on {at(seen[key])}')
            seen[key] = where
            if None not in values:
                factors.append(_factor("1", name, per, values, "fuel", group))
    if problems:
        raise ImportFileError(problems)
    return factors, skipped


def _table2(header, data_rows):
    """Mobile combustion CO2: kg CO2 per unit (gallon, scf)."""
    try:
        name_col, value_col, unit_col = (
            header.index("Fuel Type"),
            header.index("kg CO2 per unit"),
            header.index("Unit"),
        )
    except ValueError:
        raise ImportFileError(["table 2: header row not as published"]) from None
    factors, problems, seen = [], [], {}
    for index, row in data_rows:
        texts = [column_name(cell or "") for cell in row] + [""] * 6
        where = _where(index)
        name, unit = clean_label(texts[name_col]), texts[unit_col]
        value = number(texts[value_col], where, "kg CO2 per unit", problems)
        if unit not in UNIT_CODES:
            problems.append(f'{where}: unknown unit "{unit}" in column Unit')
            continue
        key = f"table2|{slug(name)}|{slug(unit)}"
        if key in seen:
            problems.append(f'{where}: key "{key}" already used on {at(seen[key])}')
        seen[key] = where
        if value is not None and name:
            factors.append(_factor("2", name, unit, (value, None, None), "fuel"))
    if problems:
        raise ImportFileError(problems)
    return factors, 0


def _table7(header, data_rows):
    """Steam and heat: kg CO2, g CH4, g N2O per mmBtu."""
    expected = (
        "CO2 Factor (kg CO2 / mmBtu)",
        "CH4 Factor (g CH4 / mmBtu)",
        "N2O Factor (g N2O / mmBtu)",
    )
    if tuple(header[3:6]) != expected:
        raise ImportFileError(["table 7: header row not as published"])
    factors, problems = [], []
    for index, row in data_rows:
        texts = [column_name(cell or "") for cell in row] + [""] * 6
        where = _where(index)
        values = [number(texts[col], where, header[col], problems) for col in (3, 4, 5)]
        if None not in values and texts[2]:
            factors.append(_factor("7", clean_label(texts[2]), "mmBtu", values, "other"))
    if problems:
        raise ImportFileError(problems)
    return factors, 0
