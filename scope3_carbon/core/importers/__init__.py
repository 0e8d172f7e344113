"""Parsers of the official emission-factor files (plain Python, no Odoo import).

Each module reads one published format from ``bytes`` (so an Odoo wizard can pass an
uploaded file) and returns a :class:`ParsedSet`:

- :mod:`.epa_supply_chain`: US EPA Supply Chain GHG Emission Factors by NAICS-6 (v1.2, v1.3.0),
  CO2e file plus the optional by-GHG file;
- :mod:`.desnz_flat`: UK DESNZ GHG conversion factors, flat CSV (official 2025 layout with an
  ``ID`` column, and the derived 2024/2026 layout without it);
- :mod:`.epa_hub`: US EPA GHG Emission Factors Hub, derived CSVs of tables 6, 8, 9 and 10;
- :mod:`.ember`: Ember average grid intensities as republished by CO2.js (JSON or CSV).

A file is accepted or rejected as a whole: every problem found is collected and raised
together in one :class:`ImportFileError`. Numbers are read as :class:`~decimal.Decimal` from
their text and every conversion is exact decimal arithmetic; no value goes through ``float``.
"""

import contextlib
import contextvars
from dataclasses import dataclass
from decimal import Decimal

#: parsers :func:`parse` dispatches to (a workbook and its CSV extraction are separate
#: parsers of one publication series: ``ParsedSet.source`` is the series)
SOURCES = (
    "epa_supply_chain",
    "desnz_flat",
    "desnz_workbook",
    "epa_hub",
    "epa_hub_workbook",
    "ember",
)
#: parser -> publication series (``ParsedSet.source``)
SERIES = {
    "epa_supply_chain": "epa_supply_chain",
    "desnz_flat": "desnz_flat",
    "desnz_workbook": "desnz_flat",
    "epa_hub": "epa_hub",
    "epa_hub_workbook": "epa_hub",
    "ember": "ember",
}

#: normalised denominators a factor may have (``other:<published unit>`` besides)
UOM_CODES = (
    "usd",
    "kwh",
    "mwh",
    "litre",
    "m3",
    "kg",
    "t",
    "km",
    "mile",
    "t.km",
    "short_ton.mile",
    "passenger.km",
    "passenger.mile",
    "vehicle.km",
    "vehicle.mile",
    "gj",
    "room.night",
)

#: how many problems ``str(ImportFileError)`` shows (``.problems`` keeps them all)
_SHOWN_PROBLEMS = 10


class ImportFileError(ValueError):
    """The file is rejected as a whole.

    ``problems`` lists every problem found, each naming the line of the file (1-based, the
    header is line 1) and the reason, e.g.
    ``'line 17: non-numeric value "abc" in column Supply Chain Emission Factors with Margins'``.
    """

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        shown = "; ".join(self.problems[:_SHOWN_PROBLEMS])
        more = len(self.problems) - _SHOWN_PROBLEMS
        if more > 0:
            shown += f"; ... and {more} more"
        super().__init__(f"file rejected ({len(self.problems)} problem(s)): {shown}")


@dataclass(frozen=True)
class Limits:
    """Bounds every imported file must stay within (configurable by the caller).

    The defaults are an order of magnitude above the largest official file (the DESNZ full
    set: 2.1 MB, 7,051 values; the EPA by-GHG file: 2.6 MB, 18,288 rows).
    """

    max_bytes: int = 30_000_000  # size of one uploaded file
    max_rows: int = 200_000  # data rows of a CSV file, rows read in all sheets of a workbook
    max_uncompressed: int = 150_000_000  # total size of a workbook's unpacked XML parts
    max_columns: int = 300  # columns read per sheet
    max_value: Decimal = Decimal("1e7")  # kg CO2e per unit: no published factor is larger
    min_value: Decimal = Decimal("1e-15")  # smallest non-zero value accepted
    max_problems: int = 1000  # a file stops being read after this many problems
    check_completeness: bool = True  # row counts within the publisher's known range


_LIMITS = contextvars.ContextVar("scope3_import_limits", default=Limits())


def current_limits() -> Limits:
    """The limits of the import in progress (see :func:`using_limits`)."""
    return _LIMITS.get()


@contextlib.contextmanager
def using_limits(limits: Limits | None):
    """Run the parsers within ``limits`` (the defaults when ``None``)."""
    token = _LIMITS.set(limits or Limits())
    try:
        yield
    finally:
        _LIMITS.reset(token)


@dataclass(frozen=True)
class ParsedFactor:
    """One emission factor of a set: ``value`` kg CO2e per ``unit``."""

    key_type: str  # 'naics' | 'desnz' | 'epa_hub' | 'grid'
    key: str  # stable and unique within its set
    name: str
    value: Decimal  # kg CO2e per unit (total); spend sets: the with-margins value
    unit: str  # denominator as published ('tonne.km', '2022 USD', 'short ton-mile', ...)
    uom_code: str  # one of UOM_CODES, or 'other:<published unit>'
    value_without_margins: Decimal | None = None
    margin_value: Decimal | None = None
    gas_values: dict | None = None  # per-gas values, in ``gas_unit``
    gas_unit: str | None = None
    scope: str | None = None  # DESNZ 'Scope 1' / 'Scope 2' / 'Scope 3'
    levels: tuple = ()  # DESNZ (Level 1, Level 2, Level 3, Level 4, Column Text)
    category_hint: str | None = None
    is_wtt: bool = False  # well-to-tank factor
    companion_key: str | None = None  # key of the WTT companion in the same set
    region: str | None = None  # ISO3 country or grid subregion
    year: int | None = None  # data year of the row when it differs per row (Ember)
    # key of the transmission & distribution factor of an electricity-generation factor
    td_companion_key: str | None = None


