"""Preparing a table as read for its kind: headings to the columns it needs, rows to lines and stated totals,
and the hash of its normalised content that recognises the same table imported twice.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import tablib

from allocations.imports.reading import ROW, TableFileError
from allocations.imports.values import (
    is_total_label,
    normalise_heading,
    normalise_name,
    not_stated,
    parse_money,
    parse_number,
    parse_quarter,
    parse_share,
    squash,
)
from commissioning.models import FinancialYear

# Kinds of table, as `TableImport.Kind` values (kept as strings so this module needs no model of its own app).
CONTRIBUTIONS = "contributions"
WORK_STREAM_ALLOCATIONS = "work_stream_allocations"
MONITORING = "monitoring"
BASIS = "basis"


@dataclass(frozen=True)
class Column:
    """A column a kind of table needs: its key in the prepared lines, its name on the page, and the headings
    (normalised, as a regular expression) that mean it; `examples` name the other headings in messages."""

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
    examples="Area, Organisation or District",
)
_WORK_STREAM = Column(
    "work_stream",
    "Work-stream",
    r"work ?stream( name| funding allocation)?|work theme( area)?|theme|service area",
    examples="Work stream or Work theme area",
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
            examples="Contribution or Contribution to pooled fund",
        ),
    ),
    BASIS: (
        _PARTNER,
        Column(
            "value",
            "Value",
            r"value|count|number|population|measure|calls|weight",
            value="number",
            examples="Population or Count",
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
            examples="Forecast outturn or Year 1 Forecast",
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
    # (column, heading, text, years): a 'per annum' total is one cell stated for every year it applies to.
    stated = [(key, table.headings[key], values[key], (None,)) for key in TOTAL_COLUMNS[table.kind] if key in values]
    stated += [("amount", column.heading, cells[column.index], column.years) for column in year_columns]
    for column, heading, text, years in stated:
        try:
            amount = parse_money(text)
        except ValueError as error:
            table.errors.append((number, f"Row {number}, {heading}: {error}"))
            continue
        if amount is not None:
            table.totals += [StatedTotalLine(number, label, column, amount, year) for year in years]
    if values.get("share"):
        table.notes.append(
            f"Row {number}: the total share ({values['share']}) is not kept; each line's share is checked instead."
        )


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
        if not_stated(text):
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
