"""Helpers shared by the importers: decoding, CSV rows with line numbers, exact numbers."""

import csv
import hashlib
import io
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from . import ImportFileError


def checksum(*parts: bytes) -> str:
    """SHA-256 (hex) of the raw bytes of the input files, concatenated in argument order."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part)
    return digest.hexdigest()


def decode(data: bytes) -> str:
    """The text of a UTF-8 file (a leading byte-order mark is dropped).

    :raises ImportFileError: when the file is empty (or blank) or not UTF-8
    """
    try:
        text = (data or b"").decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            [f"the file is not UTF-8 text ({exc.reason} at byte {exc.start})"]
        ) from None
    if not text.strip():
        raise ImportFileError(["the file is empty"])
    return text


def column_name(text: str) -> str:
    """A header cell with its whitespace collapsed (the EPA Hub headers hold double spaces)."""
    return " ".join(text.split())


def read_csv(data: bytes):
    """Read a CSV file into ``(header, rows)``.

    ``header`` is the list of column names (whitespace collapsed) and ``rows`` a list of
    ``(line, {column: stripped cell})``, where ``line`` is the 1-based line of the file on
    which the row starts (the header is line 1). Blank lines are not rows.

    :raises ImportFileError: empty file, no data row, duplicate column names, or rows whose
        number of cells differs from the header's
    """
    reader = csv.reader(io.StringIO(decode(data), newline=""))
    header, rows, problems = None, [], []
    line = 1
    for cells in reader:
        if any(cell.strip() for cell in cells):
            if header is None:
                header = [column_name(cell) for cell in cells]
                _check_header(line, header)
            elif len(cells) != len(header):
                problems.append(f"line {line}: {len(cells)} cells, the header has {len(header)}")
            else:
                rows.append(
                    (line, dict(zip(header, (cell.strip() for cell in cells), strict=True)))
                )
        line = reader.line_num + 1
    if problems:
        raise ImportFileError(problems)
    if not rows:
        raise ImportFileError(["the file has no data row"])
    return header, rows


def _check_header(line, header):
    seen = set()
    for name in header:
        if name in seen:
            raise ImportFileError([f'line {line}: duplicate column "{name}"'])
        seen.add(name)


def require_columns(header, required, line=1):
    """Raise one problem naming every column of ``required`` that ``header`` lacks."""
    missing = [name for name in required if name not in header]
    if missing:
        names = ", ".join(f'"{name}"' for name in missing)
        raise ImportFileError([f"line {line}: missing required column(s): {names}"])


def number(text, line, column, problems, *, allow_empty=False):
    """The exact Decimal written in ``text``, or ``None`` after recording a problem.

    Accepts plain and exponent notation (``0.787``, ``4.95e-01``). Rejects empty cells (unless
    ``allow_empty``, then ``None`` is returned without a problem), non-numeric text, NaN and
    infinities, and negative values. ``-0`` is read as ``0``.
    """
    text = "" if text is None else str(text).strip()
    if not text:
        if not allow_empty:
            problems.append(f"line {line}: empty value in column {column}")
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        problems.append(f'line {line}: non-numeric value "{text}" in column {column}')
        return None
    if value < 0:
        problems.append(f"line {line}: negative value {text} in column {column}")
        return None
    return abs(value) if value.is_zero() else value


def unknown_unit(line, unit, column):
    """The problem reported for a unit missing from a module's mapping table."""
    return f'line {line}: unknown unit "{unit}" in column {column}'


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
