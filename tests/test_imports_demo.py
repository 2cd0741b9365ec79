"""The demo holds the seeds' tables as imported, stated totals included, and the reconciliation finds their
mismatches: the figures below are the seeds' own, with the arithmetic written out."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from allocations.models import (
    ImportedContribution,
    ImportedWorkStreamAllocation,
    MonitoringReturn,
    StatedTotal,
    TableImport,
)
from allocations.selectors import commission_reconciliation
from commissioning.models import Commission

pytestmark = pytest.mark.django_db

DEMO = "Joint Commissioning for Domestic Abuse Services in Lancashire"


class _Sink:
    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> None:
        self.text += text

    def flush(self) -> None:
        pass


@pytest.fixture
def demo(settings):  # type: ignore[no-untyped-def]
    settings.DEMO_MODE = True
    call_command("load_demo", stdout=_Sink())
    return Commission.objects.get(name=DEMO)


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (TableImport, StatedTotal, ImportedContribution, ImportedWorkStreamAllocation, MonitoringReturn)
    }


def test_demo_imports_the_four_seed_tables_with_their_stated_totals(demo):
    tables = {table.title: table for table in demo.table_imports.all()}
    assert set(tables) == {
        "District contributions requested",
        "Year 1 allocation, forecast and variance",
        "Work-stream funding allocation, years 2 and 3",
        "Work-stream allocations per annum",
    }
    district = tables["District contributions requested"]
    assert district.contributions.count() == 12
    total = district.stated_totals.get()
    assert (total.label, total.column, total.row_number, total.amount) == (
        "Lancashire – District Council Total",
        "amount",
        2,
        Decimal("100000.00"),
    )
    year1 = tables["Year 1 allocation, forecast and variance"]
    assert year1.financial_year.label == "2013/14"
    assert {(t.column, t.amount) for t in year1.stated_totals.all()} == {
        ("allocation", Decimal("1502548.00")),
        ("forecast", Decimal("1047003.00")),
        ("variance", Decimal("455447.00")),
    }
    assert [r.quarter for r in year1.monitoring_returns.all()] == [2, 2, 2, 2]
    years23 = tables["Work-stream funding allocation, years 2 and 3"]
    assert sorted((t.financial_year.label, t.amount) for t in years23.stated_totals.all()) == [
        ("2014/15", Decimal("1502449.00")),
        ("2015/16", Decimal("1502449.00")),
    ]
    per_annum = tables["Work-stream allocations per annum"]
    # Prevention and In Kind and Added Value state "n/a": four work-streams, each for 2014/15 and 2015/16.
    assert per_annum.work_stream_allocations.count() == 8
    assert {t.amount for t in per_annum.stated_totals.all()} == {Decimal("1502448.00")}


def test_seed_labels_are_mapped_to_the_demo_work_streams(demo):
    year1 = demo.table_imports.get(kind=TableImport.Kind.MONITORING)
    assert [r.work_stream.name for r in year1.monitoring_returns.order_by("row_number")] == [
        "Workforce and Co-ordination",
        "Early Support",
        "Medium and High Risk Support",
        "Perpetrators",
    ]
    per_annum = demo.table_imports.get(title="Work-stream allocations per annum")
    names = set(per_annum.work_stream_allocations.values_list("work_stream__name", flat=True))
    assert names == {"Workforce and Co-ordination", "Early Support", "Medium and High Risk Support", "Perpetrators"}


def test_loading_the_demo_again_changes_nothing(demo):
    before = _counts()
    call_command("load_demo", stdout=_Sink())
    assert _counts() == before


def test_reconciliation_reports_the_district_total_of_100000_against_lines_of_101000(demo):
    """Seed 000: 7 + 9 + 7 + 7 + 12 + 8 + 12 + 5 + 6 + 9 + 9 + 10 = £101,000 (thousands), stated as £100,000."""
    report = commission_reconciliation(demo)
    found = [m for m in report.mismatches if m.what == "Total of amount" and "District contributions" in m.where]
    assert [(m.stated, m.computed, m.difference) for m in found] == [
        (Decimal("100000.00"), Decimal("101000.00"), Decimal("-1000.00"))
    ]


def test_reconciliation_reports_the_year_1_variance_mismatches(demo):
    """Seed 002, Year 1, variance = allocation − forecast:
    Workforce 75,127 − 37,563 = 37,564, stated 30,217; Early Support 255,433 − 187,288 = 68,145, as stated;
    Medium & High Risk 1,021,733 − 809,630 = 212,103, stated 212,035; Perpetrators 150,255 − 12,521 = 137,734,
    stated 137,724. Totals: forecasts sum to 1,047,002 (stated 1,047,003); variances to 1,502,548 − 1,047,002
    = 455,546 (stated 455,447); allocations to 1,502,548, as stated."""
    report = commission_reconciliation(demo)
    year1 = [m for m in report.mismatches if m.where.startswith("Year 1 allocation, forecast and variance")]
    variances = {m.where.split("(")[1].rstrip(")"): (m.stated, m.computed) for m in year1 if m.what == "Variance"}
    assert variances == {
        "Workforce and Co-ordination": (Decimal("30217.00"), Decimal("37564.00")),
        "Medium and High Risk Support": (Decimal("212035.00"), Decimal("212103.00")),
        "Perpetrators": (Decimal("137724.00"), Decimal("137734.00")),
    }
    totals = {m.what: (m.stated, m.computed) for m in year1 if m.what.startswith("Total of")}
    assert totals == {
        "Total of forecast": (Decimal("1047003.00"), Decimal("1047002.00")),
        "Total of variance": (Decimal("455447.00"), Decimal("455546.00")),
    }


def test_reconciliation_reports_the_year_2_and_3_totals_of_1502449_against_lines_of_1502448(demo):
    """Seed 002, years 2 and 3: 75,122 + 255,416 + 1,021,665 + 150,245 = 1,502,448, stated as 1,502,449.
    Seed 004 states 1,502,448 for the same lines, which agrees with them."""
    report = commission_reconciliation(demo)
    totals = sorted(
        (m.what, m.stated, m.computed) for m in report.mismatches if m.what.startswith("Total of amount 20")
    )
    assert totals == [
        ("Total of amount 2014/15", Decimal("1502449.00"), Decimal("1502448.00")),
        ("Total of amount 2015/16", Decimal("1502449.00"), Decimal("1502448.00")),
    ]
