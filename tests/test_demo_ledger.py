"""The Lancashire demo's pooled fund, end to end in the ledger, against a table checked by hand.

| | 2013/14 | 2014/15 | 2015/16 |
| --- | --- | --- | --- |
| districts' pledges (seed 000) | 101,000 | 101,000 | 101,000 |
| host's pledge (the balance) | 1,401,548 | 1,080,449 | 537,002 |
| Crime and Disorder reserve drawn | – | 321,000 | 409,000 |
| income in the ledger (secured) | 1,502,548 | 1,502,449 | 1,047,002 |
| carry-forward from 2013/14, outline approved (provisional) | – | – | 455,447 |
| plan (the year's budget) | 1,502,548 | 1,502,449 | 1,502,449 |
| shortfall (plan − secured − provisional) | 0 | 0 | 0 |
| allocated in the ledger | 1,502,548 | 1,502,449 | 0 (waits for the carry-forward) |
| forecast (seed 002, Year 1) | 1,047,002 | – | – |
| variance (allocated − forecast) | 455,546 | | |

Once the County Treasurer confirms the carry-forward, 2015/16 has £455,447 carried in, secured income of
£1,502,449 and nothing provisional, and its £1,502,449 of allocations can be posted.
"""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from allocations import services
from commissioning import funding_services
from commissioning.ledger_selectors import ledger_integrity
from commissioning.models import CarryForward, Commission
from reports.selectors import commission_fund_statement
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(settings):  # type: ignore[no-untyped-def]
    settings.DEMO_MODE = True
    call_command("load_demo", stdout=StringIO())
    return Commission.objects.get()


def _years(demo):  # type: ignore[no-untyped-def]
    return {line.year.label: line for line in commission_fund_statement(demo).years}


def test_the_demo_statement_matches_the_hand_checked_table(demo):
    years = _years(demo)
    expected = {
        # label: (pledged, drawn, carried in, income, provisional, plan, shortfall, allocated, forecast, variance)
        "2013/14": ("1502548", "0", "0", "1502548", "0", "1502548", "0", "1502548", "1047002", "455546"),
        "2014/15": ("1181449", "321000", "0", "1502449", "0", "1502449", "0", "1502449", "0", "1502449"),
        "2015/16": ("638002", "409000", "0", "1047002", "455447", "1502449", "0", "0", "0", "0"),
    }
    for label, figures in expected.items():
        year = years[label]
        actual = (
            year.pledged,
            year.drawn,
            year.carried_in_total,
            year.income,
            year.position.provisional,
            year.position.plan,
            year.position.shortfall,
            year.allocated,
            year.forecast,
            year.variance,
        )
        assert actual == tuple(Decimal(figure) for figure in figures), label
    assert ledger_integrity().problems == []


def test_confirming_the_carry_forward_secures_2015_16_and_its_allocations_post(demo):
    treasurer = factories.ManagerFactory()
    carry = CarryForward.objects.get(commission=demo)
    assert carry.amount == Decimal("455447")
    funding_services.carry_forward_confirm(carry_forward=carry, by=treasurer)
    year3 = demo.years.get(number=3)
    posted = services.allocations_post_to_ledger(financial_year=year3, by=None)
    assert len(posted) == 4
    statement = _years(demo)["2015/16"]
    assert statement.carried_in_total == Decimal("455447")
    assert statement.income == Decimal("1502449")  # 638,002 + 409,000 + 455,447
    assert statement.position.provisional == 0
    assert statement.allocated == Decimal("1502449")
    assert statement.unallocated == 0
    assert _years(demo)["2013/14"].carried_forward == Decimal("455447")
    assert ledger_integrity().problems == []
