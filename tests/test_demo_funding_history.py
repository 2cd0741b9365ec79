"""`allocations.demo_history.demo_funding_history`: the seeds' reserve drawdowns and carry-forward, posted into a
commission built with factories (budgets set, pledges posted) and into the loaded demo, then confirmed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command

from allocations.demo_history import DECISION, demo_funding_history
from commissioning import funding_selectors, funding_services, ledger
from commissioning.ledger_selectors import ledger_integrity
from commissioning.models import Account, CarryForward, Commission, LedgerTransaction, ReserveDrawdown
from tests.funding_support import lancashire_plan, post_year_1_to_ledger

pytestmark = pytest.mark.django_db

D = Decimal
PARTS = {
    "Workforce and Co-ordination": D("37556"),
    "Early Support": D("68130"),
    "Medium and High Risk Support": D("212057"),
    "Perpetrators": D("137704"),
}


def _pool(commission, label):  # type: ignore[no-untyped-def]
    year = commission.years.get(start_year=int(label[:4]))
    return -ledger.account_for(commission, Account.Kind.POOL, year=year).balance


@pytest.fixture
def lancashire(commission, partner_a, partner_b):  # type: ignore[no-untyped-def]
    """Budgets set, the Q2 returns in, and pledges posted: A £7,000 and B £12,000 a year."""
    plan = lancashire_plan(commission)
    for year in plan.years.values():
        ledger.pledge_accepted_post(partner=partner_a, financial_year=year, amount=D("7000"), by=None)
        ledger.pledge_accepted_post(partner=partner_b, financial_year=year, amount=D("12000"), by=None)
    return plan


def test_the_seed_history_is_posted_and_the_carry_forward_left_provisional(lancashire, officer, manager):
    """Reserve: 730,000 − 321,000 − 409,000 = 0. Pools: 2014/15 holds 7,000 + 12,000 + 321,000 = 340,000 and
    2015/16 7,000 + 12,000 + 409,000 = 428,000; the £455,447 is provisional in 2015/16, not in its pool."""
    commission = lancashire.commission
    history = demo_funding_history(commission, by=officer, approver=manager)

    assert history.opening.kind == LedgerTransaction.Kind.RESERVE_OPENING
    assert history.opening.date.isoformat() == "2013-04-01"
    position = funding_selectors.reserve_position(lancashire.reserve)
    assert (position.holds, position.drawn) == (D("0"), D("730000"))
    assert [(d.financial_year.label, d.amount, d.status, d.decision_reference) for d in history.drawdowns] == [
        ("2014/15", D("321000"), ReserveDrawdown.Status.POSTED, DECISION),
        ("2015/16", D("409000"), ReserveDrawdown.Status.POSTED, DECISION),
    ]
    assert [d.transaction.date.isoformat() for d in history.drawdowns] == ["2014-04-01", "2015-04-01"]
    assert _pool(commission, "2014/15") == D("340000")
    assert _pool(commission, "2015/16") == D("428000")

    carry = history.carry_forward
    assert (carry.status, carry.decision_reference, carry.amount) == (
        CarryForward.Status.OUTLINE_APPROVED,
        DECISION,
        D("455447"),
    )
    assert {part.work_stream.name: part.amount for part in carry.parts.all()} == PARTS
    provisional = funding_selectors.provisional_funding(commission)
    assert {year.label: amount for year, amount in provisional.items()} == {
        "2013/14": D("0"),
        "2014/15": D("0"),
        "2015/16": D("455447"),
    }
    assert history.opening.posted_by == officer
    assert {d.approved_by for d in history.drawdowns} == {manager}
    assert (carry.proposed_by, carry.outline_approved_by) == (officer, manager)
    assert ledger_integrity().problems == []


def test_the_county_treasurer_later_confirms_the_carry_forward(lancashire, partner_a, manager):
    """Once 2013/14's allocations and forecasts are in the ledger, the confirmation posts £455,447 into the
    2015/16 pool: 428,000 + 455,447 = 883,447; nothing is provisional any more."""
    commission = lancashire.commission
    history = demo_funding_history(commission)
    post_year_1_to_ledger(lancashire, partner_a)
    carry = funding_services.carry_forward_confirm(
        carry_forward=history.carry_forward, by=manager, reference="County Treasurer's confirmation"
    )
    assert carry.status == CarryForward.Status.CONFIRMED
    assert _pool(commission, "2015/16") == D("883447")
    assert sum(funding_selectors.provisional_funding(commission).values()) == 0
    assert ledger_integrity().problems == []


def test_the_loaded_demo_carries_the_same_history(settings):
    """load_demo runs it on the demo's own reserve and its imported Q2 returns: the same parts, an empty reserve."""
    settings.DEMO_MODE = True
    call_command("load_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115 (closed with the process)
    commission = Commission.objects.get()
    carry = CarryForward.objects.get(commission=commission)
    assert carry.status == CarryForward.Status.OUTLINE_APPROVED
    assert {part.work_stream.name: part.amount for part in carry.parts.all()} == PARTS
    assert funding_selectors.reserve_position(commission.reserves.get()).holds == 0
    assert ledger_integrity().problems == []
