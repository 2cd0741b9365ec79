"""Reserve drawdowns and carry-forwards: the seeds' history through the guarded transitions, their stamps and
history rows, the ledger postings they make, and what they refuse (naming the figures, writing nothing)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocations import year_end_selectors, year_end_services
from commissioning import funding_selectors, funding_services, ledger
from commissioning.models import (
    Account,
    CarryForward,
    CarryForwardEvent,
    CarryForwardPart,
    LedgerTransaction,
    ReserveDrawdown,
    ReserveDrawdownEvent,
)
from tests import factories
from tests.funding_support import DECISION, lancashire_plan, post_year_1_to_ledger

pytestmark = pytest.mark.django_db

Status = ReserveDrawdown.Status
Carry = CarryForward.Status


@pytest.fixture
def plan(commission):  # type: ignore[no-untyped-def]
    return lancashire_plan(commission)


def _counts() -> tuple[int, ...]:
    return (
        ReserveDrawdown.objects.count(),
        ReserveDrawdownEvent.objects.count(),
        CarryForward.objects.count(),
        CarryForwardPart.objects.count(),
        CarryForwardEvent.objects.count(),
        LedgerTransaction.objects.count(),
    )


def _reserve_holds(plan) -> Decimal:  # type: ignore[no-untyped-def]
    return -ledger.account_for(plan.commission, Account.Kind.RESERVE, reserve=plan.reserve).balance


def _pool(plan, number):  # type: ignore[no-untyped-def]
    return -ledger.account_for(plan.commission, Account.Kind.POOL, year=plan.year(number)).balance


# Reserves ---------------------------------------------------------------------------------------------------


def test_the_crime_and_disorder_reserve_is_opened_drawn_and_emptied(plan, officer, manager):
    """£730,000 opens the reserve; £321,000 goes to 2014/15's pool and £409,000 to 2015/16's:
    730,000 − 321,000 = 409,000 after the first, 409,000 − 409,000 = 0 after the second."""
    funding_services.reserve_opening_balance_post(reserve=plan.reserve, by=officer)
    assert _reserve_holds(plan) == Decimal("730000")
    expected_left = {2: Decimal("409000"), 3: Decimal("0")}
    for number, amount in ((2, Decimal("321000")), (3, Decimal("409000"))):
        drawdown = funding_services.reserve_drawdown_propose(
            reserve=plan.reserve, financial_year=plan.year(number), amount=amount, reason="Meet the gap", by=officer
        )
        funding_services.reserve_drawdown_approve(drawdown=drawdown, decision_reference=DECISION, by=manager)
        drawdown = funding_services.reserve_drawdown_post(drawdown=drawdown, by=officer)
        assert drawdown.status == Status.POSTED
        assert _reserve_holds(plan) == expected_left[number]
        assert _pool(plan, number) == amount
        tx = drawdown.transaction
        assert (tx.kind, tx.source, tx.source_reference) == (
            LedgerTransaction.Kind.RESERVE_DRAWDOWN,
            drawdown,
            DECISION,
        )
        assert (drawdown.proposed_by, drawdown.approved_by, drawdown.posted_by) == (officer, manager, officer)
        assert drawdown.proposed_at <= drawdown.approved_at <= drawdown.posted_at
        events = list(drawdown.events.order_by("pk").values_list("action", "from_status", "to_status", "by"))
        assert events == [
            ("proposed", "", "proposed", officer.pk),
            ("approved", "proposed", "approved", manager.pk),
            ("posted", "approved", "posted", officer.pk),
        ]
    position = funding_selectors.reserve_position(plan.reserve)
    assert (position.holds, position.drawn, position.available) == (Decimal("0"), Decimal("730000"), Decimal("0"))


def test_a_drawdown_larger_than_the_reserve_less_approved_drawdowns_is_refused(plan, officer, manager):
    """With £321,000 approved, £730,000 − £321,000 = £409,000 is left: £409,000.01 is refused, before and after
    the opening balance is posted, and nothing is written."""
    first = factories.ReserveDrawdownFactory(reserve=plan.reserve)
    funding_services.reserve_drawdown_approve(drawdown=first, decision_reference=DECISION, by=manager)
    for opened in (False, True):
        if opened:
            funding_services.reserve_opening_balance_post(reserve=plan.reserve, by=officer)
        before = _counts()
        with pytest.raises(ValidationError, match=r"£321,000.00 is committed .* leaving £409,000.00; a drawdown of "):
            funding_services.reserve_drawdown_propose(
                reserve=plan.reserve,
                financial_year=plan.year(3),
                amount=Decimal("409000.01"),
                reason="Meet the gap",
                by=officer,
            )
        assert _counts() == before


def test_two_proposals_may_not_both_be_approved_past_the_reserve(plan, manager):
    """Two proposals of £409,000 fit one at a time, but once one is approved only £730,000 − £409,000 = £321,000
    is left, so approving the second is refused."""
    first = factories.ReserveDrawdownFactory(reserve=plan.reserve, amount=Decimal("409000"))
    second = factories.ReserveDrawdownFactory(reserve=plan.reserve, amount=Decimal("409000"))
    funding_services.reserve_drawdown_approve(drawdown=first, decision_reference=DECISION, by=manager)
    with pytest.raises(ValidationError, match=r"leaving £321,000.00; a drawdown of £409,000.00 is more"):
        funding_services.reserve_drawdown_approve(drawdown=second, decision_reference=DECISION, by=manager)
    second.refresh_from_db()
    assert second.status == Status.PROPOSED


def test_posting_before_the_opening_balance_is_refused_by_the_ledger(plan, officer, manager):
    drawdown = factories.ReserveDrawdownFactory(reserve=plan.reserve)
    funding_services.reserve_drawdown_approve(drawdown=drawdown, decision_reference=DECISION, by=manager)
    before = _counts()
    with pytest.raises(ValidationError, match=r"holds £0.00; a drawdown of £321,000.00 is more than that"):
        funding_services.reserve_drawdown_post(drawdown=drawdown, by=officer)
    assert _counts() == before
    drawdown.refresh_from_db()
    assert (drawdown.status, drawdown.transaction, drawdown.posted_at) == (Status.APPROVED, None, None)


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("post", "This reserve drawdown is proposed; only an approved one can be posted."),
        ("approve_twice", "This reserve drawdown is approved; only a proposed one can be approved."),
        ("reject_posted", "This reserve drawdown is posted; only a proposed or approved one can be rejected."),
    ],
)
def test_transitions_are_refused_from_the_wrong_state(plan, officer, manager, step, message):
    funding_services.reserve_opening_balance_post(reserve=plan.reserve, by=officer)
    drawdown = factories.ReserveDrawdownFactory(reserve=plan.reserve)
    if step != "post":
        funding_services.reserve_drawdown_approve(drawdown=drawdown, decision_reference=DECISION, by=manager)
    if step == "reject_posted":
        funding_services.reserve_drawdown_post(drawdown=drawdown, by=officer)
    attempts = {
        "post": lambda: funding_services.reserve_drawdown_post(drawdown=drawdown, by=officer),
        "approve_twice": lambda: funding_services.reserve_drawdown_approve(
            drawdown=drawdown, decision_reference=DECISION, by=manager
        ),
        "reject_posted": lambda: funding_services.reserve_drawdown_reject(
            drawdown=drawdown, reason="Changed our minds", by=manager
        ),
    }
    before = _counts()
    with pytest.raises(ValidationError) as error:
        attempts[step]()
    assert error.value.messages == [message]
    assert _counts() == before


def test_approval_needs_a_decision_reference_and_the_finance_approver(plan, officer, manager, auditor):
    drawdown = factories.ReserveDrawdownFactory(reserve=plan.reserve)
    before = _counts()
    with pytest.raises(ValidationError, match="Give the reference of the decision"):
        funding_services.reserve_drawdown_approve(drawdown=drawdown, decision_reference="  ", by=manager)
    for user in (officer, auditor):
        with pytest.raises(PermissionDenied):
            funding_services.reserve_drawdown_approve(drawdown=drawdown, decision_reference=DECISION, by=user)
        with pytest.raises(PermissionDenied):
            funding_services.reserve_drawdown_reject(drawdown=drawdown, reason="No", by=user)
    with pytest.raises(PermissionDenied):
        funding_services.reserve_drawdown_propose(
            reserve=plan.reserve, financial_year=plan.year(2), amount=Decimal("1"), reason="x", by=manager
        )
    with pytest.raises(PermissionDenied):
        funding_services.reserve_opening_balance_post(reserve=plan.reserve, by=manager)
    assert _counts() == before
    drawdown.refresh_from_db()
    assert (drawdown.status, drawdown.decision_reference, drawdown.approved_by) == (Status.PROPOSED, "", None)


def test_a_rejection_keeps_the_reason_and_frees_the_reserve(plan, officer, manager):
    drawdown = factories.ReserveDrawdownFactory(reserve=plan.reserve, amount=Decimal("730000"))
    funding_services.reserve_drawdown_approve(drawdown=drawdown, decision_reference=DECISION, by=manager)
    assert funding_selectors.reserve_position(plan.reserve).available == 0
    with pytest.raises(ValidationError, match="Say why"):
        funding_services.reserve_drawdown_reject(drawdown=drawdown, reason="", by=manager)
    drawdown = funding_services.reserve_drawdown_reject(
        drawdown=drawdown, reason="Public Health funding secured instead", by=manager
    )
    assert (drawdown.status, drawdown.rejected_by, drawdown.rejection_reason) == (
        Status.REJECTED,
        manager,
        "Public Health funding secured instead",
    )
    assert drawdown.events.last().reason == "Public Health funding secured instead"
    assert funding_selectors.reserve_position(plan.reserve).available == Decimal("730000")


@pytest.mark.parametrize(
    ("amount", "year_number", "message"),
    [
        (Decimal("0"), 2, "must be more than £0"),
        (Decimal("-5"), 2, "must be more than £0"),
        (Decimal("0.001"), 2, "fraction of a penny"),
        (Decimal("730000.01"), 2, "is more than that"),
    ],
)
def test_a_proposal_with_a_bad_amount_is_refused(plan, officer, amount, year_number, message):
    before = _counts()
    with pytest.raises(ValidationError, match=message):
        funding_services.reserve_drawdown_propose(
            reserve=plan.reserve, financial_year=plan.year(year_number), amount=amount, reason="x", by=officer
        )
    assert _counts() == before


def test_a_drawdown_into_another_commissions_year_is_refused(plan, officer):
    other = factories.CommissionFactory()
    with pytest.raises(ValidationError, match="is not a year of"):
        funding_services.reserve_drawdown_propose(
            reserve=plan.reserve, financial_year=other.years.first(), amount=Decimal("1"), reason="x", by=officer
        )


# Carry-forwards ---------------------------------------------------------------------------------------------


def test_year_end_computes_the_seed_underspends_from_the_plan(plan):
    """Allocation − forecast at Q2, per work-stream (seed 002's Year 1 table, computed):
    75,127 − 37,563 = 37,564; 255,433 − 187,288 = 68,145; 1,021,733 − 809,630 = 212,103; 150,255 − 12,521 =
    137,734; in all 1,502,548 − 1,047,002 = 455,546 (the seed states 455,447). Nothing is in the ledger yet."""
    year_end = year_end_selectors.year_end_of(plan.year(1))
    assert [(line.work_stream.name, line.plan_underspend) for line in year_end.lines] == [
        ("Workforce and Co-ordination", Decimal("37564")),
        ("Early Support", Decimal("68145")),
        ("Medium and High Risk Support", Decimal("212103")),
        ("Perpetrators", Decimal("137734")),
    ]
    assert year_end.total_allocation == Decimal("1502548")
    assert year_end.total_outturn == Decimal("1047002")
    assert year_end.total_plan_underspend == year_end.total_available == Decimal("455546")
    assert year_end.total_ledger_underspend is None
    assert year_end.quarters == [2]


def test_the_455447_carry_forward_is_split_by_underspend_and_provisional_once_outline_approved(plan, officer, manager):
    """£455,447 split by the underspends 37,564 / 68,145 / 212,103 / 137,734 (sum 455,546), to the pound:
    exact shares 37,555.84 / 68,130.19 / 212,056.91 / 137,704.07 → 37,555 / 68,130 / 212,056 / 137,704 = 455,445,
    and the 2 pounds left go to the largest remainders (.91, .84): 37,556 / 68,130 / 212,057 / 137,704 = 455,447."""
    carry = year_end_services.carry_forward_propose_from_year_end(
        from_year=plan.year(1), to_year=plan.year(3), amount=Decimal("455447"), reason="Delayed start", by=officer
    )
    parts = [(p.work_stream.name, p.amount, p.underspend, p.took_rounding) for p in carry.parts.all()]
    assert parts == [
        ("Workforce and Co-ordination", Decimal("37556"), Decimal("37564"), True),
        ("Early Support", Decimal("68130"), Decimal("68145"), False),
        ("Medium and High Risk Support", Decimal("212057"), Decimal("212103"), True),
        ("Perpetrators", Decimal("137704"), Decimal("137734"), False),
    ]
    assert sum(amount for _, amount, _, _ in parts) == carry.amount == Decimal("455447")
    assert "Q2" in carry.basis
    zero = Decimal("0")
    assert list(funding_selectors.provisional_funding(plan.commission).values()) == [zero, zero, zero]

    carry = funding_services.carry_forward_outline_approve(carry_forward=carry, decision_reference=DECISION, by=manager)
    provisional = funding_selectors.provisional_funding(plan.commission)
    assert {year.label: amount for year, amount in provisional.items()} == {
        "2013/14": zero,
        "2014/15": zero,
        "2015/16": Decimal("455447"),
    }
    assert LedgerTransaction.objects.filter(kind=LedgerTransaction.Kind.CARRY_FORWARD).count() == 0
    assert (carry.status, carry.outline_approved_by, carry.decision_reference) == (
        Carry.OUTLINE_APPROVED,
        manager,
        DECISION,
    )


def test_the_county_treasurer_confirms_and_only_then_it_is_posted(plan, partner_a, officer, manager):
    """Confirmed, £455,447 leaves the 2013/14 work-stream budgets (each by its part) and enters the 2015/16 pool;
    it is no longer provisional. Ledger underspend of Perpetrators: 150,255 − 12,521 − 137,704 = 30."""
    post_year_1_to_ledger(plan, partner_a)
    carry = year_end_services.carry_forward_propose_from_year_end(
        from_year=plan.year(1), to_year=plan.year(3), amount=Decimal("455447"), reason="Delayed start", by=officer
    )
    funding_services.carry_forward_outline_approve(carry_forward=carry, decision_reference=DECISION, by=manager)
    with pytest.raises(PermissionDenied):
        funding_services.carry_forward_confirm(carry_forward=carry, by=officer)
    carry = funding_services.carry_forward_confirm(
        carry_forward=carry, by=manager, reference="County Treasurer, 31 March 2014"
    )
    assert (carry.status, carry.confirmed_by, carry.confirmation_reference) == (
        Carry.CONFIRMED,
        manager,
        "County Treasurer, 31 March 2014",
    )
    tx = carry.transaction
    assert (tx.kind, tx.source, tx.source_reference, tx.financial_year) == (
        LedgerTransaction.Kind.CARRY_FORWARD,
        carry,
        "County Treasurer, 31 March 2014",
        plan.year(1),
    )
    assert _pool(plan, 3) == Decimal("455447")
    assert ledger.underspend(plan.year(1), plan.streams["Perpetrators"]) == Decimal("30")
    assert sum(funding_selectors.provisional_funding(plan.commission).values()) == 0
    assert [event.action for event in carry.events.order_by("pk")] == ["proposed", "outline_approved", "confirmed"]
    # The claim stands: the plan's underspend left is 455,546 − 455,447 = 99.
    assert year_end_selectors.year_end_of(plan.year(1)).total_available == Decimal("99")


def test_confirmation_is_refused_when_the_ledger_has_no_such_underspend(plan, officer, manager):
    """2013/14's allocations are not posted to the ledger, only its Q2 forecasts (which monitoring returns post), so
    the ledger's underspend of Workforce is £0 − £37,563 = −£37,563: the confirmation is refused naming the figures,
    and the carry-forward stays outline approved and provisional."""
    carry = year_end_services.carry_forward_propose_from_year_end(
        from_year=plan.year(1), to_year=plan.year(3), amount=Decimal("455447"), reason="Delayed start", by=officer
    )
    funding_services.carry_forward_outline_approve(carry_forward=carry, decision_reference=DECISION, by=manager)
    before = _counts()
    with pytest.raises(ValidationError, match=r"underspent -£37,563.00 in 2013/14; carrying £37,556.00 forward"):
        funding_services.carry_forward_confirm(carry_forward=carry, by=manager)
    assert _counts() == before
    carry.refresh_from_db()
    assert (carry.status, carry.transaction, carry.confirmed_at) == (Carry.OUTLINE_APPROVED, None, None)


def test_a_second_proposal_may_claim_only_what_is_left(plan, officer, manager):
    """After £455,447 is proposed, 455,546 − 455,447 = £99 is left; £100 is refused, £99 fits, and once the
    first lapses its claim is free again."""
    first = year_end_services.carry_forward_propose_from_year_end(
        from_year=plan.year(1), to_year=plan.year(3), amount=Decimal("455447"), reason="Delayed start", by=officer
    )
    before = _counts()
    with pytest.raises(ValidationError, match=r"£99.00 of 2013/14 underspend left .* £100.00 is more than that"):
        year_end_services.carry_forward_propose_from_year_end(
            from_year=plan.year(1), to_year=plan.year(2), amount=Decimal("100"), reason="More", by=officer
        )
    assert _counts() == before
    second = year_end_services.carry_forward_propose_from_year_end(
        from_year=plan.year(1), to_year=plan.year(2), amount=Decimal("99"), reason="More", by=officer
    )
    assert sum(part.amount for part in second.parts.all()) == Decimal("99")
    with pytest.raises(ValidationError, match="Say why"):
        funding_services.carry_forward_lapse(carry_forward=first, reason=" ", by=officer)
    funding_services.carry_forward_lapse(carry_forward=first, reason="Not confirmed before year end", by=officer)
    assert year_end_selectors.year_end_of(plan.year(1)).total_available == Decimal("455447")


def test_explicit_parts_are_checked_against_each_work_streams_underspend(plan, officer):
    """Perpetrators underspent £137,734; £137,735 from it is refused, and parts that miss the total are too."""
    perpetrators = plan.streams["Perpetrators"]
    before = _counts()
    with pytest.raises(ValidationError, match=r"has £137,734.00 of its 2013/14 underspend .* £137,735.00"):
        year_end_services.carry_forward_propose_from_year_end(
            from_year=plan.year(1),
            to_year=plan.year(3),
            amount=Decimal("137735"),
            parts={perpetrators: Decimal("137735")},
            reason="x",
            by=officer,
        )
    with pytest.raises(ValidationError, match=r"The parts sum to £100.00, not the £150.00 proposed"):
        year_end_services.carry_forward_propose_from_year_end(
            from_year=plan.year(1),
            to_year=plan.year(3),
            amount=Decimal("150"),
            parts={perpetrators: Decimal("100")},
            reason="x",
            by=officer,
        )
    with pytest.raises(ValidationError, match="to a later year"):
        year_end_services.carry_forward_propose_from_year_end(
            from_year=plan.year(2), to_year=plan.year(1), amount=Decimal("1"), reason="x", by=officer
        )
    with pytest.raises(ValidationError, match="not a pooled work-stream"):
        year_end_services.carry_forward_propose_from_year_end(
            from_year=plan.year(1),
            to_year=plan.year(3),
            amount=Decimal("1"),
            parts={plan.streams["Prevention"]: Decimal("1")},
            reason="x",
            by=officer,
        )
    assert _counts() == before


def test_carry_forward_transitions_are_guarded_and_need_their_permissions(plan, officer, manager, auditor):
    carry = year_end_services.carry_forward_propose_from_year_end(
        from_year=plan.year(1), to_year=plan.year(3), amount=Decimal("1000"), reason="x", by=officer
    )
    with pytest.raises(PermissionDenied):
        year_end_services.carry_forward_propose_from_year_end(
            from_year=plan.year(1), to_year=plan.year(3), amount=Decimal("1"), reason="x", by=manager
        )
    for user in (officer, auditor):
        with pytest.raises(PermissionDenied):
            funding_services.carry_forward_outline_approve(carry_forward=carry, decision_reference=DECISION, by=user)
    with pytest.raises(PermissionDenied):
        funding_services.carry_forward_lapse(carry_forward=carry, reason="x", by=manager)
    with pytest.raises(ValidationError, match="only an outline approved one can be confirmed"):
        funding_services.carry_forward_confirm(carry_forward=carry, by=manager)
    carry = funding_services.carry_forward_reject(carry_forward=carry, reason="Not needed", by=manager)
    assert (carry.status, carry.rejected_by, carry.rejection_reason) == (Carry.REJECTED, manager, "Not needed")
    with pytest.raises(ValidationError, match="is rejected; only a proposed one can be outline approved"):
        funding_services.carry_forward_outline_approve(carry_forward=carry, decision_reference=DECISION, by=manager)
    with pytest.raises(ValidationError, match="is rejected; only a proposed or outline approved one can be lapsed"):
        funding_services.carry_forward_lapse(carry_forward=carry, reason="x", by=officer)


# Any sequence of drawdown transitions --------------------------------------------------------------------

drawdown_steps = st.lists(
    st.tuples(
        st.sampled_from(["propose", "approve", "post", "reject"]),
        st.integers(min_value=1, max_value=400_000_00).map(lambda pence: Decimal(pence).scaleb(-2)),
        st.integers(min_value=0, max_value=9),
    ),
    max_size=15,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=drawdown_steps)
def test_any_sequence_of_drawdown_transitions_keeps_the_reserve_whole(commission, steps):
    """Whatever is proposed, approved, posted or rejected, in any order: the ledger holds the opening balance less
    what was posted, approvals never commit more than it holds, a refusal writes nothing, and each drawdown's
    history has one row per transition it went through."""
    reserve = factories.ReserveFactory(commission=commission, opening_balance=Decimal("730000.00"))
    funding_services.reserve_opening_balance_post(reserve=reserve, by=None)
    years = list(commission.years.order_by("number"))
    drawdowns: list[ReserveDrawdown] = []
    for step, amount, pick in steps:
        target = drawdowns[pick % len(drawdowns)] if drawdowns else None
        before = _counts()
        try:
            if step == "propose":
                drawdowns.append(
                    funding_services.reserve_drawdown_propose(
                        reserve=reserve, financial_year=years[pick % 3], amount=amount, reason="x", by=None
                    )
                )
            elif target is not None and step == "approve":
                funding_services.reserve_drawdown_approve(drawdown=target, decision_reference="D", by=None)
            elif target is not None and step == "post":
                funding_services.reserve_drawdown_post(drawdown=target, by=None)
            elif target is not None:
                funding_services.reserve_drawdown_reject(drawdown=target, reason="No", by=None)
        except ValidationError:
            assert _counts() == before
        position = funding_selectors.reserve_position(reserve)
        assert position.holds == Decimal("730000.00") - position.drawn
        assert 0 <= position.approved_not_posted <= position.holds
    steps_taken = {Status.PROPOSED: 1, Status.APPROVED: 2, Status.POSTED: 3}
    for drawdown in ReserveDrawdown.objects.filter(reserve=reserve):
        expected = steps_taken.get(drawdown.status) or (1 + (drawdown.approved_at is not None) + 1)
        assert drawdown.events.count() == expected
