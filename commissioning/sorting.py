"""Tables that sort: `?sort=<column>` (ascending) or `?sort=-<column>` (descending), applied in the database.

A view names its sortable columns and the ordering each stands for, and passes the result to the template, whose
header cells link to the other order and carry `aria-sort` (templates/commissioning/partials/sort_header.html).
Sorting composes with filters and pagination: the links keep the rest of the query string and go back to page 1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import QueryDict


@dataclass(frozen=True)
class SortHeader:
    key: str
    label: str
    aria_sort: str  # "ascending", "descending" or "none", as ARIA says
    next_value: str  # the ?sort= value a click on the header asks for


@dataclass(frozen=True)
class Sorting:
    key: str
    descending: bool
    headers: dict[str, SortHeader]

    @property
    def value(self) -> str:
        return f"-{self.key}" if self.descending else self.key


def sorting_from(
    query: QueryDict,
    columns: Mapping[str, tuple[str, Sequence[str]]],
    *,
    default: str,
) -> Sorting:
    """Read `sort` from the query string; an unknown column falls back to `default` (itself `key` or `-key`).

    `columns` maps a key to (header label, the fields it orders by, ascending). Descending reverses each field."""
    wanted = query.get("sort") or default
    key, descending = wanted.removeprefix("-"), wanted.startswith("-")
    if key not in columns:
        key, descending = default.removeprefix("-"), default.startswith("-")
    headers = {}
    for column, (label, _fields) in columns.items():
        if column == key:
            aria, next_value = ("descending", column) if descending else ("ascending", f"-{column}")
        else:
            aria, next_value = "none", column
        headers[column] = SortHeader(key=column, label=label, aria_sort=aria, next_value=next_value)
    return Sorting(key=key, descending=descending, headers=headers)


def sort_queryset(queryset: QuerySet, sorting: Sorting, columns: Mapping[str, tuple[str, Sequence[str]]]) -> QuerySet:
    """Order by the chosen column, then by primary key so that pages never overlap or skip a row."""
    fields = columns[sorting.key][1]
    if sorting.descending:
        fields = [f.removeprefix("-") if f.startswith("-") else f"-{f}" for f in fields]
    return queryset.order_by(*fields, "pk")
