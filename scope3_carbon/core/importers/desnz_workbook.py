"""UK DESNZ GHG conversion factors for company reporting, the full-set XLSX workbook.

Read as published (2024 v1.1, 2025 and 2026 layouts: one sheet per emission source, e.g.
"Fuels", "Freighting goods", "WTT- fuels"). Each factor sheet states its scope and edition
in its heading (row 6: ``Scope: | Scope 3 | Version: | 1 | Year: | 2026``) and holds one or
more tables. A table starts with a header row whose first cell is ``Activity``:

- the cells before ``Unit`` are labels, filled down (a blank label repeats the one above):
  ``Activity`` is Level 2, the next ones Level 3 and Level 4 (``Type``/``Fuel``, then
  ``Class``/``Size`` where a sheet has three);
- ``Unit`` is the UOM; a ``Year`` column is skipped;
- the value columns are headed with their GHG/Unit (``kg CO2e``, ``kg CO2e of CO2 per
  unit``..., or ``kWh (Net CV)`` on the SECR sheets); the row above the header names
  column groups (fuel, laden state, "With RF"), each group running to the next name: that
  name is the Column Text;
- the table ends at the first empty row.

Every non-empty value cell becomes one row of the flat layout (Scope, Level 1 = sheet,
Level 2-4, Column Text, UOM, GHG/Unit, value), in the workbook's order, and the rows go
through the same rules as the flat CSV (:func:`.desnz_flat.build_set`): the result equals
the flat extraction of the same edition. Numbers are read as the text of the saved double
(``repr``): the published value, exact.

Problems name the sheet and row (``sheet "Fuels" row 23``). Structural completeness: the
workbook must hold the factor sheets every edition has (:data:`REQUIRED_SHEETS`) and a
number of values in the publisher's range (:data:`.desnz_flat.VALUE_ROWS`).
"""

import dataclasses

from . import ImportFileError, current_limits
from ._common import checksum, column_name
from ._xlsx import read_workbook
from .desnz_flat import ENERGY_ROWS, GAS_ROWS, GHG_UNIT, LABEL_COLUMNS, TOTAL, build_set

TITLE = "UK Government GHG Conversion Factors for Company Reporting"
#: sheets of every full set 2024-2026 that carry factors the product uses
REQUIRED_SHEETS = (
    "Fuels",
    "UK electricity",
    "Transmission and distribution",
    "WTT- fuels",
    "WTT- UK electricity",
    "Material use",
    "Waste disposal",
    "Business travel- air",
    "Business travel- land",
    "Freighting goods",
    "WTT- delivery vehs & freight",
    "Hotel stay",
)
#: sheets without factor tables (introductions, look-ups): not read
INFO_SHEETS = (
    "Introduction",
    "What's new",
    "Index",
    "Overseas electricity",
    "Conversions",
    "Fuel properties",
    "Haul definition",
)
VALUE_HEADERS = (TOTAL, *GAS_ROWS, *ENERGY_ROWS)
#: the editions this reader knows: year -> (publication date, known versions)
EDITIONS = {
    2024: ("2024-07-08", ("1.0", "1.1")),
    2025: ("2025-06-10", ("1.0",)),
    2026: ("2026-06-10", ("1.0",)),
}
HEADING_ROWS = 10  # the scope / version / year heading is within the first rows


def is_desnz_workbook(names) -> bool:
    """Whether sheet ``names`` are those of a DESNZ full set."""
    return all(name in names for name in ("Introduction", *REQUIRED_SHEETS))


def parse_desnz_workbook(data: bytes, year: int | None = None):
    """Parse a DESNZ full-set workbook.

    :param year: expected edition year; the workbook is rejected when it states another
    :raises ImportFileError: listing every problem of the workbook
    """
    _names, sheets = read_workbook(data, _factor_sheets)
    problems, rows, tables, headings = [], [], [], {}
    for name, sheet_rows in sheets.items():
        heading = _heading(name, sheet_rows, problems)
        if heading is None:
            continue
        headings[name] = heading
        extracted = _sheet_rows(name, sheet_rows, heading[0], problems)
        if extracted:
            tables.append((name, len(extracted)))
            rows.extend(extracted)
        if len(problems) > current_limits().max_problems:
            break
    if problems:
        raise ImportFileError(problems)
    file_year, version = _edition(headings, year)
    missing = [name for name in REQUIRED_SHEETS if name not in dict(tables)]
    if missing:
        raise ImportFileError(["no factor table in sheet(s) " + ", ".join(missing)])
    factor_col = f"GHG Conversion Factor {file_year}"
    rows = [(where, {**labels, factor_col: value}) for where, labels, value in rows]
    parsed = build_set(
        rows,
        factor_col,
        file_year,
        False,
        checksum(data),
        version=version,
        name=f"{TITLE} {file_year}, full set v{version}",
    )
    edition_date = EDITIONS.get(file_year, (None,))[0]
    return dataclasses.replace(
        parsed, tables=tuple(tables), edition_date=edition_date, file_format="xlsx"
    )


