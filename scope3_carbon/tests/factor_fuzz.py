# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Seeded mutations of the official factor files, for the importers' fuzz tests.

Plain Python (no Odoo import): used by the repository's ``tests/test_importers_fuzz.py``
(through the plain-Python readers) and by ``test_factor_import_fuzz.py`` (through the
Odoo import). Each case is ``(name, parser, files)``: the parser the original file belongs
to and the mutated files, built from the real files read from ``../shared/factor-sources``.

Text mutations: truncation (at a byte, at a line), byte flips, NUL bytes, a number cell
replaced by a huge, tiny, non-finite, negative, empty or malformed value, swapped columns,
a dropped header, duplicated rows, an oversized cell, an unclosed quote, another encoding,
random garbage, deeply nested JSON. Workbook mutations: truncation and byte flips of the
archive, and XML edits inside it (values replaced as above, rows deleted, sheets renamed or
removed, labels changed, a part truncated), re-zipped.
"""

import io
import random
import re
import zipfile

SEED = 20261203

TEXT_FILES = {
    "epa_v13_co2e": (
        "epa_supply_chain",
        "co2e",
        "epa_supply_chain_ghg_factors_v1.3.0/"
        "SupplyChainGHGEmissionFactors_v1.3.0_NAICS_CO2e_USD2022.csv",
    ),
    "epa_v12_co2e": (
        "epa_supply_chain",
        "co2e",
        "epa_supply_chain_ghg_factors_v1.2/SupplyChainGHGEmissionFactors_v1.2_NAICS_CO2e_USD2021.csv",
    ),
    "desnz_2025_flat": (
        "desnz_flat",
        "data",
        "desnz_ghg_conversion_factors_2025/ghg-conversion-factors-2025-flat-format.csv",
    ),
    "hub_table6": (
        "epa_hub",
        "data",
        "epa_ghg_emission_factors_hub_2025/DERIVED_table6_electricity_egrid_subregions.csv",
    ),
    "hub_table9": (
        "epa_hub",
        "data",
        "epa_ghg_emission_factors_hub_2025/DERIVED_table9_scope3_cat5_cat12_waste.csv",
    ),
    "hub_table10": (
        "epa_hub",
        "data",
        "epa_ghg_emission_factors_hub_2025/DERIVED_table10_scope3_cat6_cat7_travel.csv",
    ),
    "ember_json": ("ember", "data", "ember_grid_intensity_via_co2js/average-intensities.json"),
    "ember_csv": (
        "ember",
        "data",
        "ember_grid_intensity_via_co2js/DERIVED_average-intensities.csv",
    ),
}
WORKBOOKS = {
    "hub_xlsx": (
        "epa_hub_workbook",
        "epa_ghg_emission_factors_hub_2025/ghg-emission-factors-hub-2025.xlsx",
    ),
    "desnz_2026_xlsx": (
        "desnz_workbook",
        "desnz_ghg_conversion_factors_2026/ghg-conversion-factors-2026-full-set.xlsx",
    ),
}

BAD_NUMBERS = (
    "1e999999999",
    "1e309",
    "1E+300",
    "99999999999999999999999999999999",
    "1e-999999999",
    "NaN",
    "nan",
    "inf",
    "-Infinity",
    "-1",
    "-0.5",
    "",
    " ",
    "0x1F",
    "1,5",
    "1..2",
    "--3",
    "9" * 60,
    "1e",
    "#N/A",
)
_NUMBER = re.compile(rb"(?<=,)-?\d+\.\d+(?:[eE][-+]?\d+)?(?=[,\r\n])")
_XML_VALUE = re.compile(rb"<v>(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)</v>")
_XML_ROW = re.compile(rb"<row [^>]*>.*?</row>", re.S)
_XML_SHEET = re.compile(rb'<sheet [^>]*name="([^"]+)"[^>]*/>')


def _lines(data):
    return data.split(b"\n")


# --------------------------------------------------------------------------- text


def truncate_bytes(rng, data):
    return data[: rng.randrange(0, len(data))]


def truncate_lines(rng, data):
    lines = _lines(data)
    return b"\n".join(lines[: rng.randrange(1, max(2, len(lines) - 1))]) + b"\n"


def flip_bytes(rng, data):
    buffer = bytearray(data)
    for _ in range(rng.randint(1, 20)):
        buffer[rng.randrange(len(buffer))] = rng.randrange(256)
    return bytes(buffer)


def nul_bytes(rng, data):
    at = rng.randrange(len(data))
    return data[:at] + b"\x00" * rng.randint(1, 5) + data[at:]


def bad_number(rng, data):
    matches = list(_NUMBER.finditer(data))
    if not matches:
        return flip_bytes(rng, data)
    out = data
    for match in sorted(
        rng.sample(matches, min(len(matches), rng.randint(1, 3))), key=lambda m: -m.start()
    ):
        out = out[: match.start()] + rng.choice(BAD_NUMBERS).encode() + out[match.end() :]
    return out


def swap_columns(rng, data):
    lines = _lines(data)
    header = lines[0].split(b",")
    if len(header) < 2:
        return flip_bytes(rng, data)
    i, j = rng.sample(range(len(header)), 2)
    if rng.random() < 0.5:  # the header only: names no longer match the values
        header[i], header[j] = header[j], header[i]
        return b",".join(header) + b"\n" + b"\n".join(lines[1:])
    out = []
    for line in lines:  # whole columns (quoted cells with commas make this imperfect)
        cells = line.split(b",")
        if len(cells) > max(i, j):
            cells[i], cells[j] = cells[j], cells[i]
        out.append(b",".join(cells))
    return b"\n".join(out)


def drop_header(rng, data):
    return b"\n".join(_lines(data)[1:])


def duplicate_rows(rng, data):
    lines = _lines(data)
    row = rng.randrange(1, max(2, len(lines) - 1))
    return b"\n".join(lines[: row + 1] + [lines[row]] * rng.randint(1, 3) + lines[row + 1 :])


def huge_cell(rng, data):
    lines = _lines(data)
    row = rng.randrange(1, max(2, len(lines) - 1))
    size = rng.choice((2_000, 200_000))
    lines[row] = (
        lines[row] + b"," + b"x" * size if rng.random() < 0.5 else b'"' + b"7" * size + b'"'
    )
    return b"\n".join(lines)


def unclosed_quote(rng, data):
    at = rng.randrange(len(data))
    return data[:at] + b'"' + data[at:]


def other_encoding(rng, data):
    text = data.decode("utf-8-sig", errors="replace")
    return text.encode(rng.choice(("utf-16", "latin-1", "cp1252")), errors="replace")


def garbage(rng, data):
    return bytes(rng.randrange(256) for _ in range(rng.randint(0, 3000)))


def empty(rng, data):
    return rng.choice((b"", b"   \n\n", b"\xef\xbb\xbf", b"\n"))


def nested_json(rng, data):
    depth = rng.choice((1_000, 100_000))
    return rng.choice((b"[" * depth + b"]" * depth, b'{"a":' * depth + b"1" + b"}" * depth))


def carriage_returns(rng, data):
    return data.replace(b"\n", b"\r")


TEXT_MUTATORS = (
    truncate_bytes,
    truncate_lines,
    flip_bytes,
    nul_bytes,
    bad_number,
    bad_number,
    swap_columns,
    drop_header,
    duplicate_rows,
    huge_cell,
    unclosed_quote,
    other_encoding,
    garbage,
    empty,
    nested_json,
    carriage_returns,
)


# --------------------------------------------------------------------------- workbooks


def _rezip(entries):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    return out.getvalue()


def _entries(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {info.filename: archive.read(info.filename) for info in archive.infolist()}


def _sheets(entries):
    return sorted(name for name in entries if name.startswith("xl/worksheets/sheet"))


def xml_bad_values(rng, entries):
    sheet = rng.choice(_sheets(entries))
    content = entries[sheet]
    matches = list(_XML_VALUE.finditer(content))
    for match in sorted(
        rng.sample(matches, min(len(matches), rng.randint(1, 5))), key=lambda m: -m.start()
    ):
        value = rng.choice(BAD_NUMBERS).encode()
        content = content[: match.start(1)] + value + content[match.end(1) :]
    entries[sheet] = content


def xml_delete_rows(rng, entries):
    sheet = rng.choice(_sheets(entries))
    rows = list(_XML_ROW.finditer(entries[sheet]))
    content = entries[sheet]
    chosen = rng.sample(rows, min(len(rows), rng.choice((1, 5, len(rows) // 2 or 1))))
    for match in sorted(chosen, key=lambda m: -m.start()):
        content = content[: match.start()] + content[match.end() :]
    entries[sheet] = content


def xml_rename_sheets(rng, entries):
    workbook = entries["xl/workbook.xml"]
    names = _XML_SHEET.findall(workbook)
    if len(names) >= 2 and rng.random() < 0.6:  # swap two sheet names
        first, second = rng.sample(names, 2)
        workbook = workbook.replace(b'name="' + first + b'"', b'name="__tmp__"', 1)
        workbook = workbook.replace(b'name="' + second + b'"', b'name="' + first + b'"', 1)
        workbook = workbook.replace(b'name="__tmp__"', b'name="' + second + b'"', 1)
    elif names:
        victim = rng.choice(names)
        workbook = workbook.replace(
            b'name="' + victim + b'"', b'name="Renamed ' + victim[:10] + b'"', 1
        )
    entries["xl/workbook.xml"] = workbook


def xml_remove_sheet(rng, entries):
    workbook = entries["xl/workbook.xml"]
    sheets = list(_XML_SHEET.finditer(workbook))
    if sheets:
        match = rng.choice(sheets)
        entries["xl/workbook.xml"] = workbook[: match.start()] + workbook[match.end() :]


def xml_change_labels(rng, entries):
    strings = entries.get("xl/sharedStrings.xml")
    if not strings:
        return xml_bad_values(rng, entries)
    replacements = (
        (b"kg CO2e", b"kg CO2"),
        (b"Activity", b"Activities"),
        (b"Unit", b"Units of measure"),
        (b"Scope 3", b"Scope 9"),
        (b"Table 6", b"Table 66"),
        (b"Last Modified", b"Modified"),
        (b"Fuel Type", b"Fuel"),
        (b"tonne.km", b"tonne.miles"),
    )
    old, new = rng.choice(replacements)
    entries["xl/sharedStrings.xml"] = strings.replace(old, new, rng.choice((1, 50)))


def xml_truncate_part(rng, entries):
    name = rng.choice(_sheets(entries) + ["xl/workbook.xml", "xl/sharedStrings.xml"])
    if name in entries:
        entries[name] = entries[name][: rng.randrange(len(entries[name]) or 1)]


def xml_empty_cells(rng, entries):
    sheet = rng.choice(_sheets(entries))
    content = entries[sheet]
    matches = list(_XML_VALUE.finditer(content))
    for match in sorted(
        rng.sample(matches, min(len(matches), rng.randint(1, 40))), key=lambda m: -m.start()
    ):
        content = content[: match.start()] + content[match.end() :]
    entries[sheet] = content


XML_MUTATORS = (
    xml_bad_values,
    xml_bad_values,
    xml_delete_rows,
    xml_rename_sheets,
    xml_remove_sheet,
    xml_change_labels,
    xml_truncate_part,
    xml_empty_cells,
)


def zip_truncate(rng, data):
    return data[: rng.randrange(0, len(data))]


def zip_flip(rng, data):
    return flip_bytes(rng, data)


def cases(read, counts, labels=None):
    """Yield ``(name, parser, files)``.

    ``counts`` maps a family to its number of cases: ``text`` per text file,
    ``xlsx_bytes_<label>`` and ``xlsx_xml_<label>`` per workbook; ``read`` returns the bytes
    of a file of the shared folder; ``labels`` limits the files mutated.
    """
    rng = random.Random(SEED)
    for label, (parser, argument, relative) in TEXT_FILES.items():
        if labels is not None and label not in labels:
            continue
        data = read(relative)
        for index in range(counts["text"]):
            mutator = TEXT_MUTATORS[index % len(TEXT_MUTATORS)]
            yield f"{label}:{mutator.__name__}:{index}", parser, {argument: mutator(rng, data)}
    for label, (parser, relative) in WORKBOOKS.items():
        if labels is not None and label not in labels:
            continue
        data = read(relative)
        for index in range(counts[f"xlsx_bytes_{label}"]):
            mutator = (zip_truncate, zip_flip)[index % 2]
            yield f"{label}:{mutator.__name__}:{index}", parser, {"data": mutator(rng, data)}
        entries = _entries(data)
        for index in range(counts[f"xlsx_xml_{label}"]):
            mutator = XML_MUTATORS[index % len(XML_MUTATORS)]
            mutated = dict(entries)
            mutator(rng, mutated)
            yield f"{label}:{mutator.__name__}:{index}", parser, {"data": _rezip(mutated)}
