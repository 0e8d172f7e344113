"""US EPA Supply Chain GHG Emission Factors by NAICS-6 (CSV files v1.2 and v1.3.0).

Source units: the CO2e file gives kg CO2e per USD of the edition's price year, purchaser
price ("kg CO2e/2022 USD, purchaser price"), in three columns: without margins (cradle to the
producer's gate), margins (transport, wholesale, retail), and with margins (cradle to the
point of sale). ``value`` is the with-margins column exactly as published (it is rounded on
its own, so it may differ from without + margins in the last digit: v1.2 111130 is 3.007,
not 2.874 + 0.134). Nothing is converted.

The optional by-GHG file gives the same three columns per gas, in kg of the gas per USD;
its with-margins values become ``gas_values``. The gas "HFCs and PFCs, unspecified" is a
mixture without a single GWP and is given in kg CO2e per USD (v1.3.0 labels it so; v1.2
labels it "kg/2021 USD" but it is the same USEEIO CO2e flow), which ``gas_unit`` states.
"""

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
    unknown_unit,
)

GHG = "GHG"
UNIT = "Unit"
WITHOUT = "Supply Chain Emission Factors without Margins"
MARGINS = "Margins of Supply Chain Emission Factors"
WITH = "Supply Chain Emission Factors with Margins"
VALUE_COLUMNS = (WITHOUT, MARGINS, WITH)
ALL_GHGS = "All GHGs"

#: the two header layouts: (NAICS code column, NAICS title column)
LAYOUTS = (
    ("2017 NAICS Code", "2017 NAICS Title"),  # v1.3.0
    ("NAICS Code 2017", "NAICS Title 2017"),  # v1.2
)

#: unit of the CO2e file -> denominator of the factor (explicit: any other unit is rejected)
CO2E_UNITS = {
    "kg CO2e/2021 USD, purchaser price": "2021 USD",
    "kg CO2e/2022 USD, purchaser price": "2022 USD",
}

#: unit of the by-GHG file -> (denominator, 'kg' of the gas or 'kg CO2e')
GAS_UNITS = {
    "kg/2021 USD, purchaser price": ("2021 USD", "kg"),
    "kg CO2e/2021 USD, purchaser price": ("2021 USD", "kg CO2e"),
    "kg/2022 USD, purchaser price": ("2022 USD", "kg"),
    "kg CO2e/2022 USD, purchaser price": ("2022 USD", "kg CO2e"),
}

#: denominator -> normalised unit code
UOM_CODES = {"2021 USD": "usd", "2022 USD": "usd"}

UNSPECIFIED = "HFC/PFC unspecified"

#: gas names of the by-GHG files -> keys of ``gas_values``
GASES = {
    "Carbon dioxide": "CO2",
    "Methane": "CH4",
    "Nitrous oxide": "N2O",
    "Sulfur hexafluoride": "SF6",
    "Nitrogen trifluoride": "NF3",
    "HFC-23": "HFC-23",
    "HFC-32": "HFC-32",
    "HFC-125": "HFC-125",
    "HFC-134a": "HFC-134a",
    "HFC-143a": "HFC-143a",
    "HFC-236fa": "HFC-236fa",
    "Carbon tetrafluoride": "CF4",
    "Hexafluoroethane": "C2F6",
    "Perfluoropropane": "C3F8",
    "Perfluorocyclobutane": "c-C4F8",
    "Perfluorobutane": "C4F10",
    "Perfluorohexane": "C6F14",
    "HFCs and PFCs, unspecified": UNSPECIFIED,
}

_COMMON = {
    "publisher": "US EPA Office of Research and Development",
    "licence": "US Government work; EPA ScienceHub licence "
    "(https://pasteur.epa.gov/license/sciencehub-license.html)",
}

#: (NAICS code column, denominator) -> edition metadata
EDITIONS = {
    ("NAICS Code 2017", "2021 USD"): {
        "edition": "v1.2",
        "name": "US EPA Supply Chain GHG Emission Factors v1.2 by NAICS-6",
        "source_url": "https://doi.org/10.23719/1528686",
        "gwp_basis": "ar4",
        "price_year": 2021,
    },
    ("2017 NAICS Code", "2022 USD"): {
        "edition": "v1.3.0",
        "name": "US EPA Supply Chain GHG Emission Factors v1.3 by NAICS-6",
        "source_url": "https://doi.org/10.23719/1531143",
        "gwp_basis": "ar5",
        "price_year": 2022,
    },
}

#: the publisher's range of commodities of the CO2e file (v1.2 and v1.3.0: 1,016) and the
#: fewest gases the by-GHG file gives each (v1.2: 16, v1.3.0: 18)
CO2E_ROWS = (1_000, 1_100)
#: the published columns are rounded each on its own to 3 decimals: with margins may differ
#: from without + margins by 0.001 (v1.2 111150: 3.007 vs 2.874 + 0.134)
ROUNDING = Decimal("0.0015")
MIN_GASES = 16

_NAICS = re.compile(r"^\d{6}$")