def _factor_sheets(names):
    """The sheets to read: all but the information sheets; every required one present."""
    missing = [name for name in REQUIRED_SHEETS if name not in names]
    if missing:
        raise ImportFileError(
            ["not a complete DESNZ full-set workbook: missing sheet(s) " + ", ".join(missing)]
        )
    return [name for name in names if name not in INFO_SHEETS]


def _heading(name, rows, problems):
    """(scope, version, year) of a factor sheet from its heading, or None for a sheet
    without one (not a factor sheet)."""
    scope = version = year = None
    for row in rows[:HEADING_ROWS]:
        cells = list(row)
        for index, cell in enumerate(cells[:-1]):
            label = column_name(cell or "")
            if label == "Scope:":
                scope = column_name(cells[index + 1] or "")
            elif label == "Version:":
                version = cells[index + 1]
            elif label == "Year:":
                year = cells[index + 1]
    if scope is None:
        return None
    if not (year or "").isdigit() or len(year) != 4:
        problems.append(f'sheet "{name}": no edition year in its heading (found "{year}")')
        return None
    return scope, _version(version), int(year)


def _version(text):
    text = (text or "").strip()
    try:
        return format(float(text), ".1f") if text and len(text) < 8 else text or "1.0"
    except ValueError:
        return text


def _edition(headings, expected):
    """(year, version): one year on every sheet; the version is the highest a sheet states
    (a revision such as 2024 v1.1 leaves unrevised sheets at 1.0)."""
    years = {heading[2] for heading in headings.values()}
    if len(years) != 1:
        raise ImportFileError(
            ["the sheets state different edition years: " + ", ".join(map(str, sorted(years)))]
        )
    year = years.pop()
    if expected is not None and int(expected) != year:
        raise ImportFileError([f"the workbook is the {year} edition, not {expected}"])
    versions = sorted({heading[1] for heading in headings.values()}, key=_version_key)
    return year, versions[-1]


def _version_key(text):
    parts = []
    for part in str(text).split("."):
        parts.append(int(part) if part.isdigit() else 0)
    return parts


def _is_header(row):
    return bool(row) and column_name(row[0] or "") == "Activity" and "Unit" in _texts(row)


def _texts(row):
    return [column_name(cell or "") for cell in row]


def _sheet_rows(name, rows, scope, problems):
    """[(location, {label column: text}, value text)] of every value cell of the sheet."""
    out = []
    index = 0
    while index < len(rows):
        if not _is_header(rows[index]):
            index += 1
            continue
        header = _texts(rows[index])
        groups = _groups(_texts(rows[index - 1]) if index else [], header)
        unit_col = header.index("Unit")
        if unit_col < 1 or unit_col > 3:
            problems.append(f'sheet "{name}" row {index + 1}: {unit_col} label columns')
            return out
        value_cols = [col for col, text in enumerate(header) if text in VALUE_HEADERS]
        if not value_cols:
            problems.append(f'sheet "{name}" row {index + 1}: a table without value columns')
            return out
        labels = [""] * unit_col
        index += 1
        while index < len(rows) and any(cell is not None for cell in rows[index]):
            row = rows[index]
            for col in range(unit_col):
                if col < len(row) and row[col] is not None:
                    labels[col] = column_name(row[col])
            unit = column_name(row[unit_col] or "") if unit_col < len(row) else ""
            where = f'sheet "{name}" row {index + 1}'
            for col in value_cols:
                value = row[col] if col < len(row) else None
                if value is None:
                    continue
                levels = (labels + ["", ""])[:3]
                cells = dict(
                    zip(
                        LABEL_COLUMNS,
                        (scope, name, *levels, groups.get(col, ""), unit),
                        strict=True,
                    )
                )
                cells[GHG_UNIT] = header[col]
                out.append((f"{where} column {_column_letter(col)}", cells, value))
            index += 1
    return out


def _groups(above, header):
    """{value column: group name}: each name of the row above the header runs to the next."""
    groups, current = {}, ""
    unit_col = header.index("Unit")
    for col in range(len(header)):
        if col < len(above) and above[col]:
            current = above[col]
        if col > unit_col:
            groups[col] = current
    return groups


def _column_letter(index):
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
