"""Reading the tables finance teams send: a CSV or XLSX file into rows, and its cells into exact values.

What comes in is what councils really send: CSV in UTF-8 (with or without a byte-order mark) or Windows-1252
(where the pound sign is the single byte A3), XLSX workbooks, amounts written `£7,000`, `7000.00` or `(1,200)`,
names with stray spaces and odd capitals, and a "Total" row that states what the lines should add up to.

Nothing here writes to the database. `read_table` turns bytes into a `RawTable`; `prepare_table` maps its headings
to the columns a kind of table needs, separates stated totals from lines, and hashes the normalised content so the
same table imported twice is recognised. The resources (`allocations.resources`) validate and save the lines; the
services (`allocations.services`) hold the whole import in one transaction.
"""

from __future__ import annotations

import codecs
import csv
import difflib
import hashlib
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

import tablib
from django.conf import settings

from commissioning.models import FinancialYear
from commissioning.money import PENNY

# Kinds of table, as `TableImport.Kind` values (kept as strings so this module needs no model of its own app).
CONTRIBUTIONS = "contributions"
WORK_STREAM_ALLOCATIONS = "work_stream_allocations"
MONITORING = "monitoring"
BASIS = "basis"

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


# Reading ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RawTable:
    """A table as read: its headings, and each non-blank row with its number in the file (the header row is 1
    when it is the first row), cells as text exactly as written, surrounding spaces removed."""

    file_name: str
    read_as: str
    headings: tuple[str, ...]
    rows: Rows


