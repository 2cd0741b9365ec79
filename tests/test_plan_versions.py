"""Funding plan versions: freezing the plan with its hash, numbering, refusals, and the funding movements between
two versions (the seeds' Appendix C)."""

from __future__ import annotations

from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError

from allocations import services as allocation_services
from allocations.models import Formula
from commissioning.models import FundingPlanVersion
from commissioning.models.plans import snapshot_digest
from reports import selectors
from reports.services import plan_version_freeze
from tests import factories
from tests.statement_support import build_book

pytestmark = pytest.mark.django_db

D = Decimal


@pytest.fixture
def planned(commission, partner_a, partner_b, officer):  # type: ignore[no-untyped-def]
    """Requests of A £7,000 and B £12,000 a year (a fixed formula) and a 2013/14 budget of £18,000, split
    5/17/68/10 into £900, £3,060, £12,240 and £1,800. Nothing posted yet."""
    formula = allocation_services.formula_create(
        commission=commission,
        name="Agreed shares",
        method=Formula.Method.FIXED,
        by=officer,
        participants=[
            allocation_services.ParticipantInput(partner=partner_a, fixed_amount=D("7000")),
            allocation_services.ParticipantInput(partner=partner_b, fixed_amount=D("12000")),
        ],
    )
    allocation_services.requests_draft(formula=formula, by=officer)
    allocation_services.year_budget_set(financial_year=commission.years.get(number=1), amount=D("18000"), by=officer)
    return commission


@time_machine.travel("2013-11-12 10:00 +0000", tick=False)
def test_freezing_keeps_the_plan_as_it_stands_with_its_hash(planned, partner_a, partner_b, officer):
    version = plan_version_freeze(
        commission=planned, label=" Initial approval ", by=officer, decision_reference=" PCC036/18 "
    )
    version.refresh_from_db()
    assert (version.number, version.label, version.decision_reference) == (1, "Initial approval", "PCC036/18")
    assert version.frozen_by == officer
    assert version.frozen_at.isoformat() == "2013-11-12T10:00:00+00:00"
    assert version.snapshot_sha256 == snapshot_digest(version.snapshot)
    assert version.snapshot_intact
    snapshot = version.snapshot
    assert snapshot["years"] == ["2013/14", "2014/15", "2015/16"]
    assert snapshot["position"] == {
        "plan": {"2013/14": "18000.00", "2014/15": None, "2015/16": None},
        "requested": {"2013/14": "19000.00", "2014/15": "19000.00", "2015/16": "19000.00"},
        "secured": {"2013/14": "0.00", "2014/15": "0.00", "2015/16": "0.00"},
        "provisional": {"2013/14": "0.00", "2014/15": "0.00", "2015/16": "0.00"},
    }
    partners = {partner["id"]: partner for partner in snapshot["partners"]}
    assert partners[partner_b.pk]["requested"] == {"2013/14": "12000.00", "2014/15": "12000.00", "2015/16": "12000.00"}
    assert partners[partner_a.pk]["secured"]["2013/14"] == "0.00"
    streams = {stream["name"]: stream for stream in snapshot["work_streams"]}
    assert [streams[name]["planned"]["2013/14"] for name in list(streams)[:4]] == [
        "900.00",
        "3060.00",
        "12240.00",
        "1800.00",
    ]
    assert streams["Perpetrators"]["planned"]["2014/15"] is None
    assert (snapshot["reserves"], snapshot["carry_forwards"]) == ([], [])

    second = plan_version_freeze(commission=planned, label="After the November report", by=officer)
    assert second.number == 2
    assert second.decision_reference == ""
    assert second.snapshot_sha256 == version.snapshot_sha256  # nothing changed in between


def test_a_snapshot_altered_after_freezing_no_longer_matches_its_hash(planned, officer):
    version = plan_version_freeze(commission=planned, label="Initial approval", by=officer)
    altered = {**version.snapshot, "position": {**version.snapshot["position"], "plan": {"2013/14": "1.00"}}}
    FundingPlanVersion.objects.filter(pk=version.pk).update(snapshot=altered)
    version.refresh_from_db()
    assert not version.snapshot_intact


@pytest.mark.parametrize(
    ("label", "reference", "says"),
    [
        ("  ", "", "Enter a label for the version"),
        ("x" * 201, "", "The label must be 200 characters or fewer; it is 201."),
        ("Initial approval", "r" * 101, "The decision reference must be 100 characters or fewer; it is 101."),
    ],
)
def test_a_version_without_a_label_or_with_overlong_text_is_refused_and_nothing_written(
    planned, officer, label, reference, says
):
    with pytest.raises(ValidationError, match=says):
        plan_version_freeze(commission=planned, label=label, by=officer, decision_reference=reference)
    assert not FundingPlanVersion.objects.exists()


