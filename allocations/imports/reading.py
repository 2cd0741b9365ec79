"""Reading an uploaded file into rows of text: CSV (UTF-8, with or without a byte-order mark, or Windows-1252,
where the pound sign is the single byte A3) or the first sheet of an XLSX workbook.

Limits are checked while reading, never after: the upload's size, the rows under the headings, the columns, and
for a workbook the size it unpacks to, so a file that claims a million rows or 16,384 columns costs nothing.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import tablib
from django.conf import settings

from allocations.imports.values import squash

# The hidden column that carries each line's row number in the file from reading to saving.
ROW = "row"
# A table wider than this is not one of ours; reading stops there, so a sheet that claims 16,384 columns costs nothing.
MAX_COLUMNS = 50
# An XLSX is a zip: refuse one that would unpack to more than this many times the upload limit (a "zip bomb").
XLSX_MAX_EXPANSION = 20
# Blank rows cost little to skip, but a sheet can claim a million of them; stop scanning well before that.
BLANK_ROW_ALLOWANCE = 10

Rows = tuple[tuple[int, tuple[str, ...]], ...]


class TableFileError(ValueError):
    """The file as a whole cannot be imported; the message says why in plain English, and what to do."""


@dataclass(frozen=True)
class RawTable:
    """A table as read: its headings, and each non-blank row with its number in the file (the header row is 1
    when it is the first row), cells as text exactly as written, surrounding spaces removed."""

    file_name: str
    read_as: str
    headings: tuple[str, ...]
    rows: Rows


def read_table(*, file_name: str, data: bytes, max_bytes: int | None = None, max_rows: int | None = None) -> RawTable:
    """The first sheet of an XLSX workbook (the first, not whichever was open last), or a CSV file, as text cells.

    Refuses (with `TableFileError`) an empty file, one over `max_bytes`, one with more than `max_rows` rows
    after the headings, and bytes that are neither UTF-8 nor Windows-1252. Rows are counted while reading, so
    a workbook that claims a million rows is never loaded whole.
    """
    max_bytes = settings.IMPORT_MAX_UPLOAD_BYTES if max_bytes is None else max_bytes
    max_rows = settings.IMPORT_MAX_ROWS if max_rows is None else max_rows
    if not data:
        raise TableFileError("The file is empty.")
    if len(data) > max_bytes:
        raise TableFileError(
            f"The file is {_size(len(data))}; the most we accept is {_size(max_bytes)}. Split it into smaller files."
        )
    if data.startswith(b"PK\x03\x04") or file_name.lower().endswith((".xlsx", ".xlsm")):
        read_as, lines = "XLSX workbook", _xlsx_rows(data, max_bytes * XLSX_MAX_EXPANSION)
    else:
        text, read_as = decode_text(data)
        lines = _csv_rows(text)
    headings, rows = _collect(lines, max_rows)
    return RawTable(file_name=file_name, read_as=read_as, headings=headings, rows=rows)


def decode_text(data: bytes) -> tuple[str, str]:
    """Text from CSV bytes, and how it was read: UTF-8 (with or without a byte-order mark), else Windows-1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise TableFileError("The file is saved as UTF-16 ('Unicode text'). Save it as 'CSV UTF-8' and try again.")
    if b"\x00" in data:
        raise TableFileError("The file is not a CSV or XLSX file. Save it as 'CSV UTF-8' or as an Excel workbook.")
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "CSV, UTF-8 with byte-order mark"
        except UnicodeDecodeError as error:
            raise _undecodable(data, error.start + len(codecs.BOM_UTF8)) from None
    try:
        return data.decode("utf-8"), "CSV, UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "CSV, Windows-1252"
    except UnicodeDecodeError as error:
        raise _undecodable(data, error.start) from None


def _undecodable(data: bytes, position: int) -> TableFileError:
    line = data.count(b"\n", 0, position) + 1
    return TableFileError(
        f"Line {line} of the file has a byte (0x{data[position]:02X}) that is neither UTF-8 nor Windows-1252 text."
        " Save the file as 'CSV UTF-8' and try again."
    )


def _size(count: int) -> str:
    return f"{count / (1024 * 1024):.1f} MB" if count >= 1024 * 1024 else f"{max(1, count // 1024)} KB"


