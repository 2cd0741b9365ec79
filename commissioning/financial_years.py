"""UK public-sector financial years: 1 April to 31 March, written `2013/14`.

A financial year is named by the calendar year it starts in (`2013` for `2013/14`).
"""

from __future__ import annotations

import re
from datetime import date

_LABEL = re.compile(r"^(\d{4})/(\d{2})$")


def label(start_year: int) -> str:
    """`label(2013) == "2013/14"`; `label(1999) == "1999/00"`."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def parse(text: str) -> int:
    """The start year of a label: `parse("2013/14") == 2013`. Refuses `2013/15` and `13/14`."""
    match = _LABEL.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a financial year; write it as 2013/14.")
    start_year = int(match[1])
    if (start_year + 1) % 100 != int(match[2]):
        raise ValueError(f"{text!r} is not a financial year: {start_year} is followed by {label(start_year)}.")
    return start_year


def starts_on(start_year: int) -> date:
    return date(start_year, 4, 1)


def ends_on(start_year: int) -> date:
    return date(start_year + 1, 3, 31)


def start_year_of(day: date) -> int:
    """The financial year a date falls in: 31 March 2014 is in 2013/14, 1 April 2014 in 2014/15."""
    return day.year if (day.month, day.day) >= (4, 1) else day.year - 1


def quarter_of(day: date) -> int:
    """Quarter 1 is April to June; quarter 4 is January to March."""
    return ((day.month - 4) % 12) // 3 + 1
