"""Sortable tables: the query string picks a column and order; unknown columns fall back; headers say aria-sort."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.http import QueryDict
from django.template import RequestContext, Template
from django.test import RequestFactory

from commissioning.models import Commission
from commissioning.sorting import sort_queryset, sorting_from
from tests import factories

COLUMNS = {"name": ("Name", ["name"]), "target": ("Target", ["-target", "name"])}


def test_sorting_reads_the_column_and_order_and_offers_the_reverse():
    sorting = sorting_from(QueryDict("sort=-name"), COLUMNS, default="target")
    assert (sorting.key, sorting.descending, sorting.value) == ("name", True, "-name")
    assert sorting.headers["name"].aria_sort == "descending"
    assert sorting.headers["name"].next_value == "name"
    assert sorting.headers["target"].aria_sort == "none"
    assert sorting.headers["target"].next_value == "target"


@pytest.mark.parametrize("value", ["", "nonsense", "-password", "__class__"])
def test_an_unknown_or_missing_column_falls_back_to_the_default(value):
    sorting = sorting_from(QueryDict(f"sort={value}"), COLUMNS, default="-target")
    assert (sorting.key, sorting.descending) == ("target", True)
    assert sorting.headers["target"].aria_sort == "descending"


@pytest.mark.django_db
def test_sort_queryset_orders_in_the_database_and_reverses_every_field():
    host = factories.PartnerFactory()
    for name, target in [("B", Decimal("300")), ("A", Decimal("300")), ("C", Decimal("100"))]:
        factories.CommissionFactory(name=name, host=host, target=target)
    queryset = Commission.objects.all()
    ascending = sort_queryset(queryset, sorting_from(QueryDict("sort=target"), COLUMNS, default="name"), COLUMNS)
    assert [c.name for c in ascending] == ["A", "B", "C"]  # largest target first, then name
    descending = sort_queryset(queryset, sorting_from(QueryDict("sort=-target"), COLUMNS, default="name"), COLUMNS)
    assert [c.name for c in descending] == ["C", "B", "A"]


def test_the_header_partial_links_to_the_reverse_order_keeps_filters_and_drops_the_page():
    request = RequestFactory().get("/x/", {"sort": "name", "kind": "pcc", "page": "3"})
    sorting = sorting_from(request.GET, COLUMNS, default="name")
    html = Template('{% include "commissioning/partials/sort_header.html" with header=header %}').render(
        RequestContext(request, {"header": sorting.headers["name"]})
    )
    assert 'aria-sort="ascending"' in html
    assert "sort=-name" in html
    assert "kind=pcc" in html
    assert "page=" not in html
