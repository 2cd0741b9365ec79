"""Pool rules: how an overspend is met, exactly. Worked examples, then properties over any figures: the parts sum
to the overspend, every cap holds, nothing is negative, and the steps are taken in order."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commissioning.money import MoneyError
from commissioning.pool_rules import (
    REDUCTIONS,
    RESERVE,
    STEPS,
    UNDERSPENDS,
    OverspendCase,
    meet_overspend,
    split_signed,
)

D = Decimal


def test_the_docstring_example_is_met_step_by_step():
    """£100,000 over: underspends £30,000, reserve £50,000, reductions £5,000; the £15,000 left is shared 60/40 →
    £9,000 and £6,000. 30,000 + 50,000 + 5,000 + 9,000 + 6,000 = 100,000."""
    outcome = meet_overspend(
        OverspendCase(
            overspend=D("100000"),
            underspends={"Early Support": D("30000")},
            reserve_balance=D("50000"),
            reductions_limit=D("5000"),
            contributions={"Preston": D("60000"), "Lancaster": D("40000")},
        )
    )
    assert outcome.from_underspends == {"Early Support": D("30000")}
    assert (outcome.from_reserve, outcome.from_reductions) == (D("50000"), D("5000"))
    assert outcome.partner_shares == {"Preston": D("9000"), "Lancaster": D("6000")}
    assert outcome.unmet == 0
    assert outcome.steps == ((UNDERSPENDS, D("30000")), (RESERVE, D("50000")), (REDUCTIONS, D("5000")))


def test_underspends_are_drawn_in_proportion_to_their_size_to_the_penny():
    """£100.00 from underspends of £1.00, £1.00 and £1.00 (£3.00 in all, so only £3.00 can come from them), and
    £10.00 from £20.00 / £10.00 / £10.00: exact shares 5.00 / 2.50 / 2.50."""
    small = meet_overspend(OverspendCase(overspend=D("100"), underspends={"a": D("1"), "b": D("1"), "c": D("1")}))
    assert small.from_underspends == {"a": D("1"), "b": D("1"), "c": D("1")}
    assert small.unmet == D("97")
    outcome = meet_overspend(OverspendCase(overspend=D("10"), underspends={"a": D("20"), "b": D("10"), "c": D("10")}))
    assert outcome.from_underspends == {"a": D("5.00"), "b": D("2.50"), "c": D("2.50")}


def test_a_third_of_a_penny_goes_to_the_largest_remainder_and_the_earlier_on_a_tie():
    """£0.10 shared by three equal contributions: 3.33p each, 1p over → the first partner: 4p / 3p / 3p."""
    outcome = meet_overspend(OverspendCase(overspend=D("0.10"), contributions={"a": D("5"), "b": D("5"), "c": D("5")}))
    assert outcome.partner_shares == {"a": D("0.04"), "b": D("0.03"), "c": D("0.03")}
    assert outcome.rounded_partners == ("a",)


def test_partners_bear_no_more_than_they_contributed_and_the_rest_is_unmet():
    """£50,000 over with nothing else to meet it and partners contributing £7,000 and £12,000: each bears its whole
    contribution, 7,000 + 12,000 = 19,000, and 50,000 − 19,000 = 31,000 is unmet."""
    outcome = meet_overspend(OverspendCase(overspend=D("50000"), contributions={"a": D("7000"), "b": D("12000")}))
    assert outcome.partner_shares == {"a": D("7000"), "b": D("12000")}
    assert outcome.unmet == D("31000")
    uncapped = meet_overspend(
        OverspendCase(overspend=D("50000"), contributions={"a": D("7000"), "b": D("12000")}, cap_at_contribution=False)
    )
    # 50,000 × 7/19 = 18,421.052…; × 12/19 = 31,578.947… → 18,421.05 / 31,578.95 (the larger remainder, .947, rounds up)
    assert uncapped.partner_shares == {"a": D("18421.05"), "b": D("31578.95")}
    assert uncapped.unmet == 0


def test_the_stated_order_is_followed():
    """Reserve first: £40,000 over with £30,000 in the reserve and £30,000 underspent leaves underspends to meet
    only 40,000 − 30,000 = 10,000."""
    outcome = meet_overspend(
        OverspendCase(
            overspend=D("40000"),
            underspends={"a": D("30000")},
            reserve_balance=D("30000"),
            order=(RESERVE, UNDERSPENDS),
        )
    )
    assert (outcome.from_reserve, outcome.from_underspends) == (D("30000"), {"a": D("10000")})
    assert outcome.from_reductions == 0


def test_no_overspend_meets_nothing():
    outcome = meet_overspend(
        OverspendCase(overspend=D("0"), underspends={"a": D("5")}, reserve_balance=D("5"), contributions={"p": D("5")})
    )
    assert outcome.met == outcome.unmet == 0
    assert outcome.partner_shares == outcome.from_underspends == {}


@pytest.mark.parametrize(
    ("case", "error"),
    [
        (OverspendCase(overspend=D("-1")), MoneyError),
        (OverspendCase(overspend=D("1"), reserve_balance=D("-0.01")), MoneyError),
        (OverspendCase(overspend=D("0.001")), MoneyError),
        (OverspendCase(overspend=D("1"), order=("reserve", "reserve")), ValueError),
        (OverspendCase(overspend=D("1"), order=("partners",)), ValueError),
    ],
)
def test_impossible_figures_are_refused(case, error):
    with pytest.raises(error):
        meet_overspend(case)


def test_a_signed_split_sums_to_a_negative_total():
    """−£10.00 by 1:2 → −3.33 / −6.67 (−6.666… rounds away from the 6.66 floor)."""
    assert split_signed(D("-10"), [D("1"), D("2")]) == (D("-3.33"), D("-6.67"))
    assert split_signed(D("10"), [D("1"), D("2")]) == (D("3.33"), D("6.67"))


# Properties -----------------------------------------------------------------------------------------------

pence = st.integers(min_value=0, max_value=10**10).map(lambda p: Decimal(p).scaleb(-2))
small_pence = st.integers(min_value=0, max_value=10**6).map(lambda p: Decimal(p).scaleb(-2))


@st.composite
def cases(draw):  # type: ignore[no-untyped-def]
    amounts = draw(st.sampled_from([pence, small_pence]))
    return OverspendCase(
        overspend=draw(amounts),
        underspends=draw(st.dictionaries(st.sampled_from("ABCDEFG"), amounts, max_size=6)),
        reserve_balance=draw(amounts),
        reductions_limit=draw(amounts),
        contributions=draw(st.dictionaries(st.integers(1, 20), amounts, max_size=12)),
        order=tuple(draw(st.permutations(STEPS))[: draw(st.integers(0, 3))]),
        cap_at_contribution=draw(st.booleans()),
    )


@given(cases())
def test_any_overspend_is_met_exactly_within_every_cap(case):
    outcome = meet_overspend(case)
    parts = [
        *outcome.from_underspends.values(),
        outcome.from_reserve,
        outcome.from_reductions,
        *outcome.partner_shares.values(),
        outcome.unmet,
    ]
    assert sum(parts, D("0")) == case.overspend
    assert all(part >= 0 and part == part.quantize(D("0.01")) for part in parts)
    for key, taken in outcome.from_underspends.items():
        assert taken <= case.underspends[key]
    assert outcome.from_reserve <= case.reserve_balance
    assert outcome.from_reductions <= case.reductions_limit
    if case.cap_at_contribution:
        for partner, share in outcome.partner_shares.items():
            assert share <= case.contributions[partner]
    # A step not in the order meets nothing.
    assert UNDERSPENDS in case.order or not outcome.from_underspends
    assert RESERVE in case.order or outcome.from_reserve == 0
    assert REDUCTIONS in case.order or outcome.from_reductions == 0


@given(cases())
def test_a_later_step_is_used_only_when_the_earlier_ones_are_spent(case):
    outcome = meet_overspend(case)
    capacity = {
        UNDERSPENDS: sum(case.underspends.values(), D("0")),
        RESERVE: case.reserve_balance,
        REDUCTIONS: case.reductions_limit,
    }
    taken = dict(outcome.steps)
    for index, step in enumerate(case.order):
        later = case.order[index + 1 :]
        if any(taken[other] > 0 for other in later):
            assert taken[step] == capacity[step]
    if outcome.partner_shares:
        assert all(taken[step] == capacity[step] for step in case.order)
    if outcome.unmet > 0:
        assert all(taken[step] == capacity[step] for step in case.order)
        if case.cap_at_contribution:
            assert outcome.partner_shares == {p: c for p, c in case.contributions.items() if c > 0}
        else:
            assert sum(case.contributions.values(), D("0")) == 0


@given(st.integers(-(10**9), 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=10))
def test_a_signed_split_always_sums_to_its_total(total_pence, weights):
    if sum(weights) == 0:
        weights[0] = 1
    total = Decimal(total_pence).scaleb(-2)
    parts = split_signed(total, [Decimal(weight) for weight in weights])
    assert sum(parts, D("0")) == total
    assert all((part <= 0) if total < 0 else (part >= 0) for part in parts)
