"""The tables the fund statement and the dashboard share: one partial each, rendered with and without its options."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

from django.template.loader import render_to_string


def _year() -> SimpleNamespace:
    """One stream: allocated £1,000, forecast £900, so variance £100 (allocation − forecast), actual £850, £100
    carried forward; the year's totals are that one line's."""
    line = SimpleNamespace(
        work_stream=SimpleNamespace(name="Early Support"),
        allocated=Decimal("1000.00"),
        forecast=Decimal("900.00"),
        variance=Decimal("100.00"),
        actual=Decimal("850.00"),
        carried_forward=Decimal("100.00"),
    )
    return SimpleNamespace(
        streams=[line], allocated=line.allocated, forecast=line.forecast, variance=line.variance,
        actual=line.actual, carried_forward=line.carried_forward,
    )  # fmt: skip


def test_the_stream_table_shows_carried_forward_only_when_asked():
    context = {"year": _year(), "caption": "Streams, 2013/14", "caption_class": "govuk-table__caption--m"}
    with_column = render_to_string("reports/partials/stream_figures_table.html", {**context, "carried_forward": True})
    without = render_to_string("reports/partials/stream_figures_table.html", {**context, "carried_forward": False})
    assert "Carried forward" in with_column
    assert with_column.count("£100") == 4  # variance and carried forward, on the line and in the totals
    assert "Carried forward" not in without
    assert without.count("£100") == 2  # variance only
    for html in (with_column, without):
        assert "Streams, 2013/14" in html
        assert "£1,000" in html
        assert "£850" in html
