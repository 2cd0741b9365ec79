"""Importing the tables finance teams send, and exporting them safely.

What comes in is what councils really send: CSV in UTF-8 (with or without a byte-order mark) or Windows-1252
(where the pound sign is the single byte A3), XLSX workbooks, amounts written `£7,000`, `7000.00` or `(1,200)`,
names with stray spaces and odd capitals, and a "Total" row that states what the lines should add up to.

- `reading`: a file into rows of text (`read_table`), within size, row and column limits checked while reading;
- `values`: cells into exact values (`parse_money`…), names into what they name (`NameMatcher`, the aliases);
- `tables`: headings to columns, total rows to stated totals, the content hash (`prepare_table`, `ImportOptions`);
- `services`: a preview that writes nothing, a run that writes all or nothing, and the uploads an officer
  confirms (a large one imported by a background task); `selectors` and `forms` serve the pages.

The django-import-export resources that validate and save the lines are `allocations.resources`; the safe export
helper is `allocations.exports`. Only the pure parts are imported here: `services`, `selectors` and `forms` use
the resources, which use this package.
"""

from allocations.imports.reading import (
    ROW,
    RawTable,
    TableFileError,
    decode_text,
    raw_dataset,
    read_table,
    table_from_dataset,
)
from allocations.imports.tables import (
    BASIS,
    CONTRIBUTIONS,
    LAYOUTS,
    MONITORING,
    TOTAL_COLUMNS,
    WORK_STREAM_ALLOCATIONS,
    ImportOptions,
    PreparedTable,
    StatedTotalLine,
    prepare_table,
)
from allocations.imports.values import (
    WORK_STREAM_ALIASES,
    NameMatcher,
    is_total_label,
    normalise_heading,
    normalise_name,
    parse_money,
    parse_number,
    parse_quarter,
    parse_share,
    place_name,
    squash,
)

__all__ = [
    "BASIS",
    "CONTRIBUTIONS",
    "LAYOUTS",
    "MONITORING",
    "ROW",
    "TOTAL_COLUMNS",
    "WORK_STREAM_ALIASES",
    "WORK_STREAM_ALLOCATIONS",
    "ImportOptions",
    "NameMatcher",
    "PreparedTable",
    "RawTable",
    "StatedTotalLine",
    "TableFileError",
    "decode_text",
    "is_total_label",
    "normalise_heading",
    "normalise_name",
    "parse_money",
    "parse_number",
    "parse_quarter",
    "parse_share",
    "place_name",
    "prepare_table",
    "raw_dataset",
    "read_table",
    "squash",
    "table_from_dataset",
]
