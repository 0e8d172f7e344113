"""Helpers shared by the importers: decoding, CSV rows with line numbers, exact numbers,
and the limits every file must stay within."""

import csv
import hashlib
import io
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from . import ImportFileError, Limits, current_limits

#: a number cell longer than this is not a number a publisher writes
MAX_NUMBER_TEXT = 40
#: a label cell (name, unit, code) longer than this is refused
MAX_LABEL_TEXT = 1000
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def at(line) -> str:
    """Where a problem is: ``line 17`` for a line of a text file, or the location text a
    workbook reader passes (``sheet "Fuels" row 23``)."""
    return f"line {line}" if isinstance(line, int) else str(line)


def checksum(*parts: bytes) -> str:
    """SHA-256 (hex) of the raw bytes of the input files, concatenated in argument order."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest.hexdigest()


def check_size(data: bytes, limits: Limits | None = None):
    """Refuse a file larger than the size limit (before anything is parsed)."""
    limits = limits or current_limits()
    size = len(data or b"")
    if size > limits.max_bytes:
        raise ImportFileError(
            [f"the file is {size:,} bytes, more than the limit of {limits.max_bytes:,} bytes"]
        )


def decode(data: bytes, limits: Limits | None = None) -> str:
    """The text of a UTF-8 file (a leading byte-order mark is dropped).

    :raises ImportFileError: when the file is too large, empty (or blank), not UTF-8, or
        holds control characters (NUL bytes...) that no published text file has
    """
    check_size(data, limits)
    try:
        text = (data or b"").decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            [f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})"]
        ) from None
    if not text.strip():
        raise ImportFileError(["the file is empty"])
    bad = CONTROL.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise ImportFileError(
            [f"line {line}: control character {bad.group()!r} (the file is binary or damaged)"]
        )
    return text


def column_name(text: str) -> str:
    """A header cell with its whitespace collapsed (the EPA Hub headers hold double spaces)."""
    return " ".join(text.split())


def read_csv(data: bytes, limits: Limits | None = None):
    """Read a CSV file into ``(header, rows)``.

    ``header`` is the list of column names (whitespace collapsed) and ``rows`` a list of
    ``(line, {column: stripped cell})``, where ``line`` is the 1-based line of the file on
    which the row starts (the header is line 1). Blank lines are not rows.

    :raises ImportFileError: too large or too many rows, empty file, no data row, duplicate
        column names, rows whose number of cells differs from the header's, cells too long,
        or a file the CSV reader cannot read (an unclosed quote...)
    """
    limits = limits or current_limits()
    reader = csv.reader(io.StringIO(decode(data, limits), newline=""))
    header, rows, problems = None, [], []
    line = 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                if header is None:
                    header = [column_name(cell) for cell in cells]
                    _check_header(line, header)
                elif len(cells) != len(header):
                    problems.append(f"{at(line)}: {len(cells)} cells, the header has {len(header)}")
                else:
                    _check_cells(line, cells, problems)
                    rows.append(
                        (line, dict(zip(header, (cell.strip() for cell in cells), strict=True)))
                    )
                if len(rows) > limits.max_rows:
                    raise ImportFileError(
                        [f"the file has more than {limits.max_rows:,} rows (the row limit)"]
                    )
                if len(problems) > limits.max_problems:
                    break
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ImportFileError([f"{at(line)}: unreadable CSV ({exc})"]) from None
    if problems:
        raise ImportFileError(problems)
    if not rows:
        raise ImportFileError(["the file has no data row"])
    return header, rows


def _check_cells(line, cells, problems):
    for cell in cells:
        if len(cell) > MAX_LABEL_TEXT:
            problems.append(f"{at(line)}: a cell of {len(cell):,} characters")
            return


def _check_header(line, header):
    seen = set()
    for name in header:
        if len(name) > MAX_LABEL_TEXT:
            raise ImportFileError([f"{at(line)}: a column name of {len(name):,} characters"])
        if name in seen:
            raise ImportFileError([f'{at(line)}: duplicate column "{name}"'])
        seen.add(name)


def require_columns(header, required, line=1):
    """Raise one problem naming every column of ``required`` that ``header`` lacks."""
    missing = [name for name in required if name not in header]
    if missing:
        names = ", ".join(f'"{name}"' for name in missing)
        raise ImportFileError([f"{at(line)}: missing required column(s): {names}"])


def number(text, line, column, problems, *, allow_empty=False, limits=None):
    """The exact Decimal written in ``text``, or ``None`` after recording a problem.

    Accepts plain and exponent notation (``0.787``, ``4.95e-01``). Rejects empty cells (unless
    ``allow_empty``, then ``None`` is returned without a problem), non-numeric text, NaN and
    infinities, negative values, text too long to be a published number, and absurd
    magnitudes: more than ``limits.max_value`` (kg CO2e per unit) or a non-zero value below
    ``limits.min_value`` (such values would be stored as infinity or zero, or make the
    decimal arithmetic explode). ``-0`` is read as ``0``.
    """
    limits = limits or current_limits()
    text = "" if text is None else str(text).strip()
    if not text:
        if not allow_empty:
            problems.append(f"{at(line)}: empty value in column {column}")
        return None
    if len(text) > MAX_NUMBER_TEXT:
        problems.append(f"{at(line)}: value of {len(text)} characters in column {column}")
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        problems.append(f'{at(line)}: non-numeric value "{text}" in column {column}')
        return None
    if value < 0:
        problems.append(f"{at(line)}: negative value {text} in column {column}")
        return None
    if value.is_zero():
        return abs(value)
    if value.adjusted() > limits.max_value.adjusted() or value > limits.max_value:
        problems.append(
            f"{at(line)}: value {text} in column {column} is above the plausible maximum "
            f"{limits.max_value:,}"
        )
        return None
    if value.adjusted() < limits.min_value.adjusted():
        problems.append(
            f"{at(line)}: value {text} in column {column} is below the plausible minimum "
            f"{limits.min_value}"
        )
        return None
    return value


def unknown_unit(line, unit, column):
    """The problem reported for a unit missing from a module's mapping table."""
    return f'{at(line)}: unknown unit "{unit}" in column {column}'


def check_row_count(what, count, expected):
    """Structural completeness: ``count`` rows of ``what`` must lie in ``expected``
    (a ``(minimum, maximum)`` pair, the publisher's known range); a truncated file has fewer.
    """
    low, high = expected
    if not low <= count <= high:
        raise ImportFileError(
            [
                f"{what}: {count:,} rows where the publication has {low:,} to {high:,} "
                "(truncated or not the official file)"
            ]
        )


def slug(text: str) -> str:
    """Lower-case ASCII words joined by ``-`` (``'HGV (all diesel)'`` -> ``'hgv-all-diesel'``).

    Accents are dropped (``é`` -> ``e``); any other non-ASCII character (``–``) separates words.
    """
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(
        char if char.isascii() else "" if unicodedata.combining(char) else "-"
        for char in decomposed
    )
    return re.sub(r"[^0-9a-z]+", "-", ascii_text.lower()).strip("-")