def _csv_rows(text: str) -> Iterator[list[str]]:
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    # Finance teams send commas, semicolons (European Excel) or tabs (a table copied out of a report).
    delimiter = max(",;\t", key=first_line.count) if first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            yield row[: MAX_COLUMNS + 1]
    except csv.Error as error:
        raise TableFileError(f"Row {reader.line_num} could not be read as CSV ({error}).") from None


def _xlsx_rows(data: bytes, max_expanded: int) -> Iterator[list[str]]:
    import openpyxl  # only XLSX uploads pay for importing it

    try:
        expanded = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
    except zipfile.BadZipFile:
        raise TableFileError("The file looks like an Excel workbook but cannot be opened. Save it again.") from None
    if expanded > max_expanded:
        raise TableFileError(
            f"The workbook unpacks to {_size(expanded)}, more than the {_size(max_expanded)} we accept."
            " Save just the table as CSV and try again."
        )
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of error for a damaged file; none is worth showing as is
        raise TableFileError("The file looks like an Excel workbook but cannot be opened. Save it again.") from None
    try:
        # Read-only mode streams the sheet; capping the columns stops a sheet claiming 16,384 of them.
        for row in workbook.worksheets[0].iter_rows(max_col=MAX_COLUMNS + 1):
            yield [_cell_text(cell) for cell in row]
    finally:
        workbook.close()


def _cell_text(cell: Any) -> str:
    """A workbook cell as the text a person sees, never a float: 7000 → "7000", 0.05 formatted as % → "5%"."""
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        # repr is the shortest text that reads back as the same float: what the sheet stores, e.g. "75122.5".
        number = Decimal(repr(value))
        if "%" in (getattr(cell, "number_format", "") or ""):
            return f"{(number * 100).normalize():f}%"
        return f"{number:f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _collect(lines: Iterable[list[str]], max_rows: int) -> tuple[tuple[str, ...], Rows]:
    headings: tuple[str, ...] | None = None
    rows: list[tuple[int, tuple[str, ...]]] = []
    scan_limit = (max_rows + 1) * BLANK_ROW_ALLOWANCE
    for number, line in enumerate(lines, start=1):
        if number > scan_limit:
            raise TableFileError(
                f"The file has more than {scan_limit:,} rows, counting empty ones. Delete the empty rows below the"
                " table and try again."
            )
        cells = _trim([squash(cell) for cell in line])
        if not cells:
            continue
        if len(cells) > MAX_COLUMNS:
            raise TableFileError(f"Row {number} has more than {MAX_COLUMNS} columns; import one table at a time.")
        if headings is None:
            headings = cells
            continue
        if len(rows) >= max_rows:
            raise TableFileError(
                f"The file has more than {max_rows:,} rows; the most we accept in one import is {max_rows:,}."
                " Split it into smaller files."
            )
        rows.append((number, cells))
    if headings is None:
        raise TableFileError("The file has no headings and no rows.")
    return headings, tuple(rows)


def _trim(cells: list[str]) -> tuple[str, ...]:
    while cells and not cells[-1]:
        cells.pop()
    return tuple(cells)


def raw_dataset(table: RawTable) -> tablib.Dataset:
    """The table as a tablib Dataset, first column the row number, as the import resources expect it.

    Cells beyond the last heading are kept under blank headings, so preparing the table can say which row has them.
    """
    width = max([len(table.headings), *(len(cells) for _, cells in table.rows)])
    dataset = tablib.Dataset(headers=[ROW, *table.headings, *[""] * (width - len(table.headings))])
    for number, cells in table.rows:
        dataset.append([number, *cells, *[""] * (width - len(cells))])
    return dataset


def table_from_dataset(dataset: tablib.Dataset) -> tuple[tuple[str, ...], list[tuple[int, tuple[str, ...]]]]:
    """The headings and numbered rows of a Dataset made by `raw_dataset` (the admin's formats make one too)."""
    headers = [str(header or "") for header in (dataset.headers or [])]
    if not headers or headers[0] != ROW:
        raise TableFileError("The table was not read by this service's reader; upload the file again.")
    rows = [(int(row[0]), tuple("" if cell is None else str(cell) for cell in row[1:])) for row in dataset]
    return tuple(headers[1:]), rows
