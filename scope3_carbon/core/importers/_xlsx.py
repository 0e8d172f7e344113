"""Bounded reading of XLSX workbooks (openpyxl, read-only), for the workbook importers.

Every failure of a damaged workbook (not a ZIP archive, a missing or truncated part, broken
XML, a CRC error, a zip bomb) ends in :class:`ImportFileError`: the archive is checked with
:mod:`zipfile` first (entry count, unpacked size within the limits), then openpyxl reads the
cell values only (``read_only=True, data_only=True``: the values Excel saved, no formula is
evaluated). openpyxl is the version Odoo 18 pins (3.0.9 on Python < 3.12); its warnings on
parts it does not support (header/footer, extensions) are silenced, they concern no value.

Cells are returned as text: a number as the shortest text that reads back as the same
binary double (``repr``), which is the value the publisher typed; ``None`` stays ``None``.
"""

import io
import re
import warnings
import zipfile

from . import ImportFileError, current_limits
from ._common import check_size

MAX_ENTRIES = 10_000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _fail(reason):
    return ImportFileError([f"the file is not a readable XLSX workbook ({reason})"])


def _check_archive(data, limits):
    check_size(data, limits)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _fail(f"damaged archive: {exc}") from None
    if len(entries) > MAX_ENTRIES:
        raise _fail(f"{len(entries):,} parts")
    unpacked = sum(entry.file_size for entry in entries)
    if unpacked > limits.max_uncompressed:
        raise ImportFileError(
            [
                f"the workbook unpacks to {unpacked:,} bytes, more than the limit of "
                f"{limits.max_uncompressed:,} bytes"
            ]
        )
    names = {entry.filename for entry in entries}
    if "xl/workbook.xml" not in names:
        raise _fail("no xl/workbook.xml part")


def _cell(value):
    if value is None:
        return None
    if isinstance(value, str):
        text = _CONTROL.sub(" ", value)
        return text if text.strip() else None
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _load(data):
    import openpyxl  # Odoo's dependency; imported here so the core imports without it

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)


def sheet_names(data):
    """The sheet names of a workbook, in order."""
    return read_workbook(data, lambda names: [])[0]


def read_sheets(data, wanted=None):
    """``{sheet name: rows}`` of the sheets in ``wanted`` (all when ``None``)."""
    return read_workbook(data, lambda names: names if wanted is None else wanted)[1]


def read_workbook(data, select):
    """``(sheet names, {sheet name: [row tuple of cell texts or None]})``, opening the
    workbook once; ``select(names)`` returns the sheets to read (it may raise
    :class:`ImportFileError` when the names are not those expected). Trailing empty cells
    of each row are dropped.

    :raises ImportFileError: damaged workbook, or more rows than the row limit
    """
    limits = current_limits()
    _check_archive(data, limits)
    budget = limits.max_rows
    sheets = {}
    try:
        workbook = _load(data)
        try:
            names = list(workbook.sheetnames)
            wanted = set(select(names))
            for sheet in workbook.worksheets:
                if sheet.title not in wanted:
                    continue
                rows = []
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    # no max_col: openpyxl would pad every row to it with empty cells
                    for raw in sheet.iter_rows(max_row=budget + 1, values_only=True):
                        row = [_cell(value) for value in raw[: limits.max_columns]]
                        while row and row[-1] is None:
                            row.pop()
                        rows.append(tuple(row))
                        budget -= 1
                        if budget < 0:
                            raise ImportFileError(
                                [
                                    f"the workbook has more than {limits.max_rows:,} rows "
                                    "(the row limit)"
                                ]
                            )
                sheets[sheet.title] = rows
        finally:
            workbook.close()
    except ImportFileError:
        raise
    except Exception as exc:  # any failure of a damaged workbook inside openpyxl
        raise _fail(f"{type(exc).__name__}") from None
    return names, sheets


def detect_workbook(data):
    """``desnz_workbook``, ``epa_hub_workbook`` or ``None``, from the workbook's sheets."""
    names = sheet_names(data)
    from .desnz_workbook import is_desnz_workbook
    from .epa_hub_workbook import is_hub_workbook

    if is_desnz_workbook(names):
        return "desnz_workbook"
    if is_hub_workbook(names, data):
        return "epa_hub_workbook"
    return None