@dataclass(frozen=True)
class ParsedSet:
    """A whole parsed file (or pair of files): the set metadata and its factors."""

    source: str  # 'epa_supply_chain' | 'desnz_flat' | 'epa_hub' | 'ember'
    name: str
    publisher: str
    edition: str
    source_url: str
    licence: str
    gwp_basis: str  # 'ar4' | 'ar5' | 'ar6'
    factor_type: str  # 'spend' | 'activity'
    currency: str | None
    price_year: int | None
    price_basis: str | None  # 'purchaser' for the EPA supply-chain factors
    checksum: str  # sha256 hex of the raw bytes of the input file(s), in argument order
    row_count: int  # data rows read in the file(s) (header and blank lines excluded)
    skipped_rows: int  # entries the publisher left without a value (empty / 'NA'), not errors
    factors: tuple[ParsedFactor, ...]
    # rows with a value that are read but are neither a factor nor a per-gas value attached
    # to one (DESNZ energy-conversion rows, biogenic "outside of scopes" CO2, orphan gas rows)
    ignored_rows: int = 0
    version: str | None = None  # publisher's version of the edition ("1.1")
    edition_date: str | None = None  # ISO date the edition was published, when the file says
    # (table or sheet, values read) of a workbook, in the workbook's order
    tables: tuple = ()
    file_format: str = "csv"  # 'csv' | 'json' | 'xlsx'


def parse(source: str, limits: Limits | None = None, **files) -> ParsedSet:
    """Parse with the parser of ``source`` (one of :data:`SOURCES`) within ``limits``.

    ``files`` are the keyword arguments of that parser: ``co2e=`` and ``by_ghg=`` for
    ``epa_supply_chain``; ``data=`` (and ``year=``) for ``desnz_flat`` and
    ``desnz_workbook``; ``data=`` (and ``table=``, detected from the file when omitted) for
    ``epa_hub``; ``data=`` for ``epa_hub_workbook`` and ``ember``.

    :raises ImportFileError: for any problem of the file(s), including a file too large
    :raises ValueError: for an unknown ``source`` (a programming error, not a file problem)
    """
    if source not in SOURCES:
        raise ValueError(f"unknown factor source {source!r}; expected one of {', '.join(SOURCES)}")
    with using_limits(limits):
        parsed = _parse(source, files)
    _check_parsed(parsed, limits or Limits())
    return parsed


def _parse(source, files):
    if source == "epa_supply_chain":
        from .epa_supply_chain import parse_epa_supply_chain

        return parse_epa_supply_chain(**files)
    if source == "desnz_flat":
        from .desnz_flat import parse_desnz_flat

        return parse_desnz_flat(**files)
    if source == "desnz_workbook":
        from .desnz_workbook import parse_desnz_workbook

        return parse_desnz_workbook(**files)
    if source == "epa_hub":
        from .epa_hub import detect_table, parse_epa_hub_table

        if files.get("table") is None:
            files["table"] = detect_table(files.get("data") or b"")
            if files["table"] is None:
                raise ImportFileError(
                    ["the file is not one of the EPA Hub tables 6, 8, 9 or 10 (header not known)"]
                )
        return parse_epa_hub_table(**files)
    if source == "epa_hub_workbook":
        from .epa_hub_workbook import parse_epa_hub_workbook

        return parse_epa_hub_workbook(**files)
    from .ember import parse_ember

    return parse_ember(**files)


def _check_parsed(parsed, limits):
    """Last guard on what a parser returns: finite, non-negative, plausible values."""
    problems = []
    for factor in parsed.factors:
        values = [factor.value, factor.value_without_margins, factor.margin_value]
        values += list((factor.gas_values or {}).values())
        for value in values:
            if value is None:
                continue
            if not value.is_finite() or value < 0 or value > limits.max_value:
                problems.append(f'factor "{factor.key}": implausible value {value}')
                break
    if not parsed.factors:
        problems.append("the file holds no emission factor")
    if problems:
        raise ImportFileError(problems)


#: the first bytes of a ZIP archive (an XLSX workbook is one)
ZIP_MAGIC = b"PK\x03\x04"


def detect(filename: str, head: bytes) -> str | None:
    """Guess the source of a text file from its first bytes (its header), or ``None``.

    The decision rests on the content, never on the file name alone; the name only rules out
    spreadsheet workbooks (``.xlsx``, ``.xls``, ``.ods``), which :func:`detect_data` opens.
    """
    if (filename or "").lower().endswith((".xlsx", ".xls", ".ods")) or head.startswith(ZIP_MAGIC):
        return None
    text = head.decode("utf-8-sig", errors="replace").lstrip()
    first = " ".join(text.split("\n", 1)[0].lower().split())  # the header line
    if text.startswith("{"):  # JSON: Ember's average-intensities.json
        return "ember" if "emissions_intensity_gco2_per_kwh" in text else None
    if "emissions_intensity_gco2_per_kwh" in first:
        return "ember"
    if "supply chain emission factors with margins" in first:
        return "epa_supply_chain"
    if "ghg conversion factor" in first and "ghg/unit" in first:
        return "desnz_flat"
    from .epa_hub import is_hub_table

    return "epa_hub" if is_hub_table(head) else None


def detect_data(filename: str, data: bytes, limits: Limits | None = None) -> str | None:
    """Guess the parser of a whole uploaded file: a workbook from its own structure (sheet
    names and title cells), a text file from its header; ``None`` when not recognised.

    :raises ImportFileError: a workbook that cannot be opened, or a file too large
    """
    from ._common import check_size

    check_size(data, limits)
    if not (data or b"").startswith(ZIP_MAGIC):
        return detect(filename, (data or b"")[:4096])
    from ._xlsx import detect_workbook

    with using_limits(limits):
        return detect_workbook(data)