def parse_epa_supply_chain(co2e: bytes, by_ghg: bytes | None = None) -> ParsedSet:
    """Parse the CO2e file, and the by-GHG file when given, of one edition.

    :param co2e: ``SupplyChainGHGEmissionFactors_<version>_NAICS_CO2e_USD<year>.csv``
    :param by_ghg: ``SupplyChainGHGEmissionFactors_<version>_NAICS_byGHG_USD<year>.csv``;
        each of its rows must name a NAICS code of the CO2e file
    :raises ImportFileError: listing every problem of the file(s)
    """
    header, rows = read_csv(co2e)
    code_col, title_col = _layout(header)
    entries, denominator = _read_co2e(rows, code_col, title_col)
    if current_limits().check_completeness:
        check_row_count("the CO2e file", len(rows), CO2E_ROWS)
    meta = EDITIONS.get((code_col, denominator))
    if meta is None:
        raise ImportFileError(
            [f'unknown edition: column "{code_col}" with unit "kg CO2e/{denominator}"']
        )
    gases, row_count = {}, len(rows)
    if by_ghg is not None:
        gases, gas_rows = _read_by_ghg(by_ghg, code_col, denominator, entries)
        row_count += gas_rows
    gas_unit = (
        f"kg of the gas per {denominator}, purchaser price, with margins; "
        f'"{UNSPECIFIED}" in kg CO2e per {denominator}'
    )
    factors = tuple(
        ParsedFactor(
            key_type="naics",
            key=code,
            name=title,
            value=with_margins,
            unit=denominator,
            uom_code=UOM_CODES[denominator],
            value_without_margins=without,
            margin_value=margin,
            gas_values=gases.get(code),
            gas_unit=gas_unit if code in gases else None,
        )
        for code, (title, without, margin, with_margins) in entries.items()
    )
    return ParsedSet(
        source="epa_supply_chain",
        name=meta["name"],
        publisher=_COMMON["publisher"],
        edition=meta["edition"],
        source_url=meta["source_url"],
        licence=_COMMON["licence"],
        gwp_basis=meta["gwp_basis"],
        factor_type="spend",
        currency="USD",
        price_year=meta["price_year"],
        price_basis="purchaser",
        checksum=checksum(co2e, by_ghg) if by_ghg is not None else checksum(co2e),
        row_count=row_count,
        skipped_rows=0,
        factors=factors,
    )


def _layout(header):
    """The (code, title) columns of the header's layout, all required columns checked."""
    code_col, title_col = next(((c, t) for c, t in LAYOUTS if c in header), LAYOUTS[0])
    require_columns(header, (code_col, title_col, GHG, UNIT) + VALUE_COLUMNS)
    return code_col, title_col


def _values(line, row, problems):
    """(without, margins, with) of a row, or None when one of them is invalid."""
    values = [number(row[col], line, col, problems) for col in VALUE_COLUMNS]
    return None if None in values else values


def _read_co2e(rows, code_col, title_col):
    """{code: (title, without, margins, with)} and the common denominator ('2022 USD')."""
    entries, problems, denominators = {}, [], {}
    for line, row in rows:
        code = row[code_col]
        if not _NAICS.match(code):
            problems.append(f'{at(line)}: invalid NAICS code "{code}" in column {code_col}')
        elif code in entries:
            problems.append(f"{at(line)}: duplicate NAICS code {code}")
        if row[GHG] != ALL_GHGS:
            problems.append(f'{at(line)}: GHG "{row[GHG]}" where the CO2e file has "{ALL_GHGS}"')
        denominator = CO2E_UNITS.get(row[UNIT])
        if denominator is None:
            problems.append(unknown_unit(line, row[UNIT], UNIT))
        else:
            denominators.setdefault(denominator, line)
        values = _values(line, row, problems)
        if values is not None and abs(values[0] + values[1] - values[2]) > ROUNDING:
            problems.append(
                f"{at(line)}: with margins {values[2]} is not without margins {values[0]} "
                f"+ margins {values[1]} (columns swapped or damaged)"
            )
            values = None
        if values is not None and code not in entries:
            entries[code] = (row[title_col], *values)
    if len(denominators) > 1:
        lines = ", ".join(f"{unit} from {at(line)}" for unit, line in denominators.items())
        problems.append(f"the file mixes price years: {lines}")
    if problems:
        raise ImportFileError(problems)
    return entries, next(iter(denominators))


def _read_by_ghg(data, code_col, denominator, entries):
    """{code: {gas: with-margins value}} of the by-GHG file, and its number of rows."""
    header, rows = read_csv(data)
    require_columns(header, (code_col, GHG, UNIT) + VALUE_COLUMNS)
    gases, problems = {}, []
    for line, row in rows:
        code, gas = row[code_col], GASES.get(row[GHG])
        if code not in entries:
            problems.append(f"{at(line)}: NAICS code {code} is not in the CO2e file")
        if gas is None:
            problems.append(f'{at(line)}: unknown GHG "{row[GHG]}"')
        _check_gas_unit(line, row[UNIT], gas, denominator, problems)
        values = _values(line, row, problems)
        if gas is not None and code in entries and values is not None:
            per_gas = gases.setdefault(code, {})
            if gas in per_gas:
                problems.append(f"{at(line)}: duplicate GHG {row[GHG]} for NAICS code {code}")
            per_gas[gas] = values[2]
    if problems:
        raise ImportFileError(problems)
    if current_limits().check_completeness:
        missing = [code for code in entries if len(gases.get(code, {})) < MIN_GASES]
        if missing:
            raise ImportFileError(
                [
                    f"the by-GHG file gives fewer than {MIN_GASES} gases for {len(missing):,} "
                    f"NAICS code(s), e.g. {missing[0]} (truncated or not the official file)"
                ]
            )
    return gases, len(rows)


def _check_gas_unit(line, unit, gas, denominator, problems):
    """The by-GHG unit must be known, of the CO2e file's price year, and kg CO2e only for the
    unspecified HFC/PFC mixture."""
    known = GAS_UNITS.get(unit)
    if known is None:
        problems.append(unknown_unit(line, unit, UNIT))
    elif known[0] != denominator:
        problems.append(f'{at(line)}: unit "{unit}" is not in {denominator} like the CO2e file')
    elif known[1] == "kg CO2e" and gas not in (None, UNSPECIFIED):
        problems.append(f'{at(line)}: unit "{unit}" is in CO2e for a single gas')
