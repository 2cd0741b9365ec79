"""Cells into exact values, and names into the things they name.

Amounts are read as finance teams write them (`£7,000`, `7000.00`, `(1,200)`), exactly, or refused in plain
English; names match whatever their capitals, spacing, '&' or hyphens, by aliases kept in one place, or by a
council's place name alone ("Burnley" for Burnley Borough Council).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Generic, TypeVar

from commissioning.money import PENNY


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


def not_stated(text: str) -> bool:
    """A cell that states nothing: blank, or 'n/a' (a work-stream with no pooled amount)."""
    return squash(text).casefold() in _NOT_STATED


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


# Names ----------------------------------------------------------------------------------------------------

# The seeds name work-streams in their own words; each alias maps to the name the commission uses. Kept here, in
# one place, so every import (the demo's seed tables, a spreadsheet a partner sends) reads them the same way.
# Keys and values are as `normalise_name` leaves them, so "Medium & High Risk Support" (seed 002) needs no alias;
# an alias applies only when its target work-stream exists.
WORK_STREAM_ALIASES: Mapping[str, str] = {
    normalise_name(alias): normalise_name(name)
    for alias, name in (
        ("Work force and coordination", "Workforce and Co-ordination"),  # seed 002, Year 1 table
        ("Workforce Development", "Workforce and Co-ordination"),  # seed 004
        ("Medium & High Risk", "Medium and High Risk Support"),  # seed 004
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
        fulls: dict[str, list[T]] = {}
        shorts: dict[str, list[T]] = {}
        for item in items:
            key = normalise_name(name(item))
            fulls.setdefault(key, []).append(item)
            short_key = short(key)
            if short_key:
                shorts.setdefault(short_key, []).append(item)
        # A name two things share (in full, or as a place) matches neither: the person is asked to be exact.
        self.exact = {key: found[0] for key, found in fulls.items() if len(found) == 1}
        self.short = {key: found[0] for key, found in shorts.items() if len(found) == 1 and key not in fulls}
        self.ambiguous = {
            key: [name(item) for item in found] for key, found in [*shorts.items(), *fulls.items()] if len(found) > 1
        }
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