def read_table(*, file_name: str, data: bytes, max_bytes: int | None = None, max_rows: int | None = None) -> RawTable:
    """The first sheet of an XLSX workbook, or a CSV file, as text cells.

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


def _collect(
    lines: Iterable[list[str]], max_rows: int
) -> tuple[tuple[str, ...], tuple[tuple[int, tuple[str, ...]], ...]]:
    headings: tuple[str, ...] | None = None
    rows: list[tuple[int, tuple[str, ...]]] = []
    scan_limit = (max_rows + 1) * BLANK_ROW_ALLOWANCE
    for number, line in enumerate(lines, start=1):
        if number > scan_limit:
            raise TableFileError(f"The file has more than {scan_limit:,} rows, counting empty ones; tidy it and retry.")
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
    headers = [str(header or "") for header in (dataset.headers or [])]
    if not headers or headers[0] != ROW:
        raise TableFileError("The table was not read by this service's reader; upload the file again.")
    rows = [(int(row[0]), tuple("" if cell is None else str(cell) for cell in row[1:])) for row in dataset]
    return tuple(headers[1:]), rows


# Text ------------------------------------------------------------------------------------------------------


def squash(text: Any) -> str:
    """Text with surrounding spaces removed and inner runs of spaces (and non-breaking spaces) made one."""
    return " ".join(str(text if text is not None else "").split())


def normalise_name(text: str) -> str:
    """A name reduced to what identifies it: case, spacing, '&' and hyphens do not matter.

    `normalise_name(" Medium & High  Risk ")` == `normalise_name("medium and high risk")`;
    "Co-ordination" and "coordination" are the same.
    """
    text = unicodedata.normalize("NFKC", text).casefold().replace("&", " and ")
    text = re.sub(r"(?<=\w)[-‐‑–—](?=\w)", "", text)
    text = re.sub(r"[^\w\s]", " ", text)
    return " ".join(text.split())


def normalise_heading(text: str) -> str:
    """A column heading reduced for matching: `Year 1 Allocation (£)` → `year 1 allocation`, `2014-15` → `2014/15`."""
    text = unicodedata.normalize("NFKC", text).casefold().replace("&", " and ")
    text = re.sub(r"(\d{4})\s*[-‐–/]\s*(?:\d{2})?(\d{2})\b", r"\1/\2", text)
    text = text.replace("£", " ").replace("_", " ")
    text = re.sub(r"[^\w\s%/]", " ", text)
    return " ".join(text.split())


_TOTAL = re.compile(r"\btotals?\b", re.IGNORECASE)


def is_total_label(text: str) -> bool:
    """A row whose first cell says "Total" states a total rather than a line: 'Lancashire – District Council Total'."""
    return bool(_TOTAL.search(text))


# Values ----------------------------------------------------------------------------------------------------

_NOT_STATED = {"", "n/a", "na", "n.a.", "not applicable"}
_NIL = {"-", "–", "—", "nil"}
_NUMBER = re.compile(r"(\d{1,3}(,\d{3})+|\d+)(\.\d+)?|\.\d+")
_MINUS = ("-", "−", "–")


def _sign_and_body(text: str) -> tuple[bool, str]:
    """`(1,200)` and `-£1,200` are negative; the pound sign and spaces go."""
    body = text.replace(" ", "")
    negative = len(body) > 1 and body.startswith("(") and body.endswith(")")
    if negative:
        body = body[1:-1]
    elif body.startswith(_MINUS):
        negative, body = True, body[1:]
    body = body.removeprefix("£")
    if not negative and body.startswith(_MINUS):
        negative, body = True, body[1:]
    return negative, body


def _decimal(text: str, what: str) -> tuple[Decimal | None, bool]:
    """(value, negative) from a cell; None when nothing is stated (blank or 'n/a'), zero for '-' or 'nil'."""
    cleaned = squash(text)
    if cleaned.casefold() in _NOT_STATED:
        return None, False
    if cleaned.casefold() in _NIL:
        return Decimal(0), False
    negative, body = _sign_and_body(cleaned)
    if not _NUMBER.fullmatch(body):
        raise ValueError(f"'{cleaned}' is not {what}.")
    try:
        return Decimal(body.replace(",", "")), negative
    except InvalidOperation:
        raise ValueError(f"'{cleaned}' is not {what}.") from None


def parse_money(text: str) -> Decimal | None:
    """Pounds from a cell as finance teams write them, exactly: `£7,000`, `7000.00`, ` 7,000 `, `(1,200)` → -1200.

    Blank and 'n/a' are None (nothing stated); '-' and 'nil' are £0. Refuses (ValueError, in plain English) text
    and fractions of a penny, because an amount we cannot read exactly is not one we can reconcile.
    """
    value, negative = _decimal(text, "an amount of money")
    if value is None:
        return None
    if value != value.quantize(PENNY):
        raise ValueError(f"'{squash(text)}' has a fraction of a penny; round it to whole pence.")
    amount = value.quantize(PENNY)
    return -amount if negative and amount else amount


def parse_number(text: str) -> Decimal | None:
    """A count or measure (population, calls): `1,170,000`, `12.5`; never negative, at most four decimal places."""
    value, negative = _decimal(text, "a number")
    if value is None:
        return None
    if negative and value:
        raise ValueError(f"'{squash(text)}' is negative; a basis value cannot be.")
    if value != value.quantize(Decimal("0.0001")):
        raise ValueError(f"'{squash(text)}' has more than four decimal places.")
    return value


def parse_share(text: str) -> Decimal | None:
    """A percentage: `5%`, `17`, `17.5 %`; blank or 'n/a' is None. Between 0 and 100, at most two decimal places."""
    cleaned = squash(text).removesuffix("%").strip()
    value, negative = _decimal(cleaned, "a percentage")
    if value is None:
        return None
    if negative or value > 100 or value != value.quantize(Decimal("0.01")):
        raise ValueError(f"'{squash(text)}' is not a percentage between 0% and 100% (to two decimal places).")
    return value.quantize(Decimal("0.01"))


def parse_quarter(text: str) -> int | None:
    """`2`, `Q2`, `Quarter 2` → 2; blank is None."""
    cleaned = squash(text)
    if not cleaned:
        return None
    found = re.fullmatch(r"(?:q|qtr|quarter)?\s*([1-4])", cleaned, re.IGNORECASE)
    if not found:
        raise ValueError(f"'{cleaned}' is not a quarter; write 1, 2, 3 or 4.")
    return int(found.group(1))


# Names -----------------------------------------------------------------------------------------------------

# Seed tables name work-streams in their own words; each alias maps to the name the commission uses. Kept here,
# in one place, so every import (the demo's seed tables, a spreadsheet a partner sends) reads them the same way.
# Keys and values are as `normalise_name` leaves them; an alias applies only when its target work-stream exists.
WORK_STREAM_ALIASES: Mapping[str, str] = {
    normalise_name(alias): normalise_name(name)
    for alias, name in (
        ("Work force and coordination", "Workforce and Co-ordination"),
        ("Workforce Development", "Workforce and Co-ordination"),
        ("Workforce Development and Co-ordination", "Workforce and Co-ordination"),
        ("Medium & High Risk", "Medium and High Risk Support"),
        ("Medium and High Risk Victims", "Medium and High Risk Support"),
        ("Perpetrator Programmes", "Perpetrators"),
        ("Early Intervention", "Early Support"),
    )
}

# An organisation is often written by its place alone: "Burnley" for Burnley Borough Council.
_ORGANISATION_SUFFIX = re.compile(
    r"\s+(?:metropolitan borough|borough|city|county|district|town)?\s*council$|\s+council$"
)

T = TypeVar("T")


def place_name(name: str) -> str | None:
    """`burnley borough council` → `burnley`; None when the name has no council suffix to drop."""
    short = _ORGANISATION_SUFFIX.sub("", name)
    return short if short and short != name else None


class NameMatcher(Generic[T]):
    """Finds one of a known set of things (a commission's partners, its work-streams) by a name as typed.

    Case, spacing, '&' and hyphens are ignored; aliases and short names ("Burnley") are tried after the full name,
    and a short name two things share matches neither. The things are given once, so a whole table costs one query.
    """

    def __init__(
        self,
        items: Iterable[T],
        *,
        name: Callable[[T], str],
        what: str,
        aliases: Mapping[str, str] | None = None,
        short: Callable[[str], str | None] = place_name,
    ) -> None:
        self.what = what
        self.exact: dict[str, T] = {}
        shorts: dict[str, list[T]] = {}
        for item in items:
            key = normalise_name(name(item))
            self.exact[key] = item
            short_key = short(key)
            if short_key:
                shorts.setdefault(short_key, []).append(item)
        self.short = {key: found[0] for key, found in shorts.items() if len(found) == 1 and key not in self.exact}
        self.ambiguous = {key: [name(item) for item in found] for key, found in shorts.items() if len(found) > 1}
        self.aliases = {alias: target for alias, target in (aliases or {}).items() if target in self.exact}

    def match(self, text: str) -> T:
        """The thing `text` names; ValueError with a plain message (and a suggestion) when there is none."""
        key = normalise_name(text)
        if not key:
            raise ValueError(f"The name is missing; each row needs {self.what}.")
        found = self.exact.get(key) or self.short.get(key) or self.exact.get(self.aliases.get(key, ""))
        if found is not None:
            return found
        if key in self.ambiguous:
            raise ValueError(f"'{squash(text)}' could be {' or '.join(self.ambiguous[key])}; write the full name.")
        message = f"'{squash(text)}' is not {self.what}."
        close = difflib.get_close_matches(key, list(self.exact), n=1, cutoff=0.8)
        if close:
            message += f" Did you mean {self.exact[close[0]]}?"
        raise ValueError(message)


# Columns of each kind of table ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    pattern: str
    required: bool = True
    value: str = "text"  # text, money, number, share or quarter: how the hash normalises the cell
    examples: str = ""

    def matches(self, heading: str) -> bool:
        return re.fullmatch(self.pattern, heading) is not None


_PARTNER = Column(
    "partner",
    "Partner",
    r"partner( name)?|area|district|organi[sz]ation( name)?|council|authority|body|name",
    examples="Partner, Area, Organisation or District",
)
_WORK_STREAM = Column(
    "work_stream",
    "Work-stream",
    r"work ?stream( name| funding allocation)?|work theme( area)?|theme|service area",
    examples="Work-stream, Work stream or Work theme area",
)
LAYOUTS: Mapping[str, tuple[Column, ...]] = {
    CONTRIBUTIONS: (
        _PARTNER,
        Column(
            "amount",
            "Amount",
            r"((annual|yearly) )?(amount|contributions?|allocation)"
            r"( requested| to (the )?pooled fund| per (year|annum))?|requested( amount| contribution)?",
            value="money",
            examples="Amount, Contribution or Contribution to pooled fund",
        ),
    ),
    BASIS: (
        _PARTNER,
        Column(
            "value", "Value", r"value|count|number|population|measure|calls|weight", value="number", examples="Value"
        ),
    ),
    MONITORING: (
        _WORK_STREAM,
        Column("quarter", "Quarter", r"quarter|qtr|q", required=False, value="quarter"),
        Column(
            "forecast",
            "Forecast",
            r"(year \d+ )?(full year )?forecast( outturn| spend)?",
            value="money",
            examples="Forecast, Forecast outturn or Year 1 Forecast",
        ),
        Column("actual", "Actual", r"(year \d+ )?actual( spend)?( to date)?|spend to date", False, "money"),
        Column("allocation", "Allocation", r"(year \d+ )?(stated )?allocation|budget", False, "money"),
        Column("variance", "Variance", r"(year \d+ )?variance", False, "money"),
    ),
    WORK_STREAM_ALLOCATIONS: (
        _WORK_STREAM,
        Column("share", "Share (%)", r"%|share( %)?|% share|percentage|percent|pooled share( %)?", False, "share"),
    ),
}
# The money columns whose total rows become stated totals, by the column names the reconciliation reads.
TOTAL_COLUMNS: Mapping[str, tuple[str, ...]] = {
    CONTRIBUTIONS: ("amount",),
    MONITORING: ("allocation", "forecast", "actual", "variance"),
    WORK_STREAM_ALLOCATIONS: ("amount",),
    BASIS: (),
}
_YEAR_LABEL = re.compile(r"(?:year )?(\d{4}/\d{2})")
_YEAR_NUMBER = re.compile(r"year (\d+)")
_PER_ANNUM = re.compile(r"(amount )?per (annum|year)|annual amount|amount")


@dataclass(frozen=True)
class ImportOptions:
    """What the person importing says about a table that the table itself does not.

    - `title` and `source` describe it ("District contributions requested", "Letter of 18 December 2012");
    - `financial_year`: the year a contributions table is for (optional), or a monitoring return's year (required);
    - `quarter`: a monitoring return's quarter, when the file has no Quarter column;
    - `years`: the years an allocation table's single 'per annum' column applies to;
    - `dataset_*`: a basis dataset's name, measure, unit, source and vintage.
    """

    title: str
    source: str = ""
    financial_year: FinancialYear | None = None
    quarter: int | None = None
    years: tuple[FinancialYear, ...] = ()
    dataset_name: str = ""
    dataset_measure: str = ""
    dataset_unit: str = ""
    dataset_source: str = ""
    dataset_vintage: str = ""

    def problems(self, kind: str) -> list[str]:
        """What is missing for this kind of table, in plain English; empty when nothing is."""
        problems = [] if self.title.strip() else ["Give the table a title."]
        if kind == MONITORING and self.financial_year is None:
            problems.append("Say which financial year the monitoring return is for.")
        if kind == BASIS:
            needed = {"name": self.dataset_name, "measure": self.dataset_measure}
            needed |= {"source": self.dataset_source, "vintage": self.dataset_vintage}
            problems += [f"Give the dataset's {what}." for what, value in needed.items() if not value.strip()]
        return problems

    def hash_part(self) -> dict[str, Any]:
        """The options that change what a table means: the same rows for another year or quarter are another table."""
        return {
            "financial_year": self.financial_year.label if self.financial_year else None,
            "quarter": self.quarter,
            "years": sorted(year.label for year in self.years),
            "dataset": normalise_name(self.dataset_name),
        }

    def to_json(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in _TEXT_OPTIONS}
        data["financial_year"] = self.financial_year.pk if self.financial_year else None
        data["quarter"] = self.quarter
        data["years"] = [year.pk for year in self.years]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any], *, years: Sequence[FinancialYear]) -> ImportOptions:
        """Options saved with `to_json`, their years looked up among the commission's `years`."""
        by_pk = {year.pk: year for year in years}
        return cls(
            **{name: str(data.get(name) or "") for name in _TEXT_OPTIONS},
            financial_year=by_pk.get(data.get("financial_year") or 0),
            quarter=data.get("quarter"),
            years=tuple(by_pk[pk] for pk in data.get("years") or [] if pk in by_pk),
        )


_TEXT_OPTIONS = (
    "title",
    "source",
    "dataset_name",
    "dataset_measure",
    "dataset_unit",
    "dataset_source",
    "dataset_vintage",
)


# Preparing a table: headings to columns, lines and stated totals, and the content hash -----------------------


@dataclass(frozen=True)
class StatedTotalLine:
    row_number: int
    label: str
    column: str
    amount: Decimal
    financial_year: FinancialYear | None = None


@dataclass
class PreparedTable:
    """A table ready for its resource: canonical lines (text cells under the columns' keys, plus `row`), the
    totals it states, notes and row errors found while preparing, and the hash of its normalised content."""

    kind: str
    headings: dict[str, str]
    lines: list[dict[str, str]]
    totals: list[StatedTotalLine]
    notes: list[str]
    errors: list[tuple[int, str]]
    sha256: str
    line_rows: int = 0
    keys: tuple[str, ...] = field(default=())

    def dataset(self) -> tablib.Dataset:
        dataset = tablib.Dataset(headers=list(self.keys))
        for line in self.lines:
            dataset.append([line.get(key, "") for key in self.keys])
        return dataset


@dataclass(frozen=True)
class _YearColumn:
    index: int
    heading: str
    years: tuple[FinancialYear, ...]


def prepare_table(
    *,
    kind: str,
    headings: Sequence[str],
    rows: Sequence[tuple[int, Sequence[str]]],
    options: ImportOptions,
    years: Sequence[FinancialYear],
) -> PreparedTable:
    """Map a table's headings to the columns its kind needs and split its rows into lines and stated totals.

    Raises `TableFileError` for what makes the whole table unreadable (a missing column, two columns that could
    be the same one, no rows). Problems with single rows are returned in `errors`, with their row numbers, so the
    person sees every one at once.
    """
    normalised = [normalise_heading(heading) for heading in headings]
    mapped = _map_columns(kind, normalised, headings)
    year_columns = _year_columns(normalised, headings, years, options) if kind == WORK_STREAM_ALLOCATIONS else []
    if kind == MONITORING and "quarter" not in mapped and options.quarter is None:
        raise TableFileError("Say which quarter the monitoring return is for, or add a Quarter column to the file.")
    if kind == WORK_STREAM_ALLOCATIONS and not year_columns:
        raise TableFileError(
            "The file has no amount column for a financial year. Head each one with its year ('2014/15'),"
            " 'Year 2', or 'Amount per annum'."
        )
    used = set(mapped.values()) | {column.index for column in year_columns}
    table = PreparedTable(
        kind=kind,
        headings={key: headings[index] for key, index in mapped.items()},
        lines=[],
        totals=[],
        notes=[],
        errors=[],
        sha256="",
        keys=_keys(kind, mapped),
    )
    unused = [heading for index, heading in enumerate(headings) if index not in used and heading]
    if unused:
        table.notes.append(f"Columns not used: {', '.join(unused)}.")
    digest: list[list[str]] = []
    for number, cells in rows:
        _prepare_row(table, number, cells, headings, mapped, year_columns, options, digest)
    if not table.lines and not table.totals:
        raise TableFileError("The file has headings but no rows to import.")
    table.line_rows = len({line[ROW] for line in table.lines})
    content = {"kind": kind, "options": options.hash_part(), "columns": _hash_columns(mapped, year_columns)}
    table.sha256 = hashlib.sha256(
        json.dumps({**content, "rows": digest}, sort_keys=True, ensure_ascii=False).encode("utf-8")
    ).hexdigest()
    return table


def _map_columns(kind: str, normalised: Sequence[str], headings: Sequence[str]) -> dict[str, int]:
    mapped: dict[str, int] = {}
    for column in LAYOUTS[kind]:
        found = [index for index, heading in enumerate(normalised) if column.matches(heading)]
        if len(found) > 1:
            both = " and ".join(f"'{headings[index]}'" for index in found[:2])
            raise TableFileError(f"Both {both} could be the {column.label} column; rename or remove one.")
        if found:
            mapped[column.key] = found[0]
        elif column.required:
            raise TableFileError(
                f"The file has no {column.label} column. Head one column '{column.label}'"
                + (f" (we also accept {column.examples})." if column.examples else ".")
            )
    return mapped


def _year_columns(
    normalised: Sequence[str], headings: Sequence[str], years: Sequence[FinancialYear], options: ImportOptions
) -> list[_YearColumn]:
    by_label = {year.label: year for year in years}
    by_number = {str(year.number): year for year in years}
    columns: list[_YearColumn] = []
    for index, heading in enumerate(normalised):
        label, number = _YEAR_LABEL.fullmatch(heading), _YEAR_NUMBER.fullmatch(heading)
        if label or number:
            year = by_label.get(label.group(1)) if label else by_number.get(number.group(1))  # type: ignore[union-attr]
            if year is None:
                raise TableFileError(f"The column '{headings[index]}' is not a financial year of this commission.")
            columns.append(_YearColumn(index, headings[index], (year,)))
        elif _PER_ANNUM.fullmatch(heading):
            if not options.years:
                raise TableFileError(
                    f"The column '{headings[index]}' applies to every year: say which financial years it is for."
                )
            columns.append(_YearColumn(index, headings[index], tuple(options.years)))
    seen: dict[int, str] = {}
    for column in columns:
        for year in column.years:
            if year.pk in seen:
                raise TableFileError(f"Both '{seen[year.pk]}' and '{column.heading}' give amounts for {year.label}.")
            seen[year.pk] = column.heading
    return columns


def _keys(kind: str, mapped: Mapping[str, int]) -> tuple[str, ...]:
    if kind == WORK_STREAM_ALLOCATIONS:
        return (ROW, "work_stream", "share", "financial_year", "amount")
    keys = [column.key for column in LAYOUTS[kind] if column.key in mapped]
    if kind == MONITORING and "quarter" not in keys:
        keys.insert(1, "quarter")  # filled from the options: the file states no quarter
    return (ROW, *keys)


def _hash_columns(mapped: Mapping[str, int], year_columns: Sequence[_YearColumn]) -> list[str]:
    return sorted(mapped) + [",".join(year.label for year in column.years) for column in year_columns]


def _prepare_row(
    table: PreparedTable,
    number: int,
    cells: Sequence[str],
    headings: Sequence[str],
    mapped: Mapping[str, int],
    year_columns: Sequence[_YearColumn],
    options: ImportOptions,
    digest: list[list[str]],
) -> None:
    cells = [*cells, *[""] * (len(headings) - len(cells))]
    orphan = next((index for index, cell in enumerate(cells) if cell and not headings[index]), None)
    if orphan is not None:
        table.errors.append(
            (number, f"Row {number} has a value in column {_letter(orphan)}, which has no heading; head every column.")
        )
        return
    values = {key: cells[index] for key, index in mapped.items()}
    digest.append(_digest_row(table.kind, values, [(column, cells[column.index]) for column in year_columns]))
    first = next((cell for cell in cells if cell), "")
    if is_total_label(first):
        _prepare_total(table, number, first, values, cells, year_columns)
    elif table.kind == WORK_STREAM_ALLOCATIONS:
        _melt(table, number, values, cells, year_columns)
    else:
        line = {ROW: str(number), **values}
        if table.kind == MONITORING and not line.get("quarter") and options.quarter:
            line["quarter"] = str(options.quarter)
        table.lines.append(line)


def _letter(index: int) -> str:
    """Spreadsheet column letters: 0 → A, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def _digest_row(kind: str, values: Mapping[str, str], years: Sequence[tuple[_YearColumn, str]]) -> list[str]:
    kinds = {column.key: column.value for column in LAYOUTS[kind]}
    row = [f"{key}={_normalised_cell(kinds.get(key, 'text'), text)}" for key, text in sorted(values.items())]
    row += [f"{column.heading}={_normalised_cell('money', text)}" for column, text in years]
    return row


def _normalised_cell(value: str, text: str) -> str:
    """A cell as the hash sees it: `£7,000` and `7000.00` are the same amount; case and spacing do not count."""
    parsers: dict[str, Callable[[str], object]] = {
        "money": parse_money,
        "number": parse_number,
        "share": parse_share,
        "quarter": parse_quarter,
    }
    parser = parsers.get(value)
    if parser is not None:
        try:
            return str(parser(text))
        except ValueError:
            pass
    return normalise_name(text) or squash(text).casefold()


def _prepare_total(
    table: PreparedTable,
    number: int,
    label: str,
    values: Mapping[str, str],
    cells: Sequence[str],
    year_columns: Sequence[_YearColumn],
) -> None:
    if table.kind == BASIS:
        table.notes.append(f"Row {number} ('{label}') is a total; a basis dataset keeps only its lines.")
        return
    stated = [(key, values[key], None) for key in TOTAL_COLUMNS[table.kind] if key in values]
    stated += [("amount", cells[column.index], year) for column in year_columns for year in column.years]
    for column, text, year in stated:
        try:
            amount = parse_money(text)
        except ValueError as error:
            heading = table.headings.get(column) or _year_heading(year_columns, year)
            table.errors.append((number, f"Row {number}, {heading}: {error}"))
            continue
        if amount is not None:
            table.totals.append(StatedTotalLine(number, label, column, amount, year))
    if values.get("share"):
        table.notes.append(
            f"Row {number}: the total share ({values['share']}) is not kept; each line's share is checked instead."
        )


def _year_heading(year_columns: Sequence[_YearColumn], year: FinancialYear | None) -> str:
    return next((column.heading for column in year_columns if year in column.years), "Amount")


def _melt(
    table: PreparedTable,
    number: int,
    values: Mapping[str, str],
    cells: Sequence[str],
    year_columns: Sequence[_YearColumn],
) -> None:
    """One line per year with an amount: a row of 'Year 2' and 'Year 3' amounts is two allocation lines."""
    added = False
    for column in year_columns:
        text = cells[column.index]
        if squash(text).casefold() in _NOT_STATED:
            continue
        for year in column.years:
            table.lines.append(
                {
                    ROW: str(number),
                    "work_stream": values.get("work_stream", ""),
                    "share": values.get("share", ""),
                    "financial_year": year.label,
                    "amount": text,
                    "_heading": column.heading,
                }
            )
            added = True
    if not added:
        name = values.get("work_stream") or "this row"
        table.notes.append(f"Row {number} ({name}) states no amount, so nothing is imported from it.")