def test_versions_are_numbered_within_their_commission(planned, officer):
    other = factories.CommissionFactory()
    plan_version_freeze(commission=planned, label="One", by=officer)
    assert plan_version_freeze(commission=other, label="Another's first", by=officer).number == 1
    assert plan_version_freeze(commission=planned, label="Two", by=officer).number == 2


def _changed(movements, key):  # type: ignore[no-untyped-def]
    group = next(group for group in movements.groups if group.key == key)
    return [(line.name, line.year, line.figure, line.before, line.after, line.change) for line in group.changed], {
        total.figure: (total.before, total.after, total.change) for total in group.totals
    }


def test_movements_between_two_versions_show_what_changed_by_source_and_work_stream(
    planned, partner_a, partner_b, officer
):
    """Version 1 holds the requests and the 2013/14 budget only. Then the postings of `build_book` (see
    test_statement), and version 2. What moved:

    - partners' secured: A 2013/14 +7,000, 2014/15 +7,000; B +12,000 in each of three years;
      7,000 + 7,000 + 12,000 × 3 = 50,000; requested unchanged at 19,000 × 3 = 57,000;
    - reserves: Crime and Disorder reserve +321,000 in 2014/15 (the reserve was not in version 1);
    - carry-forwards: 2013/14 to 2015/16, confirmed, +2,400;
    - work-streams: allocated 2013/14 +950, +3,230, +12,920, +1,900, and Medium and High Risk 2014/15 +200,000:
      19,000 + 200,000 = 219,000; planned unchanged at 900 + 3,060 + 12,240 + 1,800 = 18,000;
    - position: secured 2013/14 +19,000, 2014/15 +340,000, 2015/16 +14,400 = 373,400, which is the partners'
      50,000 + the reserve's 321,000 + the carry-forward's 2,400.
    """
    first = plan_version_freeze(commission=planned, label="Initial approval", by=officer)
    book = build_book(planned, partner_a, partner_b, officer)
    second = plan_version_freeze(commission=planned, label="Current position", by=officer)
    movements = selectors.plan_movements(
        first.snapshot, second.snapshot, before_label=str(first), after_label=str(second)
    )
    assert movements.changed
    assert (movements.before, movements.after) == ("Version 1: Initial approval", "Version 2: Current position")

    lines, totals = _changed(movements, "partners")
    a, b = partner_a.name, partner_b.name
    assert sorted(lines) == sorted(
        [
            (a, "2013/14", "secured", D("0"), D("7000"), D("7000")),
            (a, "2014/15", "secured", D("0"), D("7000"), D("7000")),
            (b, "2013/14", "secured", D("0"), D("12000"), D("12000")),
            (b, "2014/15", "secured", D("0"), D("12000"), D("12000")),
            (b, "2015/16", "secured", D("0"), D("12000"), D("12000")),
        ]
    )
    assert totals == {"requested": (D("57000"), D("57000"), D("0")), "secured": (D("0"), D("50000"), D("50000"))}

    lines, totals = _changed(movements, "reserves")
    assert lines == [("Crime and Disorder reserve", "2014/15", "drawn", None, D("321000"), D("321000"))]
    assert totals == {"drawn": (D("0"), D("321000"), D("321000"))}

    lines, totals = _changed(movements, "carry_forwards")
    assert lines == [("2013/14 to 2015/16", "2015/16", "confirmed", None, D("2400"), D("2400"))]

    lines, totals = _changed(movements, "work_streams")
    assert len(lines) == 5
    assert ("Medium and High Risk Support", "2014/15", "allocated", D("0"), D("200000"), D("200000")) in lines
    assert totals == {"planned": (D("18000"), D("18000"), D("0")), "allocated": (D("0"), D("219000"), D("219000"))}

    lines, totals = _changed(movements, "position")
    assert [(line[1], line[2], line[5]) for line in lines] == [
        ("2013/14", "secured", D("19000")),
        ("2014/15", "secured", D("340000")),
        ("2015/16", "secured", D("14400")),
    ]
    assert totals["secured"] == (D("0"), D("373400"), D("373400"))
    assert totals["secured"][2] == D("50000") + D("321000") + D("2400")
    assert book.reversal.reverses == book.reversed_pledge

    same = selectors.plan_movements(first.snapshot, first.snapshot, before_label="1", after_label="1")
    assert not same.changed


def test_freezing_reads_a_fixed_number_of_queries_however_long_the_ledger(
    planned, partner_a, partner_b, officer, django_assert_max_num_queries
):
    with django_assert_max_num_queries(13) as before:
        plan_version_freeze(commission=planned, label="Empty ledger", by=officer)
    build_book(planned, partner_a, partner_b, officer)
    with django_assert_max_num_queries(len(before.captured_queries)):
        plan_version_freeze(commission=planned, label="After the book", by=officer)
