"""Ember average grid emissions intensity per country or region, as republished by CO2.js.

Two forms are read: ``average-intensities.json`` (an object ``{key: {country_code,
country_or_region, year, emissions_intensity_gco2_per_kwh}}``) and its flat CSV (columns
``key, country_code, country_or_region, year, emissions_intensity_gco2_per_kwh``).

Source units: g CO2e per kWh generated (lifecycle emission factors, no T&D losses).
``value`` = intensity / 1000, exact, in kg CO2e per kWh. ``key`` is the JSON key (ISO3 code
or region name such as "World"), ``region`` the ISO3 ``country_code`` (``None`` for the
regions, whose code is empty) and ``year`` the data year of each row, which differs between
rows. The set's ``edition`` is the latest data year of the file.

Problems name the line of the file: in the JSON form, the line where the entry's key is
written, and the entry's key.
"""

import json
from decimal import Decimal

from . import ImportFileError, ParsedFactor, ParsedSet, current_limits
from ._common import (
    CONTROL,
    MAX_LABEL_TEXT,
    at,
    check_row_count,
    checksum,
    decode,
    number,
    read_csv,
    require_columns,
)

KEY = "key"
CODE = "country_code"
NAME = "country_or_region"
YEAR = "year"
INTENSITY = "emissions_intensity_gco2_per_kwh"
FIELDS = (CODE, NAME, YEAR, INTENSITY)
G_PER_KG = Decimal(1000)
#: the range of countries and regions of the CO2.js file (2025: 222)
ENTRIES = (150, 400)


def parse_ember(data: bytes) -> ParsedSet:
    """Parse ``average-intensities.json`` or its CSV form (told apart by the first character).

    :raises ImportFileError: listing every problem of the file
    """
    text = decode(data)
    is_json = text.lstrip()[:1] in ("{", "[")
    entries = _json_entries(text) if is_json else _csv_entries(data)
    factors, problems, seen = [], [], {}
    for line, key, entry in entries:
        if key in seen:
            problems.append(f'{at(line)}: key "{key}" already used on {at(seen[key])}')
        seen[key] = line
        factor = _factor(line, key, entry, problems)
        if factor is not None:
            factors.append(factor)
    if problems:
        raise ImportFileError(problems)
    if not factors:
        raise ImportFileError(["the file has no data row"])
    if current_limits().check_completeness:
        check_row_count("the Ember intensities", len(entries), ENTRIES)
    return ParsedSet(
        source="ember",
        name="Ember average grid emissions intensity (yearly electricity data, via CO2.js)",
        publisher="Ember",
        edition=str(max(factor.year for factor in factors)),
        source_url="https://ember-energy.org/data/yearly-electricity-data/",
        licence="CC BY 4.0 (Ember; CO2.js states CC BY-SA 4.0); cite Ember",
        gwp_basis="ar5",
        factor_type="activity",
        currency=None,
        price_year=None,
        price_basis=None,
        checksum=checksum(data),
        row_count=len(entries),
        skipped_rows=0,
        file_format="json" if is_json else "csv",
        factors=tuple(factors),
    )


def _json_entries(text):
    """[(line, key, entry)] of the top-level object, each with the line its key is on."""
    decoder = json.JSONDecoder(parse_float=Decimal)
    try:
        document = decoder.decode(text)  # syntax check of the whole document first
    except json.JSONDecodeError as exc:
        raise ImportFileError([f"line {exc.lineno}: invalid JSON ({exc.msg})"]) from None
    except RecursionError:
        raise ImportFileError(["invalid JSON (nested too deeply)"]) from None
    if not isinstance(document, dict):
        raise ImportFileError(["line 1: the JSON document is not an object of entries"])
    return list(_top_level(text, decoder))


def _top_level(text, decoder):
    """Walk the top-level object by hand so that each key's position is known."""
    pos = text.index("{") + 1
    while True:
        pos = _skip_space(text, pos)
        if text[pos] == "}":
            return
        line = text.count("\n", 0, pos) + 1
        key, pos = json.decoder.scanstring(text, pos + 1)
        pos = _skip_space(text, pos)
        entry, pos = decoder.raw_decode(text, _skip_space(text, pos + 1))  # after ':'
        yield line, key, entry
        pos = _skip_space(text, pos)
        if text[pos] == ",":
            pos += 1


def _skip_space(text, pos):
    while text[pos] in " \t\r\n":
        pos += 1
    return pos


def _csv_entries(data):
    header, rows = read_csv(data)
    require_columns(header, (KEY,) + FIELDS)
    return [(line, row[KEY], {field: row[field] for field in FIELDS}) for line, row in rows]


def _factor(line, key, entry, problems):
    """The factor of one entry, or None after recording its problems."""
    where = f'{at(line)} (key "{key}")'
    if not isinstance(entry, dict):
        problems.append(f"{where}: the entry is not an object")
        return None
    missing = [f'"{field}"' for field in FIELDS if field not in entry]
    if missing or not key:
        names = ", ".join(missing) if missing else f'"{KEY}"'
        problems.append(f"{where}: missing required column(s): {names}")
        return None
    intensity = _intensity(entry[INTENSITY], line, problems)
    year = _year(entry[YEAR], where, problems)
    texts = (key, str(entry[CODE] or ""), str(entry[NAME] or ""))
    if any(CONTROL.search(text) or len(text) > MAX_LABEL_TEXT for text in texts):
        problems.append(f"{where}: a key, code or name with control characters or too long")
        return None
    if intensity is None or year is None:
        return None
    code = str(entry[CODE] or "").strip()
    return ParsedFactor(
        key_type="grid",
        key=key,
        name=str(entry[NAME] or key).strip(),
        value=intensity / G_PER_KG,
        unit="kWh",
        uom_code="kwh",
        category_hint="electricity",
        region=code or None,
        year=year,
    )


def _intensity(raw, line, problems):
    """g CO2e/kWh as an exact Decimal (a JSON number or numeric text), or None."""
    if isinstance(raw, bool) or raw is None:
        raw = "" if raw is None else json.dumps(raw)
    elif isinstance(raw, int):
        raw = Decimal(raw)
    return number(raw, line, INTENSITY, problems)


def _year(raw, where, problems):
    text = str(raw).strip()
    if isinstance(raw, bool) or not text.isdigit() or len(text) != 4:
        problems.append(f'{where}: invalid year "{raw}"')
        return None
    return int(text)
